"""Errors as HTTP answers. Every coded error (converters/errors.py's CodedError) carries a code
that implies its HTTP status and its Central-style problem code; it is rendered as JSON
({"code": 404.1, "message": ..., "details": ...}, the shape pyodk and ruODK parse) or, on
OpenRosa routes, as an OpenRosaResponse XML message.

Central's shape is used rather than {"error": {...}} because existing clients read a numeric
top-level `code`; see notes/odk-api.md section 3.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from enum import unique

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from converters.errors import CodedError, ErrorCode, FormError
from server.services import Services
from storage.errors import StorageUnavailable

log = logging.getLogger(__name__)


@unique
class ProblemCode(ErrorCode):
    """Errors raised by the server layer itself (authentication, requests)."""

    BAD_REQUEST = (400.0, "The request is not valid: {reason}")
    # The same message as BAD_REQUEST, for a request that is well-formed but clashes with what
    # is stored (409) or comes too often (429).
    CONFLICT = (409.0, "The request is not valid: {reason}")
    TOO_MANY_REQUESTS = (429.0, "The request is not valid: {reason}")
    MISSING_PARAMETER = (400.2, "Required parameter {field} missing.")
    UNEXPECTED_VALUE = (400.8, "Unexpected {field} value {value}; {reason}")
    PENDING_SUBMISSIONS = (
        400.29,
        "There are {count} pending submissions. Send convert=true to create their entities "
        "now, or convert=false to leave them without.",
    )
    MISSING_MULTIPART_FIELD = (400.7, "Required multipart POST field {field} missing.")
    BAD_OPENROSA_VERSION = (400.6, "Expected OpenRosa version 1.0, but got {got}.")
    AUTH_FAILED = (401.2, "Could not authenticate with the provided credentials.")
    AUTH_REQUIRED = (401.0, "This resource requires authentication.")
    HTTPS_ONLY = (401.3, "This authentication method is only available over HTTPS.")
    FORBIDDEN = (403.1, "The authenticated actor does not have rights to perform that action.")
    EDIT_FORBIDDEN = (
        403.1,
        "Only the app user or web user who sent the submission {instance_id}, or a project "
        "role that may update submissions, can edit it.",
    )
    NOT_FOUND = (404.1, "Could not find the resource you were looking for.")
    FORM_WARNINGS = (
        400.16,
        "The form has warnings: {summary}. Fix them, or send ignoreWarnings=true to publish "
        "it anyway.",
    )
    TOO_LARGE = (413.0, "The request body is larger than the {limit} bytes this server accepts.")
    BODY_TIMEOUT = (
        408.0,
        "The request body stopped arriving for {seconds} s, so the request was dropped. "
        "Send it again.",
    )
    UNSUPPORTED_MEDIA_TYPE = (400.0, "Unsupported content type {content_type}: {expected}.")
    NOT_ACCEPTABLE = (406.0, "The requested format is not available: {reason}")
    NOT_IMPLEMENTED = (501.0, "The requested feature {feature} is not supported by this server.")
    TOO_MANY_SIGN_INS = (
        429.0,
        "Too many failed sign-in attempts for this account or from this address. "
        "Try again in {minutes} min.",
    )


class Problem(CodedError):
    """An error raised by a handler; its code implies the HTTP status."""

    code: ProblemCode

    def __init__(self, code: ProblemCode, **context: object) -> None:
        super().__init__(code, **context)


@dataclass(frozen=True, slots=True)
class Rendering:
    status: int
    central_code: float
    message: str
    details: dict[str, object]


def render(error: Exception) -> Rendering:
    """Status, Central code and message, read from the error's code; the details are its
    context (and, for a form, the located issues)."""
    if isinstance(error, Problem):
        return Rendering(error.status, error.code.central, error.message, dict(error.context))
    if isinstance(error, FormError):
        issues = [asdict(i) for i in error.issues]
        details = {"issues": issues, **_plain(error.context)}
        return Rendering(error.status, error.code.central, error.message, details)
    if isinstance(error, CodedError):
        return Rendering(error.status, error.code.central, error.message, _plain(error.context))
    if isinstance(error, HTTPException):
        return Rendering(error.status_code, float(error.status_code), str(error.detail), {})
    return Rendering(500, 500.1, "An internal error occurred; it has been logged.", {})


def _plain(context: dict[str, object]) -> dict[str, object]:
    return {
        k: v if isinstance(v, str | int | float | bool | None) else str(v)
        for k, v in context.items()
    }


async def json_error(request: Request, error: Exception) -> Response:
    rendering = render(error)
    if rendering.status >= 500:
        log_server_error(request, error, rendering)
    body: dict[str, object] = {"code": rendering.central_code, "message": rendering.message}
    if rendering.details:
        body["details"] = rendering.details
    running = getattr(request.app.state, "services", None)  # None before the lifespan ran
    if rendering.status == 500 and isinstance(running, Services) and running.settings.debug:
        body["details"] = {"exception": repr(error)}
    return JSONResponse(body, status_code=rendering.status, headers=retry_after(rendering))


def retry_after(rendering: Rendering) -> dict[str, str] | None:
    """When to try again: after a few seconds for an outage, or when a rate limit lifts."""
    if rendering.status == 503:
        return {"Retry-After": "5"}
    if rendering.status == 429:
        return {"Retry-After": str(rendering.details.get("retry_after", 60))}
    return None


def log_server_error(request: Request, error: Exception, rendering: Rendering) -> None:
    if isinstance(error, StorageUnavailable):
        log.warning("%s %s: %s", request.method, request.url.path, error)
    elif rendering.status == 500:
        log.error("%s %s failed", request.method, request.url.path, exc_info=error)


EXCEPTION_HANDLERS = {
    CodedError: json_error,
    HTTPException: json_error,
    Exception: json_error,
}
