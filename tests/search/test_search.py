"""Must show: 高新技术企业, 高企 and 科技保险补贴 return the right passages first."""

import pytest

from policykg.core.errors import InvalidInput
from policykg.search.service import SearchService, parse_query, snippet


def passages(hits):
    return [h for h in hits if h.label in ("PolicyClause", "PolicyDocument")]


def test_high_tech_enterprise_passages_first(corpus_store):
    hits = SearchService(corpus_store.index).search("高新技术企业", limit=10)
    top = passages(hits)[:5]
    assert len(top) == 5
    assert all("高新技术企业" in h.text for h in top)
    assert hits[0].node_id == "Qualification:高新技术企业" or "高新技术企业" in hits[0].text


def test_synonym_gaoqi_finds_the_same_passages(corpus_store):
    svc = SearchService(corpus_store.index)
    short = passages(svc.search("高企", limit=10))
    full = passages(svc.search("高新技术企业", limit=10))
    assert short and all("高新技术企业" in h.text for h in short)  # the text never says 高企
    assert [h.node_id for h in short[:3]] == [h.node_id for h in full[:3]]
    assert "<mark>" in short[0].snippet


def test_tech_insurance_subsidy_finds_the_jiaxing_policy(corpus_store):
    hits = passages(SearchService(corpus_store.index).search("科技保险补贴", limit=5))
    assert hits[0].doc_id == "0410.txt"
    assert all("科技保险" in h.text for h in hits[:3])
    assert any("第" in h.title and "条" in h.title for h in hits)


def test_type_filter_and_node_links(corpus_store):
    svc = SearchService(corpus_store.index)
    hits = svc.search("科技局", labels=("Agency",), limit=10)
    assert hits and all(h.label == "Agency" for h in hits)
    for h in hits:
        assert corpus_store.graph.get_node(h.node_id).label == "Agency"
    clauses = svc.search("科技局", labels=("PolicyClause",), limit=5)
    assert clauses and all(h.label == "PolicyClause" for h in clauses)


def test_paging_is_stable(corpus_store):
    svc = SearchService(corpus_store.index)
    first = svc.search("补助", limit=10)
    page2 = svc.search("补助", limit=5, offset=5)
    assert [h.node_id for h in first[5:]] == [h.node_id for h in page2]


def test_bad_queries_are_clear():
    with pytest.raises(InvalidInput, match="empty"):
        parse_query("  ")
    with pytest.raises(InvalidInput, match="unknown type"):
        parse_query("补贴", labels=("Nope",))
    with pytest.raises(InvalidInput, match="limit"):
        parse_query("补贴", limit=0)
    with pytest.raises(InvalidInput, match="no searchable"):
        parse_query("，。、")


def test_snippet_marks_terms_and_escapes_html():
    s = snippet("对<b>高新技术企业</b>给予奖励", ["高新技术企业"])
    assert "<mark>高新技术企业</mark>" in s and "&lt;b&gt;" in s
