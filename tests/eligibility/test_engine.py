"""The three-valued engine: a missing fact is unknown, never ineligible."""

import pytest

from policykg.eligibility.engine import Condition, Criterion, Fact, FirmProfile, Outcome, Status, evaluate
from policykg.eligibility.attributes import attribute_keys

PLACE = Criterion("registered_place", "eq", "嘉兴市", text="注册地在嘉兴市")
HNTE = Criterion("qualification", "has", "高新技术企业", text="高新技术企业")
TAX = Criterion("tax_paid", "ge", 5_000_000, unit="元", period="上年度", text="上年度实缴税费500万元以上")


def firm(*facts):
    return FirmProfile("91330400MA2B3C4D5E", "测试企业", list(facts))


def test_attributes_come_from_the_ontology():
    assert {"registered_place", "qualification", "tax_paid", "revenue", "employees", "rd_ratio"} <= attribute_keys()


def test_all_met_is_eligible():
    f = firm(Fact("registered_place", "浙江省嘉兴市南湖区"), Fact("qualification", "高新技术企业", date="2020-12-01"),
             Fact("tax_paid", 6_000_000, unit="元", year=2023))
    status, lines = evaluate(Condition.all_of(*map(Condition.leaf, (PLACE, HNTE, TAX))), f)
    assert status is Status.ELIGIBLE and [l.outcome for l in lines] == [Outcome.MET] * 3


def test_one_failing_is_ineligible_with_the_gap():
    f = firm(Fact("registered_place", "嘉兴市"), Fact("qualification", "高新技术企业"), Fact("tax_paid", 4_000_000, year=2023))
    status, lines = evaluate(Condition.all_of(*map(Condition.leaf, (PLACE, HNTE, TAX))), f)
    assert status is Status.INELIGIBLE
    assert lines[2].outcome is Outcome.NOT_MET and lines[2].advice == "实缴税费还差100万元"


def test_missing_fact_is_unknown_not_ineligible():
    f = firm(Fact("registered_place", "嘉兴市"), Fact("qualification", "高新技术企业"))
    status, lines = evaluate(Condition.all_of(*map(Condition.leaf, (PLACE, HNTE, TAX))), f)
    assert status is Status.UNKNOWN
    assert lines[2].outcome is Outcome.MISSING and "实缴税费" in lines[2].advice


def test_either_branch_of_an_or():
    cond = Condition.all_of(Condition.leaf(PLACE), Condition.any_of(Condition.leaf(HNTE), Condition.leaf(TAX)))
    assert evaluate(cond, firm(Fact("registered_place", "嘉兴市"), Fact("tax_paid", 9e6)))[0] is Status.ELIGIBLE
    assert evaluate(cond, firm(Fact("registered_place", "嘉兴市"), Fact("qualification", "高新技术企业")))[0] is Status.ELIGIBLE
    # one branch false, the other unknown: unknown
    assert evaluate(cond, firm(Fact("registered_place", "嘉兴市"), Fact("qualification", "科技型企业")))[0] is Status.UNKNOWN


def test_wrong_city_is_ineligible_and_a_missing_qualification_says_what_to_get():
    f = firm(Fact("registered_place", "浙江省湖州市"), Fact("qualification", "科技型企业"), Fact("tax_paid", 9e6))
    status, lines = evaluate(Condition.all_of(*map(Condition.leaf, (PLACE, HNTE, TAX))), f)
    assert status is Status.INELIGIBLE
    assert lines[0].outcome is Outcome.NOT_MET
    assert lines[1].advice == "取得高新技术企业认定后可申请"


def test_not_and_review():
    cond = Condition("NOT", (Condition.leaf(Criterion("no_major_violation", "true", True)),))
    assert evaluate(cond, firm(Fact("no_major_violation", False)))[0] is Status.ELIGIBLE
    review = Criterion(None, "eq", None, text="经认定的其他情形", needs_review=True)
    status, [line] = evaluate(Condition.leaf(review), firm())
    assert status is Status.UNKNOWN and line.outcome is Outcome.REVIEW


def test_condition_round_trips_as_json():
    cond = Condition.all_of(Condition.leaf(PLACE), Condition.any_of(Condition.leaf(HNTE), Condition.leaf(TAX)))
    import json

    assert Condition.from_json(json.loads(cond.dumps())) == cond


def test_as_of_ignores_facts_dated_later():
    f = firm(Fact("qualification", "高新技术企业", date="2024-11-01"))
    assert evaluate(Condition.leaf(HNTE), f, as_of="2024-01-01")[0] is Status.UNKNOWN
    assert evaluate(Condition.leaf(HNTE), f, as_of="2024-12-31")[0] is Status.ELIGIBLE


def test_an_exclusion_the_firm_falls_under_is_the_unmet_reason():
    cond = Condition.all_of(Condition.leaf(TAX), Condition("NOT", (Condition.leaf(HNTE),)))
    status, lines = evaluate(cond, firm(Fact("tax_paid", 9e6), Fact("qualification", "高新技术企业")))
    assert status is Status.INELIGIBLE
    assert [(l.criterion.attribute, l.outcome) for l in lines] == [("tax_paid", Outcome.MET), ("qualification", Outcome.NOT_MET)]
    assert lines[1].advice == "属于排除情形"


@pytest.mark.parametrize(("have", "want", "expected"), [
    ("浙江省嘉兴市平湖市", "嘉兴市", True),
    ("浙江省平湖市", "嘉兴市", True),  # the address skips its city: the ontology's places know 平湖市 is 嘉兴's
    ("浙江省仙居县", "台州市", True),
    ("浙江省湖州市", "嘉兴市", False),  # another city
    ("浙江省台州市临海市", "仙居县", False),  # another county
    ("浙江省平湖市", "临海市", False),
    ("浙江省宁波市鄞州区", "宁波市江北区", False),
    ("重庆市江北区", "宁波市江北区", False),  # the same district name in another province
    ("重庆市", "平湖市", False),
    ("江苏省苏州市", "嘉兴市", False),
    ("浙江省", "嘉兴市", None),  # too coarse to tell: a missing fact, not a 'no'
    ("浙江省嘉兴市", "平湖市", None),
    ("浙江省杭州市", "富阳区", None),
    ("平湖市", "嘉兴市", None),
])
def test_places_are_compared_level_by_level(have, want, expected):
    from policykg.core.places import place_match

    assert place_match(have, want) is expected
    c = Criterion("registered_place", "eq", want, text=f"在{want}注册")
    line = evaluate(Condition.leaf(c), firm(Fact("registered_place", have)))[1][0]
    assert line.outcome is {True: Outcome.MET, False: Outcome.NOT_MET, None: Outcome.MISSING}[expected]
    if expected is None:
        assert "完整注册地" in line.advice
