"""Must show: all 81 Zhejiang documents ingest; each yields its title, 文号 where it has one,
issuer, date and its articles as PolicyClause nodes with their text."""

from __future__ import annotations

import csv
import re

from policykg.ingest.text import find_doc_numbers
from tests.conftest import ZHEJIANG

FILES = sorted(p.name for p in ZHEJIANG.glob("*.txt"))


def policy_nodes(store):
    """File name → the PolicyDocument node it gave (two files may hold excerpts of one policy)."""
    return {r.source: store.graph.get_node(r.policy_id) for r in store.results if r.source in FILES}


def test_all_81_ingest_without_error(corpus_store):
    assert len(FILES) == 81
    results = {r.source: r for r in corpus_store.results}
    assert all(results[f].outcome == "created" for f in FILES)
    assert corpus_store.graph.counts()["documents"] == 82


def test_each_has_a_title_matching_the_manifest(corpus_store):
    manifest = {r["file"]: re.sub(r"\s+", "", r["title"]) for r in csv.DictReader(open(ZHEJIANG / "MANIFEST.csv", encoding="utf-8"))}
    docs = policy_nodes(corpus_store)
    assert set(docs) == set(FILES)
    close = 0
    for f, node in docs.items():
        title = node.properties.get("title")
        assert title and len(title) >= 6, f
        core = re.sub(r"^关于印发|的通知$|[《》<>]", "", title)[:8]
        close += core in manifest[f].replace("<", "").replace(">", "")
    assert close >= 70, close  # the manifest titles are excerpts' names; most start like ours


def test_each_doc_number_that_the_header_shows_is_found(corpus_store):
    docs = policy_nodes(corpus_store)
    for f in FILES:
        head = (ZHEJIANG / f).read_text(encoding="utf-8")[:200]
        own = [n for s, e, n in find_doc_numbers(head, bare=True) if head[max(0, s - 1):s] not in ("》", "（", "(")]
        if own:
            assert docs[f].properties.get("doc_number") == own[0], f


def test_issuer_and_date_are_found_where_the_text_has_them(corpus_store):
    docs = policy_nodes(corpus_store).values()
    issuers = [d for d in docs if d.properties.get("issuer")]
    dates = [d for d in docs if d.properties.get("issue_date")]
    # Some excerpts carry neither signature nor date (counts measured on the corpus: 70 and 56).
    assert len(issuers) >= 65 and len(dates) >= 50, (len(issuers), len(dates))
    for d in dates:
        assert re.fullmatch(r"20\d\d-\d\d-\d\d", d.properties["issue_date"])
    by_file = policy_nodes(corpus_store)
    assert by_file["0410.txt"].properties["issue_date"] == "2018-06-19"
    assert by_file["0520.txt"].properties["issue_date"] == "2017-06-02"
    assert by_file["0440.txt"].properties["issuer"] == "中共东阳市委东阳市人民政府"
    # a signature that the last attachment's title or the document's own title runs into
    assert by_file["0414.txt"].properties["issuer"].startswith("玉环市经济和信息化局")
    assert by_file["0438.txt"].properties["issuer"] == "中国人民银行嘉兴市中心支行"
    assert by_file["0503.txt"].properties["issuer"] == "桐乡市服务业发展工作领导小组"
    # every issuer names a body, not a sentence or a title
    for d in issuers:
        assert not re.search(r"通知|意见|办法|申请表|关于", d.properties["issuer"]), d.properties["issuer"]


def test_articles_are_clauses_with_their_text(corpus_store):
    g = corpus_store.graph
    clause = g.get_node("PolicyClause:嘉科综〔2018〕47号#第二条")
    assert clause.properties["number"] == "第二条"
    assert "科技保险补贴的对象" in clause.properties["text"]
    sub = g.neighbours("PolicyClause:嘉科综〔2018〕47号#第二条", depth=1)
    children = [e for e in sub.edges if e.label == "HAS_CLAUSE" and e.source == clause.id]
    assert len(children) >= 4  # 一、高新技术企业 二、省科技型中小企业 …
    for f in FILES:
        text = (ZHEJIANG / f).read_text(encoding="utf-8")
        if re.search(r"(^|[。\n])\s*第[一二三四五六七八九十]+条", text):
            stem_clauses = [n for n in g.list_nodes("PolicyClause", limit=100_000)
                            if any(p.doc_id == f for p in n.provenance) and n.properties["number"].startswith("第")
                            and n.properties["number"].endswith("条")]
            assert stem_clauses, f
            assert all(c.properties["text"] for c in stem_clauses)


def test_every_document_has_clauses(corpus_store):
    per_doc = {}
    for n in corpus_store.graph.list_nodes("PolicyClause", limit=100_000):
        for p in n.provenance:
            per_doc[p.doc_id] = per_doc.get(p.doc_id, 0) + 1
    assert all(per_doc.get(f, 0) >= 2 for f in FILES), [f for f in FILES if per_doc.get(f, 0) < 2]
