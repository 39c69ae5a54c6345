"""Shared fixtures. The corpus lives in ../shared beside the repository and is never copied in."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from policykg.graph.sqlite_store import SqliteGraphStore
from policykg.ingest.pipeline import Ingestor
from policykg.search.sqlite_index import SqliteSearchIndex

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("POLICYKG_SHARED_DIR", REPO.parent / "shared"))
CORPUS = SHARED / "corpus"
YONGCHUAN = CORPUS / "yongchuan_fuban_2021_49.txt"
ZHEJIANG = CORPUS / "zhejiang"
MAX_BYTES = 20 * 1024 * 1024


def pytest_sessionstart(session):
    if not YONGCHUAN.exists():
        raise pytest.UsageError(f"the shared corpus is missing: {YONGCHUAN} (set POLICYKG_SHARED_DIR)")


class Store:
    """An embedded graph + index in one data directory, with an ingestor."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.graph = SqliteGraphStore(data_dir)
        self.index = SqliteSearchIndex(data_dir)
        self.ingestor = Ingestor(self.graph, self.index, max_bytes=MAX_BYTES)

    def close(self) -> None:
        self.graph.close()
        self.index.close()


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "data")
    yield s
    s.close()


@pytest.fixture(scope="session")
def yongchuan_store(tmp_path_factory):
    s = Store(tmp_path_factory.mktemp("yongchuan"))
    [result] = s.ingestor.ingest_paths([YONGCHUAN])
    assert result.outcome == "created", result
    yield s
    s.close()


@pytest.fixture(scope="session")
def corpus_store(tmp_path_factory):
    """The seed document and the 81 Zhejiang documents."""
    s = Store(tmp_path_factory.mktemp("corpus"))
    results = s.ingestor.ingest_paths([CORPUS])
    failed = [r for r in results if r.outcome == "failed"]
    assert not failed, failed
    s.results = results
    yield s
    s.close()


def pytest_configure(config):
    from tests.backends import servers_enabled

    if os.environ.get("CI") and not servers_enabled():
        raise pytest.UsageError("CI must run the server backends too: use `make test` (POLICYKG_TEST_SERVERS=1)")


def pytest_terminal_summary(terminalreporter):
    """How many tests ran against each backend (contract suites are parametrised by backend)."""
    counts: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        for rep in terminalreporter.stats.get(outcome, []):
            if getattr(rep, "when", "call") != "call" and outcome != "error":
                continue
            nodeid = getattr(rep, "nodeid", "")
            for backend in ("sqlite", "neo4j", "elasticsearch"):
                if f"[{backend}" in nodeid or f"_{backend}_specific" in nodeid:
                    counts.setdefault(backend, {}).setdefault(outcome, 0)
                    counts[backend][outcome] += 1
    if counts:
        terminalreporter.section("tests per backend")
        for backend, c in sorted(counts.items()):
            terminalreporter.write_line(f"{backend}: " + ", ".join(f"{n} {o}" for o, n in sorted(c.items())))
