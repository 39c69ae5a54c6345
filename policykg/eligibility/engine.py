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
from functools import lru_cache
from typing import Any

from policykg.core.ontology import PKG, load_ontology, name
from policykg.core.places import level_labels, place_match


class Status(str, enum.Enum):
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    UNKNOWN = "unknown"


class Outcome(str, enum.Enum):
    MET = "met"
    NOT_MET = "not met"
    MISSING = "missing fact"
    REVIEW = "needs review"


OPERATORS = ("eq", "ne", "ge", "gt", "le", "lt", "in", "has", "true")


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


_SYMBOL = {"eq": "：", "ne": "≠", "ge": "≥", "gt": ">", "le": "≤", "lt": "<", "in": "∈", "has": "："}


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
        label = _names().get(self.attribute, self.attribute)
        if self.operator == "true":
            return (self.period or "") + label
        return (f"{self.period or ''}{label}{_SYMBOL.get(self.operator, self.operator)}"
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


@lru_cache(maxsize=1)
def _attribute_types() -> dict[str, str]:
    o = load_ontology()
    return {name(c.iri).rsplit("/", 1)[-1]: str(next(iter(o.graph.objects(c.iri, PKG.valueType)), "text"))
            for c in o.concepts(PKG.AttributeScheme)}


def attribute_keys() -> frozenset[str]:
    """Every attribute a criterion or a fact may name (the AttributeScheme's concepts)."""
    return frozenset(_attribute_types())


def _compare(op: str, have: Any, want: Any) -> bool:
    if op == "true":
        return bool(have)
    if op == "has" and isinstance(have, list | tuple):
        return any(_holds(h, want) for h in have)
    if op in ("eq", "has"):
        return _same(have, want)
    if op == "ne":
        return not _same(have, want)
    if op == "in":
        return any(_same(have, w) for w in (want if isinstance(want, list | tuple) else [want]))
    a, b = float(have), float(want)
    return {"ge": a >= b, "gt": a > b, "le": a <= b, "lt": a < b}[op]


def _same(have: Any, want: Any) -> bool:
    if isinstance(have, str) and isinstance(want, str):
        # 嘉兴市 matches 浙江省嘉兴市南湖区: a place given wider or narrower than asked
        return have == want or want in have
    return have == want


def _holds(have: Any, want: Any) -> bool:
    """One of a listed fact's values against a wanted one: a platform 省级企业技术中心 is held
    when a value names both its level and its type."""
    if not (isinstance(have, str) and isinstance(want, str)):
        return _same(have, want)
    level = next((lb for lb in level_labels() if want.startswith(lb)), "")
    kind = want[len(level):]
    return kind in have and level in have if kind else _same(have, want)


def evaluate_criterion(c: Criterion, firm: FirmProfile, *, as_of: str | None = None) -> Line:
    """Met, not met, or missing fact, for one criterion (never 'not met' for lack of a fact)."""
    if c.needs_review or c.attribute is None:
        return Line(c, Outcome.REVIEW, advice="条款原文需人工核对：" + c.text[:60])
    facts = firm.values(c.attribute, as_of=as_of)
    if c.attribute == "qualification":
        facts = [f for f in facts if f.value == c.value] or facts
    if not facts:
        return Line(c, Outcome.MISSING, advice=_ask(c))
    if c.attribute == "qualification" and c.operator in ("eq", "has"):
        held = [f for f in facts if f.value == c.value]
        if held:
            return Line(c, Outcome.MET, tuple(held[:1]))
        return Line(c, Outcome.NOT_MET, tuple(facts[:3]), advice=f"取得{c.value}认定后可申请")
    latest = facts[0]
    if c.attribute == "registered_place" and c.operator == "eq" and isinstance(latest.value, str):
        inside = place_match(latest.value, str(c.value))
        if inside is None:
            return Line(c, Outcome.MISSING, (latest,), advice=f"请提供完整注册地（省、市、区县），以确定是否在{c.value}")
        return Line(c, Outcome.MET if inside else Outcome.NOT_MET, (latest,),
                    advice="" if inside else f"须在{c.value}注册")
    if c.unit and latest.unit and c.unit != latest.unit and c.unit in ("元", "%") :
        return Line(c, Outcome.MISSING, (latest,), advice=_ask(c) + f"（以{c.unit}计）")  # e.g. capital in USD
    try:
        ok = _compare(c.operator, latest.value, c.value)
    except (TypeError, ValueError):
        return Line(c, Outcome.MISSING, (latest,), advice=_ask(c))
    advice = "" if ok else _gap(c, latest)
    return Line(c, Outcome.MET if ok else Outcome.NOT_MET, (latest,), advice=advice)


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    return {v: k for k, v in _labels().items()}


def _ask(c: Criterion) -> str:
    label = _names().get(c.attribute, c.attribute)
    return f"请提供{label}" + (f"（{c.period}）" if c.period else "")


def _gap(c: Criterion, f: Fact) -> str:
    label = _names().get(c.attribute, c.attribute)
    if c.operator in ("ge", "gt") and isinstance(f.value, int | float) and isinstance(c.value, int | float):
        gap = c.value - f.value
        if (c.unit or "元") == "元" and abs(gap) >= 10_000:
            return f"{label}还差{gap / 10_000:g}万元"
        return f"{label}还差{gap:g}{c.unit or ''}"
    return f"{label}需{c.operator} {c.value}"


@lru_cache(maxsize=1)
def _labels() -> dict[str, str]:
    o = load_ontology()
    return {c.pref_label: name(c.iri).rsplit("/", 1)[-1] for c in o.concepts(PKG.AttributeScheme)}


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
