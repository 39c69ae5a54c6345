"""Must show: any policy-ish Chinese prose becomes a document with a title and clauses, whatever
its style (政策解读, news of a measure, a one-paragraph 通知, a ministry 公告 …); only what is clearly
not policy text is refused, and the refusal says why. The texts are in bench/dev/texts (README there)."""

from __future__ import annotations

import pytest

from policykg.core.errors import NotAPolicy
from policykg.ingest.extract import refusal_reason
from policykg.ingest.pipeline import extract_document
from policykg.ingest.reader import read_bytes, read_document
from tests.conftest import REPO

TEXTS = REPO / "bench" / "dev" / "texts"

ACCEPTED = {
    "qa_jiedu.txt": {"title": "《关于支持小微企业稳岗扩岗的若干措施》政策解读"},
    "qa_short.txt": {},
    "news_measure.txt": {"title": "我市出台十条措施支持外贸企业开拓国际市场", "issuers": ["市商务局", "市财政局"]},
    "notice_one_paragraph.txt": {"clauses": 1},
    "ministry_announcement.txt": {"title": "关于开展2024年度专精特新中小企业培育工作的公告",
                                  "issuers": ["工业和信息化部"], "date": "2024-06-12"},
    "prose_measure_long.txt": {"clauses": 5, "date": None},
    "one_huge_paragraph.txt": {"title": "为加快推进数字经济高质量发展"},
    "web_page_notice.txt": {"title": "关于开展2023年度高校毕业生就业见习补贴申报工作的通知", "date": "2023-09-18"},
    "numbered_measures_no_signature.txt": {"clauses": 4},
    "gongshi_list.txt": {"issuers": ["市经济和信息化局"], "date": "2024-10-08"},
    "mixed_terms.txt": {},
}
REFUSED = {
    "english_only.txt": "no chinese",
    "english_with_a_chinese_name.txt": "too little of it is chinese",
    "code_snippet.txt": "program code",
    "numbers_table.txt": "table of numbers",
    "story.txt": "no word of administrative prose",
    "too_short.txt": "too short",
}


def clauses_of(g):
    return [n for n in g.nodes.values() if n.label == "PolicyClause"]


def test_every_text_is_listed():
    assert {p.name for p in TEXTS.glob("*.txt")} == set(ACCEPTED) | set(REFUSED)


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_policy_texts_in_other_styles_are_read(name):
    want = ACCEPTED[name]
    g = extract_document(read_document(TEXTS / name))
    doc = g.nodes[g.policy_id].properties
    assert doc["title"] and 4 <= len(doc["title"]) <= 60, doc["title"]
    if "title" in want:
        assert doc["title"] == want["title"]
    if "issuers" in want:
        issued = sorted(g.nodes[e.target].name for e in g.edges.values() if e.label == "ISSUED_BY")
        assert issued == sorted(want["issuers"])
    if "date" in want:
        assert doc.get("issue_date") == want["date"]
    clauses = clauses_of(g)
    assert clauses and all(c.properties["text"] for c in clauses)
    if "clauses" in want:
        assert len(clauses) == want["clauses"]
    assert g.units


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_what_is_not_policy_text_is_refused_with_the_reason(name):
    with pytest.raises(NotAPolicy) as info:
        extract_document(read_document(TEXTS / name))
    message = str(info.value).lower()
    assert REFUSED[name] in message and "not a policy document" in message and name in message


def test_a_huge_paragraph_becomes_several_clauses_of_whole_sentences():
    g = extract_document(read_document(TEXTS / "one_huge_paragraph.txt"))
    texts = [c.properties["text"] for c in sorted(clauses_of(g), key=lambda c: c.id)]
    assert len(texts) >= 2
    assert all(t.endswith(("。", "；")) for t in texts)
    assert "".join(texts) == "".join((TEXTS / "one_huge_paragraph.txt").read_text(encoding="utf-8").split())


def test_paragraph_clause_ids_are_stable():
    raw = read_document(TEXTS / "prose_measure_long.txt")
    first = sorted(c.id for c in clauses_of(extract_document(raw)))
    again = sorted(c.id for c in clauses_of(extract_document(raw)))
    assert first == again
    assert first == [f"PolicyClause:关于进一步优化营商环境降低企业用地成本的实施办法#段{i}" for i in range(1, 6)]


def test_a_one_paragraph_notice_of_80_chinese_characters_is_accepted():
    text = ("各乡镇人民政府、街道办事处：根据县政府工作安排，定于本月二十日前完成二〇二四年度农业补贴资金发放"
            "工作，请各地抓紧核实补贴对象名单，确保资金及时足额发放到户。特此通知。")
    assert 75 <= sum("\u4e00" <= ch <= "\u9fff" for ch in text) <= 85
    g = extract_document(read_bytes(text.encode(), "notice.txt"))
    assert g.nodes[g.policy_id].properties["title"]
    assert len(clauses_of(g)) == 1


@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty"),
    ("关于申报补贴的通知\x00\x01\x02\x03\x04\x05\x06 各企业请按时申报。" * 3, "control characters"),
    ("def f(x):\n    return x + 1\n\nclass A:\n    pass\n", "program code"),
    ("1,2,3\n4,5,6\n7,8,9\n", "table of numbers"),
    ("Policy on subsidies for enterprises.", "no chinese"),
])
def test_refusal_reasons(text, reason):
    assert reason in (refusal_reason(text) or "").lower()
