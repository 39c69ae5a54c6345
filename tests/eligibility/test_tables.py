"""The attribute table and the operator table: read from the ontology, shared by both engines."""

from __future__ import annotations

import numpy as np
import pytest

from policykg.eligibility.attributes import attribute, attribute_table, label_of, value_type, yearly_attributes
from policykg.eligibility.columnar import FirmTable
from policykg.eligibility.engine import Condition, Criterion, Fact, FirmProfile, Status, evaluate
from policykg.eligibility.operators import OPERATORS, compare, operator
from policykg.eligibility.profile import profile_json_schema


def test_every_attribute_has_a_label_and_a_value_type_from_the_ontology():
    table = attribute_table()
    assert {"registered_place", "qualification", "revenue", "tax_paid", "employees", "platform"} <= set(table)
    for a in table.values():
        assert a.label and a.label in a.labels and a.value_type != "text", a
        assert a.numeric == (a.value_type in ("money", "ratio", "count")), a
    assert (attribute("revenue").unit, attribute("revenue").period) == ("元", "year")
    assert attribute("registered_place").period is None and value_type("registered_place") == "place"
    assert label_of("tax_paid") == "实缴税费" and label_of("no_such_attribute") == "no_such_attribute"


def test_the_profile_takes_its_yearly_figures_from_the_table():
    yearly = profile_json_schema()["$defs"]["YearlyIn"]["properties"]
    assert set(yearly) == {"year"} | {a.key for a in yearly_attributes()}
    assert yearly["employees"]["anyOf"][0]["type"] == "integer"  # a count is whole
    assert yearly["rd_ratio"]["anyOf"][0]["maximum"] == 100  # a percentage


@pytest.mark.parametrize(("key", "have", "want", "expected"), [
    ("ge", 5_000_000, 5_000_000, True), ("gt", 5_000_000, 5_000_000, False),
    ("le", 3, 5, True), ("lt", 5, 5, False),
    ("eq", "浙江省嘉兴市南湖区", "嘉兴市", True), ("ne", "湖州市", "嘉兴市", True),
    ("in", "发明", ["发明", "实用新型"], True), ("in", "外观设计", ["发明", "实用新型"], False),
    ("has", ["省级企业技术中心", "市级众创空间"], "省级企业技术中心", True),
    ("has", ["市级企业技术中心"], "省级企业技术中心", False),  # the level is part of what is asked
    ("true", True, None, True), ("true", False, None, False),
])
def test_operator_rows(key, have, want, expected):
    assert compare(key, have, want) is expected


def test_operators_carry_symbols_and_chinese_words():
    assert OPERATORS["ge"].symbol == "≥" and "不低于" in OPERATORS["ge"].labels  # from the OperatorScheme
    assert OPERATORS["ne"].labels == ("不是",)  # not in the ontology: the table's own word
    with pytest.raises(ValueError, match="unknown operator 'between'"):
        operator("between")
    with pytest.raises(ValueError):
        compare("ge", "很多", 5)  # the engines answer this as a missing fact


@pytest.mark.parametrize("key", [k for k, op in OPERATORS.items() if op.array is not None])
def test_numeric_operators_agree_between_the_scalar_and_the_array_comparison(key):
    have = np.array([1.0, 4.999, 5.0, 5.001, 9.0])
    assert OPERATORS[key].array(have, 5.0).tolist() == [compare(key, h, 5.0) for h in have]


def test_both_engines_compare_through_the_table():
    c = Condition.leaf(Criterion("tax_paid", "ge", 5_000_000, unit="元", text="纳税500万元以上"))
    firms = [FirmProfile(str(i), f"企业{i}", [Fact("tax_paid", v, unit="元")] if v is not None else [])
             for i, v in enumerate([6e6, 5e6, 4.9e6, None])]
    one_by_one = [evaluate(c, f)[0] for f in firms]
    assert one_by_one == [Status.ELIGIBLE, Status.ELIGIBLE, Status.INELIGIBLE, Status.UNKNOWN]
    assert FirmTable(firms).evaluate(c).tolist() == [1, 1, -1, 0]
