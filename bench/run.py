"""The scale benchmarks: ingest speed, vector search up to 10^6 claims, pages under load.

Every figure is a ratio to a reference measured in the same run, or a latency distribution.
Prints a table, writes it to bench/results.md, and ends with the one-line summary:

    bench: ingest_vs_encode=<ratio> search_p95_ms@1e6=<ms> recall@10=<r> load_errors=<n>

    .venv/bin/python bench/run.py          (or: make bench)
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claims import create_app
from claims.config import (
    EXACT_LIMIT,
    NPROBE,
    PACKAGED_MODEL,
)
from claims.search.embedder import Embedder
from claims.search.vectors import VectorIndex, build_dense, recall_at_k
from claims.serving import gunicorn
from claims.text.sentences import extract_claims

SIZES = (10_000, 100_000, 1_000_000)
# IVF lists visited per query, compared at the IVF sizes.
NPROBES = (16, 32, 64)
# /api/search over HTTP: the database, the FAISS index and the BM25 segments hold this many.
HTTP_SIZES = (10_000, 100_000, 1_000_000)
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
        # The number opens the sentence: after its final stop it would be split off.
        body = "\n\n".join(f"Dépêche {n}-{i} : {s}" for i, s in enumerate(picked))
        (folder / f"{n:04d}.md").write_text(
            f"---\ntitle: Dépêche {n}\nsource: Agence {n % 5}\n---\n\n{body}\n"
        )


def seconds(work: Callable[[], object]) -> float:
    """Return how long a call takes."""
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def bench_ingest(embedder: Embedder, workdir: Path) -> dict[str, float]:
    """Claims per second through `claims import`, against bare encode of the same claims.

    Both sides start with their models loaded: the embedder, and for the import the language
    identifier too (about 0.4 s, once per process), as a long-running worker has them.
    """
    from sqlmodel import Session, select

    from claims.models import Claim
    from claims.text.language import detect_language

    detect_language("Le modèle de langue est chargé avant la mesure.")

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
        # What import embedded: each claim's matching text.
        texts = list(session.exec(select(Claim.match_text)))
    encoders = {
        "bare": lambda: embedder.model.encode(texts),  # sentence-transformers' defaults
        # The app's own encoding (batched by token count) shows what the rest of import costs.
        "app": lambda: embedder.encode(texts),
    }
    runs: dict[str, list[float]] = {"bare": [], "app": []}
    # Each twice, in both orders, keeping the faster run: neither gains from running warmer.
    for order in (("bare", "app"), ("app", "bare")):
        for name in order:
            runs[name].append(seconds(encoders[name]))
    encode_seconds, embedder_seconds = min(runs["bare"]), min(runs["app"])
    return {
        "claims": len(texts),
        "ingest_per_s": len(texts) / ingest_seconds,
        "encode_per_s": len(texts) / encode_seconds,
        "embedder_per_s": len(texts) / embedder_seconds,
        "ratio": encode_seconds / ingest_seconds,
        "embedder_ratio": embedder_seconds / ingest_seconds,
    }


def clustered(
    base: np.ndarray, size: int, rng: np.random.Generator, pick: bool = True
) -> np.ndarray:
    """Synthetic claim vectors: real seed embeddings plus noise, so they cluster like data.

    Picks `size` rows of `base` at random, or takes them in order when `pick` is false.
    """
    rows = base[rng.integers(0, len(base), size)] if pick else base
    noisy = rows + rng.normal(scale=0.08, size=rows.shape).astype(np.float32)
    return (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)


def bench_search(embedder: Embedder, base: np.ndarray, workdir: Path) -> list[dict]:
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
        # The app's own build: exact or IVF, its lists, training sample and recall.
        built = build_dense(ids, vectors, exact_limit=EXACT_LIMIT, nprobe=NPROBE)
        index = built.index
        probes = clustered(base, len(queries), rng)
        for nprobe in (NPROBE,) if index.exact else NPROBES:
            index.set_nprobe(nprobe)
            row = _timed_search(index, probes, embed_ms)
            # At the configured nprobe, the recall the app records; the others measured alike.
            recall = built.recall if nprobe == NPROBE else recall_at_k(index, ids, vectors)
            row.update(size=size, kind=index.kind, recall=recall)
            rows.append(row)
        rows[-1]["memory"] = mapped_memory(index, workdir)
        del index, vectors
    return rows


def _timed_search(index: VectorIndex, probes: np.ndarray, embed_ms: list[float]) -> dict:
    """Time top-50 searches, adding each query's embedding time."""
    search_ms = []
    for probe in probes:
        started = time.perf_counter()
        index.search(probe.reshape(1, -1), 50)
        search_ms.append((time.perf_counter() - started) * 1000)
    total = [e + s for e, s in zip(embed_ms, search_ms, strict=True)]
    p50, p95, p99 = percentiles(total)
    return {"p50": p50, "p95": p95, "p99": p99, "rss": peak_rss_mb()}


MEMORY_PROBE = """
import sys
import numpy as np
from claims.search.vectors import VectorIndex
index = VectorIndex.load(sys.argv[1], mmap=sys.argv[2] == "1")
index.search(np.ones((1, index.dimension), dtype=np.float32), 50)
status = open("/proc/self/status").read()
print(*(int(status.split(key + ":")[1].split()[0]) // 1024 for key in ("RssAnon", "RssFile")))
"""


def mapped_memory(index: VectorIndex, workdir: Path) -> dict[str, int]:
    """Private and shared MB of a process that loads the saved index, read or mapped."""
    path = workdir / "memory.faiss"
    index.save(path)
    memory = {}
    for mode, flag in (("read", "0"), ("mapped", "1")):
        command = [sys.executable, "-c", MEMORY_PROBE, str(path), flag]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
        private, shared = map(int, done.stdout.split())
        memory[mode] = private
        memory[f"{mode}_shared"] = shared
    path.unlink()
    return memory


def bench_env(folder: Path) -> dict[str, str]:
    """The environment of a served app with its own database and index in `folder`."""
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
        "CLAIMS_INDEX_PATH": str(folder / "bench.faiss"),
        "CLAIMS_QUEUE_URL": f"sqlite:///{folder / 'queue.db'}",
        "SECRET_KEY": "bench",
        "CLAIMS_NEW_PASSWORD": "bench password 123",
        "HF_HUB_OFFLINE": "1",
    }


def cli(env: dict[str, str], *args: str) -> str:
    """Run a `flask claims` command and return its output."""
    command = [sys.executable, "-m", "flask", "--app", "app", "claims", *args]
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout


def admin_token(env: dict[str, str]) -> str:
    """Create an admin account and return a fresh API token for it."""
    cli(env, "users", "create", "bench", "--role", "admin")
    return cli(env, "tokens", "create", "bench").strip().splitlines()[-1]


def workers_peak_rss_mb(master: int) -> float:
    """Return the largest peak resident memory among a gunicorn master's workers, in MB."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    peaks = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        peaks.append(int(status.split("VmHWM:")[1].split()[0]) / 1024)
    return max(peaks, default=0.0)


def fetch(url: str, token: str) -> tuple[float, bool]:
    """GET a URL with the token; return the milliseconds taken and whether it answered 200."""
    request = urllib.request.Request(url)
    request.add_header("Authorization", f"Bearer {token}")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            response.read()
            ok = response.status == 200
    except OSError:
        ok = False
    return (time.perf_counter() - started) * 1000, ok


def populate(url: str, model: str, base: np.ndarray, size: int, first: int = 0) -> None:
    """Store `size` synthetic claims (seed sentences, clustered vectors), ten per article.

    Ids start after `first` (a multiple of ten), so later calls add to an existing corpus.
    """
    import sqlalchemy as sa

    from claims.db import make_engine
    from claims.models import Article, Claim, SearchChange, Source

    rng = np.random.default_rng(size + first)
    sentences = seed_sentences()
    picks = rng.integers(0, len(base), first + size)
    now = datetime.now(UTC)
    engine = make_engine(url)
    with engine.begin() as connection:
        if not first:
            connection.execute(sa.insert(Source.__table__), [{"id": 1, "name": "Wire"}])
        articles = [
            {"id": n + 1, "source_id": 1, "title": f"Dépêche {n}", "language": "fr"}
            | {"body": "…", "body_sha256": f"{n:064x}", "created_at": now}
            for n in range(first // 10, (first + size + 9) // 10)
        ]
        connection.execute(sa.insert(Article.__table__), articles)
        for start in range(first, first + size, 10_000):
            stop = min(first + size, start + 10_000)
            vectors = clustered(base[picks[start:stop]], stop - start, rng, pick=False)
            rows = []
            for n, vector in zip(range(start, stop), vectors, strict=True):
                text = f"{sentences[picks[n]]} (dépêche {n})"
                rows.append(
                    {"id": n + 1, "article_id": n // 10 + 1, "position": n % 10, "start": 0}
                    | {"end": len(text), "text": text, "language": "fr", "checkworthiness": 0.5}
                    | {"status": "unreviewed", "version": 1, "created_at": now}
                    | {"embedding": vector.tobytes(), "embedding_model": model}
                )
            connection.execute(sa.insert(Claim.__table__), rows)
            # What an import logs with its claims, so every index replays them.
            changes = [{"claim_id": row["id"], "action": "add", "created_at": now} for row in rows]
            connection.execute(sa.insert(SearchChange.__table__), changes)
    engine.dispose()


def bench_http_search(embedder: Embedder, base: np.ndarray, workdir: Path) -> list[dict]:
    """/api/search over HTTP (two gunicorn workers), query embedding and BM25 included."""
    rows = []
    for size in HTTP_SIZES:
        folder = workdir / f"http-{size}"
        folder.mkdir()
        env = bench_env(folder)
        cli(env, "init-db")
        token = admin_token(env)
        populate(env["DATABASE_URL"], embedder.name, base, size)
        cli(env, "reindex")  # replays the stored claims and writes the index snapshot
        queries = seed_sentences()[:QUERIES]
        with gunicorn(env) as (url, server):
            for text in queries[:8]:  # each worker loads the model, index and BM25 first
                fetch(f"{url}/api/search?k=10&q={urllib.parse.quote(text)}", token)
            timed = [
                fetch(f"{url}/api/search?k=10&q={urllib.parse.quote(text)}", token)
                for text in queries
            ]
            rss = workers_peak_rss_mb(server.pid)
        p50, p95, p99 = percentiles([ms for ms, _ in timed])
        errors = sum(not ok for _, ok in timed)
        rows.append(
            {"size": size, "p50": p50, "p95": p95, "p99": p99, "errors": errors, "rss": rss}
        )
        shutil.rmtree(folder)  # 10^6 claims take about 2 GB of disk
    return rows


def bench_load(workdir: Path) -> dict[str, float]:
    """16 concurrent clients on the claim page, the queue and search, against 2 workers."""
    folder = workdir / "load"
    folder.mkdir()
    env = bench_env(folder)
    cli(env, "init-db")
    cli(env, "import", str(ROOT / "seeds"))
    token = admin_token(env)
    paths = ["/claims/1", "/claims", "/search?q=" + urllib.parse.quote("missiles balistiques")]
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    with gunicorn(env) as (url, _):

        def get(path: str) -> None:
            ms, ok = fetch(url + path, token)
            with lock:
                latencies.append(ms)
                errors[0] += not ok

        for path in paths:  # each worker loads the model and index before the timed run
            for _ in range(4):
                get(path)
        latencies.clear()
        errors[0] = 0

        def client(number: int) -> None:
            for i in range(LOAD_REQUESTS):
                get(paths[(number + i) % len(paths)])

        threads = [threading.Thread(target=client, args=(n,)) for n in range(LOAD_THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    p50, p95, p99 = percentiles(latencies)
    return {"requests": len(latencies), "p50": p50, "p95": p95, "p99": p99, "errors": errors[0]}


REPLICA_BASE = 100_000
REPLICA_BATCH = 1_000
REPLICA_REPEATS = 5


def bench_replica(embedder: Embedder, base: np.ndarray, workdir: Path) -> dict[str, float]:
    """How long a running instance takes to apply 1,000 claims another one committed."""
    from sqlmodel import Session

    from claims.db import make_engine
    from claims.search.index import ClaimIndex

    folder = workdir / "replica"
    folder.mkdir()
    env = bench_env(folder)
    cli(env, "init-db")
    populate(env["DATABASE_URL"], embedder.name, base, REPLICA_BASE)
    cli(env, "upkeep", "--snapshot")  # the snapshot both instances start from
    engine = make_engine(env["DATABASE_URL"])
    replica = ClaimIndex(env["CLAIMS_INDEX_PATH"], embedder.name)
    timings = []
    with Session(engine) as session:
        replica.ensure_fresh(session)
        for repeat in range(REPLICA_REPEATS):
            first = REPLICA_BASE + repeat * REPLICA_BATCH
            populate(env["DATABASE_URL"], embedder.name, base, REPLICA_BATCH, first)
            session.rollback()  # a new transaction, as a new request would have
            timings.append(seconds(lambda: replica.catch_up(session)) * 1000)
        held = len(replica)
    engine.dispose()
    assert held == REPLICA_BASE + REPLICA_REPEATS * REPLICA_BATCH, held
    low, median, high = min(timings), float(np.median(timings)), max(timings)
    return {"median": median, "min": low, "max": high, "replays": replica.full_replays}


STORM_CLIENTS = 50
STORM_ROUNDS = 3


def bench_storm(workdir: Path) -> dict[str, int]:
    """50 identical imports at once against 2 workers, a few rounds: count the 5xx answers."""
    folder = workdir / "storm"
    folder.mkdir()
    env = bench_env(folder)
    cli(env, "init-db")
    token = admin_token(env)
    statuses: list[int] = []
    with gunicorn(env) as (url, _):
        for number in range(STORM_ROUNDS):
            body = f"Round {number}: the council spent {number + 40} million euros on buses."
            payload = {"title": f"Storm {number}", "source": "Bench", "body": body}
            with ThreadPoolExecutor(STORM_CLIENTS) as pool:
                calls = [
                    pool.submit(post_json, f"{url}/api/articles", token, payload)
                    for _ in range(STORM_CLIENTS)
                ]
                statuses += [future.result() for future in calls]
    return {
        "requests": len(statuses),
        "created": statuses.count(201),
        "errors": sum(status >= 500 for status in statuses),
    }


def post_json(url: str, token: str, payload: dict) -> int:
    """POST a JSON payload with the bearer token; return the HTTP status."""
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST")
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def report(ingest: dict, search: list[dict], http: list[dict], load: dict) -> str:
    """Format the results as Markdown."""
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {os.cpu_count()} cores. Command: `make bench`.",
        "",
        "## Ingest",
        "",
        "| claims | import, claims/s | bare encode, claims/s | ingest_vs_encode "
        "| the app's encode, claims/s | import vs the app's encode |",
        "|---|---|---|---|---|---|",
        f"| {ingest['claims']} | {ingest['ingest_per_s']:.1f} | {ingest['encode_per_s']:.1f} "
        f"| {ingest['ratio']:.2f} | {ingest['embedder_per_s']:.1f} "
        f"| {ingest['embedder_ratio']:.2f} |",
        "",
        "## /api/search over HTTP (query embedding, vectors and BM25; gunicorn, 2 workers)",
        "",
        "| claims | p50 ms | p95 ms | p99 ms | errors | peak RSS of a worker, MB |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['size']:,} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {r['errors']} "
        f"| {r['rss']:.0f} |"
        for r in http
    ]
    lines += [
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
        "## Memory of a process that loads the saved index (MB)",
        "",
        "| claims | read: private | memory-mapped: private | memory-mapped: shared page cache |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {r['size']:,} | {r['memory']['read']} | {r['memory']['mapped']} "
        f"| {r['memory']['mapped_shared']} |"
        for r in search
        if "memory" in r
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


def report_follow(replica: dict, storm: dict) -> str:
    """Format how instances follow the change log, and the import storm, as Markdown."""
    return (
        "\n".join(
            [
                "",
                f"## Following the change log ({REPLICA_BATCH:,} claims on a "
                f"{REPLICA_BASE:,} base, {REPLICA_REPEATS} times)",
                "",
                "| catch-up median ms | min ms | max ms | full replays |",
                "|---|---|---|---|",
                f"| {replica['median']:.0f} | {replica['min']:.0f} | {replica['max']:.0f} "
                f"| {replica['replays']} |",
                "",
                f"## {STORM_CLIENTS} identical imports at once, {STORM_ROUNDS} rounds "
                "(gunicorn, 2 workers)",
                "",
                "| requests | 201 Created | 5xx |",
                "|---|---|---|",
                f"| {storm['requests']} | {storm['created']} | {storm['errors']} |",
            ]
        )
        + "\n"
    )


def main() -> int:
    """Run every benchmark, write bench/results.md and print the summary line."""
    embedder = Embedder(PACKAGED_MODEL)
    base = embedder.encode(seed_sentences())
    with tempfile.TemporaryDirectory(prefix="claims-bench-") as tmp:
        ingest = bench_ingest(embedder, Path(tmp))
        http = bench_http_search(embedder, base, Path(tmp))
        search = bench_search(embedder, base, Path(tmp))
        load = bench_load(Path(tmp))
        replica = bench_replica(embedder, base, Path(tmp))
        storm = bench_storm(Path(tmp))
    text = report(ingest, search, http, load) + report_follow(replica, storm)
    (ROOT / "bench" / "results.md").write_text(text, encoding="utf-8")
    print(text)
    # The summary reports /api/search at 10^6 claims, and recall at the configured nprobe.
    largest = next(r for r in search if r["size"] == SIZES[-1] and r["kind"].endswith(f" {NPROBE}"))
    print(
        f"bench: ingest_vs_encode={ingest['ratio']:.2f} "
        f"search_p95_ms@1e6={http[-1]['p95']:.1f} recall@10={largest['recall']:.4f} "
        f"load_errors={load['errors']} "
        f"replica_catchup_ms={replica['median']:.0f}[{replica['min']:.0f}-{replica['max']:.0f}] "
        f"concurrent_errors={storm['errors']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
