"""What only the Elasticsearch backend has: its mapping, the alias swap, crash-safe replaces,
errors when the server is away, and the same answers as the SQLite backend."""

from __future__ import annotations

import re
import threading
import time

import pytest

from policykg.core.errors import BackendUnavailable
from policykg.core.model import SearchUnit
from policykg.core.settings import Settings
from policykg.core.tokens import search_tokens
from policykg.ingest.pipeline import extract_document
from policykg.ingest.reader import read_document
from policykg.search.elasticsearch_index import ElasticsearchIndex
from policykg.search.service import SearchService, parse_query
from policykg.search.sqlite_index import SqliteSearchIndex
from tests.backends import servers_enabled
from tests.conftest import YONGCHUAN

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(not servers_enabled(), reason="needs Elasticsearch (POLICYKG_TEST_SERVERS=1)"),
]

QUERIES = ["高新技术企业", "高企", "科技保险补贴", "创新30条", "区科技局", "融通创新产业引导基金"]


@pytest.fixture
def es_index(request):
    name = "test-" + re.sub(r"[^a-z0-9_-]", "-", request.node.name.lower())[:80]
    idx = ElasticsearchIndex.from_settings(Settings(), index=name)
    idx.drop()
    yield idx
    idx.drop()
    idx.close()


@pytest.fixture(scope="module")
def seed_document():
    doc = extract_document(read_document(YONGCHUAN))
    return doc.doc_id, doc.version, doc.units


def unit(node_id, doc_id, text):
    return SearchUnit(node_id, "PolicyClause", doc_id, node_id, text, search_tokens(text))


def test_mapping_indexes_tokens_with_the_whitespace_analyzer(es_index):
    es_index.write_document("a.txt", "v1", [unit("PolicyClause:A#1", "a.txt", "高新技术企业给予奖励")])
    [(physical, body)] = es_index.es.indices.get_mapping(index=es_index.alias).body.items()
    assert physical.startswith(es_index.alias + "-")
    props = body["mappings"]["properties"]
    assert props["tokens"]["type"] == "text" and props["tokens"]["analyzer"] == "whitespace"
    assert all(props[f]["type"] == "keyword" for f in ("node_id", "label", "doc_id"))
    assert props["title"]["index"] is False and props["text"]["index"] is False
    # Splits on spaces only: no CJK bigrams, no lower-casing, no stop words, % kept.
    res = es_index.es.indices.analyze(index=physical, field="tokens", text="高新技术企业 50% 的 R&D")
    assert [t["token"] for t in res["tokens"]] == ["高新技术企业", "50%", "的", "R&D"]
    similarity = es_index.es.indices.get_settings(index=physical).body[physical]["settings"]["index"]["similarity"]
    assert similarity["policykg_bm25"] == {"type": "BM25", "k1": "1.2", "b": "0.75"}


def test_rebuild_swaps_the_alias_atomically(es_index, seed_document):
    doc_id, version, units = seed_document
    assert es_index.rebuild([(doc_id, version, units)]) == len(units)
    [old] = es_index.es.indices.get_alias(name=es_index.alias).body
    query = parse_query("高新技术企业", limit=20)
    expected = [h.node_id for h in es_index.search(query)]
    assert expected

    reader = ElasticsearchIndex.from_settings(Settings(), index=es_index.alias)
    seen: list[tuple[int, list[str]]] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def read_while_rebuilding():
        try:
            while not stop.is_set():
                seen.append((reader.count(), [h.node_id for h in reader.search(query)]))
        except BackendUnavailable as e:  # surfaced in the main thread
            failures.append(e)

    thread = threading.Thread(target=read_while_rebuilding)
    thread.start()
    try:
        time.sleep(0.2)
        es_index.rebuild([(doc_id, version, units), ("b.txt", "v1", [unit("PolicyClause:B#1", "b.txt", "瞪羚企业")])])
        time.sleep(0.2)
    finally:
        stop.set()
        thread.join()
        reader.close()
    assert not failures
    assert len(seen) > 2
    # Every read saw the old index whole or the new one whole: never an empty or half-loaded one.
    assert {c for c, _ in seen} <= {len(units), len(units) + 1}
    assert all(ids == expected for _, ids in seen)
    [new] = es_index.es.indices.get_alias(name=es_index.alias).body
    assert new != old and not es_index.es.indices.exists(index=old)
    assert es_index.count() == len(units) + 1
    assert es_index.document_version(doc_id) == version and es_index.document_version("b.txt") == "v1"


def test_failed_rebuild_keeps_the_old_index(es_index):
    es_index.write_document("a.txt", "v1", [unit("PolicyClause:A#1", "a.txt", "科技保险补贴")])
    [old] = es_index.es.indices.get_alias(name=es_index.alias).body

    def broken():
        yield "b.txt", "v1", [unit("PolicyClause:B#1", "b.txt", "瞪羚企业")]
        raise RuntimeError("extraction failed half-way")

    with pytest.raises(RuntimeError):
        es_index.rebuild(broken())
    assert list(es_index.es.indices.get_alias(name=es_index.alias).body) == [old]
    assert es_index.es.indices.get(index=es_index.alias + "-*").body.keys() == {old}
    assert es_index.count() == 1 and es_index.search(parse_query("科技保险"))[0].node_id == "PolicyClause:A#1"


def test_an_interrupted_replace_is_finished_by_the_next_write(es_index):
    from elasticsearch import helpers

    es_index.write_document("a.txt", "v1", [unit("PolicyClause:A#1", "a.txt", "科技保险补贴")])
    # A writer that died after step 1 (new units in, old ones not yet deleted, version not recorded).
    crashed = time.time_ns()
    helpers.bulk(es_index.es, es_index.unit_actions(
        es_index.alias, "a.txt", "v2", crashed, [unit("PolicyClause:A#2", "a.txt", "瞪羚企业")]), refresh=True)
    assert es_index.document_version("a.txt") == "v1"  # so the next ingest writes the document again
    assert es_index.search(parse_query("科技保险")) and es_index.search(parse_query("瞪羚企业"))

    es_index.write_document("a.txt", "v2", [unit("PolicyClause:A#2", "a.txt", "瞪羚企业")])
    assert es_index.document_version("a.txt") == "v2"
    assert es_index.count() == 1
    assert es_index.search(parse_query("科技保险")) == []


def test_unreachable_server_is_backend_unavailable_quickly():
    idx = ElasticsearchIndex("http://127.0.0.1:1", "policykg", timeout=2)  # no connection yet
    start = time.monotonic()
    with pytest.raises(BackendUnavailable) as info:
        idx.search(parse_query("高企"))
    assert time.monotonic() - start < 5
    assert "127.0.0.1:1" in info.value.detail and "POLICYKG_ES_URL" in info.value.hint
    with pytest.raises(BackendUnavailable):
        idx.write_document("a.txt", "v1", [])
    idx.close()


@pytest.mark.parametrize("text", QUERIES)
def test_seed_document_answers_like_sqlite(es_index, seed_document, tmp_path, text):
    """Each backend proposes candidates by its own BM25 (SQLite over the shelf of the unit's
    kind, Lucene over the whole index with rounded lengths); the service scores them from the
    exact statistics, so documents, passages and typed hits come out the same, score for score."""
    doc_id, version, units = seed_document
    sqlite = SqliteSearchIndex(tmp_path / "data")
    try:
        sqlite.write_document(doc_id, version, units)
        es_index.write_document(doc_id, version, units)
        ours, theirs = SearchService(sqlite), SearchService(es_index)

        def passages(service):
            return [[(p.node_id, p.score) for p in d.passages] for d in service.documents(text)]

        def clauses(service):
            return [(h.node_id, h.score) for h in service.nodes(text, labels=("PolicyClause",))]

        assert passages(ours) and passages(ours) == passages(theirs)
        assert clauses(ours) and clauses(ours) == clauses(theirs)
    finally:
        sqlite.close()
