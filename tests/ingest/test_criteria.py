"""Criteria and benefits read from real clauses of the Zhejiang corpus, hand-checked."""

from __future__ import annotations

import json
from functools import cache

import pytest

from policykg.core.errors import InvalidInput
from policykg.core.model import DocumentGraph
from policykg.core.ontology import PKG, load_ontology
from policykg.core.places import levels_in
from policykg.eligibility.engine import Condition, Criterion, Fact, FirmProfile, Status, evaluate
from policykg.eligibility.rules import load_rule_file, load_rules
from policykg.ingest.criteria import document, grants_something
from policykg.ingest.criteria.lexicon import SCALE_RE, lexicon
from policykg.ingest.pipeline import extract_document
from policykg.ingest.reader import read_document
from tests.conftest import ZHEJIANG

JIAXING = "PolicyClause:嘉科综〔2018〕47号#"


@cache
def graph(name: str) -> DocumentGraph:
    return extract_document(read_document(ZHEJIANG / name))


def unruled(name: str) -> DocumentGraph:
    """The document as extraction alone reads it (no rule file in force)."""
    mp = pytest.MonkeyPatch()
    mp.setattr(document, "rule_in_force", lambda *a, **k: None)
    try:
        return extract_document(read_document(ZHEJIANG / name))
    finally:
        mp.undo()


def clause(g: DocumentGraph, start: str):
    found = [n for n in g.nodes.values() if n.label == "PolicyClause" and n.properties["text"].startswith(start)]
    assert len(found) == 1, [n.id for n in found]
    return found[0]


def _filled(d: dict) -> dict:
    # Criterion.to_json leaves out attribute=None (needs-review criteria), which
    # Condition.from_json does not yet default back: fill it in until eligibility.py does.
    if d["op"] == "LEAF":
        return {**d, "criterion": {"attribute": None, **d["criterion"]}}
    return {**d, "children": [_filled(c) for c in d["children"]]}


def full_condition(node) -> Condition:
    return Condition.from_json(_filled(json.loads(node.properties["condition"])))


def condition(node) -> Condition:
    """The clause's own condition: without the policy's place (平湖市, quoted from the issuer) that every
    clause of a local policy carries when it names no place itself."""
    cond = full_condition(node)
    first = cond.children[0] if cond.op == "AND" else None
    if first is not None and first.op == "LEAF" and first.criterion.attribute == "registered_place" \
            and first.criterion.text not in node.properties["text"] \
            and not any(w in first.criterion.text for w in ("注册", "登记", "企业")):  # the issuer, not a scope article
        rest = cond.children[1:]
        return rest[0] if len(rest) == 1 else Condition("AND", tuple(rest))
    return cond


def read(node) -> list[dict]:
    """The criteria of a clause that were read (not needs-review), as dicts."""
    return [c.to_json() for c in condition(node).criteria() if not c.needs_review]


def benefits(g: DocumentGraph, node) -> list[dict]:
    return [g.nodes[e.target].properties for e in g.edges.values() if e.source == node.id and e.label == "PROVIDES"]


def firm(*facts: Fact) -> FirmProfile:
    return FirmProfile("91330400MA2B3C4D5E", "测试企业", list(facts))


# ---------------------------------------------------------------- 嘉兴市科技保险补贴实施办法（试行）
def test_jiaxing_article_2_reads_place_and_the_or_of_qualifications():
    g = unruled("0410.txt")
    cond = condition(g.nodes[JIAXING + "第二条"])
    assert cond.op == "AND"
    flat = [c for c in cond.criteria() if not c.needs_review]
    assert {"attribute": "registered_place", "operator": "eq", "value": "嘉兴市", "text": "在嘉兴市范围内工商注册"} in [
        c.to_json() for c in flat]
    assert any(c.attribute == "no_major_violation" and c.period == "近三年" for c in flat)
    either = [ch for ch in cond.children if ch.op == "OR"]
    assert len(either) == 1  # 具体为：一、…二、…: the listed kinds are alternatives
    alts = either[0].criteria()
    assert [c.value for c in alts[:2]] == ["高新技术企业", "科技型企业"]
    assert alts[2].value == "省农业科技企业" and not alts[2].needs_review  # a qualification the ontology knows


def test_jiaxing_article_6_gets_the_documents_conditions_and_its_cap():
    g = unruled("0410.txt")
    six = g.nodes[JIAXING + "第六条"]
    assert "嘉兴市" in [c["value"] for c in read(six) if c["attribute"] == "registered_place"]
    [b] = benefits(g, six)
    assert (b["benefit_kind"], b["cap_yuan"], b["recurrence"]) == ("补助", 50000, "yearly")
    # the criteria of 第二条 hang under 第二条 (whose text quotes them) and 第六条 REQUIRES them
    targets = {e.target for e in g.edges.values() if e.source == six.id and e.label == "REQUIRES"}
    assert targets and all(t.startswith("EligibilityCriterion:嘉科综〔2018〕47号#第二条#") for t in targets)
    assert six.properties["stacking_group"] == "PolicyDocument:嘉科综〔2018〕47号#stack"  # 第十六条 不得重复申请


def test_the_rule_file_wins_over_extraction_for_jiaxing():
    g = graph("0410.txt")
    two = g.nodes[JIAXING + "第二条"]
    cond = condition(two)
    assert not any(c.needs_review for c in cond.criteria())
    assert cond != condition(unruled("0410.txt").nodes[JIAXING + "第二条"])
    assert two.properties["effective_from"] == "2018-06-19"
    [b] = benefits(g, two)
    assert (b["cap_yuan"], b["recurrence"], b["benefit_kind"]) == (50000, "yearly", "补助")
    assert b.get("rate") is None  # the rates are in 附件1, which the text does not include


def test_engine_on_the_jiaxing_rule():
    cond = condition(graph("0410.txt").nodes[JIAXING + "第二条"])
    base = (Fact("registered_place", "浙江省嘉兴市南湖区"), Fact("no_major_violation", True))
    assert evaluate(cond, firm(*base, Fact("qualification", "高新技术企业")))[0] is Status.ELIGIBLE
    assert evaluate(cond, firm(*base, Fact("qualification", "科技型企业")))[0] is Status.ELIGIBLE  # other branch
    status, lines = evaluate(cond, firm(*base))
    assert status is Status.UNKNOWN and any(line.outcome.value == "missing fact" for line in lines)
    wrong = firm(Fact("registered_place", "浙江省湖州市"), Fact("no_major_violation", True),
                 Fact("qualification", "高新技术企业"))
    assert evaluate(cond, wrong)[0] is Status.INELIGIBLE


def test_engine_on_extracted_conditions_never_says_no_for_what_it_could_not_read():
    cond = condition(unruled("0410.txt").nodes[JIAXING + "第二条"])
    good = firm(Fact("registered_place", "嘉兴市"), Fact("no_major_violation", True), Fact("qualification", "高新技术企业"))
    assert evaluate(cond, good)[0] is Status.UNKNOWN  # 拥有自主知识产权 etc. need review
    assert evaluate(cond, firm(Fact("registered_place", "杭州市")))[0] is Status.INELIGIBLE


# ---------------------------------------------------------------- other documents, hand-checked
def test_pinghu_rd_ratio_with_an_exception_for_high_tech_firms():
    # 0018 平湖 (六)：…总额在30万元以上（高新技术企业除外），且研发费用占销售收入比重达到3%以上的，一次性给予10%奖励，最高限额30万元。
    g = graph("0018.txt")
    node = clause(g, "（六）推动企业加大研发投入")
    cond = condition(node)
    assert {"attribute": "rd_ratio", "operator": "ge", "value": 3, "unit": "%",
            "text": "研发费用占销售收入比重达到3%以上"} in read(node)
    assert {"attribute": "rd_expense", "operator": "ge", "value": 300_000, "unit": "元",
            "text": "研发费用，总额在30万元以上"} in read(node)
    nots = []
    stack = [cond]
    while stack:
        c = stack.pop()
        nots += [c] if c.op == "NOT" else []
        stack += list(c.children)
    assert [n.children[0].criterion.value for n in nots] == ["高新技术企业"]
    # the lead-in only says which 研发费用 count: nothing is left for review
    assert not [c for c in cond.criteria() if c.needs_review]
    [b] = benefits(g, node)
    assert (b["benefit_kind"], b["rate"], b["cap_yuan"], b["recurrence"]) == ("奖励", 0.1, 300000, "one-off")


def test_pinghu_new_high_tech_firm_award():
    # 0018 平湖 (四)：对首次认定为高新技术企业的，给予20万元奖励；重新认定为高新技术企业的，给予5万元奖励。
    g = graph("0018.txt")
    node = clause(g, "（四）实施科技企业“倍增”计划")
    quals = [(c["operator"], c["value"]) for c in read(node) if c["attribute"] == "qualification"]
    assert ("has", "高新技术企业") in quals and ("has", "科技型企业") in quals
    amounts = [b.get("amount_yuan") for b in benefits(g, node)]
    assert 200000 in amounts and 50000 in amounts and 20000 in amounts  # 高企 20万, 重新认定 5万, 省科技型中小企业 2万


def test_beilun_trade_firms_revenue_and_tax_thresholds():
    # 0508 北仑 34：对…年销售收入1000万元以上、实缴税收50万元以上的，按照销售收入5%以内给予补助。
    g = graph("0508.txt")
    node = clause(g, "34.大力培育商贸企业")
    got = read(node)
    assert {"attribute": "revenue", "operator": "ge", "value": 10_000_000, "unit": "元", "period": "年度",
            "text": "年销售收入1000万元以上"} in got
    assert {"attribute": "tax_paid", "operator": "ge", "value": 500_000, "unit": "元",
            "text": "实缴税收50万元以上"} in got
    cond = condition(node)
    # two grants in the clause, each with its own thresholds (and the document's 不能享受 article around them)
    assert cond.op == "OR" or (cond.op == "AND" and any(ch.op == "OR" for ch in cond.children))
    assert [b["rate"] for b in benefits(g, node)][:1] == [0.05]
    assert benefits(g, node)[0]["benefit_kind"] == "补助"


def test_xianju_scope_article_applies_to_every_benefit_clause():
    # 0470 仙居 一、政策扶持对象在仙居县完成工商注册和税务登记… → ANDed into 二/5 (技改补助 10%, 最高200万元)
    g = graph("0470.txt")
    scope = clause(g, "一、政策扶持对象")
    node = clause(g, "5.给予高比例技改补助")
    assert {"attribute": "registered_place", "operator": "eq", "value": "仙居县",
            "text": "在仙居县完成工商注册和税务登记"} in read(node)
    crit = [e.target for e in g.edges.values() if e.source == node.id and e.label == "REQUIRES"]
    assert any(t.startswith("EligibilityCriterion:" + scope.id.split(":", 1)[1] + "#") for t in crit)
    [b] = benefits(g, node)
    assert (b["benefit_kind"], b["rate"], b["cap_yuan"]) == ("补助", 0.1, 2_000_000)
    status, _ = evaluate(condition(node), firm(Fact("registered_place", "浙江省台州市椒江区")))
    assert status is Status.INELIGIBLE


def test_linhai_logistics_revenue_above():
    # 0433 临海 4：…分离（整合）当年营业收入超过1000万元…
    node = clause(graph("0433.txt"), "4.主辅分离后成立的物流企业")
    assert {"attribute": "revenue", "operator": "gt", "value": 10_000_000, "unit": "元", "period": "当年度",
            "text": "当年营业收入超过1000万元"} in read(node)


def test_xianju_trade_tiers_in_separate_sentences_give_one_benefit_each():
    # 0019 九/（一）/3：当年度销售额在1000万元（含）以上的，奖励10万元；…2000万元…20万元；…3000万元…30万元。
    g = graph("0019.txt")
    node = clause(g, "3.对新增限额以上的零售类企业")
    assert sorted(b["amount_yuan"] for b in benefits(g, node)) == [100000, 200000, 300000]
    cond = condition(node)
    # the three tiers, ANDed with what the document's 不能享受 article asks of every grant
    tiers_or = cond if cond.op == "OR" else next(ch for ch in cond.children if ch.op == "OR")
    assert len(tiers_or.children) == 3
    # 销售额 is a label of 营业收入: each tier reads as a revenue threshold
    tiers = [c for c in cond.criteria() if c.attribute == "revenue"]
    assert [(c.operator, c.value) for c in tiers] == [("ge", 10_000_000), ("ge", 20_000_000), ("ge", 30_000_000)]
    assert all("销售额" in c.text for c in tiers)


def test_an_unreadable_condition_becomes_a_needs_review_criterion():
    # 0019 四、…对新创国家级、省级商业特色街的，分别给予创建单位20万元、10万元的奖励。
    g = graph("0019.txt")
    node = clause(g, "四、鼓励创建特色商业街")
    [c] = [c for c in condition(node).criteria() if c.attribute != "registered_place" and "商业特色街" in c.text]
    assert c.needs_review and c.text == "对新创国家级、省级商业特色街的"
    crit = next(g.nodes[e.target] for e in g.edges.values() if e.source == node.id and e.label == "REQUIRES"
                and g.nodes[e.target].properties.get("attribute") is None)
    assert crit.properties["needs_review"] is True and crit.name.startswith("待人工核对")
    [b] = benefits(g, node)
    assert b["amount_yuan"] == 200000 and b["needs_review"] is True  # tiers not paired: the largest, flagged


# ---------------------------------------------------------------- invariants over the documents used above
@pytest.mark.parametrize("name", ["0410.txt", "0018.txt", "0508.txt", "0470.txt", "0433.txt", "0019.txt"])
def test_criteria_quote_their_clause_and_use_ontology_terms(name):
    g = graph(name)
    o = load_ontology()
    crits = [n for n in g.nodes.values() if n.label == "EligibilityCriterion"]
    assert crits
    for n in crits:
        key = n.id.rsplit("#", 1)[0].split(":", 1)[1]
        owner = g.nodes.get("PolicyClause:" + key) or g.nodes["PolicyDocument:" + key]
        quoted = owner.properties.get("text") or f'{owner.properties.get("issuer")} {owner.properties.get("title")}'
        assert n.properties["text"] in quoted, n.id
        p = n.provenance[0]
        assert p.source == g.source
        assert p.end > p.start
        attribute = n.properties.get("attribute")
        # an ontology attribute, or an open one with its phrase and value type
        assert attribute is None or attribute in {c.iri.rsplit("/", 1)[-1] for c in o.concepts(PKG.AttributeScheme)} \
            or (attribute.startswith("open:") and n.properties["attribute_label"] and n.properties["value_type"])
    for n in g.nodes.values():
        assert set(n.properties) <= o.property_keys, n.id
        if "condition" in n.properties:
            condition(n)  # round-trips


# ---------------------------------------------------------------- rule files
def test_the_repository_rules_load():
    rules = load_rules()
    assert {r.clause for r in rules} >= {JIAXING + "第二条", JIAXING + "第六条"}


@pytest.mark.parametrize(("body", "message"), [
    (("- {clause: 'PolicyClause:x#一', version: 1, effective_from: 2020-01-01,"
     " condition: {attribute: turnover, operator: ge, value: 1}}"), "rule 0.condition: unknown attribute 'turnover'"),
    (("- {clause: 'PolicyClause:x#一', version: 1, effective_from: 2020-01-01,"
     " condition: {all: [{attribute: revenue, operator: '>=', value: 1}]}}"), "unknown operator '>='"),
    ("- {clause: 'PolicyClause:x#一', version: 1, condition: {attribute: revenue, operator: ge, value: 1}}",
     "'effective_from' is required"),
    ("clause: x", "a rule file is a YAML list"),
    ("- [unclosed", "not valid YAML"),
])
def test_a_bad_rule_file_is_rejected_with_a_clear_message(tmp_path, body, message):
    path = tmp_path / "bad.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(InvalidInput) as e:
        load_rule_file(path)
    assert message in str(e.value) and "bad.yaml" in str(e.value)


# ---------------------------------------------------------------- general patterns (coverage)
def test_registration_in_our_county_resolves_from_the_title_when_no_issuer_is_read():
    # 0436 遂昌县振兴生态工业改革创新三十九条, 十一、管理办法扶持对象和条件。
    # 「在我县工商登记、依法纳税缴费、账证健全，…的工业企业」 applies to every grant of the document,
    # e.g. 1.企业家创业奖。对工业企业年销售收入首次达到1000万元…
    g = unruled("0436.txt")
    node = clause(g, "1.企业家创业奖")
    assert {"attribute": "registered_place", "operator": "eq", "value": "遂昌县", "text": "在我县工商登记"} in read(node)


def test_procedural_sentences_of_a_scope_article_are_not_conditions():
    # 0436 十一、: 「符合以上补助或奖励条件的企业，于次年3月31日前自行申报…」, 「石练镇政府、县工业园区管委会
    # 出具初审意见，并汇总到县经济商务局」, 「企业可同时享受本政策和省级以上扶持政策」 say how to apply.
    g = unruled("0436.txt")
    texts = [c.text for c in condition(clause(g, "1.企业家创业奖")).criteria() if c.needs_review]
    assert texts and not any(w in t for t in texts for w in ("自行申报", "初审意见", "同时享受", "审核", "一事一议"))


def test_our_city_firms_are_a_registered_place():
    lex = lexicon()
    m = lex.place_re.search("对我市企业首次认定为高新技术企业的")
    assert m and m.group("place3") == "我市"


def test_new_platforms_of_listed_levels_are_alternatives():
    # 0018 平湖 （二）：「对新认定的国家、省和嘉兴市级众创空间、星创天地，分别一次性给予100万元、70万元和50万元的奖励。」
    g = unruled("0018.txt")
    node = clause(g, "（二）支持科技企业孵化器建设")
    values = {c["value"] for c in read(node) if c["attribute"] == "platform"}
    assert {"国家级众创空间", "省级众创空间", "市级众创空间", "国家级孵化器", "省级孵化器", "市级孵化器"} <= values
    cond = condition(node)
    space = firm(Fact("platform", ["省级众创空间"]))
    assert evaluate(cond, space)[0] is Status.ELIGIBLE
    assert evaluate(cond, firm(Fact("platform", ["区级众创空间"])))[0] is not Status.ELIGIBLE
    assert evaluate(cond, firm())[0] is Status.UNKNOWN  # no platform facts: missing, not 'no'


def test_an_unread_item_of_a_platform_list_keeps_the_firm_unknown_not_ineligible():
    # 0441 永康 1．「对首次被认定为国家级、省级企业技术中心或高新技术研发中心（企业技术中心和高新技术研发中心仅奖1项）、
    # 制造行业创新中心的企业，分别奖励50万元、30万元」
    node = clause(unruled("0441.txt"), "1．建设高水平制造业企业技术中心")
    cond = condition(node)
    assert {c["value"] for c in read(node)} == {"国家级企业技术中心", "省级企业技术中心"}
    assert evaluate(cond, firm(Fact("platform", ["国家级企业技术中心"])))[0] is Status.ELIGIBLE
    assert evaluate(cond, firm(Fact("platform", ["市级企业技术中心"])))[0] is Status.UNKNOWN  # 高新技术研发中心?


def test_levels_and_above():
    # 0477 「对新认定为省级以上重点农业企业研究院的」: 省级 or 国家级 (企业研究院 is a 研发中心 in the ontology)
    m = lexicon().platform_re.search("对新认定为省级以上重点农业企业研究院的")
    assert levels_in(m["levels"], and_above=bool(m["up"])) == ["省级", "国家级"]
    assert lexicon().platforms[m["ptype"]] == "研发中心"
    assert lexicon().platform_re.search("挂牌省股权交易中心") is None  # a market, not the firm's platform


def test_a_profiles_platforms_become_one_listed_platform_fact():
    from pathlib import Path

    from policykg.eligibility.profile import firm_from_graph, load_profile
    from policykg.ingest.profiles import profile_to_document

    path = Path(__file__).resolve().parents[1] / "fixtures" / "firm_profile.json"  # one 市级企业技术中心
    doc = profile_to_document(load_profile(path), "firm_profile.json")
    node = next(n for n in doc.nodes.values() if n.label == "Enterprise")
    f = firm_from_graph(node)
    assert [x.value for x in f.values("platform")] == [["市级企业技术中心"]]  # 级别+类型
    crit = Criterion("platform", "has", "市级企业技术中心")
    assert evaluate(Condition.leaf(crit), f)[0] is Status.ELIGIBLE


def test_above_quota_and_above_scale_classes_are_qualifications():
    # 0019 仙居 2.「对新增限额以上的批发类企业，当年度销售额在1亿元（含）以上的，奖励10万元；…」
    node = clause(unruled("0019.txt"), "2.对新增限额以上的批发类企业")
    assert {"attribute": "qualification", "operator": "has", "value": "限额以上商贸企业",
            "text": "限额以上的批发类企业"} in read(node)
    # 「对科技服务业企业首次转为规模以上企业纳入统计范围的」; 「对首次纳入限额以上管理的企业奖励3万元」
    assert SCALE_RE.search("首次转为规模以上企业纳入统计范围的").group(0) == "规模以上企业"
    assert SCALE_RE.search("对首次纳入限额以上管理的企业奖励3万元").group("quota")


def test_a_scope_sentence_that_gives_something_is_not_a_condition():
    # 0526 台州 孵化机构 …及标准: 「实际投资额在500万元以上的，提供1000平方米的３年免租创业场所」 is a benefit
    assert grants_something("实际投资额在500万元以上的，提供1000平方米的３年免租创业场所")
    assert not grants_something("在我县工商登记、依法纳税缴费、账证健全")


# ---------------------------------------------------------------- tiers, honours, good standing, windows
def _benefit_tiers(g: DocumentGraph, node) -> list[tuple[float | None, float | None, list]]:
    """(amount, cap, the values its own condition asks for), per benefit, ordered by amount or cap."""
    out = []
    for b in benefits(g, node):
        cond = Condition.from_json(_filled(json.loads(b["condition"]))) if b.get("condition") else None
        out.append((b.get("amount_yuan"), b.get("cap_yuan"),
                    [c.value for c in cond.criteria() if not c.needs_review] if cond else []))
    return sorted(out, key=lambda x: x[0] or x[1] or 0)


def test_tiers_listed_after_one_attribute_pair_each_amount_with_its_own_threshold():
    # 0019 九（三）：年销售额在500万元（含）以上、1000万元（含）以上、5000万元（含）以上的，分别给予10万元、30万元、50万元一次性奖励
    g = graph("0019.txt")
    node = clause(g, "（三）鼓励分支机构转独立法人")
    assert _benefit_tiers(g, node) == [(100_000, None, [5_000_000]), (300_000, None, [10_000_000]),
                                       (500_000, None, [50_000_000])]
    cond = condition(node)
    # the firm qualifies from the lowest tier up: the tiers are alternatives
    assert evaluate(cond, firm(Fact("revenue", 6_000_000, unit="元", year=2023)))[0] is not Status.INELIGIBLE
    assert evaluate(cond, firm(Fact("revenue", 4_000_000, unit="元", year=2023)))[0] is Status.INELIGIBLE


def test_an_operator_said_once_for_a_list_of_tiers_and_caps_per_tier():
    # 0433 临海 2.：当年销售额超过2000万元、5000万元、1亿元以上的，分别给予一次性最高2万元、5万元、8万元奖励
    g = graph("0433.txt")
    node = clause(g, "2.主辅分离后成立的商贸公司")
    assert _benefit_tiers(g, node) == [(None, 20_000, [20_000_000]), (None, 50_000, [50_000_000]),
                                       (None, 80_000, [100_000_000])]
    assert {c["operator"] for c in read(node) if c["attribute"] == "revenue"} == {"gt"}
    # 主辅分离后成立的 is not read: it stays a review criterion, so the clause is never eligible on revenue alone
    assert any(c.needs_review and "主辅分离" in c.text for c in condition(node).criteria())


def test_honours_listed_before_a_list_of_amounts_are_paired_one_to_one():
    # 0016 （一）：对获得中国质量奖、浙江省人民政府质量奖、台州市政府质量奖的企业，一次性给予450万元、300万元、50万元的奖励
    g = graph("0016.txt")
    node = clause(g, "（一）鼓励企业推行质量管理办法")
    tiers = _benefit_tiers(g, node)
    assert (500_000, None, ["市政府质量奖"]) in tiers
    assert (3_000_000, None, ["省政府质量奖"]) in tiers
    assert (4_500_000, None, ["中国质量奖"]) in tiers


def test_good_standing_conditions_are_read_as_no_major_violation():
    # 0436 申报条件：在我县工商登记、依法纳税缴费、账证健全，年内未发生较大安全生产事故、重大环境污染事故、
    # 未发生涉税刑事案件，完成年度节能降耗或污染减排目标任务的工业企业
    g = graph("0436.txt")
    node = clause(g, "1.企业家创业奖")
    texts = [c["text"] for c in read(node) if c["attribute"] == "no_major_violation"]
    assert any("依法纳税" in t for t in texts) and not any("账证健全" in t for t in texts)
    assert any("重大环境污染事故" in t for t in texts)
    # sound books are asked apart: a clean record does not say the accounts are kept
    assert [c["text"] for c in read(node) if c["attribute"] == "sound_accounts"] == ["账证健全"]
    bad = firm(Fact("registered_place", "浙江省丽水市遂昌县"), Fact("no_major_violation", False),
               Fact("revenue", 30_000_000, unit="元", year=2023))
    status, lines = evaluate(condition(node), bad)
    assert status is Status.INELIGIBLE
    assert any(x.criterion.attribute == "no_major_violation" and x.outcome.value == "not met" for x in lines)
    # the energy-saving target is a yes/no condition the firm can answer, never silently dropped
    assert any(c.is_open and c.operator == "true" and "节能降耗" in c.label for c in condition(node).criteria())


@pytest.mark.parametrize(("name", "window"), [("0500.txt", "每年的5月份和11月份"), ("0449.txt", "每年5月、6月"),
                                              ("0414.txt", "次年6月底前")])
def test_the_application_window_is_read_for_the_document(name, window):
    g = graph(name)
    assert g.nodes[g.policy_id].properties["application_window"] == window


def test_amounts_per_unit_are_marked_with_their_unit():
    # 0442 30.：建筑企业申请相关的发明、实用新型、外观设计专利授权后每件分别补助4万元、1200元、600元
    g = graph("0442.txt")
    node = clause(g, "30.建筑企业")
    per = [b for b in benefits(g, node) if b.get("per_unit")]
    assert [(b["amount_yuan"], b["per_unit"]) for b in per] == [(40_000, "件")]
    # a total stays a total: 专利维护费按实际支付的40%给予补助，同一企业每年最高不超过10万元
    assert any(b.get("rate") == 0.4 and not b.get("per_unit") for b in benefits(g, node))


def test_a_list_of_conjunctive_tiers_is_an_or_of_ands():
    # 0441 二（一）1：对首次年销售收入达到100亿元且税收达到5亿元的“航母之星”工业企业、年销售收入达到50亿元且税收达到
    # 2.5亿元的“航母”工业企业、…20亿元且…1亿元…、…10亿元且…0.5亿元的“小巨人”工业企业，…分别奖励1000万元、500万元、200万元、50万元
    g = graph("0441.txt")
    node = clause(g, "1．加大对百亿级行业龙头企业的培育")
    cond = condition(node)
    giant = firm(Fact("revenue", 2_500_000_000, unit="元", year=2023), Fact("tax_paid", 120_000_000, unit="元", year=2023))
    small = firm(Fact("revenue", 500_000_000, unit="元", year=2023), Fact("tax_paid", 10_000_000, unit="元", year=2023))
    assert evaluate(cond, giant)[0] is not Status.INELIGIBLE  # it reaches the 20亿 / 1亿 tier
    assert evaluate(cond, small)[0] is Status.INELIGIBLE
    tiers = _benefit_tiers(g, node)
    assert [t[0] for t in tiers] == [500_000, 2_000_000, 5_000_000, 10_000_000]
    assert tiers[1][2] == [2_000_000_000, 100_000_000]  # 200万 goes with 20亿元 and 1亿元
    # “小巨人” here is this policy's own title, not the 专精特新小巨人 qualification
    assert not [c for c in read(node) if c["attribute"] == "qualification"]


def _must_all_hold(c: Condition, negated: bool = False) -> list[tuple]:
    """(criterion, negated) pairs that an AND node requires together (through nested ANDs and NOT leaves)."""
    if c.op == "LEAF":
        return [(c.criterion, negated)]
    if c.op == "NOT" and c.children[0].op == "LEAF":
        return [(c.children[0].criterion, not negated)]
    if c.op == "AND":
        return [x for ch in c.children for x in _must_all_hold(ch, negated)]
    return []


def _and_nodes(c: Condition):
    if c.op == "AND":
        yield c
    for ch in c.children:
        yield from _and_nodes(ch)


def test_no_condition_read_from_the_corpus_asks_for_the_impossible():
    """A misread list (tiers read as one AND, an inclusion read as a requirement next to its exclusion)
    makes every firm ineligible. Over all 81 documents, no AND may require: the same qualification
    and its absence, two unrelated places, a lower bound above an upper bound, or two different lower
    bounds of one attribute (a list of tiers read as if all were required)."""
    problems = []
    for path in sorted(ZHEJIANG.glob("*.txt")):
        g = graph(path.name)
        for n in g.nodes.values():
            if n.label != "PolicyClause" or not n.properties.get("condition"):
                continue
            for node in _and_nodes(condition(n)):
                pairs = [(c, neg) for c, neg in _must_all_hold(node) if not c.needs_review]
                held = {repr(c.value) for c, neg in pairs if c.attribute in ("qualification", "platform") and not neg}
                absent = {repr(c.value) for c, neg in pairs if c.attribute in ("qualification", "platform") and neg}
                places = {c.value for c, neg in pairs if c.attribute == "registered_place" and not neg}
                lows: dict = {}
                highs: dict = {}
                for c, neg in pairs:
                    if neg or not isinstance(c.value, int | float):
                        continue
                    key = (c.attribute, c.period)
                    if c.operator in ("ge", "gt"):
                        lows.setdefault(key, set()).add(c.value)
                    elif c.operator in ("le", "lt"):
                        highs.setdefault(key, set()).add(c.value)
                if held & absent:
                    problems.append((path.name, n.id, "has and has not", held & absent))
                if len(places) > 1 and not any(p in q for p in places for q in places if p != q):
                    problems.append((path.name, n.id, "two places", places))
                for key, values in lows.items():
                    if len(values) > 1:
                        problems.append((path.name, n.id, "tiers read as AND", key, values))
                    if key in highs and max(values) > min(highs[key]):
                        problems.append((path.name, n.id, "empty range", key))
    assert problems == []


@pytest.mark.parametrize(("name", "start", "end"), [
    ("0441.txt", "2018-01-01", "2020-12-31"),  # 本文件自2018年1月1日起执行，执行期暂定三年
    ("0528.txt", "2017-04-17", "2020-12-31"),  # 本意见自发文之日起施行，有效期至2020年12月31日 (issued 2017-04-17)
    ("0019.txt", "2020-05-01", None),  # 本政策自2020年5月1日起执行兑现
])
def test_the_documents_period_in_force_is_read(name, start, end):
    g = graph(name)
    p = g.nodes[g.policy_id].properties
    assert (p.get("effective_from"), p.get("effective_to")) == (start, end)


def test_every_clause_of_a_local_policy_is_for_the_firms_of_its_place():
    # 0018 平湖市人民政府: 「对首次认定为高新技术企业的，给予20万元奖励」 names no place; the policy is 平湖市's
    g = graph("0018.txt")
    node = clause(g, "（四）实施科技企业“倍增”计划")
    place = full_condition(node).children[0].criterion
    assert (place.attribute, place.value, place.text) == ("registered_place", "平湖市", "平湖市人民政府")
    hnte = Fact("qualification", "高新技术企业", date="2021-12-01")
    assert evaluate(full_condition(node), firm(Fact("registered_place", "浙江省嘉兴市平湖市"), hnte))[0] \
        is Status.ELIGIBLE
    assert evaluate(full_condition(node), firm(Fact("registered_place", "重庆市永川区"), hnte))[0] \
        is Status.INELIGIBLE
    assert evaluate(full_condition(node), firm(hnte))[0] is Status.UNKNOWN  # no place given: missing, not 'no'
    # one criterion node for the whole document, quoting its issuer
    crits = [n for n in g.nodes.values() if n.label == "EligibilityCriterion" and n.properties.get("text") == "平湖市人民政府"]
    assert len(crits) == 1 and crits[0].id.startswith("EligibilityCriterion:平政发〔2020〕126号#")
    assert sum(e.target == crits[0].id for e in g.edges.values() if e.label == "REQUIRES") > 5
    # a clause that names its place keeps its own (嘉兴市科技保险补贴 第二条: 在嘉兴市范围内工商注册)
    jiaxing = clause(unruled("0410.txt"), "第二条")
    assert [c.value for c in full_condition(jiaxing).criteria() if c.attribute == "registered_place"] == ["嘉兴市"]


def test_who_is_left_out_after_the_grant_is_an_exclusion():
    # 0477 玉环 一3：对首次纳入科技部全国科技型中小企业信息库的科技型中小企业，奖励10万元（在有效期内的国家高新技术企业
    # 纳入该信息库不再奖励）
    g = graph("0477.txt")
    node = clause(g, "3．对首次纳入科技部全国科技型中小企业信息库的")
    first = next(b for b in benefits(g, node) if b["amount_yuan"] == 100_000)
    cond = Condition.from_json(_filled(json.loads(first["condition"])))
    sme = Fact("qualification", "科技型企业", date="2023-05-01")
    hnte = Fact("qualification", "高新技术企业", date="2022-12-01")
    assert evaluate(cond, firm(sme, hnte))[0] is Status.INELIGIBLE
    assert evaluate(cond, firm(sme))[0] is not Status.INELIGIBLE


def test_kinds_of_firm_listed_together_are_alternatives():
    # 0520 兰溪: 引进外地股权投资机构、投资基金公司，在我市注册登记、实际到位资本1亿元（含）以上的 …
    g = graph("0520.txt")
    node = next(n for n in g.nodes.values() if n.label == "PolicyClause" and "外地股权投资机构、投资基金公司" in n.properties["text"]
                and not any(e.source == n.id and e.label == "HAS_CLAUSE" for e in g.edges.values()))
    cond = full_condition(node)
    ors = [{ch.criterion.label for ch in c.children} for c in _walk(cond)
           if c.op == "OR" and all(ch.criterion is not None for ch in c.children)]
    assert {"外地股权投资机构", "投资基金公司"} in ors
    # neither is required together with the other
    assert not any(c.op == "AND" and {ch.criterion.label for ch in c.children if ch.criterion is not None}
                   >= {"外地股权投资机构", "投资基金公司"} for c in _walk(cond))


def _walk(c: Condition):
    yield c
    for ch in c.children:
        yield from _walk(ch)
