"""The open attributes seen in the graph: conditions the ontology does not name yet.

A curator reads this list to promote an open attribute into the ontology (a new concept of the
AttributeScheme, or an altLabel of an existing one); from then on criteria reading links the
phrase to that concept (`policykg.ingest.criteria.readings`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from policykg.core.model import Node
from policykg.core.ontology import PKG, name
from policykg.eligibility.engine import OPEN
from policykg.graph.store import GraphStore

L_CRIT = name(PKG.EligibilityCriterion)


@dataclass
class OpenAttribute:
    attribute: str  # open:设备投资额
    label: str
    value_type: str
    count: int = 0
    operators: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)  # source sentences

    def to_json(self) -> dict:
        return {"attribute": self.attribute, "label": self.label, "value_type": self.value_type,
                "count": self.count, "operators": dict(self.operators), "examples": self.examples}


def open_vocabulary(graph: GraphStore, *, examples: int = 2, page: int = 2000) -> list[OpenAttribute]:
    """Every open attribute the stored criteria use, most used first, with example sentences."""
    seen: dict[str, OpenAttribute] = {}
    offset = 0
    while batch := graph.list_nodes(L_CRIT, limit=page, offset=offset):
        for n in batch:
            _count(seen, n, examples)
        if len(batch) < page:
            break
        offset += len(batch)
    return sorted(seen.values(), key=lambda a: (-a.count, a.attribute))


def _count(seen: dict[str, OpenAttribute], n: Node, examples: int) -> None:
    p = n.properties
    attribute = p.get("attribute") or ""
    if not attribute.startswith(OPEN):
        return
    a = seen.setdefault(attribute, OpenAttribute(attribute, p.get("attribute_label") or attribute[len(OPEN):],
                                                 p.get("value_type") or ""))
    a.count += 1
    a.operators[p.get("operator") or ""] += 1
    sentence = n.provenance[0].sentence if n.provenance else p.get("text", "")
    if sentence and len(a.examples) < examples and sentence not in a.examples:
        a.examples.append(sentence.strip()[:160])
