"""What can be asked about a firm: one table of attributes, read from the ontology's AttributeScheme.

Each attribute has a key (the name criteria, facts and profiles use), its labels (the words policy
text uses for it), a value type that says how its values compare, a unit, and the period one
value is for ("year" for yearly figures such as 营业收入; none for standing facts such as 注册地).
The engines dispatch on the value type, the profile format takes its yearly figures from the
table, and criteria reading takes its attribute words from it — no attribute name is spelled by
hand elsewhere. (Like OpenFisca's ``Variable``: value type, unit, definition period.)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from policykg.core.ontology import PKG, load_ontology, name

# Value types whose values are numbers compared by size.
NUMERIC_TYPES = frozenset({"money", "ratio", "count"})
YEAR = "year"


@dataclass(frozen=True)
class Attribute:
    """One thing a criterion may ask about a firm."""

    key: str  # revenue, registered_place …
    label: str  # 营业收入: the preferred label, used in answers and questions
    labels: tuple[str, ...]  # every label policy text may use (营收, 销售额 …)
    value_type: str  # place | qualification | industry | money | ratio | count | date | boolean | platform
    unit: str | None = None  # 元, %, 人, 件
    period: str | None = None  # "year": one value per year; None: a standing fact

    @property
    def numeric(self) -> bool:
        return self.value_type in NUMERIC_TYPES


def _literal(iri, prop) -> str | None:
    value = next(iter(load_ontology().graph.objects(iri, prop)), None)
    return None if value is None else str(value)


@lru_cache(maxsize=1)
def attribute_table() -> dict[str, Attribute]:
    """Every attribute of the ontology's AttributeScheme, by key."""
    table = {}
    for c in load_ontology().concepts(PKG.AttributeScheme):
        key = name(c.iri).rsplit("/", 1)[-1]
        table[key] = Attribute(key, c.pref_label, tuple(c.labels), _literal(c.iri, PKG.valueType) or "text",
                               _literal(c.iri, PKG.unit), _literal(c.iri, PKG.definitionPeriod))
    return table


def attribute(key: str) -> Attribute | None:
    """The attribute with this key, or None when the ontology has none."""
    return attribute_table().get(key)


def attribute_keys() -> frozenset[str]:
    """Every attribute a criterion or a fact may name."""
    return frozenset(attribute_table())


def value_type(key: str | None) -> str | None:
    """How values of an attribute compare (None for an attribute the ontology does not name)."""
    a = attribute_table().get(key) if key else None
    return a.value_type if a else None


def yearly_attributes() -> tuple[Attribute, ...]:
    """The attributes with one value per year (营业收入, 实缴税费 …), in the ontology's order."""
    return tuple(a for a in attribute_table().values() if a.period == YEAR)


def label_of(key: str | None) -> str:
    """The preferred label of an attribute (营业收入), or the key itself when it has none."""
    a = attribute_table().get(key) if key else None
    return a.label if a else str(key)
