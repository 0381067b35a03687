"""The scale benchmarks: ingest speed, vector search up to 10^6 claims, pages under load.

Every figure is a ratio to a reference measured in the same run, or a latency distribution.
Prints a table, writes it to bench/results.md, and ends with the one-line summary:

    bench: ingest_vs_encode=<ratio> search_p95_ms@1e6=<ms> recall@10=<r> load_errors=<n>

    .venv/bin/python bench/run.py          (or: make bench)
"""

from __future__ import annotations

import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claims import create_app  # noqa: E402
from claims.config import PACKAGED_MODEL  # noqa: E402
from claims.embedder import Embedder  # noqa: E402
from claims.index import EXACT_LIMIT, NPROBE  # noqa: E402
from claims.text import extract_claims  # noqa: E402
from claims.vectors import VectorIndex, ivf_lists, recall_at_k  # noqa: E402

SIZES = (10_000, 100_000, 1_000_000)
QUERIES = 200
LOAD_THREADS, LOAD_REQUESTS = 16, 20


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    """Return p50, p95 and p99 of a list of milliseconds."""
    p50, p95, p99 = np.percentile(samples, [50, 95, 99])
    return float(p50), float(p95), float(p99)


def peak_rss_mb() -> float:
    """Return this process's peak resident memory so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed_sentences() -> list[str]:
    """Return the claims the pipeline extracts from the seed articles."""
    sentences = []
    for path in sorted((ROOT / "seeds").iterdir()):
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[-1]
        sentences += [span.text for span in extract_claims(body, "fr")]
    return sentences


def write_corpus(folder: Path, sentences: list[str], articles: int) -> None:
    """Write articles of eight seed sentences each, made unique by their numbers."""
    rng = random.Random(0)
    for n in range(articles):
        picked = rng.sample(sentences, 8)
        body = "\n\n".join(f"{s} (dépêche {n}-{i}.)" for i, s in enumerate(picked))
        (folder / f"{n:04d}.md").write_text(
            f"---\ntitle: Dépêche {n}\nsource: Agence {n % 5}\n---\n\n{body}\n"
        )


def bench_ingest(embedder: Embedder, workdir: Path) -> dict[str, float]:
    """Claims per second through `claims import`, against bare encode of the same claims."""
    from sqlmodel import Session, select

    from claims.models import Claim

    corpus = workdir / "corpus"
    corpus.mkdir()
    write_corpus(corpus, seed_sentences(), 150)
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{workdir / 'ingest.db'}",
            "CLAIMS_INDEX_PATH": str(workdir / "ingest.faiss"),
            "CLAIMS_EMBEDDER": embedder,
            "SECRET_KEY": "bench",
        }
    )
    runner = app.test_cli_runner()
    runner.invoke(args=["claims", "init-db"])
    started = time.perf_counter()
    result = runner.invoke(args=["claims", "import", str(corpus)])
    ingest_seconds = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    with Session(app.extensions["claims"].engine) as session:
        texts = list(session.exec(select(Claim.text)))
    started = time.perf_counter()
    embedder.encode(texts)
    encode_seconds = time.perf_counter() - started
    return {
        "claims": len(texts),
        "ingest_per_s": len(texts) / ingest_seconds,
        "encode_per_s": len(texts) / encode_seconds,
        "ratio": encode_seconds / ingest_seconds,
    }


def clustered(base: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Synthetic claim vectors: real seed embeddings plus noise, so they cluster like data."""
    rows = base[rng.integers(0, len(base), size)]
    noisy = rows + rng.normal(scale=0.08, size=rows.shape).astype(np.float32)
    return (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)


def bench_search(embedder: Embedder, base: np.ndarray) -> list[dict[str, float]]:
    """Vector search latency (query embedding included) and recall@10 at each size."""
    rng = np.random.default_rng(0)
    queries = seed_sentences()[:QUERIES]
    embed_ms = []
    for text in queries:
        started = time.perf_counter()
        embedder.encode([text])
        embed_ms.append((time.perf_counter() - started) * 1000)
    rows = []
    for size in SIZES:
        vectors = clustered(base, size, rng)
        ids = list(range(1, size + 1))
        if size <= EXACT_LIMIT:
            index = VectorIndex(vectors.shape[1])
        else:
            lists = ivf_lists(size)
            sample = vectors[rng.choice(size, lists * 64, replace=False)]
            index = VectorIndex.ivf(sample, lists, NPROBE)
        index.add(ids, vectors)
        probes = clustered(base, len(queries), rng)
        search_ms = []
        for probe in probes:
            started = time.perf_counter()
            index.search(probe.reshape(1, -1), 50)
            search_ms.append((time.perf_counter() - started) * 1000)
        total = [e + s for e, s in zip(embed_ms, search_ms, strict=True)]
        p50, p95, p99 = percentiles(total)
        rows.append(
            {
                "size": size,
                "kind": index.kind,
                "p50": p50,
                "p95": p95,
                "p99": p99,
                "recall": recall_at_k(index, ids, vectors),
                "rss": peak_rss_mb(),
            }
        )
        del index, vectors
    return rows


def free_port() -> int:
    """Return a TCP port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bench_load(workdir: Path) -> dict[str, float]:
    """16 concurrent clients on the claim page, the queue and search, against 2 workers."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'load.db'}",
        "CLAIMS_INDEX_PATH": str(workdir / "load.faiss"),
        "SECRET_KEY": "bench",
        "CLAIMS_NEW_PASSWORD": "bench password 123",
        "HF_HUB_OFFLINE": "1",
    }
    flask = [sys.executable, "-m", "flask", "--app", "app", "claims"]

    def cli(*args: str) -> str:
        return subprocess.run(
            [*flask, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        ).stdout

    cli("init-db")
    cli("import", str(ROOT / "seeds"))
    cli("users", "create", "bench", "--role", "admin")
    token = cli("tokens", "create", "bench").strip().splitlines()[-1]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "app:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    paths = ["/claims/1", "/claims", "/search?q=" + urllib.parse.quote("missiles balistiques")]
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def fetch(path: str) -> None:
        request = urllib.request.Request(base + path)
        request.add_header("Authorization", f"Bearer {token}")
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                response.read()
                ok = response.status == 200
        except (urllib.error.URLError, ConnectionError):
            ok = False
        with lock:
            latencies.append((time.perf_counter() - started) * 1000)
            errors[0] += not ok

    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/login", timeout=5).close()
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.3)
        for path in paths:  # each worker loads the model and index before the timed run
            for _ in range(4):
                fetch(path)
        latencies.clear()
        errors[0] = 0

        def client(number: int) -> None:
            for i in range(LOAD_REQUESTS):
                fetch(paths[(number + i) % len(paths)])

        threads = [threading.Thread(target=client, args=(n,)) for n in range(LOAD_THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait(timeout=60)
    p50, p95, p99 = percentiles(latencies)
    return {"requests": len(latencies), "p50": p50, "p95": p95, "p99": p99, "errors": errors[0]}


def report(ingest: dict, search: list[dict], load: dict) -> str:
    """Format the results as Markdown."""
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {os.cpu_count()} cores. Command: `make bench`.",
        "",
        "## Ingest",
        "",
        "| claims | import, claims/s | bare encode, claims/s | ingest_vs_encode |",
        "|---|---|---|---|",
        f"| {ingest['claims']} | {ingest['ingest_per_s']:.1f} | {ingest['encode_per_s']:.1f} "
        f"| {ingest['ratio']:.2f} |",
        "",
        "## Vector search (query embedding included; synthetic clustered vectors)",
        "",
        "| claims | index | p50 ms | p95 ms | p99 ms | recall@10 vs exact | peak RSS MB |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['size']:,} | {r['kind']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} "
        f"| {r['recall']:.4f} | {r['rss']:.0f} |"
        for r in search
    ]
    lines += [
        "",
        f"## Pages under load ({LOAD_THREADS} concurrent clients, gunicorn with 2 workers)",
        "",
        "| requests | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---|---|---|---|",
        f"| {load['requests']} | {load['p50']:.0f} | {load['p95']:.0f} | {load['p99']:.0f} "
        f"| {load['errors']} |",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    """Run every benchmark, write bench/results.md and print the summary line."""
    embedder = Embedder(PACKAGED_MODEL)
    base = embedder.encode(seed_sentences())
    with tempfile.TemporaryDirectory(prefix="claims-bench-") as tmp:
        ingest = bench_ingest(embedder, Path(tmp))
        search = bench_search(embedder, base)
        load = bench_load(Path(tmp))
    text = report(ingest, search, load)
    (ROOT / "bench" / "results.md").write_text(text, encoding="utf-8")
    print(text)
    largest = search[-1]
    print(
        f"bench: ingest_vs_encode={ingest['ratio']:.2f} "
        f"search_p95_ms@1e6={largest['p95']:.1f} recall@10={largest['recall']:.4f} "
        f"load_errors={load['errors']}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
