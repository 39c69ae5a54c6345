"""What anonymous callers may see of people.

Policy documents name people (award winners, contacts, programme members). A caller without
a valid X-API-Key never sees personal properties of any node, and sees a `Talent` node only
as its label and its name masked to the surname (张三丰 → 张**). Every read route goes
through `public_node` / `public_view`; trusted callers get nodes unchanged.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from policykg.core.errors import NotFound
from policykg.core.model import Edge, Node, SearchHit
from policykg.core.ontology import PKG, name
from policykg.graph.store import GraphStore

L_TALENT = name(PKG.Talent)

PERSONAL_PROPERTIES = frozenset({
    "phone", "mobile", "telephone", "email", "id_number", "id_card", "passport", "contact",
    "address", "birth_date", "birthday", "gender", "age",
})

# Two-character surnames common enough to matter; any other name keeps its first character.
COMPOUND_SURNAMES = frozenset({
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "轩辕", "令狐", "钟离", "西门", "独孤", "南宫", "万俟", "闻人", "澹台", "公冶", "太史",
    "申屠", "端木", "赫连", "呼延", "百里", "东郭", "左丘", "拓跋", "完颜", "单于",
})

_CJK = re.compile(r"[\u3400-\u9fff]")


def mask_name(full_name: str) -> str:
    """The surname followed by ``**``: 张三丰 → 张**, 欧阳娜娜 → 欧阳**, Jane Doe → J**."""
    text = full_name.strip()
    if not text:
        return "**"
    if _CJK.match(text):
        surname = text[:2] if text[:2] in COMPOUND_SURNAMES and len(text) > 2 else text[0]
    else:
        surname = text[0]
    return surname + "**"


def _without_personal(properties: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in properties.items() if k.lower() not in PERSONAL_PROPERTIES}


def public_node(node: Node, *, trusted: bool) -> Node:
    """The node as the caller may see it; a copy, the stored node is never changed."""
    if trusted:
        return node
    if node.label == L_TALENT:
        # Aliases and provenance sentences hold the full name, so they go too.
        return Node(node.id, node.label, mask_name(node.name))
    return replace(node, properties=_without_personal(node.properties))


def public_edge(edge: Edge, *, trusted: bool) -> Edge:
    if trusted:
        return edge
    return replace(edge, properties=_without_personal(edge.properties))


def public_view(node: Node, *, trusted: bool = False, with_provenance: bool = False) -> dict[str, Any]:
    """`Node.to_json` of what the caller may see."""
    return public_node(node, trusted=trusted).to_json(with_provenance=with_provenance)


def public_hit(hit: SearchHit, *, trusted: bool, graph: GraphStore) -> SearchHit | None:
    """A search hit on a Talent node shows only the masked name as text and snippet;
    None when the node is gone from the graph (the index is ahead of it)."""
    if trusted or hit.label != L_TALENT:
        return hit
    try:
        full = graph.get_node(hit.node_id).name
    except NotFound:
        return None
    masked = mask_name(full)
    # An entity's unit is titled with the entity's name; a document title keeps its words.
    return replace(hit, title=hit.title.replace(full, masked), text=masked, snippet=html.escape(masked))


class PublicGraph:
    """A read-only `GraphStore` view that filters everything it returns, for the exporters,
    which take a store rather than nodes."""

    def __init__(self, graph: GraphStore) -> None:
        self._graph = graph

    def iter_graph(self) -> Iterator[Node | Edge]:
        for item in self._graph.iter_graph():
            if isinstance(item, Node):
                yield public_node(item, trusted=False)
            else:
                yield public_edge(item, trusted=False)

    def __getattr__(self, attr: str) -> Any:
        # Only reads that go through the filter are offered; everything else is refused.
        raise AttributeError(f"{type(self).__name__} offers only iter_graph, not {attr}")
