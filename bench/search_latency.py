"""Per-query cost of the app's matching at 10^4 claims, against plain FAISS search.

Builds the app's ClaimIndex (FAISS + BM25) over the first N claims of the CheckThat! 2022
collection, then times, for each dev query: the reference (FAISS top-50 on the query vector),
the app's full re-ranking (BM25 scan, pooling, fusion) and the whole search including the
query's embedding. Prints medians, 95th percentiles and the ratios to the reference.

    .venv/bin/python bench/search_latency.py [--claims 10000] [--queries 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claims.config import PACKAGED_MODEL, Config
from claims.search.embedder import Embedder
from claims.search.index import ClaimIndex
from claims.services.evaluation import read_tsv
from claims.services.links import MATCH_DEPTH
from claims.text.cleaning import matching_text
from claims.web.extensions import make_embedder

DATA = ROOT.parent / "shared" / "bench" / "retrieval" / "ct2022-t2a"


def timed(fn, repeat: int = 3) -> float:
    """Return the best of `repeat` runs of fn, in milliseconds."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def summary(samples: list[float]) -> str:
    """Format the median and 95th percentile of a list of milliseconds."""
    p95 = float(np.percentile(samples, 95))
    return f"median {statistics.median(samples):7.2f} ms   p95 {p95:7.2f} ms"


def build_index(embedder: Embedder, texts: list[str], config: dict) -> ClaimIndex:
    """Fill the app's ClaimIndex without a database: the timing is about search, not storage."""
    index = ClaimIndex(
        "unused.faiss",
        embedder.name,
        config["DENSE_WEIGHT"],
        exact_limit=config["EXACT_LIMIT"],
        nprobe=config["IVF_NPROBE"],
    )
    ids = list(range(1, len(texts) + 1))
    index.fill(ids, embedder.encode(texts), [(i, t, "en") for i, t in zip(ids, texts, strict=True)])
    return index


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"skipped: benchmark data not found at {DATA} (it lives in ../shared/bench)")
        return 0
    documents = list(read_tsv(DATA / "collection.tsv", 3))[: args.claims]
    queries = [matching_text(t) for _, t in read_tsv(DATA / "dev.queries.tsv", 2)]
    queries = queries[: args.queries]
    # Built as the app builds it: single texts (queries) through ONNX unless configured off.
    config = Config(str(ROOT / "instance")).as_dict() | {"CLAIMS_MODEL": PACKAGED_MODEL}
    embedder = make_embedder(config)
    print(f"embedding {len(documents)} claims…", flush=True)
    texts = [matching_text(t, title) for _, t, title in documents]
    index = build_index(embedder, texts, config)
    vectors = embedder.encode(queries)
    engine = "ONNX Runtime" if embedder.prepare_queries() else "torch"
    reference, rerank, whole = [], [], []

    def encode(text: str) -> np.ndarray:
        return embedder.encode([text])[0]

    for text, vector in zip(queries, vectors, strict=True):
        query = vector.reshape(1, -1)
        # The base VectorIndex: plain FAISS, without the merge with recent vectors.
        reference.append(timed(lambda q=query: index.dense.base.search(q, MATCH_DEPTH)))
        rerank.append(timed(lambda v=vector, t=text: index.match(v, t, "en", MATCH_DEPTH)))
        whole.append(timed(lambda t=text: index.match_text(t, "en", MATCH_DEPTH, encode)))
    ratio = statistics.median(rerank) / statistics.median(reference)
    print(
        f"claims {len(documents)}, queries {len(queries)}, candidates pooled per list {MATCH_DEPTH}"
    )
    print(f"reference: FAISS top-{MATCH_DEPTH}          {summary(reference)}")
    print(f"app re-ranking (BM25 + fusion)  {summary(rerank)}   ×{ratio:.1f} the reference")
    print(f"whole search incl. embedding    {summary(whole)}   (queries on {engine})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
