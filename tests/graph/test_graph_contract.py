"""Contract of the GraphStore Protocol, run against every graph backend."""

from __future__ import annotations

import pytest

from policykg.core.errors import Conflict, NotFound
from policykg.core.model import DocumentGraph, DuplicatePolicy, Provenance, WriteOutcome
from policykg.graph.store import GraphStore
from tests.backends import graph_backends
from tests.graph.factory import make_graph_store


@pytest.fixture(params=graph_backends())
def graph(request, tmp_path) -> GraphStore:
    store = make_graph_store(request.param, tmp_path, request.node.name)
    yield store
    getattr(store, "drop_all", lambda: None)()
    store.close()


def doc(doc_id: str, version: str = "v1", *, extra: str | None = None) -> DocumentGraph:
    g = DocumentGraph(doc_id=doc_id, version=version, source=doc_id)
    p = lambda s, e: Provenance(doc_id, doc_id, s, e, f"{doc_id} 第{s}句。")  # noqa: E731
    policy = f"PolicyDocument:{doc_id}〔2021〕1号"
    g.add_node(policy, "PolicyDocument", f"关于{doc_id}的通知", prov=p(0, 5), primary=True,
               doc_number=f"{doc_id}〔2021〕1号", issue_date="2021-06-03")
    g.add_node(f"PolicyClause:{doc_id}#第一条", "PolicyClause", "第一条", prov=p(5, 9), primary=True,
               text="对新认定的高新技术企业给予30万元奖励。", number="第一条")
    g.add_node("Agency:区科技局", "Agency", "区科技局", prov=p(9, 13))
    g.add_node("Qualification:高新技术企业", "Qualification", "高新技术企业", aliases=["高企"], prov=p(13, 19))
    g.add_edge(policy, "HAS_CLAUSE", f"PolicyClause:{doc_id}#第一条", prov=p(5, 9))
    g.add_edge(policy, "ISSUED_BY", "Agency:区科技局", prov=p(9, 13), role="发文机关")
    g.add_edge(f"PolicyClause:{doc_id}#第一条", "MENTIONS", "Qualification:高新技术企业", prov=p(13, 19))
    if extra:
        g.add_node(f"Fund:{extra}", "Fund", extra, prov=p(20, 25), amount_yuan=300000000)
        g.add_edge(f"PolicyClause:{doc_id}#第一条", "MENTIONS", f"Fund:{extra}", prov=p(20, 25))
    return g


def test_write_then_read_a_node_with_provenance(graph):
    assert graph.write_document(doc("甲")) is WriteOutcome.CREATED
    n = graph.get_node("PolicyDocument:甲〔2021〕1号")
    assert (n.label, n.name) == ("PolicyDocument", "关于甲的通知")
    assert n.properties == {"doc_number": "甲〔2021〕1号", "issue_date": "2021-06-03"}
    [prov] = n.provenance
    assert (prov.doc_id, prov.start, prov.end, prov.sentence) == ("甲", 0, 5, "甲 第0句。")
    assert graph.document_version("甲") == "v1"
    assert graph.get_node("Qualification:高新技术企业").aliases == ["高企"]


def test_same_version_is_unchanged_new_version_replaces(graph):
    graph.write_document(doc("甲", extra="融通创新产业引导基金"))
    assert graph.write_document(doc("甲", extra="融通创新产业引导基金")) is WriteOutcome.UNCHANGED
    assert graph.write_document(doc("甲", "v2")) is WriteOutcome.REPLACED
    with pytest.raises(NotFound):
        graph.get_node("Fund:融通创新产业引导基金")
    assert graph.document_version("甲") == "v2"


def test_duplicate_policies(graph):
    graph.write_document(doc("甲"))
    assert graph.write_document(doc("甲", "v2"), DuplicatePolicy.SKIP) is WriteOutcome.SKIPPED
    assert graph.document_version("甲") == "v1"
    with pytest.raises(Conflict):
        graph.write_document(doc("甲", "v2"), DuplicatePolicy.FAIL)
    assert graph.write_document(doc("甲"), DuplicatePolicy.FAIL) is WriteOutcome.UNCHANGED


def test_shared_nodes_merge_and_survive_deletion(graph):
    graph.write_document(doc("甲"))
    graph.write_document(doc("乙"))
    agency = graph.get_node("Agency:区科技局")
    assert {p.doc_id for p in agency.provenance} == {"甲", "乙"}
    assert graph.delete_document("甲") is True
    assert graph.delete_document("甲") is False
    assert {p.doc_id for p in graph.get_node("Agency:区科技局").provenance} == {"乙"}
    with pytest.raises(NotFound):
        graph.get_node("PolicyDocument:甲〔2021〕1号")


def test_list_nodes_by_label_with_paging(graph):
    graph.write_document(doc("甲"))
    graph.write_document(doc("乙"))
    clauses = graph.list_nodes("PolicyClause")
    assert [n.id for n in clauses] == ["PolicyClause:乙#第一条", "PolicyClause:甲#第一条"]
    assert [n.id for n in graph.list_nodes("PolicyClause", limit=1, offset=1)] == ["PolicyClause:甲#第一条"]
    everything = graph.list_nodes(limit=100)
    assert [n.id for n in everything] == sorted(n.id for n in everything)
    assert graph.list_nodes("Talent") == []


def test_neighbours_to_depth(graph):
    graph.write_document(doc("甲"))
    graph.write_document(doc("乙"))
    one = graph.neighbours("PolicyDocument:甲〔2021〕1号", depth=1)
    assert {n.id for n in one.nodes} == {"PolicyDocument:甲〔2021〕1号", "PolicyClause:甲#第一条", "Agency:区科技局"}
    two = graph.neighbours("PolicyDocument:甲〔2021〕1号", depth=2)
    ids = {n.id for n in two.nodes}
    assert {"Qualification:高新技术企业", "PolicyDocument:乙〔2021〕1号"} <= ids
    assert all(e.source in ids and e.target in ids for e in two.edges)
    assert all(len(e.provenance) == 1 for e in two.edges)  # each edge once, however it was reached
    issued = [e for e in one.edges if e.label == "ISSUED_BY"]
    assert issued[0].properties == {"role": "发文机关"}
    with pytest.raises(NotFound):
        graph.neighbours("Agency:不存在", depth=1)


def test_iter_graph_is_complete_and_ordered(graph):
    graph.write_document(doc("甲", extra="风险补偿金"))
    graph.write_document(doc("乙"))
    items = list(graph.iter_graph())
    nodes = [i for i in items if i.__class__.__name__ == "Node"]
    edges = [i for i in items if i.__class__.__name__ == "Edge"]
    assert items == nodes + edges
    assert [n.id for n in nodes] == sorted(n.id for n in nodes)
    assert [e.key for e in edges] == sorted(e.key for e in edges)
    assert len(nodes) == 7 and len(edges) == 7
    fund = next(n for n in nodes if n.label == "Fund")
    assert fund.properties["amount_yuan"] == 300000000


def test_counts(graph):
    graph.write_document(doc("甲"))
    graph.write_document(doc("乙"))
    c = graph.counts()
    assert (c["documents"], c["nodes"], c["edges"]) == (2, 6, 6)
    assert c["nodes:Agency"] == 1 and c["nodes:PolicyClause"] == 2


@pytest.mark.parametrize("evil", [
    "x'}) DETACH DELETE n //", '"; MATCH (n) DETACH DELETE n; //', "`) RETURN 1 //", "$param", "{a:1}",
    "名称〔2021〕《》（）「」\\n\\t", "'); DROP TABLE node_fact; --",
])
def test_user_text_is_data_never_query(graph, evil):
    graph.write_document(doc("甲"))
    g = DocumentGraph(doc_id=evil, version="v1", source=evil)
    p = Provenance(evil, evil, 0, 1, evil)
    g.add_node(f"Agency:{evil}", "Agency", evil, prov=p, aliases=[evil + "别名"], note=evil)
    g.add_edge(f"Agency:{evil}", "LOCATED_IN", "Agency:区科技局", prov=p)
    graph.write_document(g)
    n = graph.get_node(f"Agency:{evil}")
    assert (n.name, n.aliases, n.properties["note"]) == (evil, [evil + "别名"], evil)
    assert graph.get_node("PolicyDocument:甲〔2021〕1号").name == "关于甲的通知"
    assert graph.counts()["documents"] == 2


def test_unknown_node_is_not_found(graph):
    with pytest.raises(NotFound):
        graph.get_node("PolicyDocument:无")


def test_iter_documents_gives_back_what_was_written(graph):
    written = [doc("甲", extra="风险补偿金"), doc("乙", "v7")]
    for d in written:
        graph.write_document(d)
    back = list(graph.iter_documents())
    assert [d.doc_id for d in back] == ["乙", "甲"]
    for orig in written:
        got = next(d for d in back if d.doc_id == orig.doc_id)
        assert (got.version, got.source, got.primary) == (orig.version, orig.source, orig.primary)
        assert {k: (n.label, n.name, n.aliases, n.properties, n.provenance) for k, n in got.nodes.items()} == \
               {k: (n.label, n.name, n.aliases, n.properties, n.provenance) for k, n in orig.nodes.items()}
        assert {k: (e.properties, e.provenance) for k, e in got.edges.items()} == \
               {k: (e.properties, e.provenance) for k, e in orig.edges.items()}


def test_a_value_that_cannot_be_stored_is_invalid_input_and_nothing_is_written(graph):
    graph.write_document(doc("甲"))
    bad = doc("乙")
    bad.add_node("Agency:坏", "Agency", "坏", prov=Provenance("乙", "乙", 0, 1, "x"), blob=object())
    from policykg.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        graph.write_document(bad)
    assert graph.document_version("乙") is None
    assert graph.counts()["documents"] == 1
