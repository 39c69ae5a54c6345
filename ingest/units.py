"""Search units from a document's graph. Ingest and `policykg reindex` both call this, so
an index rebuilt from the graph equals the one ingest wrote."""

from __future__ import annotations

from policykg.core.model import DocumentGraph, SearchUnit
from policykg.core.ontology import PKG, name
from policykg.core.tokens import search_tokens

L_DOC, L_CLAUSE, HAS_CLAUSE = name(PKG.PolicyDocument), name(PKG.PolicyClause), name(PKG.HAS_CLAUSE)
# Read out of a clause's text, which is searchable itself: no units of their own.
DERIVED = frozenset({name(PKG.EligibilityCriterion), name(PKG.Benefit)})


def _own_text(text: str, child_texts: list[str]) -> str:
    """A clause's text before its first sub-clause (the sub-clauses are units of their own)."""
    cut = len(text)
    for child in child_texts:
        k = text.find(child[:30]) if child else -1
        if 0 < k < cut:
            cut = k
    return text[:cut].strip()


def units_for(doc: DocumentGraph) -> list[SearchUnit]:
    policy = next((n for n in doc.nodes.values() if n.label == L_DOC and n.id in doc.primary), None)
    title = (policy.properties.get("title") or policy.name) if policy else doc.source
    units: list[SearchUnit] = []
    if policy is not None:
        p = policy.properties
        head = " ".join(str(x) for x in (p.get("title"), p.get("doc_number"), p.get("issuer"), *policy.aliases) if x)
        units.append(SearchUnit(policy.id, L_DOC, doc.doc_id, title, head, search_tokens(head)))
    children: dict[str, list[str]] = {}
    for e in doc.edges.values():
        if e.label == HAS_CLAUSE and e.target in doc.nodes:
            children.setdefault(e.source, []).append(doc.nodes[e.target].properties.get("text", ""))
    for node in sorted(doc.nodes.values(), key=lambda n: n.id):
        if node.label == L_CLAUSE:
            body = _own_text(node.properties.get("text", ""), children.get(node.id, []))
            if body:
                units.append(SearchUnit(node.id, L_CLAUSE, doc.doc_id, f"{title} {node.name}", body, search_tokens(body)))
        elif node.label not in DERIVED and (policy is None or node.id != policy.id):
            body = " ".join([node.name, *node.aliases])
            units.append(SearchUnit(node.id, node.label, doc.doc_id, node.name, body, search_tokens(body)))
    return units
