"""What only the Neo4j graph store has: schema, connection errors, the Cypher-side graph,
parity with SQLite on a real document, and rollback of a write that fails half-way."""

from __future__ import annotations

import time

import pytest

from policykg.core.errors import BackendUnavailable, InvalidInput
from policykg.core.model import DocumentGraph, Provenance, WriteOutcome
from policykg.core.settings import Settings
from policykg.graph import neo4j_queries as Q
from policykg.graph.neo4j_store import Neo4jGraphStore
from policykg.ingest.pipeline import Ingestor
from policykg.search.sqlite_index import SqliteSearchIndex
from tests.backends import servers_enabled
from tests.conftest import MAX_BYTES, YONGCHUAN
from tests.graph.factory import make_graph_store
from tests.graph.test_graph_contract import doc

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(not servers_enabled(), reason="needs the Neo4j server (POLICYKG_TEST_SERVERS=1)"),
]


@pytest.fixture
def neo4j(request, tmp_path) -> Neo4jGraphStore:
    store = make_graph_store("neo4j", tmp_path, request.node.name)
    yield store
    store.drop_all()
    store.close()


def cypher(store: Neo4jGraphStore, query: str, **params) -> list[dict]:
    with store.session() as s:
        return [r.data() for r in s.run(query, **params)]


def dump(store) -> list[dict]:
    return [item.to_json(with_provenance=True) for item in store.iter_graph()]


def cypher_graph(store: Neo4jGraphStore) -> tuple[list, list]:
    """The merged graph as a researcher sees it in Cypher."""
    ns = Q.ident(store.ns)
    nodes = cypher(store, f"MATCH (n:{ns}:Entity) RETURN n.id AS id, n.name AS name, "
                          "[l IN labels(n) WHERE l <> 'Entity' AND l <> $ns] AS labels ORDER BY id", ns=store.ns)
    rels = cypher(store, f"MATCH (a:{ns})-[r]->(b:{ns}) RETURN a.id AS source, type(r) AS type, b.id AS target, "
                         "properties(r) AS props ORDER BY source, type, target")
    return nodes, rels


def test_schema_is_made_from_the_ontology_on_first_use(neo4j):
    neo4j.counts()
    constraints = {(tuple(c["labelsOrTypes"]), tuple(c["properties"]), c["type"])
                   for c in cypher(neo4j, Q.SHOW_CONSTRAINTS)}
    assert ((neo4j.ns,), ("id",), "UNIQUENESS") in constraints
    assert ((neo4j.ns,), ("doc_id",), "UNIQUENESS") in constraints
    indexes = {(tuple(i["labelsOrTypes"] or ()), tuple(i["properties"] or ()))
               for i in cypher(neo4j, "SHOW INDEXES YIELD labelsOrTypes, properties, state "
                                      "WHERE state = 'ONLINE' RETURN *")}
    assert {(("PolicyDocument",), ("doc_number",)), (("Entity",), ("credit_code",)),
            (("Fact",), ("node_id",)), (("EdgeFact",), ("edge_key",))} <= indexes


def test_wrong_password_is_backend_unavailable():
    s = Settings()
    store = Neo4jGraphStore(s.neo4j_url, s.neo4j_user, "not-the-password", namespace="wrong_password")
    with pytest.raises(BackendUnavailable) as e:
        store.counts()
    assert "credentials" in e.value.detail and "POLICYKG_NEO4J_PASSWORD" in e.value.hint
    assert e.value.status == 503
    store.close()


def test_missing_password_says_which_setting():
    with pytest.raises(BackendUnavailable) as e:
        Neo4jGraphStore.from_settings(Settings(neo4j_password=None))
    assert "POLICYKG_NEO4J_PASSWORD" in e.value.hint


def test_unreachable_server_fails_fast_with_a_hint():
    store = Neo4jGraphStore("bolt://127.0.0.1:1", "neo4j", "whatever-pw", connection_timeout=2)
    started = time.monotonic()
    with pytest.raises(BackendUnavailable) as e:
        store.write_document(doc("甲"))
    assert time.monotonic() - started < 10
    assert "127.0.0.1:1" in e.value.detail and "POLICYKG_NEO4J_URL" in e.value.hint
    store.close()


def test_ingest_of_the_seed_document_matches_sqlite(neo4j, tmp_path, yongchuan_store):
    index = SqliteSearchIndex(tmp_path / "index")
    try:
        [result] = Ingestor(neo4j, index, max_bytes=MAX_BYTES).ingest_paths([YONGCHUAN])
    finally:
        index.close()
    assert result.outcome == "created", result
    assert dump(neo4j) == dump(yongchuan_store.graph)
    assert neo4j.counts() == yongchuan_store.graph.counts()
    # The Cypher-side graph holds the same merged nodes and one relationship per edge.
    nodes, rels = cypher_graph(neo4j)
    merged = [n for n in yongchuan_store.graph.iter_graph() if n.__class__.__name__ == "Node"]
    assert [(n["id"], n["name"], n["labels"]) for n in nodes] == [(n.id, n.name, [n.label]) for n in merged]
    edges = [e for e in yongchuan_store.graph.iter_graph() if e.__class__.__name__ == "Edge"]
    assert [(r["source"], r["type"], r["target"]) for r in rels] == [e.key for e in edges]
    [seed] = cypher(neo4j, f"MATCH (d:{Q.ident(neo4j.ns)}:PolicyDocument {{doc_number: $number}}) "
                           "RETURN d.id AS id", number="永川府办发〔2021〕49号")
    assert neo4j.get_node(seed["id"]).properties["doc_number"] == "永川府办发〔2021〕49号"


def test_replacing_and_deleting_keep_the_cypher_graph_in_step(neo4j):
    neo4j.write_document(doc("甲", extra="风险补偿金"))
    neo4j.write_document(doc("乙"))
    assert neo4j.write_document(doc("甲", "v2")) is WriteOutcome.REPLACED
    nodes, rels = cypher_graph(neo4j)
    assert "Fund:风险补偿金" not in {n["id"] for n in nodes}
    assert len(nodes) == neo4j.counts()["nodes"] and len(rels) == neo4j.counts()["edges"]
    issued = [r for r in rels if r["type"] == "ISSUED_BY"]
    assert issued and all(r["props"] == {"role": "发文机关"} for r in issued)
    neo4j.delete_document("甲")
    neo4j.delete_document("乙")
    assert cypher(neo4j, f"MATCH (n:{Q.ident(neo4j.ns)}) RETURN count(n) AS n") == [{"n": 0}]


def test_namespaces_do_not_see_each_other(neo4j, tmp_path):
    other = make_graph_store("neo4j", tmp_path, "namespace_neighbour")
    try:
        neo4j.write_document(doc("甲"))
        other.write_document(doc("甲", "v9"))
        assert (neo4j.document_version("甲"), other.document_version("甲")) == ("v1", "v9")
        other.drop_all()
        assert neo4j.counts()["nodes"] == 4 and other.counts()["nodes"] == 0
    finally:
        other.close()


def broken(doc_id: str, version: str) -> DocumentGraph:
    """A document whose last edge holds a value no store can serialise, so the write fails
    inside the transaction after its nodes have been written."""
    g = doc(doc_id, version, extra="新基金")
    p = Provenance(doc_id, doc_id, 0, 1, "句")
    g.add_node("Agency:新机构", "Agency", "新机构", prov=p)
    g.add_edge("Agency:新机构", "LOCATED_IN", "Agency:区科技局", prov=p, note=object())
    return g


def test_a_write_failing_half_way_leaves_nothing_behind(neo4j):
    neo4j.write_document(doc("甲"))
    before, before_cypher, before_counts = dump(neo4j), cypher_graph(neo4j), neo4j.counts()
    with pytest.raises(InvalidInput):
        neo4j.write_document(broken("甲", "v2"))  # a replacement: the old version must survive
    with pytest.raises(InvalidInput):
        neo4j.write_document(broken("乙", "v1"))  # a new document: nothing of it may appear
    assert (neo4j.document_version("甲"), neo4j.document_version("乙")) == ("v1", None)
    assert dump(neo4j) == before and cypher_graph(neo4j) == before_cypher and neo4j.counts() == before_counts


def test_a_server_error_in_the_last_statement_rolls_back(neo4j, monkeypatch):
    from neo4j.exceptions import ClientError

    neo4j.write_document(doc("甲"))
    before, before_cypher = dump(neo4j), cypher_graph(neo4j)
    # The last statement of a write, and of a delete, fails on the server.
    monkeypatch.setattr(Q, "upsert_edges", lambda *_: "RETURN 1 / 0")
    with pytest.raises(ClientError):
        neo4j.write_document(doc("乙"))
    monkeypatch.setattr(Q, "delete_orphans", lambda *_: "RETURN 1 / 0")
    with pytest.raises(ClientError):
        neo4j.delete_document("甲")
    monkeypatch.undo()
    assert neo4j.document_version("乙") is None
    assert dump(neo4j) == before and cypher_graph(neo4j) == before_cypher
