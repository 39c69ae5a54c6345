"""Server mode gives the embedded store's results, and survives a server dying mid-ingest.

Needs the real servers that `make test` starts (POLICYKG_TEST_SERVERS=1)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from policykg.app.export import iter_jsonl
from policykg.core.settings import Settings
from policykg.graph.neo4j_store import Neo4jGraphStore
from policykg.ingest.pipeline import Ingestor
from policykg.search.elasticsearch_index import ElasticsearchIndex
from policykg.search.service import SearchService
from tests.backends import servers_enabled
from tests.conftest import CORPUS, MAX_BYTES, REPO, ZHEJIANG

pytestmark = [pytest.mark.server, pytest.mark.skipif(not servers_enabled(), reason="needs Neo4j and Elasticsearch")]

QUERIES = ("高新技术企业", "高企", "科技保险补贴", "创新30条", "区科技局", "融通创新产业引导基金", "人才", "上市", "专项资金", "奖励")


@pytest.fixture(scope="module")
def server_store():
    graph = Neo4jGraphStore.from_settings(Settings(), namespace="equivalence")
    graph.drop_all()
    index = ElasticsearchIndex.from_settings(Settings(), index="equivalence")
    index.clear()
    ingestor = Ingestor(graph, index, max_bytes=MAX_BYTES)
    results = ingestor.ingest_paths([CORPUS])
    assert all(r.outcome == "created" for r in results), [r for r in results if r.outcome != "created"]
    yield graph, index
    graph.drop_all()
    index.drop()
    graph.close()
    index.close()


def test_same_nodes_and_edges_as_the_embedded_store(server_store, corpus_store):
    graph, _ = server_store
    assert graph.counts() == corpus_store.graph.counts()
    assert list(iter_jsonl(graph)) == list(iter_jsonl(corpus_store.graph))


def test_same_top_hits_as_the_embedded_store(server_store, corpus_store):
    _, index = server_store
    for q in QUERIES:
        embedded = SearchService(corpus_store.index).search(q, limit=10)
        server = SearchService(index).search(q, limit=10)
        assert embedded and server, q
        # The service scores candidates from exact statistics, the same on both backends.
        assert [(h.node_id, h.score) for h in server] == [(h.node_id, h.score) for h in embedded], q


def service_of(server: str) -> str:
    return {"neo4j": "neo4j", "elasticsearch": "es"}[server]


def _cli(env, *args, timeout=600):
    return subprocess.run([sys.executable, "-m", "policykg.cli", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


def _services(*args):
    done = subprocess.run([str(REPO / "services" / "run"), *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"services/run {' '.join(args)} failed:\n{done.stdout}{done.stderr}"


def _wait_gone(pid: int, timeout: float = 60) -> None:
    """Until a killed server has exited (a JVM with a large heap takes a moment to die; restarting
    it before then finds the old process still holding its pid and its store)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError, IndexError):
            return
        if state in ("Z", "X"):
            return
        time.sleep(0.2)
    raise AssertionError(f"server pid {pid} still alive {timeout} s after SIGKILL")


@pytest.mark.parametrize("server", ["neo4j", "elasticsearch"])
def test_killing_a_server_mid_ingest_fails_cleanly_and_a_rerun_completes(server, tmp_path, corpus_store):
    env = {**os.environ, "POLICYKG_DATA_DIR": str(tmp_path / "data"), "POLICYKG_GRAPH": "neo4j",
           "POLICYKG_SEARCH": "elasticsearch", "POLICYKG_NEO4J_NAMESPACE": f"kill_{server}",
           "POLICYKG_ES_INDEX": f"kill-{service_of(server)}"}
    graph = Neo4jGraphStore.from_settings(Settings(neo4j_namespace=f"kill_{server}"))
    graph.drop_all()
    index = ElasticsearchIndex.from_settings(Settings(), index=f"kill-{service_of(server)}")
    index.clear()
    proc = subprocess.Popen([sys.executable, "-m", "policykg.cli", "ingest", str(ZHEJIANG)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Let a few documents in, then kill the server hard.
    deadline = time.time() + 120
    while time.time() < deadline and graph.counts()["documents"] < 5:
        time.sleep(0.2)
    service = service_of(server)
    pid = int((REPO / "services" / ".state" / f"{service}.pid").read_text())
    os.kill(pid, signal.SIGKILL)
    _wait_gone(pid)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode != 0
    message = out + err
    assert ("Neo4j" if server == "neo4j" else "Elasticsearch") in message
    assert "Traceback" not in message
    _services("start", service)
    try:
        # Nothing half-written: every stored document is whole (same facts as the embedded store).
        reference = {d.doc_id: d for d in corpus_store.graph.iter_documents()}
        for d in graph.iter_documents():
            ref = reference[d.doc_id]
            assert (d.version, set(d.nodes), set(d.edges)) == (ref.version, set(ref.nodes), set(ref.edges))
        rerun = _cli(env, "ingest", str(ZHEJIANG))
        assert rerun.returncode == 0, rerun.stderr
        assert graph.counts()["documents"] == 81
        for d in graph.iter_documents():
            assert index.document_version(d.doc_id) == d.version
    finally:
        graph.drop_all()
        index.drop()
        graph.close()
        index.close()
