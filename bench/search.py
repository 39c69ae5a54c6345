"""Search latency over HTTP with the corpus scaled to 100,000 passages, as ratios to BM25 alone.

Run: ``.venv/bin/python bench/search.py [--passages 100000] [--requests 300] [--no-es]``

1. Extract the corpus once (``../shared/corpus``), then write copies of every document
   (doc ids ``c{copy}-{doc_id}``, the node ids of its document, clauses and passages rewritten to
   match; entity nodes stay shared, as in a real store) into a fresh embedded index until at
   least ``--passages`` Passage units are indexed (one `rebuild`).
2. Train the term vectors once on those passages (timed) and save them in the data dir.
3. Serve the API on that data dir in a process of its own (uvicorn, as `policykg serve` runs it;
   ``--thread-server``: in a thread of this process, where client and server share one GIL), and send ``--requests``
   pairs of requests, interleaved, cycling through 30 queries of ``bench/dev/search_questions.jsonl``:
   the product (``GET /search?q=``: documents with their passages, and entities) and the
   baseline, plain BM25 over clauses (``GET /search?q=&type=PolicyClause``, `SearchService.nodes`).
   p50 and p99 in ms, and product / baseline.
4. The same in-process through `SearchService` (no HTTP), to separate the HTTP overhead; with
   and without the term vectors (the HTTP route ranks without them), and the raw index
   candidates query (`index.search(parse_query(q))`).
5. The same for Elasticsearch (index ``bench-search``) when it answers, unless ``--no-es``.

Target: product p99 < 50 ms on the embedded backend at 100,000 passages. When the embedded
product's p99 is over it, one query is profiled (cProfile, top 15 functions by cumulative time).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import os
import pstats
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import httpx

from policykg.api.main import create_app
from policykg.app.maintenance import load_vectors
from policykg.core.errors import PolicyKGError
from policykg.core.model import DOCUMENT_TEXT, PASSAGE, PASSAGE_MARK, SearchUnit
from policykg.core.settings import Settings
from policykg.ingest.pipeline import extract_document
from policykg.ingest.reader import iter_input_files, read_document
from policykg.search.elasticsearch_index import ElasticsearchIndex
from policykg.search.service import SearchService, parse_query
from policykg.search.sqlite_index import SqliteSearchIndex
from policykg.search.vectors import TermVectors

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
QUESTIONS = ROOT / "bench" / "dev" / "search_questions.jsonl"
TARGET_P99_MS = 50.0
ES_INDEX = "bench-search"
# Units that belong to one document (their node ids are rewritten per copy); other labels are
# entities, shared by every document that names them.
OWNED = {"PolicyDocument", "PolicyClause", DOCUMENT_TEXT, PASSAGE}

sys.path.insert(0, str(ROOT))
from tests.api.utils import live_server, wait_until_serving  # noqa: E402  (the tests' in-process uvicorn server)


def load_queries(n: int = 30) -> list[str]:
    """`n` varied dev-set queries: the first of each document in turn, then the rest."""
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    firsts, rest, docs = [], [], set()
    for r in rows:
        (rest if r.get("doc") in docs else firsts).append(r["query"])
        docs.add(r.get("doc"))
    return list(dict.fromkeys(firsts + rest))[:n]


def extract(corpus: list[Path]) -> list[tuple[str, str, list[SearchUnit]]]:
    out = []
    for path in iter_input_files(corpus):
        try:
            d = extract_document(read_document(path))
        except PolicyKGError:
            continue
        out.append((d.doc_id, d.version, list(d.units)))
    return out


def _owned_id(node_id: str, tag: str) -> str:
    label, sep, rest = node_id.partition(":")
    return f"{label}:{tag}-{rest}" if sep else f"{tag}-{node_id}"


def copies(docs, n: int, sentences: list[list[str]] | None = None) -> Iterator[tuple[str, str, list[SearchUnit]]]:
    """`n` copies of every document, each a distinct document to the index."""
    for c in range(n):
        tag = f"c{c}"
        for doc_id, version, units in docs:
            out = []
            for u in units:
                node_id = _owned_id(u.node_id, tag) if u.label in OWNED else u.node_id
                out.append(replace(u, node_id=node_id, doc_id=f"{tag}-{doc_id}"))
                if sentences is not None and u.label == PASSAGE:
                    sentences.append(u.tokens.split())
            yield f"{tag}-{doc_id}", version, out


def pct(times: list[float]) -> tuple[float, float]:
    s = sorted(times)
    return statistics.median(s) * 1000, s[min(len(s) - 1, math.ceil(len(s) * 0.99) - 1)] * 1000


def interleaved(calls: dict[str, Callable[[str], object]], queries: list[str], n: int) -> dict[str, tuple[float, float]]:
    """For each of `n` queries (cycled), one call of each kind in turn; p50/p99 ms per kind."""
    times: dict[str, list[float]] = {k: [] for k in calls}
    for i in range(n):
        q = queries[i % len(queries)]
        for kind, call in calls.items():
            t0 = time.perf_counter()
            call(q)
            times[kind].append(time.perf_counter() - t0)
    return {k: pct(v) for k, v in times.items()}


def table(title: str, rows: dict[str, tuple[float, float]], base: str) -> None:
    b50, b99 = rows[base]
    print(f"\n{title}")
    print(f"  {'':<46} {'p50 ms':>8} {'p99 ms':>8} {'p50 ×':>7} {'p99 ×':>7}")
    for name, (p50, p99) in rows.items():
        print(f"  {name:<46} {p50:8.1f} {p99:8.1f} {p50 / b50:6.2f}× {p99 / b99:6.2f}×")


def http_calls(client: httpx.Client) -> dict[str, Callable[[str], object]]:
    def get(params):
        r = client.get("/search", params=params)
        r.raise_for_status()
        return r

    return {
        "product: GET /search?q=": lambda q: get({"q": q}),
        "BM25 alone: GET /search?q=&type=PolicyClause": lambda q: get({"q": q, "type": "PolicyClause"}),
    }


def service_calls(index, vectors) -> dict[str, Callable[[str], object]]:
    plain, ranked = SearchService(index), SearchService(index, vectors)

    def product(service):
        return lambda q: (service.documents(q), service.entities(q))  # what the route runs

    return {
        "product: documents + entities": product(plain),
        "product + term vectors": product(ranked),
        "BM25 alone: nodes(type=PolicyClause)": lambda q: plain.nodes(q, labels=("PolicyClause",)),
        "index.search(parse_query(q)) candidates": lambda q: index.search(parse_query(q)),
    }


def usable(queries: list[str], service: SearchService) -> list[str]:
    out = []
    for q in queries:
        try:
            service.documents(q)
            out.append(q)
        except PolicyKGError:
            print(f"  (query left out, the service refuses it: {q})")
    return out


@contextmanager
def server_process(settings: Settings) -> Iterator[str]:
    """`uvicorn policykg.api.main:create_app` in a process of its own, as a deployment runs it
    (`policykg serve`), configured by the environment; yields its base URL once it answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "POLICYKG_DATA_DIR": str(settings.data_dir), "POLICYKG_GRAPH": settings.graph,
           "POLICYKG_SEARCH": settings.search, "POLICYKG_ES_URL": settings.es_url,
           "POLICYKG_ES_INDEX": settings.es_index}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "policykg.api.main:create_app", "--factory",
                             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, lambda: proc.poll() is None, timeout=60)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def measure(name: str, settings: Settings, index, vectors, queries: list[str], n: int,
            thread: bool = False) -> dict:
    """HTTP and in-process tables for one backend; returns the product's rows."""
    queries = usable(queries, SearchService(index))
    server = live_server(create_app(settings)) if thread else server_process(settings)
    with server as url, httpx.Client(base_url=url, timeout=60) as client:
        http = http_calls(client)
        for q in queries:  # warm up: connections, caches, the page cache of the index
            for call in http.values():
                call(q)
        rows_http = interleaved(http, queries, n)
    table(f"{name}, over HTTP ({n} requests of each, interleaved; server in "
          f"{'a thread of this process' if thread else 'a process of its own'}):", rows_http,
          "BM25 alone: GET /search?q=&type=PolicyClause")
    local = service_calls(index, vectors)
    for q in queries[:5]:
        for call in local.values():
            call(q)
    rows_local = interleaved(local, queries, n)
    table(f"{name}, in-process through SearchService (no HTTP):", rows_local,
          "BM25 alone: nodes(type=PolicyClause)")
    return {"http": rows_http, "local": rows_local, "queries": queries}


def profile(index, vectors, query: str, top: int = 15) -> None:
    service = SearchService(index, vectors)
    pr = cProfile.Profile()
    pr.enable()
    for _ in range(5):
        service.documents(query)
        service.entities(query)
    pr.disable()
    out = io.StringIO()
    pstats.Stats(pr, stream=out).sort_stats("cumulative").print_stats(top)
    print(f"\nprofile of 5 × documents + entities for {query!r} (top {top} by cumulative time):")
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:6000])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="*", type=Path, default=[CORPUS])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--no-es", action="store_true", help="skip Elasticsearch")
    parser.add_argument("--profile", action="store_true", help="profile one query even under the target")
    parser.add_argument("--thread-server", action="store_true",
                        help="serve the API in a thread of this process (client and server then share one GIL)")
    args = parser.parse_args(argv)
    started = time.perf_counter()

    t0 = time.perf_counter()
    docs = extract(args.corpus)
    per_copy = sum(1 for _, _, units in docs for u in units if u.label == PASSAGE)
    n_copies = max(1, math.ceil(args.passages / max(per_copy, 1)))
    print(f"extracted {len(docs)} documents in {time.perf_counter() - t0:.1f} s: {per_copy} passages; "
          f"{n_copies} copies → {n_copies * len(docs):,} documents, {n_copies * per_copy:,} passages")

    data = Path(tempfile.mkdtemp(prefix="bench-search-"))
    try:
        index = SqliteSearchIndex(data)
        sentences: list[list[str]] = []
        t0 = time.perf_counter()
        index.rebuild(copies(docs, n_copies, sentences))
        units = index.count()
        print(f"embedded index: {units:,} units ({len(sentences):,} passages) written in "
              f"{time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        TermVectors.train(sentences).save(data)
        print(f"vectors trained in {time.perf_counter() - t0:.1f} s for {len(sentences):,} passages")
        del sentences
        vectors = load_vectors(data)

        queries = load_queries()
        settings = Settings(_env_file=None, data_dir=data, graph="sqlite", search="sqlite")
        embedded = measure(f"embedded (SQLite FTS5), {units:,} units", settings, index, vectors, queries,
                           args.requests, args.thread_server)
        p99 = embedded["http"]["product: GET /search?q="][1]
        print(f"\nembedded product p99 over HTTP: {p99:.1f} ms (target < {TARGET_P99_MS:.0f} ms: "
              f"{'met' if p99 < TARGET_P99_MS else 'NOT met'})")
        if p99 > TARGET_P99_MS or args.profile:
            slowest = max(embedded["queries"], key=lambda q: _time(lambda: SearchService(index).documents(q)))
            profile(index, vectors, slowest)

        if args.no_es:
            print("\nElasticsearch: skipped (--no-es)")
        else:
            bench_es(docs, n_copies, data, vectors, queries, args.requests, args.thread_server)
        index.close()
    finally:
        shutil.rmtree(data, ignore_errors=True)
    print(f"\nwhole run: {time.perf_counter() - started:.0f} s")
    return 0


def _time(call) -> float:
    t0 = time.perf_counter()
    call()
    return time.perf_counter() - t0


def bench_es(docs, n_copies: int, data: Path, vectors, queries: list[str], n: int, thread: bool) -> None:
    base = Settings(_env_file=None)
    es = ElasticsearchIndex.from_settings(base, index=ES_INDEX)
    try:
        es.es.info()
    except Exception as e:  # noqa: BLE001  any failure to connect means: skip
        print(f"\nElasticsearch: skipped, not reachable at {base.es_url} ({type(e).__name__}: {e})")
        return
    try:
        t0 = time.perf_counter()
        es.rebuild(copies(docs, n_copies))
        units = es.count()
        print(f"\nElasticsearch index {ES_INDEX!r}: {units:,} units written in {time.perf_counter() - t0:.1f} s")
        settings = base.model_copy(update={"data_dir": data, "graph": "sqlite", "search": "elasticsearch",
                                           "es_index": ES_INDEX})
        rows = measure(f"Elasticsearch, {units:,} units", settings, es, vectors, queries, n, thread)
        print(f"\nElasticsearch product p99 over HTTP: {rows['http']['product: GET /search?q='][1]:.1f} ms")
    finally:
        es.drop()
        es.close()


if __name__ == "__main__":
    sys.exit(main())
