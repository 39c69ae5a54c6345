"""Must show: 高新技术企业, 高企 and 科技保险补贴 return the right passages first."""

import pytest

from policykg.core.errors import InvalidInput
from policykg.search.service import SearchService, parse_query, snippet


def passages(hits):
    return [h for h in hits if h.label in ("PolicyClause", "PolicyDocument")]


def test_high_tech_enterprise_passages_first(corpus_store):
    svc = SearchService(corpus_store.index)
    hits = svc.search("高新技术企业", limit=10)
    top = passages(hits)[:5]
    assert len(top) == 5
    assert all("高新技术企业" in h.text or "高企" in h.text for h in top)
    assert all(any(w in d.passages[0].text for w in ("高新技术企业", "高企"))
               for d in svc.documents("高新技术企业", limit=10))
    assert svc.entities("高新技术企业")[0].node_id == "Qualification:高新技术企业"


def test_synonym_gaoqi_finds_the_same_passages(corpus_store):
    svc = SearchService(corpus_store.index)
    short = svc.documents("高企", limit=10)
    full = svc.documents("高新技术企业", limit=10)
    assert short and all(any(w in d.passages[0].text for w in ("高新技术企业", "高企")) for d in short)
    assert sum("高新技术企业" in d.passages[0].text for d in short) >= 8  # 高企 finds the full name
    assert [d.doc_id for d in short[:3]] == [d.doc_id for d in full[:3]]
    assert [p.node_id for p in short[0].passages] == [p.node_id for p in full[0].passages]
    assert "<mark>" in short[0].passages[0].snippet


def test_tech_insurance_subsidy_finds_the_jiaxing_policy(corpus_store):
    svc = SearchService(corpus_store.index)
    [first, *_] = svc.documents("科技保险补贴", limit=5)
    assert first.doc_id == "0410.txt"
    assert all("科技保险" in p.text or "保险" in p.text for p in first.passages)
    clauses = svc.search("科技保险补贴", labels=("PolicyClause",), limit=5)
    assert all("科技保险" in h.text for h in clauses[:3])
    assert any("第" in h.title and "条" in h.title for h in clauses)


def test_documents_come_once_with_passages_that_are_sentences_of_their_clauses(corpus_store):
    svc = SearchService(corpus_store.index)
    docs = svc.documents("企业研发投入补助", limit=10)
    assert len(docs) == 10 and len({d.doc_id for d in docs}) == 10
    assert [d.score for d in docs] == sorted((d.score for d in docs), reverse=True)
    for d in docs:
        assert d.why and d.passages
        for p in d.passages:
            clause = corpus_store.graph.get_node(p.node_id)
            assert clause.label == "PolicyClause" and p.doc_id == d.doc_id
            assert p.text in clause.properties["text"]  # a sentence of the clause, not the whole article
            assert len(p.text) < len(clause.properties["text"]) or len(p.text) < 300
    # `search` without a type lists the documents' passages in the documents' order
    hits = svc.search("企业研发投入补助", limit=10)
    assert [h.node_id for h in hits] == [p.node_id for d in docs for p in d.passages]


def test_question_boilerplate_is_not_searched_for():
    q = parse_query("企业加大研发投入能拿到多少补助？")
    words = {t for g in q.groups for t in g}
    assert {"研发投入", "补助"} <= words
    assert not words & {"能", "拿到", "多少"}
    assert q.asks == ("amount",)
    assert parse_query("保费什么时候申请").asks == ("time",)
    with pytest.raises(InvalidInput, match="question or function words"):
        parse_query("有什么吗？")


def test_a_place_in_the_query_picks_the_document_not_the_sentence():
    q = parse_query("东阳高新技术企业奖励")
    assert q.places == ("东阳",)
    assert ("东阳", "东阳市") in q.groups


def test_a_question_for_an_amount_prefers_the_sentence_that_states_one(corpus_store):
    svc = SearchService(corpus_store.index)
    [doc] = [d for d in svc.documents("平湖高新技术企业首次认定奖励多少", limit=5) if d.doc_id == "0018.txt"]
    assert any(ch in doc.passages[0].text for ch in ("万元", "%"))


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
    first = svc.documents("补助", limit=10)
    page2 = svc.documents("补助", limit=5, offset=5)
    assert [d.doc_id for d in first[5:]] == [d.doc_id for d in page2]
    assert [p.node_id for d in first[5:] for p in d.passages] == [p.node_id for d in page2 for p in d.passages]
    nodes = svc.search("补助", labels=("PolicyClause",), limit=10)
    assert [h.node_id for h in nodes[5:]] == [h.node_id for h in svc.search("补助", labels=("PolicyClause",),
                                                                                limit=5, offset=5)]


def test_bad_queries_are_clear():
    with pytest.raises(InvalidInput, match="empty"):
        parse_query("  ")
    with pytest.raises(InvalidInput, match="unknown type"):
        parse_query("补贴", labels=("Nope",))
    with pytest.raises(InvalidInput, match="limit"):
        parse_query("补贴", limit=0)
    with pytest.raises(InvalidInput, match="500 characters long; at most 200"):
        parse_query("研发" * 250)
    with pytest.raises(InvalidInput, match="no searchable"):
        parse_query("，。、")


def test_snippet_marks_terms_and_escapes_html():
    s = snippet("对<b>高新技术企业</b>给予奖励", ["高新技术企业"])
    assert "<mark>高新技术企业</mark>" in s and "&lt;b&gt;" in s


def test_a_rare_synonym_does_not_narrow_a_documents_passages(store):
    from tests.conftest import ZHEJIANG

    [r] = store.ingestor.ingest_paths([ZHEJIANG / "0410.txt"])
    assert r.outcome == "created"
    [doc] = SearchService(store.index).documents("科技保险补贴多少", limit=1)
    assert len(doc.passages) == 3
    assert sum("科技保险" in p.text for p in doc.passages) >= 2
    assert any("万元" in p.text for p in doc.passages)  # 多少 asks for an amount
