"""The whole graph in one download."""

from __future__ import annotations

import itertools
from typing import Annotated, Literal, cast

from fastapi import APIRouter, Query
from fastapi.responses import Response, StreamingResponse

from policykg.api.deps import GraphDep, TrustedDep
from policykg.api.privacy import PublicGraph
from policykg.api.schema import problems
from policykg.app.export import iter_jsonl, to_rdf
from policykg.graph.store import GraphStore

router = APIRouter()


@router.get(
    "/export",
    tags=["export"],
    response_class=Response,
    responses={200: {"description": "the whole graph",
                     "content": {"application/x-ndjson": {}, "text/turtle": {}}},
               **problems(401, 422)},
)
def export(
    graph: GraphDep,
    trusted: TrustedDep,
    fmt: Annotated[Literal["jsonl", "ttl"],
                   Query(alias="format", description="jsonl: one node or edge a line; ttl: Turtle")] = "jsonl",
) -> Response:
    """The whole graph as JSON Lines (streamed) or Turtle."""
    # The exporters take a store; anonymous callers get one that filters what it yields.
    source = graph if trusted else cast(GraphStore, PublicGraph(graph))
    if fmt == "ttl":
        return Response(to_rdf(source).serialize(format="turtle"), media_type="text/turtle")
    lines = iter_jsonl(source)
    # Read the first line here, so a store that fails does so before the 200 is sent.
    first = list(itertools.islice(lines, 1))
    return StreamingResponse((line + "\n" for line in itertools.chain(first, lines)),
                             media_type="application/x-ndjson")
