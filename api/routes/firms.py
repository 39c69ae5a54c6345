"""「我能申请哪些政策？」: firm profiles in, ranked clauses with reasons and questions out; a
firm's answers to the questions in.

The schema of a profile is here too (``/profile-schema``), beside the routes that take one.
Answers are checked against the questions the loaded clauses ask (`matching.known_questions`):
a bad one is a 422 naming the question, and nothing of its request is stored.
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
from policykg.eligibility.profile import firm_from_graph, profile_json_schema

router = APIRouter(tags=["eligibility"])


@router.get("/profile-schema", responses=problems(422))
def profile_schema() -> dict[str, Any]:
    """The JSON Schema of a firm profile (POST /firms, POST /match)."""
    return profile_json_schema()


@router.post("/firms", status_code=201, dependencies=[Depends(require_api_key)],
             responses=problems(401, 403, 422, 503))
def put_firm(settings: SettingsDep, graph: GraphDep, index: IndexDep,
             profile: Annotated[dict[str, Any], Body(description="a firm profile, see /profile-schema")]) -> JSONResponse:
    """Store one firm's profile (qualifications, yearly figures, patents, answers …); replaces its
    older profile."""
    result = matching.store_profile(graph, index, profile, known=matching.known_questions(rules_of(graph)),
                                    source="api", max_bytes=settings.max_file_bytes)
    forget_rules(graph)
    status = 200 if result.outcome == WriteOutcome.UNCHANGED.value else 201
    return JSONResponse(result.to_json(), status_code=status)


AnswersBody = Annotated[dict[str, Any], Body(
    description="question id → answer, as the questions of a match ask (see `answers` in /profile-schema)",
    examples=[{"open:设备投资额": 320, "qualification:高新技术企业": False, "registered_place": "浙江省嘉兴市南湖区"}])]
FirmKey = Annotated[str, Path(description="统一社会信用代码 or firm name")]


@router.put("/firms/{key}/answers", dependencies=[Depends(require_api_key)],
            responses=problems(401, 403, 404, 422, 503))
def put_answers(settings: SettingsDep, graph: GraphDep, index: IndexDep, key: FirmKey, answers: AnswersBody,
                on: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$",
                                                description="the date the answers hold from (default today)")] = None,
                ) -> dict[str, Any]:
    """Store a stored firm's answers to the questions of its matches, replacing the answers stored
    before (`{}` removes them); each becomes a fact with source `answer`. One bad answer (unknown
    question id, wrong type, a negative amount) is a 422 naming it, and nothing is stored."""
    out = matching.store_answers(graph, index, key, answers, known=matching.known_questions(rules_of(graph)),
                                 on=on, max_bytes=settings.max_file_bytes)
    forget_rules(graph)
    return out


@router.get("/firms/{key}/answers", dependencies=[Depends(require_api_key)], responses=problems(401, 403, 404))
def get_answers(graph: GraphDep, key: FirmKey) -> dict[str, Any]:
    """A stored firm's answers (those stored here and those of its profile), in the questions' units."""
    firm = firm_from_graph(matching.find_firm(graph, key))
    return {"firm": {"credit_code": firm.credit_code, "name": firm.name}, "answers": matching.stored_answers(firm)}


@router.get("/firms/{key}/matches", responses=problems(404, 422))
def firm_matches(graph: GraphDep, key: FirmKey,
                 as_of: AsOf = None, show_all: Annotated[bool, Query(alias="all")] = False,
                 limit: Annotated[int, Query(ge=1, le=5000, description="results shown, best first")] = 50,
                 ) -> JSONResponse:
    """The clauses a stored firm is eligible for, those still unknown, and with all=true those it
    is not eligible for; each with reasons quoting the clause. `questions` (with their `id`s, to
    answer with PUT /firms/{key}/answers) are what would settle the unknown ones, most useful first."""
    # Not matching.firm_of: that also reads a *.json path, which a caller must not name on the server.
    firm = firm_from_graph(matching.find_firm(graph, key))
    answer = matching.match_firm(firm, rules_of(graph), as_of=as_of, include_ineligible=show_all)
    # The answer is plain JSON already: written out once, not validated and re-encoded as a model.
    return JSONResponse(answer.to_json(limit))


@router.post("/match", responses=problems(422))
async def match_profile(graph: GraphDep,
                        profile: Annotated[dict[str, Any], Body(description="a firm profile, see /profile-schema")],
                        as_of: AsOf = None, show_all: Annotated[bool, Query(alias="all")] = False,
                        limit: Annotated[int, Query(ge=1, le=5000)] = 50) -> JSONResponse:
    """Evaluate a profile without storing it — re-send it with `answers` (question id → answer)
    to the `questions` it returns."""

    def run() -> dict[str, Any]:
        rules = rules_of(graph)
        firm = matching.profile_firm(profile, source="request", known=matching.known_questions(rules), on=as_of)
        return matching.match_firm(firm, rules, as_of=as_of, include_ineligible=show_all).to_json(limit)

    return JSONResponse(await run_in_threadpool(run))
