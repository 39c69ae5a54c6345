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

from policykg.core.places import place_match
from policykg.eligibility.attributes import label_of, value_type
from policykg.eligibility.operators import OPERATORS, compare

# Value types the engine answers in their own way (the rest compare through the operator table).
QUALIFICATION, PLATFORM, PLACE, BOOLEAN = "qualification", "platform", "place", "boolean"
# Held by name: the firm is asked whether it holds this one (高新技术企业, 省级企业技术中心).
MEMBERSHIP = frozenset({QUALIFICATION, PLATFORM})
# Numbers with a unit; `quantity` is an open attribute's measure (平方米, 亩, 吨 …).
NUMERIC = frozenset({"money", "count", "ratio", "quantity"})
# Attributes read from policy text that the ontology does not name yet: ``open:`` + normalised phrase.
OPEN = "open:"
COUNT = "count:"  # how many units of something a per-unit benefit pays for (count:发明专利)


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
    # The facts by attribute, newest first; rebuilt when facts are added (facts are appended, never
    # replaced in place: a firm with other facts is another FirmProfile).
    _index: dict[str, list[Fact]] = field(default_factory=dict, init=False, repr=False, compare=False)
    _indexed: int = field(default=-1, init=False, repr=False, compare=False)

    def values(self, attribute: str, *, year: int | None = None, as_of: str | None = None) -> list[Fact]:
        """Facts about an attribute, newest year first (then newest date); a year or date limits them."""
        if self._indexed != len(self.facts):
            index: dict[str, list[Fact]] = {}
            for f in sorted(self.facts, key=lambda f: (f.year or 0, f.date or ""), reverse=True):
                index.setdefault(f.attribute, []).append(f)
            self._index, self._indexed = index, len(self.facts)
        out = self._index.get(attribute, [])
        if year is not None:
            out = [f for f in out if f.year in (None, year)]
        if as_of is not None:
            out = [f for f in out if not f.date or f.date <= as_of]
        return list(out)

    def attributes(self) -> list[str]:
        """Every attribute the firm has a fact about, in the order first given."""
        return list(dict.fromkeys(f.attribute for f in self.facts))


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
    # An open attribute (``open:设备投资额``) is one the ontology does not name yet: it carries its
    # own label (the normalised phrase) and value type (money | count | ratio | quantity | boolean).
    label: str | None = None
    value_type: str | None = None

    @property
    def is_open(self) -> bool:
        return bool(self.attribute and self.attribute.startswith(OPEN))

    def kind(self) -> str | None:
        """How the firm's values compare: the attribute table's value type, else the criterion's own."""
        return value_type(self.attribute) or self.value_type

    def describe(self) -> str:
        """A readable summary: 上年度实缴税费≥500万元, 企业资质：高新技术企业, 待人工核对：…"""
        if self.needs_review or self.attribute is None:
            return "待人工核对：" + self.text[:40]
        label = self.label or label_of(self.attribute)
        if self.operator == "true":
            return (self.period or "") + label
        symbol = OPERATORS[self.operator].symbol if self.operator in OPERATORS else self.operator
        return (f"{self.period or ''}{label}{symbol}"
                f"{format_number(self.value)}{self.unit or ''}")

    def to_json(self) -> dict[str, Any]:
        d = {"attribute": self.attribute, "operator": self.operator, "value": self.value, "unit": self.unit,
             "period": self.period, "text": self.text, "needs_review": self.needs_review, "label": self.label,
             "value_type": self.value_type}
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
    count_of: str | None = None  # what the firm counts for a per-unit amount (发明专利, 标箱): it gives the count
    # a loan or guarantee the firm may get (可申请不超过30万元的贷款): lent, not given, so never the estimate
    credit_yuan: float | None = None

    def count_key(self) -> str | None:
        """The attribute of the fact that says how many units the firm has (``count:发明专利``),
        when the amount is per unit of something the clause names."""
        return f"{COUNT}{self.count_of}" if self.per_unit and self.count_of else None

    def estimate(self, count: float | None = None) -> float | None:
        """The most the firm can expect: the amount (times `count` units when it is per unit and
        the firm said how many, within the cap), else the cap."""
        if self.amount_yuan is None:
            return self.cap_yuan
        if self.per_unit and count is not None and count >= 0:
            total = self.amount_yuan * count
            return min(total, self.cap_yuan) if self.cap_yuan is not None else total
        return self.amount_yuan


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
    """Met, not met, or missing fact, for one criterion (never 'not met' for lack of a fact).

    How the firm's facts are read depends on the criterion's value type (`Criterion.kind`):
    a qualification or platform is asked about by name (`_membership`); every other kind
    compares the firm's latest fact (`judge`).
    """
    if c.needs_review or c.attribute is None:
        return Line(c, Outcome.REVIEW, advice="条款原文需人工核对：" + c.text[:60])
    kind = c.kind()
    if kind in MEMBERSHIP and c.operator in ("eq", "has"):
        return _membership(c, kind, firm, as_of)
    facts = firm.values(c.attribute, as_of=as_of)
    if not facts:
        return Line(c, Outcome.MISSING, advice=_ask(c))
    latest = facts[0]
    outcome, advice = judge(c, latest)
    return Line(c, outcome, (latest,), advice=advice)


def judge(c: Criterion, fact: Fact) -> tuple[Outcome, str]:
    """One fact against one criterion, by the criterion's value type: the rule both engines
    apply to a firm's latest fact (the columnar engine to each distinct fact once).

    A fact that cannot be compared — a number in another unit, text where a number is asked,
    anything but a JSON boolean for a yes/no condition — is a missing fact, never a 'no'.
    """
    kind = c.kind()
    have = fact.value
    if kind == PLACE and c.operator == "eq" and isinstance(have, str):
        inside = _place_match(have, str(c.value))
        if inside is None:
            return Outcome.MISSING, f"请提供完整注册地（省、市、区县），以确定是否在{c.value}"
        return (Outcome.MET, "") if inside else (Outcome.NOT_MET, f"须在{c.value}注册")
    if kind == BOOLEAN and not isinstance(have, bool):
        return Outcome.MISSING, _ask(c)
    if kind in NUMERIC:
        if isinstance(have, bool) or not isinstance(have, int | float):
            return Outcome.MISSING, _ask(c)
        have = in_unit(have, fact.unit, c.unit)
        if have is None:  # e.g. capital in USD against a threshold in 元
            return Outcome.MISSING, _ask(c) + f"（以{c.unit}计）"
    try:
        ok = compare(c.operator, have, c.value)
    except (TypeError, ValueError):
        return Outcome.MISSING, _ask(c)
    return (Outcome.MET, "") if ok else (Outcome.NOT_MET, _gap(c, have))


def member_key(attribute: str, value: Any) -> str:
    """The attribute of a yes/no fact about one qualification or platform by name
    (``qualification:高新技术企业``): how an answer to that question is stored."""
    return f"{attribute}:{value}"


def latest_answer(facts: list[Fact]) -> Fact | None:
    """The newest yes/no fact of a `member_key` attribute, if it is a boolean."""
    return facts[0] if facts and isinstance(facts[0].value, bool) else None


def _membership(c: Criterion, kind: str, firm: FirmProfile, as_of: str | None) -> Line:
    """Does the firm hold this qualification / run this platform?

    Three kinds of fact speak to it, in this order:
    1. a yes/no fact about this one name (`member_key`, e.g. the answer to the question
       ``qualification:高新技术企业``), unless the profile holds the name with a later date;
    2. a profile fact that holds it (a qualification of that name; a platform list naming it);
    3. a complete list that does not hold it (a profile's qualifications, ``无`` for none;
       its platforms) — 'not met'.
    Nothing of these: a missing fact.
    """
    answer = latest_answer(firm.values(member_key(c.attribute, c.value), as_of=as_of))
    facts = firm.values(c.attribute, as_of=as_of)
    if kind == QUALIFICATION:
        held = next((f for f in facts if f.value == c.value), None)
        listed = bool(facts)
    else:
        latest = facts[0] if facts else None
        holds = _compare(c, latest.value) if latest is not None else None
        held = latest if holds is True else None
        listed = holds is False
    if answer is not None and not (held is not None and (held.date or "") > (answer.date or "")):
        return Line(c, Outcome.MET if answer.value else Outcome.NOT_MET, (answer,),
                    advice="" if answer.value else _lacks(c, kind))
    if held is not None:
        return Line(c, Outcome.MET, (held,))
    if listed:
        return Line(c, Outcome.NOT_MET, tuple(facts[:3]), advice=_lacks(c, kind))
    return Line(c, Outcome.MISSING, advice=_ask(c))


def _compare(c: Criterion, have: Any) -> bool | None:
    try:
        return compare(c.operator, have, c.value)
    except (TypeError, ValueError):
        return None


@lru_cache(maxsize=8192)
def _place_match(have: str, want: str) -> bool | None:
    # The same few places are compared for every clause of a document; reading them is not free.
    return place_match(have, want)


def _lacks(c: Criterion, kind: str) -> str:
    return f"取得{c.value}认定后可申请" if kind == QUALIFICATION else f"须具有{c.value}"


# Units a number may be stated in, as (dimension, factor to the dimension's base unit).
UNITS: dict[str, tuple[str, float]] = {
    "元": ("money", 1), "万元": ("money", 1e4), "亿元": ("money", 1e8),
    "平方米": ("area", 1), "万平方米": ("area", 1e4), "亩": ("area", 10_000 / 15), "公顷": ("area", 1e4),
    "吨": ("mass", 1), "万吨": ("mass", 1e4), "千克": ("mass", 1e-3),
    "人": ("people", 1), "名": ("people", 1),
    "年": ("time", 12), "个月": ("time", 1), "月": ("time", 1), "天": ("time", 1 / 30), "日": ("time", 1 / 30),
}


def in_unit(value: float, unit: str | None, wanted: str | None) -> float | None:
    """`value` (in `unit`) expressed in `wanted`; None when the units do not convert (USD
    against 元, 件 against 人). A side that names no unit takes the other's."""
    if not unit or not wanted or unit == wanted:
        return value
    a, b = UNITS.get(unit), UNITS.get(wanted)
    if a is None or b is None or a[0] != b[0]:
        return None
    return value * a[1] / b[1]


def _label(c: Criterion) -> str:
    return c.label or label_of(c.attribute)


def _ask(c: Criterion) -> str:
    if c.kind() in MEMBERSHIP:
        return f"请说明是否具有{c.value}"
    return f"请提供{_label(c)}" + (f"（{c.period}）" if c.period else "")


def _gap(c: Criterion, have: Any) -> str:
    label = _label(c)
    if c.operator in ("ge", "gt") and isinstance(have, int | float) and isinstance(c.value, int | float):
        gap = c.value - have
        if (c.unit or "元") == "元" and abs(gap) >= 10_000:
            return f"{label}还差{gap / 10_000:g}万元"
        return f"{label}还差{gap:g}{c.unit or ''}"
    return f"{label}需{OPERATORS[c.operator].symbol if c.operator in OPERATORS else c.operator}{c.value}"


# Lines already worked out for one firm and date, by criterion object (`id`): equal criteria
# that are one object (`matching.load_rules` makes them so) are worked out once.
Memo = dict[int, Line]
_STATUS = {Outcome.MET: Status.ELIGIBLE, Outcome.NOT_MET: Status.INELIGIBLE}


def _line(c: Criterion, firm: FirmProfile, as_of: str | None, memo: Memo | None) -> Line:
    if memo is None:
        return evaluate_criterion(c, firm, as_of=as_of)
    line = memo.get(id(c))
    if line is None or line.criterion is not c:
        line = memo[id(c)] = evaluate_criterion(c, firm, as_of=as_of)
    return line


def status_of(cond: Condition, firm: FirmProfile, *, as_of: str | None = None, memo: Memo | None = None) -> Status:
    """The status `evaluate` gives, without the lines: stops at the first part that decides
    (an unmet part of an AND, a met branch of an OR). For sorting out the clauses whose
    reasons are not wanted (a firm's ineligible clauses) at little cost."""
    return _status(cond, firm, as_of, memo)


def _status(cond: Condition, firm: FirmProfile, as_of: str | None, memo: Memo | None) -> Status:
    op = cond.op
    if op == "LEAF":
        return _STATUS.get(_line(cond.criterion, firm, as_of, memo).outcome, Status.UNKNOWN)
    if op == "AND":
        every = True
        for ch in cond.children:
            s = _status(ch, firm, as_of, memo)
            if s is Status.INELIGIBLE:
                return s
            every = every and s is Status.ELIGIBLE
        return Status.ELIGIBLE if every else Status.UNKNOWN
    if op == "OR":
        every = True
        for ch in cond.children:
            s = _status(ch, firm, as_of, memo)
            if s is Status.ELIGIBLE:
                return s
            every = every and s is Status.INELIGIBLE
        return Status.INELIGIBLE if every else Status.UNKNOWN
    if op == "NOT":
        s = _status(cond.children[0], firm, as_of, memo)
        return Status.INELIGIBLE if s is Status.ELIGIBLE else Status.ELIGIBLE if s is Status.INELIGIBLE else s
    raise ValueError(f"unknown condition operator {op!r}")


def evaluate(cond: Condition, firm: FirmProfile, *, as_of: str | None = None,
             memo: Memo | None = None) -> tuple[Status, list[Line]]:
    """Kleene three-valued evaluation of a condition tree, with one line per criterion.

    Args:
        cond: the clause's condition.
        firm: the firm's facts.
        as_of: only facts dated on or before this ISO date count.
        memo: lines already worked out for this firm and date (`Memo`); clauses of one
            document repeat the same criteria (注册地), so one firm against every clause passes
            one dict through all of them.
    """
    if cond.op == "LEAF":
        line = _line(cond.criterion, firm, as_of, memo)
        return _STATUS.get(line.outcome, Status.UNKNOWN), [line]
    results = [evaluate(ch, firm, as_of=as_of, memo=memo) for ch in cond.children]
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
