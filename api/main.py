"""The HTTP API: upload documents, search, browse entities and export the graph.

Run it with ``policykg serve`` (``uvicorn api.main:create_app --factory``); the OpenAPI
document is at /docs. Errors are `application/problem+json` (see `api.problem`).

Authentication: uploads need the header ``X-API-Key`` equal to ``POLICYKG_API_KEY``. When no
key is configured, uploads are switched off and ``POST /documents`` answers 403 - a state of
the deployment, not an outage, so not 503 (which monitors page on and clients retry). Reads
are open; a caller that sends a valid key also sees personal data (see `api.privacy`), a
caller that sends a wrong key gets 401 rather than silently less.
"""

from __future__ import annotations

import enum
import itertools
import secrets
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any, Literal, TypeVar, cast
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request, Security
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.security import APIKeyHeader
from starlette.concurrency import run_in_threadpool

from policykg.api.privacy import PublicGraph, public_edge, public_hit, public_view
from policykg.api.problem import install_problem_handlers
from policykg.api.schema import (
    Health,
    IngestOut,
    NodeOut,
    NodeWithProvenance,
    SearchOut,
    SubgraphOut,
    problems,
)
from policykg.api.upload import read_upload
from policykg.app.backends import open_graph, open_index
from policykg.app.export import iter_jsonl, to_rdf
from policykg.core.errors import PolicyKGError, Unauthorized
from policykg.core.model import WriteOutcome
from policykg.core.ontology import load_ontology
from policykg.core.settings import Settings, get_settings
from policykg.graph.store import GraphStore
from policykg.ingest.pipeline import Ingestor
from policykg.search.index import SearchIndex
from policykg.search.service import MAX_LIMIT, SearchService

API_KEY_HEADER = "X-API-Key"
MAX_DEPTH = 3

# Node labels come from the ontology; as an enum they are validated and listed in /docs.
NodeLabel = enum.Enum("NodeLabel", {lb: lb for lb in sorted(load_ontology().node_labels)}, type=str)


class UploadsDisabled(PolicyKGError):
    """No API key is configured, so no caller can be allowed to write."""

    status = 403
    title = "Uploads disabled"


T = TypeVar("T")


class Stores:
    """The graph store and search index of one app, opened on first use, closed at shutdown."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._graph: GraphStore | None = None
        self._index: SearchIndex | None = None
        self._lock = threading.Lock()

    def _open(self, attr: str, opener: Callable[[Settings], T]) -> T:
        with self._lock:
            store = getattr(self, attr)
            if store is None:
                store = opener(self.settings)
                setattr(self, attr, store)
            return store

    def graph(self) -> GraphStore:
        return self._graph if self._graph is not None else self._open("_graph", open_graph)

    def index(self) -> SearchIndex:
        return self._index if self._index is not None else self._open("_index", open_index)

    def close(self) -> None:
        with self._lock:
            for store in (self._graph, self._index):
                if store is not None:
                    store.close()
            self._graph = self._index = None


# ---------------------------------------------------------------------------- dependencies
def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_graph(request: Request) -> GraphStore:
    return request.app.state.stores.graph()


def get_index(request: Request) -> SearchIndex:
    return request.app.state.stores.index()


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
GraphDep = Annotated[GraphStore, Depends(get_graph)]
IndexDep = Annotated[SearchIndex, Depends(get_index)]

api_key_scheme = APIKeyHeader(
    name=API_KEY_HEADER,
    auto_error=False,
    description="Needed to upload; also shows personal data that anonymous callers do not see.",
)
ApiKeyDep = Annotated[str | None, Security(api_key_scheme)]


def _key_matches(settings: Settings, sent: str) -> bool:
    expected = settings.api_key.get_secret_value() if settings.api_key else ""
    return bool(expected) and secrets.compare_digest(sent.encode(), expected.encode())


def caller_is_trusted(settings: SettingsDep, sent: ApiKeyDep) -> bool:
    """False for anonymous callers; True for a valid key.

    Raises:
        Unauthorized: a key was sent and it is wrong.
    """
    if sent is None:
        return False
    if not _key_matches(settings, sent):
        raise Unauthorized(f"the {API_KEY_HEADER} header is not valid",
                           hint="send the key the server was given in POLICYKG_API_KEY, or no key at all")
    return True


def require_api_key(settings: SettingsDep, sent: ApiKeyDep) -> None:
    """Raises UploadsDisabled (403) without a configured key, Unauthorized (401) without the right one."""
    if settings.api_key is None or not settings.api_key.get_secret_value():
        raise UploadsDisabled("uploads are disabled until POLICYKG_API_KEY is set on the server",
                              hint="set POLICYKG_API_KEY and restart, then send it in X-API-Key")
    if sent is None:
        raise Unauthorized(f"uploads need the {API_KEY_HEADER} header", hint=f"send {API_KEY_HEADER}: <key>")
    if not _key_matches(settings, sent):
        raise Unauthorized(f"the {API_KEY_HEADER} header is not valid")


TrustedDep = Annotated[bool, Depends(caller_is_trusted)]


def node_url(node_id: str) -> str:
    """The path of a node's entity route; ids hold ':' '#' '/' '〔', so every one is escaped."""
    return "/entities/" + quote(node_id, safe="")


# ---------------------------------------------------------------------------- routes
router = APIRouter()

_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary",
                                            "description": "a policy document: .txt, .docx, .pdf or .html"}},
                }
            }
        },
    }
}


@router.get("/health", response_model=Health, tags=["meta"], responses=problems(503))
def health(graph: GraphDep) -> dict[str, Any]:
    """Whether the stores answer, and how much they hold."""
    return {"status": "ok", "counts": graph.counts()}


@router.post(
    "/documents",
    status_code=201,
    response_model=IngestOut,
    tags=["documents"],
    dependencies=[Depends(require_api_key)],
    openapi_extra=_UPLOAD_BODY,
    responses={200: {"model": IngestOut, "description": "the same version is already stored"},
               201: {"description": "the document was created or replaced an older version"},
               **problems(401, 403, 413, 422, 503)},
)
async def upload_document(request: Request, settings: SettingsDep, graph: GraphDep, index: IndexDep) -> JSONResponse:
    """Ingest one document into the graph and the search index.

    201 when it was created or replaced an older version, 200 when the same version is already
    stored. The key is checked before a byte of the body is read, and reading stops at
    POLICYKG_MAX_FILE_MB (413).
    """
    max_bytes = settings.max_file_bytes
    upload = await read_upload(request, field="file", max_bytes=max_bytes)
    ingestor = Ingestor(graph, index, max_bytes=max_bytes)
    result = await run_in_threadpool(ingestor.ingest_bytes, upload.data, upload.filename)
    status = 200 if result.outcome == WriteOutcome.UNCHANGED.value else 201
    if status == 201:
        from policykg.api.eligibility import forget_rules  # a new or changed document may bring clauses with criteria

        forget_rules(graph)
    return JSONResponse(IngestOut.model_validate(result.to_json()).model_dump(), status_code=status)


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


# ---------------------------------------------------------------------------- app
def _version() -> str:
    try:
        return version("policykg")
    except PackageNotFoundError:
        return "0"


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API over the stores the settings pick (``POLICYKG_*`` when not given)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            app.state.stores.close()

    app = FastAPI(
        title="policykg",
        version=_version(),
        summary="Chinese policy documents as a knowledge graph, with search.",
        description=__doc__,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.stores = Stores(settings)
    install_problem_handlers(app)
    app.include_router(router)
    from policykg.api.eligibility import router as eligibility_router  # it imports this module's dependencies

    app.include_router(eligibility_router)
    return app
