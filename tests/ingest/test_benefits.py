"""What clauses of the corpus grant, hand-checked: grants without an amount (贴息, loans, guarantees, 全额 /
按比例 rewards, titles, priority, free premises, reductions), the conditions a grant points to, budgets
that are no firm's estimate, per-unit amounts, and one corpus-wide rule: a clause that grants something
has a benefit and a condition."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

from policykg.core.model import DocumentGraph
from policykg.eligibility.engine import BenefitTerm, Condition, FirmProfile, Status, evaluate
from policykg.ingest.criteria.benefits import GRANT_FORMS, budgets_in, form_grant_in, form_kind
from policykg.ingest.criteria.reader import CriteriaReader
from policykg.ingest.pipeline import extract_document
from policykg.ingest.reader import read_bytes, read_document
from policykg.ingest.structure import parse_structure
from tests.conftest import YONGCHUAN, ZHEJIANG

DOCUMENTS = sorted(ZHEJIANG.glob("*.txt")) + [YONGCHUAN]


@cache
def graph(name: str) -> DocumentGraph:
    path = YONGCHUAN if name == YONGCHUAN.name else ZHEJIANG / name
    return extract_document(read_document(path))


def clause(g: DocumentGraph, words: str):
    """The smallest clause whose text holds `words`."""
    found = [n for n in g.nodes.values() if n.label == "PolicyClause" and words in n.properties["text"]]
    assert found, words
    return min(found, key=lambda n: len(n.properties["text"]))


def benefits(g: DocumentGraph, node) -> list[dict]:
    return [g.nodes[e.target].properties for e in g.edges.values() if e.source == node.id and e.label == "PROVIDES"]


def term(b: dict) -> BenefitTerm:
    return BenefitTerm(b["benefit_kind"], b.get("amount_yuan"), b.get("rate"), b.get("cap_yuan"), b.get("recurrence"),
                       b.get("text", ""), b.get("per_unit"), b.get("count_of"), b.get("credit_yuan"))


def condition(node) -> Condition:
    return Condition.from_json(json.loads(node.properties["condition"]))


NO_FACTS = FirmProfile("91330400MA2B3C4D5E", "测试企业", [])


# ---------------------------------------------------------------- the table of grant forms
@pytest.mark.parametrize(("form", "sentence", "kind"),
                         [(f.name, s, k) for f in GRANT_FORMS for s, k in f.examples])
def test_each_grant_form_reads_its_examples(form, sentence, kind):
    found = form_grant_in(sentence)
    assert found is not None and found.form.name == form
    assert form_kind(found) == kind


@pytest.mark.parametrize("sentence", [
    "对申报材料失实、弄虚作假、骗取奖励（补助）资金的，要将骗取的奖励（补助）资金全额收缴县财政",  # taken back
    "创业担保贷款本金或利息发生逾期的，不给予贴息",  # refused
    "第一类是由创业担保基金提供担保的贷款（以下简称“一类贷款”）",  # a definition
    "同一事项涉及多项奖的遵循从优、从高、不重复计算原则享受扶持和奖励",  # how grants combine
    "各有关部门要切实加强指导服务，开辟绿色通道，在办理相关手续等方面给予优先安排和支持",  # no one it is for
    "经办银行根据创业担保基金的规模，原则上按1:6的比例放大发放贷款",  # the bank lends, nobody is granted
    "已享受一次性生活补贴的人员不再享受工作生活补贴",  # whom a condition is about
    "（1）湖州市区个人申请创业担保贷款资格认定表（附件2）",  # a form to fill in
])
def test_words_of_a_grant_that_grant_nothing(sentence):
    assert form_grant_in(sentence) is None


# ---------------------------------------------------------------- grants read from real clauses
GRANTS = [
    # (document, words of the clause, kind, what the benefit says besides)
    ("0447.txt", "按贷款基准利率给予全额贴息", "贴息", {"rate": 1.0}),
    ("0556.txt", "其他人员实行50%贴息", "贴息", {"rate": 0.5}),
    ("0525.txt", "同时满足下列条件的，可申请二类贷款", "贷款", {}),
    ("0557.txt", "可申请不超过30万元的创业担保贷款", "贷款", {"credit_yuan": 300_000}),
    ("0474.txt", "给予最高不超过1000万元的信用担保额度", "担保", {"credit_yuan": 10_000_000}),
    ("0435.txt", "凡是新办企业第一个完整年度内", "奖励", {"rate": 1.0}),
    ("0527.txt", "按照设备购置款的一定比例给予财政奖励", "奖励", {}),
    ("0499.txt", "按国家、省提供的资助额给予1：1配套经费补助", "补助", {"rate": 1.0}),
    ("0475.txt", "按省奖励标准再给予1:0.5配套奖励", "奖励", {"rate": 0.5}),
    ("0411.txt", "按实缴税费的2‰给予奖励", "奖励", {"rate": 0.002}),
    ("0552.txt", "授予“仙居县功勋企业家”终身荣誉称号", "荣誉称号", {}),
    ("0441.txt", "优先给予供地", "优先支持", {}),
    ("0483.txt", "免费提供300㎡生产经营场所", "免租场地", {}),
    ("0526.txt", "提供1000平方米的３年免租创业场所", "免租场地", {}),
    ("0520.txt", "相关费用按收费下限减半收取", "减免", {"rate": 0.5}),
    ("0441.txt", "免收交易手续费", "减免", {}),
]


@pytest.mark.parametrize(("name", "words", "kind", "expected"), GRANTS)
def test_a_grant_without_an_amount_is_a_benefit_of_its_kind_with_no_estimate(name, words, kind, expected):
    g = graph(name)
    node = clause(g, words)
    found = [b for b in benefits(g, node) if b["benefit_kind"] == kind and words in b["text"]]
    assert found, [(b["benefit_kind"], b["text"][:30]) for b in benefits(g, node)]
    # one sentence may grant twice (对重点人群实行全额贴息，其他人员实行50%贴息): the one expected
    b = next((b for b in found if {k: b.get(k) for k in expected} == expected), None)
    assert b is not None, [{k: b.get(k) for k in ("rate", "credit_yuan")} for b in found]
    assert b.get("amount_yuan") is None and b.get("cap_yuan") is None
    assert term(b).estimate() is None  # a loan of 30万 is lent, a title is no money: nothing to add up


@pytest.mark.parametrize(("name", "words", "kind", "expected"), GRANTS)
def test_a_grant_without_an_amount_has_a_condition_and_shows_in_answers(name, words, kind, expected):
    node = clause(graph(name), words)
    cond = condition(node)
    assert cond.criteria()
    # a firm with no facts yet is unknown, never left out
    assert evaluate(cond, NO_FACTS)[0] is Status.UNKNOWN


def test_the_loan_clause_asks_for_the_items_it_lists():
    node = clause(graph("0525.txt"), "可申请二类贷款")
    quoted = [c.text for c in condition(node).criteria()]
    for item in ("招用“重点人群”达到企业现有在职职工总数20%", "签订1年以上劳动合同", "单位信用记录良好"):
        assert any(item in q for q in quoted), item
    assert not any("下列条件" in q for q in quoted)  # the lead words are no condition of their own


def test_a_loan_or_guarantee_is_never_counted_as_money():
    for path in DOCUMENTS:
        g = graph(path.name)
        for n in g.nodes.values():
            if n.label == "Benefit" and n.properties["benefit_kind"] in ("贷款", "担保", "荣誉称号", "优先支持", "免租场地"):
                assert term(n.properties).estimate() is None, (path.name, n.id)


# ---------------------------------------------------------------- conditions a grant points to
def test_the_conditions_above_are_the_items_before_the_grant():
    # (1)…(3) then 符合上述条件其中一条，每成功推动一家企业，给予三家中介机构共50万元奖励
    g = graph("0490.txt")
    node = clause(g, "符合上述条件其中一条")
    cond = condition(node)
    ors = [c for c in _walk(cond) if c.op == "OR"]
    texts = [" ".join(x.text for x in alt.criteria()) for c in ors for alt in c.children]
    for item in ("推动2家（含）以上企业成功挂牌新三板", "推动2家（含）以上企业境内上市", "1家（含）以上企业上市"):
        assert any(re.sub(r"[（(]含[)）]", "", item) in re.sub(r"[（(]含[)）]", "", t) for t in texts), item
    assert not any("上述条件" in c.text for c in cond.criteria())


def test_the_first_articles_conditions_reach_the_reward_article():
    # 第一条认定范围 (who is a 总部经济企业) and 第四条 the reward: the reward asks what 第一条 asks
    g = graph("0414.txt")
    first = clause(g, "第一条认定范围")
    reward = clause(g, "按市得部分的85%予以专项奖励")
    asked = {c.text for c in condition(reward).criteria()}
    assert any("3000万元以上" in t for t in asked)
    # …and the criteria quote the article they are read in
    for e in g.edges.values():
        if e.source == reward.id and e.label == "REQUIRES":
            crit = g.nodes[e.target]
            if "3000万元以上" in crit.properties["text"]:
                assert crit.id.startswith(first.id.replace("PolicyClause", "EligibilityCriterion") + "#")


POINTING = """平湖市科学技术局文件
平科发〔2020〕1号
平湖市科学技术局关于印发《平湖市科技企业奖励办法》的通知
各镇（街道）、各有关单位：
现将《平湖市科技企业奖励办法》印发给你们，请遵照执行。
第一条 申请奖励的企业上年度营业收入达到500万元以上，且近三年无重大违法违规行为。
第二条 符合本办法第一条规定的企业，新认定为国家高新技术企业的，给予一次性奖励20万元。
第三条 符合上述条件且新认定为省级企业技术中心的，再给予一次性奖励10万元。
第四条 本办法自发布之日起施行。
平湖市科学技术局
2020年1月1日
"""


def test_a_grant_that_points_to_an_article_asks_what_that_article_asks():
    # the corpus points to articles by number only in procedures (申报符合本细则第一条规定…的企业，应于…申请):
    # a document written for the rule
    g = extract_document(read_bytes(POINTING.encode("utf-8"), "pointing.txt"))
    second, third = clause(g, "符合本办法第一条规定的企业"), clause(g, "符合上述条件且")

    def attrs(n) -> set[str | None]:
        return {c.attribute for c in condition(n).criteria() if not c.needs_review}

    assert {"revenue", "no_major_violation", "qualification"} <= attrs(second)
    # 上述条件: the conditions of the grant before it, its own platform besides
    assert {"revenue", "no_major_violation", "qualification", "platform"} <= attrs(third)
    assert not any("第一条" in c.text or "上述条件" in c.text for n in (second, third) for c in condition(n).criteria())


def _walk(c: Condition):
    yield c
    for ch in c.children:
        yield from _walk(ch)


# ---------------------------------------------------------------- budgets, units, line breaks
def test_a_budget_for_all_firms_is_the_clauses_budget_not_a_firms_estimate():
    # 每标箱补助标准280元…所有符合申请补助条件的企业补助总额不超过500万元。当补助总额超过500万元时…
    g = graph("0497.txt")
    node = clause(g, "每标箱补助标准280元")
    assert node.properties["budget_yuan"] == 5_000_000
    found = benefits(g, node)
    assert [(b["amount_yuan"], b["per_unit"], b.get("cap_yuan")) for b in found] == [(280, "标箱", None)]
    # 每个自然箱1500元…所有符合申请补助条件的企业补助总额不超过300万元
    node = clause(g, "每个自然箱1500元")
    assert node.properties["budget_yuan"] == 3_000_000
    assert all(3_000_000 not in (b.get("amount_yuan"), b.get("cap_yuan")) for b in benefits(g, node))


def test_money_set_aside_is_a_budget_and_no_condition():
    # 设立总规模为5000万元的融通创新风险补偿金…为开展融通创新企业提供信用贷款支持
    g = graph(YONGCHUAN.name)
    node = clause(g, "设立总规模为 5000万元的融通创新风险补偿金")
    assert node.properties["budget_yuan"] == 50_000_000
    assert [b["benefit_kind"] for b in benefits(g, node)] == ["贷款"]
    assert not any("5000万元" in c.text for c in condition(node).criteria())


@pytest.mark.parametrize(("sentence", "yuan"), [
    ("所有符合申请补助条件的企业补助总额不超过500万元", 5_000_000),
    ("县财政每年安排300万元的财政资金（与省商务促进专项资金拼盘使用）用于扶持商贸流通业", 3_000_000),
    ("设立总规模2000万元的科技支行信贷风险补偿基金", 20_000_000),
    ("对经县旅游主管部门认可的旅游节庆活动，给以8万元以内的补助，年补助总额控制在120万元以内", 1_200_000),
])
def test_budgets_are_read(sentence, yuan):
    assert [v for _, _, v in budgets_in(sentence)] == [yuan]


@pytest.mark.parametrize("sentence", ["每家企业每年的科技保险保费补贴总额最高不超过5万元", "资助总额最高2000万元"])
def test_a_cap_for_one_firm_is_no_budget(sentence):
    assert budgets_in(sentence) == []


@pytest.mark.parametrize(("name", "words", "amount", "unit", "counted"), [
    ("0016.txt", "给予每个品种100万元奖励", 1_000_000, "个", "品种"),
    ("0016.txt", "每件奖励企业100万元", 1_000_000, "件", "件"),
    ("0497.txt", "给予每标箱30元的补贴", 30, "标箱", "标箱"),
    ("0497.txt", "给予每100吨一次性补助1.5万元", 15_000, "100吨", "吨"),
    ("0556.txt", "按每人每月300元给予社保补贴", 300, "人", "人"),
])
def test_an_amount_per_unit_carries_its_unit_and_what_the_firm_counts(name, words, amount, unit, counted):
    g = graph(name)
    found = [b for b in benefits(g, clause(g, words)) if words in b["text"]]
    assert [(b["amount_yuan"], b["per_unit"], b["count_of"]) for b in found] == [(amount, unit, counted)]


def test_a_ratio_broken_over_two_lines_stays_one():
    # the file has 给予1：⏎1配套经费补助
    raw = (ZHEJIANG / "0499.txt").read_text(encoding="utf-8")
    assert "给予1：\n1配套" in raw
    node = clause(graph("0499.txt"), "给予1：1配套经费补助")
    assert "1：\n1" not in node.properties["text"]
    assert "\n1配套" not in parse_structure(raw).text
    # a list after a colon is not joined: 附件1：⏎1、…
    assert parse_structure("附件1：\n1、企业名单\n").text == "附件1：\n1、企业名单\n"


# ---------------------------------------------------------------- the whole corpus
# A grant, said independently of the reader: a grant verb with a benefit object, an amount for a
# benefit word, or the words of a 全额 / 减半 / 优先 / 免收 grant …
_GRANT_TEXT = re.compile(
    r"(?:给予|予以|给以|享受|可申请|实行|转为)[^，。；]{0,14}?(?:奖励|奖补|补助|补贴|资助|贴息)"
    r"|(?:给予|提供|可申请)[^，。；]{0,14}?(?:贷款|担保)|授予[^，。；]{0,30}称号|全额(?:奖励|补助|补贴|贴息|资助)"
    r"|优先(?:推荐|安排|支持|给予|列入)|减半(?:征收|收取|收费)|免(?:征|收|缴)[^，。；]{0,10}[费税金]|免租"
    r"|\d+(?:\.\d+)?\s*(?:亿|万)?元[^，。；]{0,4}(?:奖励|补助|补贴|资助)|(?:奖励|补助|补贴|资助)\s*\d+(?:\.\d+)?\s*(?:亿|万)?元")
# …that grants nothing: refused or taken back, a definition, a form or list to hand in, how grants
# combine or are capped, a duty of the departments, a lead to sub-items, a condition (…的，) or an exception
_NOT_A_GRANT = re.compile(
    r"不予|不再|不得|不能|不给予|不享受|不提供|不奖励|收缴|追还|追回|退还|收回|取消|是指|所称|简称|申请表|材料|资料|名单|公示"
    r"|的原则|就高|从高|不重复|上限|部门要|到位|除外|承担|审核|拨付|兑现|作为[^，。；]*依据|提供的数据"
    r"|享受[^，。；]{0,12}(?:政策|待遇)|[：:]\s*$")
_PIECE = re.compile(r"[^，,：:]+")


def _grants(s: str) -> bool:
    if _NOT_A_GRANT.search(s):
        return False
    for m in _GRANT_TEXT.finditer(s):
        piece = next(p for p in _PIECE.finditer(s) if p.start() <= m.start() < p.end())
        inside_note = s[:m.start()].count("（") > s[:m.start()].count("）")
        if not (piece.group(0).rstrip("）)”").endswith("的") or s.startswith("的", m.end()) or inside_note):
            return True
    return False


def test_every_clause_of_the_corpus_that_grants_something_has_a_benefit_and_a_condition():
    missing = []
    for path in DOCUMENTS:
        raw = read_document(path)
        g = graph(path.name)
        r = CriteriaReader(g, parse_structure(raw.text).text)
        granting = {e.source for e in g.edges.values() if e.label == "PROVIDES"}
        for cid in r.clauses:
            said = [r.text[a:b] for a, b in r.sentences(cid) if _grants(r.text[a:b])]
            if said and not (cid in granting and g.nodes[cid].properties.get("condition")):
                missing.append((path.name, cid.split("#", 1)[1], said[0][:60]))
    assert missing == []


def test_no_benefit_of_the_corpus_takes_its_clauses_budget_as_its_amount_or_cap():
    for path in DOCUMENTS:
        g = graph(path.name)
        for n in g.nodes.values():
            budget = n.properties.get("budget_yuan") if n.label == "PolicyClause" else None
            if budget is not None:
                for b in benefits(g, n):
                    assert budget not in (b.get("amount_yuan"), b.get("cap_yuan")), (path.name, n.id, b["text"][:40])


def test_documents_used_here_exist():
    assert all(Path(p).exists() for p in DOCUMENTS) and len(DOCUMENTS) == 82
