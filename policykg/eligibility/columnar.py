"""The eligibility engine over many firms at once: the same three-valued answers as
`policykg.eligibility.engine.evaluate`, computed a criterion at a time over columns of firm facts.

Each criterion gives two boolean arrays over the firms — `met` and `not_met`; neither means the
fact is missing (unknown). AND / OR / NOT combine them with Kleene logic, so a batch of
firms × clauses costs a few array operations per criterion instead of a Python call per pair.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from policykg.core.places import place_match
from policykg.eligibility.attributes import value_type
from policykg.eligibility.engine import PLACE, QUALIFICATION, Condition, Criterion, FirmProfile, Status
from policykg.eligibility.operators import OPERATORS, compare


class FirmTable:
    """Columns of the latest fact per attribute for a list of firms."""

    def __init__(self, firms: Sequence[FirmProfile], *, as_of: str | None = None) -> None:
        self.firms = list(firms)
        self.n = len(self.firms)
        self._numeric: dict[tuple[str, str | None], np.ndarray] = {}
        self._text: dict[str, list] = {}
        self._codes: dict[str, tuple[np.ndarray, list]] = {}
        self._quals: dict[str, np.ndarray] = {}
        self._has_qual = np.zeros(self.n, dtype=bool)
        self._latest: list[dict[str, object]] = []
        for i, f in enumerate(self.firms):
            latest: dict[str, object] = {}
            for fact in _all_latest(f, as_of):
                if value_type(fact.attribute) == QUALIFICATION:
                    self._has_qual[i] = True
                    self._quals.setdefault(str(fact.value), np.zeros(self.n, dtype=bool))[i] = True
                elif fact.attribute not in latest:
                    latest[fact.attribute] = fact
            self._latest.append(latest)

    def numeric(self, attribute: str, unit: str | None) -> np.ndarray:
        """Latest numeric value per firm; NaN where missing or in another unit."""
        key = (attribute, unit)
        if key not in self._numeric:
            col = np.full(self.n, np.nan)
            for i, latest in enumerate(self._latest):
                fact = latest.get(attribute)
                if fact is None:
                    continue
                if unit in ("元", "%") and fact.unit and fact.unit != unit:
                    continue
                try:
                    col[i] = float(fact.value)
                except (TypeError, ValueError):
                    pass
            self._numeric[key] = col
        return self._numeric[key]

    def text(self, attribute: str) -> list:
        if attribute not in self._text:
            self._text[attribute] = [getattr(latest.get(attribute), "value", None) for latest in self._latest]
        return self._text[attribute]

    def criterion(self, c: Criterion) -> tuple[np.ndarray, np.ndarray]:
        """(met, not_met) over the firms for one criterion."""
        none = np.zeros(self.n, dtype=bool)
        if c.needs_review or c.attribute is None:
            return none, none.copy()
        kind = value_type(c.attribute)
        if kind == QUALIFICATION and c.operator in ("eq", "has"):
            held = self._quals.get(str(c.value), none)
            return held.copy(), self._has_qual & ~held
        array_op = OPERATORS[c.operator].array if c.operator in OPERATORS else None
        if array_op is not None:
            col = self.numeric(c.attribute, c.unit)
            known = ~np.isnan(col)
            with np.errstate(invalid="ignore"):
                ok = array_op(col, float(c.value))
            return known & ok, known & ~ok
        # text values (places, lists of platforms): compare each distinct value once, then spread
        codes, distinct = self.codes(c.attribute)
        outcome = [_scalar(c, v) if v is not None else None for v in distinct]
        met_d = np.array([o is True for o in outcome] or [False], dtype=bool)
        not_d = np.array([o is False for o in outcome] or [False], dtype=bool)
        return met_d[codes], not_d[codes]

    def codes(self, attribute: str) -> tuple[np.ndarray, list]:
        """Per firm, the index of its value of `attribute` among the distinct values (None included)."""
        if attribute not in self._codes:
            index: dict[object, int] = {}
            distinct: list = []
            codes = np.empty(self.n, dtype=np.int64)
            for i, v in enumerate(self.text(attribute)):
                key = (type(v).__name__, v) if not isinstance(v, list | dict) else repr(v)
                j = index.get(key)
                if j is None:
                    j = index[key] = len(distinct)
                    distinct.append(v)
                codes[i] = j
            self._codes[attribute] = (codes, distinct)
        return self._codes[attribute]

    def evaluate(self, cond: Condition) -> np.ndarray:
        """Status per firm as codes: 1 eligible, 0 unknown, -1 ineligible."""
        met, not_met = self._eval(cond)
        return met.astype(np.int8) - not_met.astype(np.int8)

    def _eval(self, cond: Condition) -> tuple[np.ndarray, np.ndarray]:
        if cond.op == "LEAF":
            return self.criterion(cond.criterion)
        parts = [self._eval(ch) for ch in cond.children]
        if cond.op == "NOT":
            met, not_met = parts[0]
            return not_met, met
        mets = np.array([p[0] for p in parts])
        nots = np.array([p[1] for p in parts])
        if cond.op == "AND":
            return mets.all(axis=0), nots.any(axis=0)
        if cond.op == "OR":
            return mets.any(axis=0), nots.all(axis=0)
        raise ValueError(f"unknown condition operator {cond.op!r}")


CODES = {1: Status.ELIGIBLE, 0: Status.UNKNOWN, -1: Status.INELIGIBLE}


def _scalar(c: Criterion, value: object) -> bool | None:
    """The engine's comparison; None where it cannot compare (the engine says: missing fact)."""
    if value_type(c.attribute) == PLACE and c.operator == "eq" and isinstance(value, str):
        return place_match(value, str(c.value))
    try:
        return compare(c.operator, value, c.value)
    except (TypeError, ValueError):
        return None


def _all_latest(firm: FirmProfile, as_of: str | None):
    """Every fact the engine would look at, newest first per attribute."""
    attributes = dict.fromkeys(f.attribute for f in firm.facts)
    for a in attributes:
        yield from firm.values(a, as_of=as_of)
