"""Browsing the graph: nodes by class, one node with its provenance, a node's neighbourhood."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from policykg.api.deps import GraphDep, TrustedDep
from policykg.api.params import NodeLabel
from policykg.api.privacy import public_edge, public_view
from policykg.api.schema import NodeOut, NodeWithProvenance, SubgraphOut, problems

MAX_DEPTH = 3

router = APIRouter()


@router.get("/entities", response_model=list[NodeOut], tags=["entities"], responses=problems(401, 422))
def list_entities(
    graph: GraphDep,
    trusted: TrustedDep,
    type_: Annotated[NodeLabel | None, Query(alias="type", description="only nodes of this class")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[dict[str, Any]]:
    """Nodes ordered by id."""
    nodes = graph.list_nodes(type_.value if type_ else None, limit=limit, offset=offset)
    return [public_view(n, trusted=trusted) for n in nodes]


_NODE_ID = Path(description="the node id, URL-encoded, e.g. PolicyDocument%3A永川府办发〔2021〕49号")


# Registered before the plain entity route: `{node_id:path}` would swallow "/neighbours".
@router.get("/entities/{node_id:path}/neighbours", response_model=SubgraphOut, tags=["entities"],
            responses=problems(401, 404, 422))
def neighbours(
    graph: GraphDep,
    trusted: TrustedDep,
    node_id: Annotated[str, _NODE_ID],
    depth: Annotated[int, Query(ge=1, le=MAX_DEPTH, description="edges to follow, either direction")] = 1,
    limit: Annotated[int, Query(ge=1, le=1000, description="at most this many nodes")] = 200,
) -> dict[str, Any]:
    """The node and everything within `depth` edges of it."""
    sub = graph.neighbours(node_id, depth=depth, limit=limit)
    return {
        "nodes": [public_view(n, trusted=trusted) for n in sub.nodes],
        "edges": [public_edge(e, trusted=trusted).to_json() for e in sub.edges],
    }


@router.get("/entities/{node_id:path}", response_model=NodeWithProvenance, tags=["entities"],
            responses=problems(401, 404, 422))
def get_entity(graph: GraphDep, trusted: TrustedDep, node_id: Annotated[str, _NODE_ID]) -> dict[str, Any]:
    """One node with where it was read: document, character offsets and sentence."""
    return public_view(graph.get_node(node_id), trusted=trusted, with_provenance=True)
