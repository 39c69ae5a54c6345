"""Contract of the SearchIndex Protocol, run against every search backend."""

from __future__ import annotations

import pytest

from policykg.core.model import SearchQuery, SearchUnit
from policykg.core.tokens import search_tokens
from policykg.search.index import SearchIndex
from policykg.search.service import parse_query
from tests.backends import search_backends
from tests.search.factory import make_search_index


@pytest.fixture(params=search_backends())
def index(request, tmp_path) -> SearchIndex:
    idx = make_search_index(request.param, tmp_path, request.node.name)
    yield idx
    getattr(idx, "drop", idx.clear)()
    idx.close()


def unit(node_id, label, doc_id, text, title=None):
    return SearchUnit(node_id, label, doc_id, title or node_id, text, search_tokens(text))


DOC_A = [
    unit("PolicyClause:A#1", "PolicyClause", "a.txt", "对新认定的高新技术企业给予30万元奖励。"),
    unit("PolicyClause:A#2", "PolicyClause", "a.txt", "科技保险补贴的对象为在嘉兴市注册的高新技术企业。科技保险补贴按保费的50%给予补贴。"),
    unit("PolicyClause:A#3", "PolicyClause", "a.txt", "本办法由市科技局负责解释。"),
    unit("Qualification:高新技术企业", "Qualification", "a.txt", "高新技术企业 高企"),
    unit("Agency:市科技局", "Agency", "a.txt", "市科技局"),
]
DOC_B = [
    unit("PolicyClause:B#1", "PolicyClause", "b.txt", "支持企业开展研发活动，给予研发费用补助。"),
    unit("Qualification:高新技术企业", "Qualification", "b.txt", "高新技术企业 高企"),
]


def q(text, **kw) -> SearchQuery:
    return parse_query(text, **kw)


def test_write_and_search_bm25(index):
    index.write_document("a.txt", "v1", DOC_A)
    index.write_document("b.txt", "v1", DOC_B)
    hits = index.search(q("科技保险补贴"))
    assert hits[0].node_id == "PolicyClause:A#2"
    assert hits[0].doc_id == "a.txt" and hits[0].score > 0
    assert "科技保险" in hits[0].text
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_one_hit_per_node(index):
    index.write_document("a.txt", "v1", DOC_A)
    index.write_document("b.txt", "v1", DOC_B)
    hits = index.search(q("高新技术企业", limit=20))
    ids = [h.node_id for h in hits]
    assert len(ids) == len(set(ids))
    assert "Qualification:高新技术企业" in ids


def test_synonym_groups_match_either_term(index):
    index.write_document("a.txt", "v1", DOC_A)
    hits = index.search(q("高企"))  # the clauses say 高新技术企业 only
    assert {"PolicyClause:A#1", "PolicyClause:A#2"} <= {h.node_id for h in hits}


def test_label_filter_and_paging(index):
    index.write_document("a.txt", "v1", DOC_A)
    index.write_document("b.txt", "v1", DOC_B)
    hits = index.search(q("科技局", labels=("Agency",)))
    assert [h.node_id for h in hits] == ["Agency:市科技局"]
    all_hits = index.search(q("企业", limit=10))
    page = index.search(q("企业", limit=2, offset=1))
    assert [h.node_id for h in page] == [h.node_id for h in all_hits[1:3]]


def test_replace_and_delete_document(index):
    index.write_document("a.txt", "v1", DOC_A)
    assert index.document_version("a.txt") == "v1"
    changed = [unit("PolicyClause:A#1", "PolicyClause", "a.txt", "对新认定的瞪羚企业给予50万元奖励。")]
    index.write_document("a.txt", "v2", changed)
    assert index.document_version("a.txt") == "v2"
    assert index.count() == 1
    assert index.search(q("科技保险")) == []
    assert index.search(q("瞪羚企业"))[0].node_id == "PolicyClause:A#1"
    assert index.delete_document("a.txt") is True
    assert index.delete_document("a.txt") is False
    assert index.count() == 0 and index.document_version("a.txt") is None


def test_no_match_and_clear(index):
    index.write_document("a.txt", "v1", DOC_A)
    assert index.search(q("区块链")) == []
    index.clear()
    assert index.count() == 0 and index.search(q("科技局")) == []


def test_query_text_is_never_query_syntax(index):
    index.write_document("a.txt", "v1", DOC_A)
    for evil in ('科技局" OR "', "科技局 AND NOT", '{"match_all":{}}', "科技局*", "NEAR(科技 局)"):
        hits = index.search(q(evil))
        assert all("科技" in h.text or "局" in h.text for h in hits)


def test_tokens_with_punctuation_match_the_same_way(index):
    index.write_document("a.txt", "v1", [unit("PolicyClause:A#9", "PolicyClause", "a.txt", "按保费的50%给予补贴，费率0.5%。")])
    assert [h.node_id for h in index.search(q("50%"))] == ["PolicyClause:A#9"]
    assert [h.node_id for h in index.search(q("0.5"))] == ["PolicyClause:A#9"]


def expected_stats(units, terms):
    lengths = [len(u.tokens.split()) for u in units]
    freq = {t: sum(t in u.tokens.split() for u in units) for t in terms}
    return len(units), sum(lengths) / len(lengths), freq


def test_term_stats_are_exact_after_replace_and_delete(index):
    terms = ["高新技术企业", "科技局", "区块链", "补助"]
    index.write_document("a.txt", "v1", DOC_A)
    index.write_document("b.txt", "v1", DOC_B)
    s = index.term_stats(terms)
    n, avg, freq = expected_stats(DOC_A + DOC_B, terms)
    assert (s.units, s.doc_freq) == (n, freq) and abs(s.avg_length - avg) < 1e-9
    index.write_document("a.txt", "v2", DOC_A[:2])
    index.delete_document("b.txt")
    s = index.term_stats(terms)
    n, avg, freq = expected_stats(DOC_A[:2], terms)
    assert (s.units, s.doc_freq) == (n, freq) and abs(s.avg_length - avg) < 1e-9


def test_hits_carry_their_tokens(index):
    index.write_document("a.txt", "v1", DOC_A)
    [hit] = index.search(q("科技局", labels=("Agency",)))
    assert hit.tokens == search_tokens("市科技局")


def test_term_stats_per_label_follow_writes_deletes_and_rebuilds(index):
    terms = ["高新技术企业", "科技局", "补助", "高企"]
    index.write_document("a.txt", "v1", DOC_A)
    index.write_document("b.txt", "v1", DOC_B)
    for labels in (("PolicyClause",), ("Qualification", "Agency")):
        s = index.term_stats(terms, labels=labels)
        n, avg, freq = expected_stats([u for u in DOC_A + DOC_B if u.label in labels], terms)
        assert (s.units, s.doc_freq) == (n, freq) and abs(s.avg_length - avg) < 1e-9, labels
    index.delete_document("a.txt")
    s = index.term_stats(terms, labels=("PolicyClause",))
    assert (s.units, s.doc_freq["高新技术企业"], s.doc_freq["补助"]) == (1, 0, 1)
    index.rebuild([("a.txt", "v2", DOC_A[:1])])
    s = index.term_stats(terms, labels=("PolicyClause",))
    n, avg, freq = expected_stats(DOC_A[:1], terms)
    assert (s.units, s.doc_freq) == (n, freq) and abs(s.avg_length - avg) < 1e-9
    assert index.term_stats(terms, labels=("Qualification",)).units == 0


def test_two_files_of_one_document_number_stay_two_hits(index):
    """Two files of the same 文号 give their clauses equal ids: each file's clause is a hit of
    its own, while an entity both name is still one hit."""
    copy = [SearchUnit(u.node_id, u.label, "a-copy.txt", u.title, u.text, u.tokens) for u in DOC_A]
    index.write_document("a.txt", "v1", DOC_A)
    index.write_document("a-copy.txt", "v1", copy)
    clauses = index.search(q("科技保险补贴", labels=("PolicyClause",)))
    assert [(h.node_id, h.doc_id) for h in clauses[:2]] == [("PolicyClause:A#2", "a-copy.txt"),
                                                             ("PolicyClause:A#2", "a.txt")]
    ids = [h.node_id for h in index.search(q("高新技术企业", limit=20))]
    assert ids.count("Qualification:高新技术企业") == 1
