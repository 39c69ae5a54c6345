"""Routes for 「我能申请哪些政策？」: firm profiles in, ranked clauses with reasons out, and the
firms a policy applies to."""

from __future__ import annotations

import threading
import time
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from policykg.api.main import GraphDep, IndexDep, SettingsDep, require_api_key
from policykg.api.schema import problems
from policykg.app import matching
from policykg.core.model import WriteOutcome
from policykg.graph.store import GraphStore
from policykg.ingest.pipeline import Ingestor

router = APIRouter(tags=["eligibility"])

_lock = threading.Lock()
_cache: dict[int, tuple[tuple, list[matching.ClauseRule], float]] = {}


RECHECK_SECONDS = 5.0


def rules_of(graph: GraphStore) -> list[matching.ClauseRule]:
    """The clauses with criteria, loaded once per state of the graph. Whether the graph changed
    (its counts) is checked at most every few seconds: that check costs more than an answer."""
    now = time.monotonic()
    with _lock:
        hit = _cache.get(id(graph))
        if hit and now - hit[2] < RECHECK_SECONDS:
            return hit[1]
    c = graph.counts()
    key = (c["documents"], c["nodes"], c["edges"])
    with _lock:
        hit = _cache.get(id(graph))
        if hit and hit[0] == key:
            _cache[id(graph)] = (key, hit[1], now)
            return hit[1]
    rules = matching.load_rules(graph)
    with _lock:
        _cache[id(graph)] = (key, rules, now)
    return rules


def forget_rules(graph: GraphStore) -> None:
    """Drop the cached clauses after this process changed the graph."""
    with _lock:
        _cache.pop(id(graph), None)


AsOf = Annotated[str | None, Query(alias="as_of", pattern=r"^\d{4}-\d{2}-\d{2}$",
                                   description="rules and facts in force on this date")]


@router.get("/profile-schema", responses=problems(422))
def profile_schema() -> dict[str, Any]:
    """The JSON Schema of a firm profile (POST /firms, POST /match)."""
    from policykg.eligibility.profile import profile_json_schema

    return profile_json_schema()


@router.post("/firms", status_code=201, dependencies=[Depends(require_api_key)],
             responses=problems(401, 403, 422, 503))
def put_firm(settings: SettingsDep, graph: GraphDep, index: IndexDep,
             profile: Annotated[dict[str, Any], Body(description="a firm profile, see /profile-schema")]) -> JSONResponse:
    """Store one firm's profile (qualifications, yearly figures, patents …); replaces its older profile."""
    from policykg.eligibility.profile import load_profile
    from policykg.ingest.profiles import profile_to_document

    doc = profile_to_document(load_profile(profile), source="api")
    result = Ingestor(graph, index, max_bytes=settings.max_file_bytes).write(doc)
    forget_rules(graph)
    status = 200 if result.outcome == WriteOutcome.UNCHANGED.value else 201
    return JSONResponse(result.to_json(), status_code=status)


@router.get("/firms/{key}/matches", responses=problems(404, 422))
def firm_matches(graph: GraphDep, key: Annotated[str, Path(description="统一社会信用代码 or firm name")],
                 as_of: AsOf = None, show_all: Annotated[bool, Query(alias="all")] = False,
                 limit: Annotated[int, Query(ge=1, le=5000, description="results shown, best first")] = 50,
                 ) -> dict[str, Any]:
    """The clauses a stored firm is eligible for, those still unknown (with the facts to give), and
    with all=true those it is not eligible for; each with reasons quoting the clause."""
    from policykg.eligibility.profile import firm_from_graph

    firm = firm_from_graph(matching.find_firm(graph, key))
    return matching.match_firm(firm, rules_of(graph), as_of=as_of, include_ineligible=show_all).to_json(limit)


@router.post("/match", responses=problems(422))
async def match_profile(graph: GraphDep,
                        profile: Annotated[dict[str, Any], Body(description="a firm profile, see /profile-schema")],
                        as_of: AsOf = None, show_all: Annotated[bool, Query(alias="all")] = False,
                        limit: Annotated[int, Query(ge=1, le=5000)] = 50) -> dict[str, Any]:
    """Evaluate a profile without storing it — re-send it with answers to the questions."""
    from policykg.eligibility.profile import firm_from_graph, load_profile
    from policykg.ingest.profiles import profile_to_document

    def run() -> dict[str, Any]:
        doc = profile_to_document(load_profile(profile), source="request")
        node = next(n for n in doc.nodes.values() if n.label == "Enterprise")
        return matching.match_firm(firm_from_graph(node), rules_of(graph), as_of=as_of,
                                   include_ineligible=show_all).to_json(limit)

    return await run_in_threadpool(run)


@router.get("/policies/{key:path}/firms", responses=problems(404, 422))
def policy_firms(graph: GraphDep, key: Annotated[str, Path(description="PolicyDocument id, 文号 or clause id")],
                 as_of: AsOf = None) -> list[dict[str, Any]]:
    """For each clause of the policy, the stored firms it applies to, by status."""
    from policykg.eligibility.profile import firm_from_graph

    firms, offset = [], 0
    while page := graph.list_nodes("Enterprise", limit=1000, offset=offset):
        firms.extend(firm_from_graph(n) for n in page)
        offset += len(page)
    return matching.match_policy(graph, key, firms, rules_of(graph), as_of=as_of)
