"""Search: documents with their answering passages, or nodes of given types."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from policykg.api.deps import GraphDep, IndexDep, SettingsDep, TrustedDep, node_url
from policykg.api.params import NodeLabel
from policykg.api.privacy import public_hit
from policykg.api.schema import SearchOut, problems
from policykg.app.maintenance import load_vectors
from policykg.search.service import MAX_LIMIT, SearchService

router = APIRouter()


@router.get("/search", response_model=SearchOut, tags=["search"], responses=problems(401, 422))
def search(
    index: IndexDep,
    graph: GraphDep,
    settings: SettingsDep,
    trusted: TrustedDep,
    q: Annotated[str, Query(description="words or a phrase; synonyms are added (高企 → 高新技术企业)",
                            examples=["高企"])],
    types: Annotated[list[NodeLabel] | None, Query(alias="type", description="only nodes of these classes")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 10,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Search. Without a type filter: documents best first, each with the passages (sentences of
    its clauses) that answer best; `hits` lists those passages in the documents' order. With a type filter:
    nodes of those types (clauses, agencies, qualifications …), best first."""
    labels = tuple(t.value for t in types or ())
    service = SearchService(index, load_vectors(settings.data_dir))  # None until learned

    def shown(hit) -> dict[str, Any] | None:
        public = public_hit(hit, trusted=trusted, graph=graph)
        if public is None:
            return None
        return {"node_id": public.node_id, "label": public.label, "doc_id": public.doc_id, "title": public.title,
                "score": public.score, "snippet": public.snippet, "text": public.text,
                "node_url": node_url(public.node_id)}

    documents: list[dict[str, Any]] = []
    entities: list[dict[str, Any]] = []
    if labels:
        hits = [h for h in map(shown, service.nodes(q, labels=labels, limit=limit, offset=offset)) if h]
    else:
        for d in service.documents(q, limit=limit, offset=offset):
            passages = [h for h in map(shown, d.passages) if h]
            if passages:
                documents.append({"doc_id": d.doc_id, "title": d.title, "score": d.score, "why": list(d.why),
                                  "passages": passages})
        hits = [p for d in documents for p in d["passages"]]
        if offset == 0:
            entities = [h for h in map(shown, service.entities(q)) if h]
    return {"query": q, "types": list(labels), "limit": limit, "offset": offset, "hits": hits,
            "documents": documents, "entities": entities}
