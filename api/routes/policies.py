"""The other direction of eligibility: a policy → the stored firms each of its clauses applies to."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from policykg.api.deps import GraphDep
from policykg.api.params import AsOf
from policykg.api.rules_cache import rules_of
from policykg.api.schema import problems
from policykg.app import matching

router = APIRouter(tags=["eligibility"])


@router.get("/policies/{key:path}/firms", responses=problems(404, 422))
def policy_firms(graph: GraphDep, key: Annotated[str, Path(description="PolicyDocument id, 文号 or clause id")],
                 as_of: AsOf = None) -> list[dict[str, Any]]:
    """For each clause of the policy, the stored firms it applies to, by status."""
    return matching.match_policy(graph, key, matching.stored_firms(graph), rules_of(graph), as_of=as_of)
