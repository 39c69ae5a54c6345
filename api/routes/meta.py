"""Whether the service is up."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from policykg.api.deps import GraphDep
from policykg.api.schema import Health, problems

router = APIRouter()


@router.get("/health", response_model=Health, tags=["meta"], responses=problems(503))
def health(graph: GraphDep) -> dict[str, Any]:
    """Whether the stores answer, and how much they hold."""
    return {"status": "ok", "counts": graph.counts()}
