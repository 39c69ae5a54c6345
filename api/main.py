"""The HTTP API: upload documents, search, browse entities and export the graph.

Run it with ``policykg serve`` (``uvicorn policykg.api.main:create_app --factory``); the OpenAPI
document is at /docs. Errors are `application/problem+json` (see `api.problem`).

Authentication: uploads need the header ``X-API-Key`` equal to ``POLICYKG_API_KEY``. When no
key is configured, uploads are switched off and ``POST /documents`` answers 403 - a state of
the deployment, not an outage, so not 503 (which monitors page on and clients retry). Reads
are open; a caller that sends a valid key also sees personal data (see `api.privacy`), a
caller that sends a wrong key gets 401 rather than silently less.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI

from policykg.api.deps import Stores
from policykg.api.problem import install_problem_handlers
from policykg.api.routes import documents, entities, export, firms, meta, policies, search
from policykg.core.settings import Settings, get_settings


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
    # In this order the OpenAPI document lists the paths, and /docs its tags.
    for routes in (meta, documents, search, entities, export, firms, policies):
        app.include_router(routes.router)
    return app
