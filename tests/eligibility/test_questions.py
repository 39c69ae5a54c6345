"""Questions a firm can answer: ids, wording, answers as facts, and what a bad answer gets."""

from __future__ import annotations

import math

import pytest

from policykg.core.errors import InvalidInput
from policykg.eligibility.columnar import CODES, FirmTable
from policykg.eligibility.engine import Condition, Criterion, Fact, FirmProfile, Outcome, Status, evaluate
from policykg.eligibility.questions import SOURCE, answer_value, answers_to_facts, question_for, standing_questions

ON = "2024-06-30"
EQUIPMENT = Criterion("open:设备投资额", "ge", 3_000_000, unit="元", period="上年度", label="设备投资额",
                      value_type="money", text="上年度设备投资额300万元以上")
IP = Criterion("open:拥有自主知识产权", "true", True, label="拥有自主知识产权", value_type="boolean", text="拥有自主知识产权")
GREEN = Criterion("open:省级绿色企业", "true", True, label="省级绿色企业", value_type="boolean", text="获得省级绿色企业称号")
INDUSTRIAL = Criterion("open:工业企业", "true", True, label="工业企业", value_type="boolean", text="工业企业")
LAND = Criterion("open:新增用地面积", "ge", 20, unit="亩", label="新增用地面积", value_type="quantity", text="新增用地20亩以上")
CLIENTS = Criterion("open:服务本地企业数", "ge", 10, unit="家", label="服务本地企业数", value_type="count",
                    text="服务本地企业10家以上")
HNTE = Criterion("qualification", "has", "高新技术企业", text="高新技术企业")
CENTRE = Criterion("platform", "has", "省级企业技术中心", text="省级企业技术中心")
REVENUE = Criterion("revenue", "ge", 5_000_000, unit="元", period="上年度", text="上年度营业收入500万元以上")
PLACE = Criterion("registered_place", "eq", "嘉兴市", text="在嘉兴市注册")


def firm(*facts: Fact) -> FirmProfile:
    return FirmProfile("91330400MA2B3C4D5E", "测试企业", list(facts))


def outcome(c: Criterion, f: FirmProfile) -> Outcome:
    """The criterion's outcome, checked to be the same in the columnar engine."""
    status, [line] = evaluate(Condition.leaf(c), f)
    [code] = FirmTable([f]).evaluate(Condition.leaf(c))
    assert CODES[int(code)] is status, (c, f)
    return line.outcome


@pytest.mark.parametrize(("criterion", "qid", "text", "answer_type", "unit"), [
    (REVENUE, "revenue", "贵企业上年度营业收入是多少（万元）？", "number", "万元"),
    (PLACE, "registered_place", "贵企业的注册地是？（省、市、区县）", "text", None),
    (HNTE, "qualification:高新技术企业", "贵企业是否获得高新技术企业认定/称号？", "yes_no", None),
    (Criterion("qualification", "has", "规模以上工业企业"), "qualification:规模以上工业企业",
     "贵企业是否属于规模以上工业企业？", "yes_no", None),
    (Criterion("qualification", "has", "省政府质量奖"), "qualification:省政府质量奖", "贵企业是否获得省政府质量奖？",
     "yes_no", None),
    (CENTRE, "platform:省级企业技术中心", "贵企业是否建有省级企业技术中心？", "yes_no", None),
    (EQUIPMENT, "open:设备投资额", "贵企业上年度设备投资额是多少（万元）？", "number", "万元"),
    (IP, "open:拥有自主知识产权", "贵企业是否拥有自主知识产权？", "yes_no", None),
    (GREEN, "open:省级绿色企业", "贵企业是否获得省级绿色企业认定/称号？", "yes_no", None),
    (INDUSTRIAL, "open:工业企业", "贵企业是否属于工业企业？", "yes_no", None),
    (LAND, "open:新增用地面积", "贵企业的新增用地面积是多少（亩）？", "number", "亩"),
    (CLIENTS, "open:服务本地企业数", "贵企业的服务本地企业数是多少（家）？", "number", "家"),
    (Criterion("no_major_violation", "true", True), "no_major_violation", "贵企业是否无重大违法行为？", "yes_no", None),
    (Criterion("employees", "ge", 50, unit="人"), "employees", "贵企业上年度职工人数是多少（人）？", "number", "人"),
    (Criterion("rd_ratio", "ge", 3, unit="%"), "rd_ratio", "贵企业上年度研发投入占比是多少（%）？", "number", "%"),
])
def test_each_criterion_asks_one_readable_question(criterion, qid, text, answer_type, unit):
    q = question_for(criterion)
    assert (q.id, q.text, q.answer_type, q.unit) == (qid, text, answer_type, unit)


def test_a_criterion_that_needs_review_asks_nothing():
    assert question_for(Criterion(None, "true", text="经认定的其他情形", needs_review=True)) is None
    assert question_for(Criterion("revenue", "ge", 1, needs_review=True)) is None


def test_answers_are_facts_with_source_and_date():
    facts = answers_to_facts({"revenue": 520, "open:设备投资额": 320.5, "qualification:高新技术企业": False,
                              "registered_place": "浙江省嘉兴市南湖区", "established": "2019-03-01",
                              "open:拥有自主知识产权": True},
                             on=ON, known={q.id: q for q in map(question_for, (EQUIPMENT, IP))} | standing_questions())
    by = {f.attribute: f for f in facts}
    assert by["revenue"] == Fact("revenue", 5_200_000, unit="元", year=2023, date=ON, source=SOURCE)
    assert by["open:设备投资额"] == Fact("open:设备投资额", 3_205_000, unit="元", date=ON, source=SOURCE)
    assert by["qualification:高新技术企业"] == Fact("qualification:高新技术企业", False, date=ON, source=SOURCE)
    assert by["registered_place"].value == "浙江省嘉兴市南湖区"
    assert by["established"].value == "2019-03-01"
    assert by["open:拥有自主知识产权"].value is True
    assert answer_value(by["open:设备投资额"]) == 320.5  # back in the question's unit


KNOWN = {q.id: q for q in map(question_for, (EQUIPMENT, IP, LAND, CLIENTS, HNTE, CENTRE, REVENUE, PLACE))}


@pytest.mark.parametrize(("answers", "words"), [
    ({"open:拥有自主知识产权": "yes"}, ["open:拥有自主知识产权", "true or false"]),
    ({"qualification:高新技术企业": 1}, ["qualification:高新技术企业", "true or false"]),
    ({"open:设备投资额": "320"}, ["open:设备投资额", "finite number", "万元"]),
    ({"revenue": True}, ["revenue", "finite number"]),
    ({"revenue": math.nan}, ["revenue", "finite number"]),
    ({"revenue": math.inf}, ["revenue", "finite number"]),
    ({"open:设备投资额": -5}, ["open:设备投资额", "zero or more"]),
    ({"open:服务本地企业数": -1}, ["open:服务本地企业数", "zero or more"]),
    ({"open:服务本地企业数": 2.5}, ["open:服务本地企业数", "whole number"]),
    ({"open:新增用地面积": -3}, ["open:新增用地面积", "zero or more", "亩"]),
    ({"open:没有人问过": True}, ["open:没有人问过", "no clause asks"]),
    ({"营业收入": 5}, ["营业收入", "not a question id"]),
    ({"qualification:": True}, ["qualification:", "not a question id"]),
    ({"registered_place": "某某地方"}, ["registered_place", "省, 市 or 区县"]),
])
def test_bad_answers_name_the_question_and_what_it_takes(answers, words):
    with pytest.raises(InvalidInput) as e:
        answers_to_facts(answers, on=ON, known=KNOWN)
    assert e.value.status == 422
    for w in words:
        assert w in e.value.detail, e.value.detail


def test_without_the_questions_ids_are_still_checked():
    with pytest.raises(InvalidInput, match="not a question id"):
        answers_to_facts({"turnover": 5}, on=ON)
    with pytest.raises(InvalidInput, match="unit comes from the clause"):
        answers_to_facts({"open:设备投资额": 320}, on=ON)
    with pytest.raises(InvalidInput, match="YYYY-MM-DD"):
        answers_to_facts({"revenue": 5}, on="30/06/2024")
    [f] = answers_to_facts({"open:拥有自主知识产权": False}, on=ON)
    assert f.value is False


@pytest.mark.parametrize("criterion", [HNTE, CENTRE, IP, GREEN, Criterion("no_major_violation", "true", True)])
def test_a_no_makes_the_criterion_not_met_in_both_engines(criterion):
    q = question_for(criterion)
    assert outcome(criterion, firm()) is Outcome.MISSING
    assert outcome(criterion, firm(*answers_to_facts({q.id: False}, on=ON, known={q.id: q}))) is Outcome.NOT_MET
    assert outcome(criterion, firm(*answers_to_facts({q.id: True}, on=ON, known={q.id: q}))) is Outcome.MET


def test_an_exclusion_answered_no_is_met():
    exclusion = Condition("NOT", (Condition.leaf(HNTE),))
    no = firm(*answers_to_facts({"qualification:高新技术企业": False}, on=ON))
    yes = firm(*answers_to_facts({"qualification:高新技术企业": True}, on=ON))
    assert evaluate(exclusion, no)[0] is Status.ELIGIBLE
    assert evaluate(exclusion, yes)[0] is Status.INELIGIBLE
    assert [int(x) for x in FirmTable([no, yes]).evaluate(exclusion)] == [1, -1]


def test_a_no_to_one_qualification_says_nothing_of_the_others():
    f = firm(*answers_to_facts({"qualification:专精特新企业": False}, on=ON))
    assert outcome(HNTE, f) is Outcome.MISSING


def test_answers_and_profile_lists_the_newest_specific_fact_decides():
    listed = Fact("qualification", "科技型企业", date="2021-01-01")  # a complete list without 高企
    yes = Fact("qualification:高新技术企业", True, date=ON, source=SOURCE)
    assert outcome(HNTE, firm(listed)) is Outcome.NOT_MET
    assert outcome(HNTE, firm(listed, yes)) is Outcome.MET  # the answer names it; the list does not
    no = Fact("qualification:高新技术企业", False, date=ON, source=SOURCE)
    assert outcome(HNTE, firm(Fact("qualification", "高新技术企业", date="2020-12-01"), no)) is Outcome.NOT_MET
    assert outcome(HNTE, firm(Fact("qualification", "高新技术企业", date="2024-12-01"), no)) is Outcome.MET
    centre_no = Fact("platform:省级企业技术中心", False, date=ON, source=SOURCE)
    assert outcome(CENTRE, firm(Fact("platform", ["省级企业技术中心"], date="2024-01-01"), centre_no)) is Outcome.NOT_MET
    assert outcome(CENTRE, firm(Fact("platform", ["省级企业技术中心"], date="2025-01-01"), centre_no)) is Outcome.MET


def test_open_numbers_compare_in_the_criterions_unit():
    assert outcome(EQUIPMENT, firm(Fact("open:设备投资额", 3_500_000, unit="元"))) is Outcome.MET
    assert outcome(EQUIPMENT, firm(Fact("open:设备投资额", 2_500_000, unit="元"))) is Outcome.NOT_MET
    assert outcome(EQUIPMENT, firm(Fact("open:设备投资额", 350, unit="万元"))) is Outcome.MET
    assert outcome(EQUIPMENT, firm(Fact("open:设备投资额", 500_000, unit="USD"))) is Outcome.MISSING
    assert outcome(EQUIPMENT, firm(Fact("open:设备投资额", "很多", unit="元"))) is Outcome.MISSING
    assert outcome(LAND, firm(Fact("open:新增用地面积", 20_000, unit="平方米"))) is Outcome.MET  # 30 亩
    assert outcome(LAND, firm(Fact("open:新增用地面积", 25, unit="吨"))) is Outcome.MISSING
    assert outcome(CLIENTS, firm(Fact("open:服务本地企业数", 12, unit="家"))) is Outcome.MET


def test_open_yes_no_reads_only_a_boolean():
    assert outcome(IP, firm(Fact("open:拥有自主知识产权", "是"))) is Outcome.MISSING
    assert outcome(IP, firm(Fact("open:拥有自主知识产权", 1))) is Outcome.MISSING


def test_a_firm_that_lists_its_qualifications_was_not_asked_about_an_open_honour():
    f = firm(Fact("qualification", "高新技术企业", date="2020-12-01"))
    assert outcome(GREEN, f) is Outcome.MISSING
    status, lines = evaluate(Condition.all_of(Condition.leaf(HNTE), Condition.leaf(GREEN)), f)
    assert status is Status.UNKNOWN and [line.outcome for line in lines] == [Outcome.MET, Outcome.MISSING]


def test_standing_questions_cover_the_attribute_table_and_the_qualifications():
    known = standing_questions()
    assert {"revenue", "registered_place", "no_major_violation", "qualification:高新技术企业"} <= set(known)
    assert "qualification" not in known and "platform" not in known  # asked by name only
