"""「我能申请哪些政策？」: firm profiles in, ranked clauses with reasons out.

The schema of a profile is here too (``/profile-schema``), beside the routes that take one.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from policykg.api.deps import GraphDep, IndexDep, SettingsDep, require_api_key
from policykg.api.params import AsOf
from policykg.api.rules_cache import forget_rules, rules_of
from policykg.api.schema import problems
from policykg.app import matching
from policykg.core.model import WriteOutcome
from policykg.eligibility.profile import firm_from_graph, load_profile, profile_json_schema
from policykg.ingest.pipeline import Ingestor
from policykg.ingest.profiles import profile_to_document

router = APIRouter(tags=["eligibility"])


@router.get("/profile-schema", responses=problems(422))
def profile_schema() -> dict[str, Any]:
    """The JSON Schema of a firm profile (POST /firms, POST /match)."""
    return profile_json_schema()


@router.post("/firms", status_code=201, dependencies=[Depends(require_api_key)],
             responses=problems(401, 403, 422, 503))
def put_firm(settings: SettingsDep, graph: GraphDep, index: IndexDep,
             profile: Annotated[dict[str, Any], Body(description="a firm profile, see /profile-schema")]) -> JSONResponse:
    """Store one firm's profile (qualifications, yearly figures, patents …); replaces its older profile."""
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
    # Not matching.firm_of: that also reads a *.json path, which a caller must not name on the server.
    firm = firm_from_graph(matching.find_firm(graph, key))
    return matching.match_firm(firm, rules_of(graph), as_of=as_of, include_ineligible=show_all).to_json(limit)


@router.post("/match", responses=problems(422))
async def match_profile(graph: GraphDep,
                        profile: Annotated[dict[str, Any], Body(description="a firm profile, see /profile-schema")],
                        as_of: AsOf = None, show_all: Annotated[bool, Query(alias="all")] = False,
                        limit: Annotated[int, Query(ge=1, le=5000)] = 50) -> dict[str, Any]:
    """Evaluate a profile without storing it — re-send it with answers to the questions."""

    def run() -> dict[str, Any]:
        firm = matching.profile_firm(profile, source="request")
        return matching.match_firm(firm, rules_of(graph), as_of=as_of,
                                   include_ineligible=show_all).to_json(limit)

    return await run_in_threadpool(run)
