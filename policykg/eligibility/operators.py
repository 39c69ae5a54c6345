"""How a criterion compares a firm's value with the clause's: one table of operators.

Each operator is one row — its key (as criteria and rule files spell it), the symbol answers
print (≥), the Chinese words policy text uses for it (from the ontology's OperatorScheme, e.g.
不低于, 以上), the comparison of one value, and the numpy comparison the columnar engine applies
to a whole column. Both engines compare through this table, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from policykg.core.ontology import PKG, load_ontology, name
from policykg.core.places import level_labels


def same(have: Any, want: Any) -> bool:
    """Equality, where a text value given wider or narrower than asked still matches
    (嘉兴市 in 浙江省嘉兴市南湖区)."""
    if isinstance(have, str) and isinstance(want, str):
        return have == want or want in have
    return have == want


def holds(have: Any, want: Any) -> bool:
    """One of a listed fact's values against a wanted one: a platform 省级企业技术中心 is held
    when a value names both its level and its type."""
    if not (isinstance(have, str) and isinstance(want, str)):
        return same(have, want)
    level = next((lb for lb in level_labels() if want.startswith(lb)), "")
    kind = want[len(level):]
    return kind in have and level in have if kind else same(have, want)


def _has(have: Any, want: Any) -> bool:
    if isinstance(have, list | tuple):
        return any(holds(h, want) for h in have)
    return same(have, want)


def _in(have: Any, want: Any) -> bool:
    return any(same(have, w) for w in (want if isinstance(want, list | tuple) else [want]))


def _number(f: Callable[[float, float], bool]) -> Callable[[Any, Any], bool]:
    return lambda have, want: bool(f(float(have), float(want)))


@dataclass(frozen=True)
class Operator:
    """One way of comparing: ``compare(have, want)`` raises TypeError / ValueError when the two
    values cannot be compared (the engines answer: missing fact)."""

    key: str
    symbol: str  # as answers print it: 营业收入≥500万元
    label: str  # in words, when the ontology has none: 大于等于
    compare: Callable[[Any, Any], bool]
    array: np.ufunc | None = None  # the same comparison over a numeric column

    @property
    def labels(self) -> tuple[str, ...]:
        """The words policy text uses for this operator (the ontology's OperatorScheme)."""
        return _ontology_labels().get(self.key, (self.label,))


OPERATORS: dict[str, Operator] = {op.key: op for op in (
    Operator("eq", "：", "是", same),
    Operator("ne", "≠", "不是", lambda have, want: not same(have, want)),
    Operator("ge", "≥", "大于等于", _number(lambda a, b: a >= b), np.greater_equal),
    Operator("gt", ">", "大于", _number(lambda a, b: a > b), np.greater),
    Operator("le", "≤", "小于等于", _number(lambda a, b: a <= b), np.less_equal),
    Operator("lt", "<", "小于", _number(lambda a, b: a < b), np.less),
    Operator("in", "∈", "之一", _in),
    Operator("has", "：", "具有", _has),
    Operator("true", "", "满足", lambda have, _want: bool(have)),
)}


@lru_cache(maxsize=1)
def _ontology_labels() -> dict[str, tuple[str, ...]]:
    return {name(c.iri).rsplit("/", 1)[-1]: tuple(c.labels) for c in load_ontology().concepts(PKG.OperatorScheme)}


def operator(key: str) -> Operator:
    """The operator with this key.

    Raises:
        ValueError: no such operator.
    """
    try:
        return OPERATORS[key]
    except KeyError:
        raise ValueError(f"unknown operator {key!r}; known: {', '.join(OPERATORS)}") from None


def compare(key: str, have: Any, want: Any) -> bool:
    """Whether `have` (the firm's value) stands in the operator's relation to `want`.

    Raises:
        TypeError, ValueError: the values cannot be compared this way (e.g. text against a number).
    """
    return operator(key).compare(have, want)
