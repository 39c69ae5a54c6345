"""Response shapes, for validation and for the OpenAPI document at /docs."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from policykg.api.problem import PROBLEM_JSON


class Problem(BaseModel):
    """RFC 9457 problem details; `hint` says what to do about it."""

    type: str = Field(examples=["https://w3id.org/policykg/problems/not-found"])
    title: str
    status: int
    detail: str
    instance: str | None = None
    hint: str | None = None


class Health(BaseModel):
    status: Literal["ok"]
    counts: dict[str, int] = Field(description="documents, nodes, edges and `nodes:<label>` per ontology class")


class ProvenanceOut(BaseModel):
    doc_id: str
    source: str
    start: int = Field(description="offset of the span in the document's normalised text")
    end: int
    sentence: str


class NodeOut(BaseModel):
    kind: Literal["node"]
    id: str
    label: str
    name: str
    aliases: list[str]
    properties: dict[str, Any]


class NodeWithProvenance(NodeOut):
    provenance: list[ProvenanceOut]


class EdgeOut(BaseModel):
    kind: Literal["edge"]
    label: str
    source: str
    target: str
    properties: dict[str, Any]


class SubgraphOut(BaseModel):
    nodes: list[NodeOut]
    edges: list[EdgeOut]


class SearchHitOut(BaseModel):
    node_id: str
    label: str
    doc_id: str
    title: str
    score: float
    snippet: str = Field(description="HTML-escaped window of the text, query terms in <mark>")
    text: str
    node_url: str = Field(description="where the hit's node is, e.g. /entities/PolicyClause%3A…")


class DocumentHitOut(BaseModel):
    doc_id: str
    title: str
    score: float = Field(description="the fused rank score (reciprocal rank fusion of the signals)")
    why: list[str] = Field(description="the signals that ranked the document, e.g. 全文 #1, 条款 #3")
    passages: list[SearchHitOut] = Field(description="the sentences of its clauses that answer best, best first")


class SearchOut(BaseModel):
    query: str
    types: list[str]
    limit: int
    offset: int
    hits: list[SearchHitOut] = Field(description="without a type filter: each document's passages, best first, "
                                               "in the documents' order; with one: the nodes of those types")
    documents: list[DocumentHitOut] = Field(default_factory=list,
                                            description="without a type filter: the documents, best first")
    entities: list[SearchHitOut] = Field(default_factory=list,
                                         description="without a type filter, on the first page: the agencies, firms, "
                                                     "qualifications … the query names")


class IngestOut(BaseModel):
    source: str
    doc_id: str
    outcome: Literal["created", "replaced", "unchanged"]
    nodes: int
    edges: int


_PROBLEM_TEXT = {
    401: "X-API-Key is missing or wrong",
    403: "uploads are disabled: the server has no POLICYKG_API_KEY",
    404: "no such node or route",
    413: "the upload is larger than POLICYKG_MAX_FILE_MB",
    422: "the request or the document is not valid",
    503: "a backend cannot be reached",
}


_PROBLEM_SCHEMA = Problem.model_json_schema()


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries documenting problem+json answers."""
    return {
        s: {"description": _PROBLEM_TEXT[s], "content": {PROBLEM_JSON: {"schema": _PROBLEM_SCHEMA}}}
        for s in statuses
    }
