"""The eligibility engine over many firms at once: the same three-valued answers as
`policykg.eligibility.engine.evaluate`, computed a criterion at a time over columns of firm facts.

Each criterion gives two boolean arrays over the firms — `met` and `not_met`; neither means the
fact is missing (unknown). AND / OR / NOT combine them with Kleene logic, so a batch of
firms × clauses costs a few array operations per criterion instead of a Python call per pair.

The columns follow the engine's rules exactly: numbers (known or open attributes) in the
criterion's unit, through `engine.in_unit`; everything else through `engine.judge`, once per
distinct fact; qualifications and platforms by name (`engine._membership`), with the yes/no
facts that answers give (`engine.member_key`) and the dates that decide between an answer and
the profile.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np

from policykg.eligibility.engine import (
    MEMBERSHIP,
    NUMERIC,
    QUALIFICATION,
    Condition,
    Criterion,
    Fact,
    FirmProfile,
    Outcome,
    Status,
    in_unit,
    judge,
    member_key,
)
from policykg.eligibility.operators import OPERATORS, compare

Pair = tuple[np.ndarray, np.ndarray]


class FirmTable:
    """Columns of the latest fact per attribute for a list of firms.

    The latest facts are gathered in one pass over every firm's facts and kept per attribute
    for the firms that have one (sparse): a column costs the firms that state the attribute, so
    many open attributes, each answered by few firms, stay cheap.
    """

    def __init__(self, firms: Sequence[FirmProfile], *, as_of: str | None = None) -> None:
        self.firms = list(firms)
        self.n = len(self.firms)
        self._numeric: dict[tuple[str, str | None], np.ndarray] = {}
        self._codes: dict[str, tuple[np.ndarray, list[Fact | None]]] = {}
        self._dates: dict[str, np.ndarray] = {}
        self._answers: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._held_columns: dict[Hashable, tuple[np.ndarray, np.ndarray]] = {}
        self._memo: dict[Criterion, Pair] = {}
        # attribute → (firms, their latest fact); qualification name → (firms, date of the newest holding it)
        self._latest: dict[str, tuple[list[int], list[Fact]]] = {}
        self._held: dict[Hashable, tuple[list[int], list[str]]] = {}
        has_qual = []
        for i, firm in enumerate(self.firms):
            # the engine's order (`FirmProfile.values`): newest (year, date) first, the first given among equals
            best: dict[str, tuple[tuple[int, str], Fact]] = {}
            held: dict[Hashable, tuple[tuple[int, str], str]] = {}
            for fact in firm.facts:
                if as_of is not None and fact.date and fact.date > as_of:
                    continue
                key = (fact.year or 0, fact.date or "")
                a = fact.attribute
                cur = best.get(a)
                if cur is None or key > cur[0]:
                    best[a] = (key, fact)
                if a == QUALIFICATION and isinstance(fact.value, Hashable):
                    h = held.get(fact.value)
                    if h is None or key > h[0]:
                        held[fact.value] = (key, fact.date or "")
            for a, (_, fact) in best.items():
                column = self._latest.get(a)
                if column is None:
                    column = self._latest[a] = ([], [])
                column[0].append(i)
                column[1].append(fact)
            for name, (_, day) in held.items():
                column = self._held.setdefault(name, ([], []))
                column[0].append(i)
                column[1].append(day)
            if QUALIFICATION in best:
                has_qual.append(i)
        self._has_qual = np.zeros(self.n, dtype=bool)
        self._has_qual[has_qual] = True

    # ---------------------------------------------------------------- columns
    def _sparse(self, attribute: str) -> tuple[list[int], list[Fact]]:
        return self._latest.get(attribute, ([], []))

    def numeric(self, attribute: str, unit: str | None) -> np.ndarray:
        """Latest value per firm in `unit` (`engine.in_unit`); NaN where missing, not a
        number, or in a unit that does not convert."""
        key = (attribute, unit)
        if key not in self._numeric:
            col = np.full(self.n, np.nan)
            for i, fact in zip(*self._sparse(attribute), strict=True):
                v = fact.value
                if isinstance(v, bool) or not isinstance(v, int | float):
                    continue
                v = in_unit(v, fact.unit, unit)
                if v is not None:
                    col[i] = float(v)
            self._numeric[key] = col
        return self._numeric[key]

    def codes(self, attribute: str) -> tuple[np.ndarray, list[Fact | None]]:
        """Per firm, the index of its latest fact about `attribute` among the distinct facts
        (value and unit); index 0 is None, no fact."""
        if attribute not in self._codes:
            index: dict[object, int] = {}
            distinct: list[Fact | None] = [None]
            codes = np.zeros(self.n, dtype=np.int64)
            for i, fact in zip(*self._sparse(attribute), strict=True):
                v = fact.value
                key = (type(v).__name__, repr(v) if isinstance(v, list | dict) else v, fact.unit)
                j = index.get(key)
                if j is None:
                    j = index[key] = len(distinct)
                    distinct.append(fact)
                codes[i] = j
            self._codes[attribute] = (codes, distinct)
        return self._codes[attribute]

    def dates(self, attribute: str) -> np.ndarray:
        """The date of each firm's latest fact about `attribute` ('' where none or undated)."""
        if attribute not in self._dates:
            firms, facts = self._sparse(attribute)
            self._dates[attribute] = _text_column(self.n, firms, [f.date or "" for f in facts])
        return self._dates[attribute]

    def answer(self, key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(given, yes, date) of each firm's latest yes/no fact `key` (`engine.latest_answer`)."""
        if key not in self._answers:
            given = np.zeros(self.n, dtype=bool)
            yes = np.zeros(self.n, dtype=bool)
            for i, fact in zip(*self._sparse(key), strict=True):
                if isinstance(fact.value, bool):
                    given[i], yes[i] = True, fact.value
            self._answers[key] = (given, yes, self.dates(key))
        return self._answers[key]

    def held(self, qualification: Hashable) -> tuple[np.ndarray, np.ndarray]:
        """(held, date of the newest fact holding it) per firm."""
        if not isinstance(qualification, Hashable):
            return np.zeros(self.n, dtype=bool), np.full(self.n, "")
        if qualification not in self._held_columns:
            firms, days = self._held.get(qualification, ([], []))
            mask = np.zeros(self.n, dtype=bool)
            mask[firms] = True
            self._held_columns[qualification] = (mask, _text_column(self.n, firms, days))
        return self._held_columns[qualification]

    # ---------------------------------------------------------------- criteria
    def criterion(self, c: Criterion) -> Pair:
        """(met, not_met) over the firms for one criterion."""
        try:
            hit = self._memo.get(c)
        except TypeError:  # a list value: not hashable, not shared
            return self._criterion(c)
        if hit is None:
            hit = self._memo[c] = self._criterion(c)
        return hit

    def _criterion(self, c: Criterion) -> Pair:
        none = np.zeros(self.n, dtype=bool)
        if c.needs_review or c.attribute is None:
            return none, none
        kind = c.kind()
        if kind in MEMBERSHIP and c.operator in ("eq", "has"):
            return self._membership(c, kind)
        op = OPERATORS.get(c.operator)
        if kind in NUMERIC and op is not None and op.array is not None:
            try:
                want = float(c.value)
            except (TypeError, ValueError):
                return none, none
            col = self.numeric(c.attribute, c.unit)
            known = ~np.isnan(col)
            with np.errstate(invalid="ignore"):
                ok = op.array(col, want)
            return known & ok, known & ~ok
        # everything else (places, yes/no, dates, text): judge each distinct fact once, then spread
        codes, distinct = self.codes(c.attribute)
        outcome = [judge(c, f)[0] if f is not None else Outcome.MISSING for f in distinct]
        met_d = np.array([o is Outcome.MET for o in outcome], dtype=bool)
        not_d = np.array([o is Outcome.NOT_MET for o in outcome], dtype=bool)
        return met_d[codes], not_d[codes]

    def _membership(self, c: Criterion, kind: str) -> Pair:
        given, yes, answered = self.answer(member_key(c.attribute, c.value))
        if kind == QUALIFICATION:
            held, held_date = self.held(c.value)
            listed = self._has_qual & ~held
        else:
            codes, distinct = self.codes(c.attribute)
            holds = [_compare(c, f.value) if f is not None else None for f in distinct]
            held = np.array([h is True for h in holds], dtype=bool)[codes]
            listed = np.array([h is False for h in holds], dtype=bool)[codes]
            held_date = self.dates(c.attribute)
        # an answer decides unless the profile holds the name with a later date
        decides = given & ~(held & (held_date > answered))
        met = (decides & yes) | (~decides & held)
        not_met = (decides & ~yes) | (~decides & ~held & listed)
        return met, not_met

    # ---------------------------------------------------------------- conditions
    def evaluate(self, cond: Condition) -> np.ndarray:
        """Status per firm as codes: 1 eligible, 0 unknown, -1 ineligible."""
        met, not_met = self._eval(cond)
        return met.astype(np.int8) - not_met.astype(np.int8)

    def _eval(self, cond: Condition) -> Pair:
        if cond.op == "LEAF":
            return self.criterion(cond.criterion)
        parts = [self._eval(ch) for ch in cond.children]
        if cond.op == "NOT":
            met, not_met = parts[0]
            return not_met, met
        if cond.op == "AND":
            met, not_met = parts[0]
            for m, nm in parts[1:]:
                met, not_met = met & m, not_met | nm
            return met, not_met
        if cond.op == "OR":
            met, not_met = parts[0]
            for m, nm in parts[1:]:
                met, not_met = met | m, not_met & nm
            return met, not_met
        raise ValueError(f"unknown condition operator {cond.op!r}")


CODES = {1: Status.ELIGIBLE, 0: Status.UNKNOWN, -1: Status.INELIGIBLE}


def _text_column(n: int, firms: list[int], values: list[str]) -> np.ndarray:
    """A column of strings ('' where a firm has none), wide enough for the longest."""
    col = np.full(n, "", dtype=f"U{max([1, *map(len, values)])}")
    if firms:
        col[firms] = values
    return col


def _compare(c: Criterion, have: object) -> bool | None:
    try:
        return compare(c.operator, have, c.value)
    except (TypeError, ValueError):
        return None
