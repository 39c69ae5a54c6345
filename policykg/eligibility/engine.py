"""Eligibility: firm facts, clause criteria and the three-valued evaluation.

Pure domain code (no store, no web framework). A criterion compares one attribute of a firm
(a concept of the ontology's AttributeScheme, e.g. ``tax_paid``) with a value; criteria
combine with AND / OR / NOT as the clause says. A fact the firm has not given makes a
criterion ``unknown`` — never ``not met`` — and that propagates with Kleene logic:
AND is false if any part is false, true if all are true, else unknown; OR the dual.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field, replace
from typing import Any

from policykg.core.places import place_match
from policykg.eligibility.attributes import label_of, value_type
from policykg.eligibility.operators import OPERATORS, compare

# Value types the engine answers in their own way (the rest compare through the operator table).
QUALIFICATION, PLACE = "qualification", "place"


class Status(str, enum.Enum):
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    UNKNOWN = "unknown"


class Outcome(str, enum.Enum):
    MET = "met"
    NOT_MET = "not met"
    MISSING = "missing fact"
    REVIEW = "needs review"


@dataclass(frozen=True)
class Fact:
    """One thing known about a firm, with where and when it comes from."""

    attribute: str
    value: Any
    unit: str | None = None
    year: int | None = None  # the year a yearly figure is for (营业收入 2023)
    date: str | None = None  # ISO date the fact holds from (认定日期)
    source: str = ""

    def to_json(self) -> dict[str, Any]:
        d = {"attribute": self.attribute, "value": self.value, "unit": self.unit, "year": self.year,
             "date": self.date, "source": self.source}
        return {k: v for k, v in d.items() if v is not None}


@dataclass
class FirmProfile:
    credit_code: str
    name: str
    facts: list[Fact] = field(default_factory=list)

    def values(self, attribute: str, *, year: int | None = None, as_of: str | None = None) -> list[Fact]:
        """Facts about an attribute, newest year first; a year or date limits them."""
        out = [f for f in self.facts if f.attribute == attribute]
        if year is not None:
            out = [f for f in out if f.year in (None, year)]
        if as_of is not None:
            out = [f for f in out if not f.date or f.date <= as_of]
        return sorted(out, key=lambda f: (f.year or 0, f.date or ""), reverse=True)


def format_number(v: Any) -> str:
    """5000000 → 500万, 250000000 → 2.5亿; anything else as it is."""
    if isinstance(v, int | float) and not isinstance(v, bool):
        if v >= 100_000_000 and v % 10_000_000 == 0:
            return f"{v / 100_000_000:g}亿"
        if v >= 10_000 and v % 10_000 == 0:
            return f"{v / 10_000:g}万"
        return f"{v:g}"
    return str(v)


@dataclass(frozen=True)
class Criterion:
    """attribute operator value [unit] [period]; `text` quotes the clause it was read from."""

    attribute: str | None
    operator: str
    value: Any = None
    unit: str | None = None
    period: str | None = None  # e.g. 上年度, 当年
    text: str = ""
    needs_review: bool = False

    def describe(self) -> str:
        """A readable summary: 上年度实缴税费≥500万元, 企业资质：高新技术企业, 待人工核对：…"""
        if self.needs_review or self.attribute is None:
            return "待人工核对：" + self.text[:40]
        label = label_of(self.attribute)
        if self.operator == "true":
            return (self.period or "") + label
        symbol = OPERATORS[self.operator].symbol if self.operator in OPERATORS else self.operator
        return (f"{self.period or ''}{label}{symbol}"
                f"{format_number(self.value)}{self.unit or ''}")

    def to_json(self) -> dict[str, Any]:
        d = {"attribute": self.attribute, "operator": self.operator, "value": self.value, "unit": self.unit,
             "period": self.period, "text": self.text, "needs_review": self.needs_review}
        return {k: v for k, v in d.items() if v is not None and v != "" and v is not False}


@dataclass(frozen=True)
class Condition:
    """AND / OR / NOT over criteria; a LEAF holds one criterion."""

    op: str  # AND | OR | NOT | LEAF
    children: tuple[Condition, ...] = ()
    criterion: Criterion | None = None

    @staticmethod
    def leaf(c: Criterion) -> Condition:
        return Condition("LEAF", criterion=c)

    @staticmethod
    def all_of(*parts: Condition) -> Condition:
        return parts[0] if len(parts) == 1 else Condition("AND", tuple(parts))

    @staticmethod
    def any_of(*parts: Condition) -> Condition:
        return parts[0] if len(parts) == 1 else Condition("OR", tuple(parts))

    def criteria(self) -> list[Criterion]:
        if self.criterion is not None:
            return [self.criterion]
        return [c for ch in self.children for c in ch.criteria()]

    def to_json(self) -> dict[str, Any]:
        if self.op == "LEAF":
            return {"op": "LEAF", "criterion": self.criterion.to_json()}
        return {"op": self.op, "children": [c.to_json() for c in self.children]}

    @staticmethod
    def from_json(d: dict[str, Any]) -> Condition:
        if d["op"] == "LEAF":
            return Condition.leaf(Criterion(**{"attribute": None, "operator": "eq", **d["criterion"]}))
        return Condition(d["op"], tuple(Condition.from_json(c) for c in d["children"]))

    def dumps(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class BenefitTerm:
    """What a clause gives: kind (奖励/补助/贴息/减免), a fixed amount or a rate, a cap."""

    kind: str
    amount_yuan: float | None = None
    rate: float | None = None  # 0.5 for 50%
    cap_yuan: float | None = None
    recurrence: str | None = None  # one-off | yearly
    text: str = ""
    per_unit: str | None = None  # 件 / 亩 / 人: the amount is per unit (每件补助2万元), not a total

    def estimate(self) -> float | None:
        """The most the firm can expect: the amount (for one unit when it is per unit), else the cap."""
        return self.amount_yuan if self.amount_yuan is not None else self.cap_yuan


@dataclass(frozen=True)
class Line:
    """One line of an answer: a criterion and what the firm's facts make of it."""

    criterion: Criterion
    outcome: Outcome
    facts: tuple[Fact, ...] = ()
    advice: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"criterion": self.criterion.to_json(), "summary": self.criterion.describe(), "outcome": self.outcome.value,
                "facts": [f.to_json() for f in self.facts], **({"advice": self.advice} if self.advice else {})}


def evaluate_criterion(c: Criterion, firm: FirmProfile, *, as_of: str | None = None) -> Line:
    """Met, not met, or missing fact, for one criterion (never 'not met' for lack of a fact)."""
    if c.needs_review or c.attribute is None:
        return Line(c, Outcome.REVIEW, advice="条款原文需人工核对：" + c.text[:60])
    facts = firm.values(c.attribute, as_of=as_of)
    kind = value_type(c.attribute)
    if kind == QUALIFICATION:
        facts = [f for f in facts if f.value == c.value] or facts
    if not facts:
        return Line(c, Outcome.MISSING, advice=_ask(c))
    if kind == QUALIFICATION and c.operator in ("eq", "has"):
        held = [f for f in facts if f.value == c.value]
        if held:
            return Line(c, Outcome.MET, tuple(held[:1]))
        return Line(c, Outcome.NOT_MET, tuple(facts[:3]), advice=f"取得{c.value}认定后可申请")
    latest = facts[0]
    if kind == PLACE and c.operator == "eq" and isinstance(latest.value, str):
        inside = place_match(latest.value, str(c.value))
        if inside is None:
            return Line(c, Outcome.MISSING, (latest,), advice=f"请提供完整注册地（省、市、区县），以确定是否在{c.value}")
        return Line(c, Outcome.MET if inside else Outcome.NOT_MET, (latest,),
                    advice="" if inside else f"须在{c.value}注册")
    if c.unit and latest.unit and c.unit != latest.unit and c.unit in ("元", "%") :
        return Line(c, Outcome.MISSING, (latest,), advice=_ask(c) + f"（以{c.unit}计）")  # e.g. capital in USD
    try:
        ok = compare(c.operator, latest.value, c.value)
    except (TypeError, ValueError):
        return Line(c, Outcome.MISSING, (latest,), advice=_ask(c))
    advice = "" if ok else _gap(c, latest)
    return Line(c, Outcome.MET if ok else Outcome.NOT_MET, (latest,), advice=advice)


def _ask(c: Criterion) -> str:
    label = label_of(c.attribute)
    return f"请提供{label}" + (f"（{c.period}）" if c.period else "")


def _gap(c: Criterion, f: Fact) -> str:
    label = label_of(c.attribute)
    if c.operator in ("ge", "gt") and isinstance(f.value, int | float) and isinstance(c.value, int | float):
        gap = c.value - f.value
        if (c.unit or "元") == "元" and abs(gap) >= 10_000:
            return f"{label}还差{gap / 10_000:g}万元"
        return f"{label}还差{gap:g}{c.unit or ''}"
    return f"{label}需{OPERATORS[c.operator].symbol if c.operator in OPERATORS else c.operator}{c.value}"


def evaluate(cond: Condition, firm: FirmProfile, *, as_of: str | None = None) -> tuple[Status, list[Line]]:
    """Kleene three-valued evaluation of a condition tree, with one line per criterion."""
    if cond.op == "LEAF":
        line = evaluate_criterion(cond.criterion, firm, as_of=as_of)
        status = {Outcome.MET: Status.ELIGIBLE, Outcome.NOT_MET: Status.INELIGIBLE}.get(line.outcome, Status.UNKNOWN)
        return status, [line]
    results = [evaluate(ch, firm, as_of=as_of) for ch in cond.children]
    lines = [line for _, ls in results for line in ls]
    statuses = [s for s, _ in results]
    if cond.op == "NOT":
        s = statuses[0]
        flipped = {Status.ELIGIBLE: Status.INELIGIBLE, Status.INELIGIBLE: Status.ELIGIBLE}.get(s, Status.UNKNOWN)
        # An exclusion (…除外, 非…) the firm falls under is the criterion it does not meet.
        swap = {Outcome.MET: Outcome.NOT_MET, Outcome.NOT_MET: Outcome.MET}
        return flipped, [replace(line, outcome=swap.get(line.outcome, line.outcome),
                                 advice="属于排除情形" if line.outcome is Outcome.MET else line.advice)
                         for line in lines]
    if cond.op == "AND":
        if Status.INELIGIBLE in statuses:
            return Status.INELIGIBLE, lines
        return (Status.ELIGIBLE if all(s is Status.ELIGIBLE for s in statuses) else Status.UNKNOWN), lines
    if cond.op == "OR":
        if Status.ELIGIBLE in statuses:
            # The branch that qualifies is the reason; the other alternatives do not matter.
            return Status.ELIGIBLE, results[statuses.index(Status.ELIGIBLE)][1]
        return (Status.INELIGIBLE if all(s is Status.INELIGIBLE for s in statuses) else Status.UNKNOWN), lines
    raise ValueError(f"unknown condition operator {cond.op!r}")
