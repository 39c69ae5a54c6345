"""Full-text search over clauses and entities."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from policykg.api.deps import GraphDep, IndexDep, TrustedDep, node_url
from policykg.api.params import NodeLabel
from policykg.api.privacy import public_hit
from policykg.api.schema import SearchOut, problems
from policykg.search.service import MAX_LIMIT, SearchService

router = APIRouter()


@router.get("/search", response_model=SearchOut, tags=["search"], responses=problems(401, 422))
def search(
    index: IndexDep,
    graph: GraphDep,
    trusted: TrustedDep,
    q: Annotated[str, Query(description="words or a phrase; synonyms are added (高企 → 高新技术企业)",
                            examples=["高企"])],
    types: Annotated[list[NodeLabel] | None, Query(alias="type", description="only nodes of these classes")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 10,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Full-text search over clauses and entities, best first, each hit linked to its node."""
    labels = tuple(t.value for t in types or ())
    hits = []
    for hit in SearchService(index).search(q, labels=labels, limit=limit, offset=offset):
        shown = public_hit(hit, trusted=trusted, graph=graph)
        if shown is not None:
            hits.append({
                "node_id": shown.node_id, "label": shown.label, "doc_id": shown.doc_id, "title": shown.title,
                "score": shown.score, "snippet": shown.snippet, "text": shown.text,
                "node_url": node_url(shown.node_id),
            })
    return {"query": q, "types": list(labels), "limit": limit, "offset": offset, "hits": hits}
