"""Every error the API answers with is `application/problem+json` (RFC 9457).

Domain code raises `PolicyKGError` subclasses, which carry their HTTP status; the handlers
here are the only place that turns an exception into a response. Besides those, request
validation errors (422), unknown routes and methods (404/405) and anything unexpected (500,
without a stack trace) are answered in the same shape.
"""

from __future__ import annotations

import json
import logging
import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from policykg.core.errors import PolicyKGError, Unauthorized

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://w3id.org/policykg/problems/"

log = logging.getLogger("policykg.api")


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON

    def render(self, content: Any) -> bytes:
        # Details quote Chinese ids and titles; keep them readable.
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def problem_type(name: str) -> str:
    """A stable problem type URI from an exception class name: NotAPolicy → …/not-a-policy."""
    return PROBLEM_BASE + re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def problem(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    type_: str = "about:blank",
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> ProblemResponse:
    """A problem+json response. With the default type ``about:blank`` the title is the
    status phrase, as RFC 9457 asks."""
    body: dict[str, Any] = {
        "type": type_,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extensions.items() if v is not None})
    return ProblemResponse(body, status_code=status, headers=headers)


async def handle_policykg_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, PolicyKGError)
    headers = None
    if isinstance(exc, Unauthorized):
        # RFC 9110 wants a challenge with every 401; there is no registered scheme for API keys.
        headers = {"WWW-Authenticate": 'APIKey header="X-API-Key"'}
    if exc.status >= 500:
        log.warning("%s %s → %s: %s", request.method, request.url.path, exc.status, exc)
    return problem(
        exc.status,
        exc.detail,
        title=exc.title,
        type_=problem_type(type(exc).__name__),
        instance=request.url.path,
        headers=headers,
        hint=exc.hint,
    )


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


async def handle_validation_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    # Only location, message and type: `input` and `ctx` may hold anything, even exceptions.
    errors = [{"location": _location(e.get("loc", ())), "message": e.get("msg", ""), "type": e.get("type", "")}
              for e in exc.errors()]
    detail = "; ".join(f"{e['location']}: {e['message']}" for e in errors) or "the request is not valid"
    return problem(
        422,
        detail,
        title="Invalid request",
        type_=problem_type("InvalidRequest"),
        instance=request.url.path,
        errors=errors,
    )


async def handle_http_exception(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404 and exc.detail == HTTPStatus.NOT_FOUND.phrase:
        detail = f"no route {request.method} {request.url.path}"
        hint = "the routes are listed at /docs"
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
        hint = None
    else:
        detail, hint = str(exc.detail), None
    return problem(exc.status_code, detail, instance=request.url.path, headers=exc.headers, hint=hint)


def _internal_error(path: str) -> ProblemResponse:
    return problem(500, "an unexpected error occurred; the server log has the details",
                   title="Internal error", instance=path)


class UnexpectedErrorMiddleware:
    """Answers an unexpected exception with a 500 problem and logs the traceback.

    Starlette's own 500 handler re-raises after responding, and uvicorn then drops the
    connection under a client that may be about to reuse it; here the exception stops.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_tracking)
        except Exception as exc:
            if started:  # too late for a problem document; the server closes the connection
                raise
            log.error("unhandled error on %s %s", scope.get("method"), scope.get("path"), exc_info=exc)
            await _internal_error(scope.get("path", ""))(scope, receive, send)


async def handle_unexpected(request: Request, exc: Exception) -> ProblemResponse:
    # Reached only for errors outside UnexpectedErrorMiddleware; Starlette re-raises after
    # this response, so the server logs the traceback. The client never sees it.
    return _internal_error(request.url.path)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(PolicyKGError, handle_policykg_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_exception)
    app.add_exception_handler(Exception, handle_unexpected)
    app.add_middleware(UnexpectedErrorMiddleware)
