"""One root exception; each subclass carries the HTTP status the API answers with.

Domain code raises these and never a web framework's exception; `api.problem` turns
them into `application/problem+json` (RFC 9457).
"""

from __future__ import annotations


class PolicyKGError(Exception):
    """Root of every error this project raises on purpose."""

    status: int = 500
    title: str = "Internal error"

    def __init__(self, detail: str, *, hint: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.detail} ({self.hint})" if self.hint else self.detail


class NotFound(PolicyKGError):
    status = 404
    title = "Not found"


class Conflict(PolicyKGError):
    status = 409
    title = "Conflict"


class InvalidInput(PolicyKGError):
    status = 422
    title = "Invalid input"


class PayloadTooLarge(InvalidInput):
    status = 413
    title = "Payload too large"


class NotAPolicy(InvalidInput):
    """The input was read but is clearly not policy text: empty, binary or control characters,
    program code, a bare table of numbers, no or too little Chinese, or Chinese with no word of
    administrative prose. The detail says which, with the figure behind it."""

    title = "Not a policy document"


class Unauthorized(PolicyKGError):
    status = 401
    title = "Unauthorized"


class BackendUnavailable(PolicyKGError):
    status = 503
    title = "Backend unavailable"
