"""The one place that knows HTTP statuses: domain errors -> status + Central-style problem code,
rendered as JSON ({"code": 404.1, "message": ..., "details": ...}, the shape pyodk and ruODK
parse) or, on OpenRosa routes, as an OpenRosaResponse XML message.

Central's shape is used rather than {"error": {...}} because existing clients read a numeric
top-level `code`; see notes/odk-api.md section 3.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from enum import Enum

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from converters.errors import ConversionCode, ConversionError, FormError
from storage.errors import StorageCode, StorageError, StorageUnavailable

log = logging.getLogger(__name__)


class ProblemCode(Enum):
    """Errors raised by the server layer itself (authentication, requests)."""

    BAD_REQUEST = "The request is not valid: {reason}"
    MISSING_PARAMETER = "Required parameter {field} missing."
    UNEXPECTED_VALUE = "Unexpected {field} value {value}; {reason}"
    PENDING_SUBMISSIONS = (
        "There are {count} pending submissions. Send convert=true to create their entities "
        "now, or convert=false to leave them without."
    )
    MISSING_MULTIPART_FIELD = "Required multipart POST field {field} missing."
    BAD_OPENROSA_VERSION = "Expected OpenRosa version 1.0, but got {got}."
    AUTH_FAILED = "Could not authenticate with the provided credentials."
    AUTH_REQUIRED = "This resource requires authentication."
    HTTPS_ONLY = "This authentication method is only available over HTTPS."
    FORBIDDEN = "The authenticated actor does not have rights to perform that action."
    EDIT_FORBIDDEN = (
        "Only the app user or web user who sent the submission {instance_id}, or a project "
        "role that may update submissions, can edit it."
    )
    NOT_FOUND = "Could not find the resource you were looking for."
    FORM_CLOSED = "This form is not accepting submissions at this time."
    FORM_WARNINGS = (
        "The form has warnings: {summary}. Fix them, or send ignoreWarnings=true to publish "
        "it anyway."
    )
    TOO_LARGE = "The request body is larger than the {limit} bytes this server accepts."
    BODY_TIMEOUT = (
        "The request body stopped arriving for {seconds} s, so the request was dropped. "
        "Send it again."
    )
    UNSUPPORTED_MEDIA_TYPE = "Unsupported content type {content_type}: {expected}."
    NOT_ACCEPTABLE = "The requested format is not available: {reason}"
    NOT_IMPLEMENTED = "The requested feature {feature} is not supported by this server."
    UNAVAILABLE = "The server cannot handle the request right now: {reason}"
    TOO_MANY_SIGN_INS = (
        "Too many failed sign-in attempts for this account or from this address. "
        "Try again in {minutes} min."
    )


class Problem(Exception):
    """An error raised by a handler, with the HTTP status it stands for."""

    def __init__(self, status: int, code: ProblemCode, **context: object) -> None:
        self.status = status
        self.code = code
        self.context = context
        super().__init__(self.message)

    @property
    def message(self) -> str:
        try:
            return self.code.value.format(**self.context)
        except (KeyError, IndexError):
            return self.code.value


@dataclass(frozen=True, slots=True)
class Rendering:
    status: int
    central_code: float
    message: str
    details: dict[str, object]


# Domain codes -> (HTTP status, Central problem code). Unlisted codes of an error class fall
# back to the class default below.
_CONVERSION = {
    ConversionCode.SUBMISSION_WRONG_FORM: (400, 400.8),
    ConversionCode.SUBMISSION_NO_FORM_ID: (400, 400.2),
    ConversionCode.SUBMISSION_NO_INSTANCE_ID: (400, 400.2),
    ConversionCode.SUBMISSION_BAD_ID: (400, 400.8),
    ConversionCode.SUBMISSION_TOO_MANY_REPEATS: (400, 400.0),
    ConversionCode.UNSUPPORTED_FILE_TYPE: (415, 415.0),
}
_STORAGE = {
    StorageCode.NOT_FOUND: (404, 404.1),
    StorageCode.BLOB_NOT_FOUND: (404, 404.1),
    StorageCode.FORM_NOT_FOUND: (404, 404.1),
    StorageCode.FORM_VERSION_NOT_FOUND: (404, 404.6),
    StorageCode.PROJECT_NOT_FOUND: (404, 404.1),
    StorageCode.USER_NOT_FOUND: (404, 404.1),
    StorageCode.ALREADY_EXISTS: (409, 409.3),
    StorageCode.VERSION_EXISTS: (409, 409.6),
    StorageCode.VERSION_UNCHANGED: (409, 409.6),
    StorageCode.SUBMISSION_EXISTS: (409, 409.1),
    StorageCode.SUBMISSION_DELETED: (409, 409.18),
    StorageCode.DEPRECATED_NOT_FOUND: (404, 404.5),
    StorageCode.EDIT_STALE: (409, 409.9),
    StorageCode.ENTITY_STALE: (409, 409.15),
    StorageCode.ENTITY_EXISTS: (409, 409.3),
    StorageCode.ENTITY_VERSION_NOT_FOUND: (404, 404.9),
    StorageCode.FORM_CLOSED: (409, 409.2),
    StorageCode.DRAFT_NOT_FOUND: (404, 404.1),
    StorageCode.FORM_ID_MISMATCH: (400, 400.8),
    StorageCode.INVALID_NAME: (400, 400.8),
    StorageCode.INVALID_STATE: (400, 400.8),
    StorageCode.INVALID_EMAIL: (400, 400.8),
    StorageCode.UNAVAILABLE: (503, 503.0),
    StorageCode.BLOB_STORE_FULL: (507, 507.0),
}


def render(error: Exception) -> Rendering:
    if isinstance(error, Problem):
        return Rendering(
            error.status,
            _central_code(error.status, error.code),
            error.message,
            dict(error.context),
        )
    if isinstance(error, FormError):
        issues = [asdict(i) for i in error.issues]
        return Rendering(400, 400.15, error.message, {"issues": issues, **_plain(error.context)})
    if isinstance(error, ConversionError):
        status, code = _CONVERSION.get(error.code, (400, 400.0))
        return Rendering(status, code, error.message, _plain(error.context))
    if isinstance(error, StorageError):
        status, code = _STORAGE.get(error.code, (500, 500.0))
        return Rendering(status, code, error.message, _plain(error.context))
    if isinstance(error, HTTPException):
        return Rendering(error.status_code, float(error.status_code), str(error.detail), {})
    return Rendering(500, 500.1, "An internal error occurred; it has been logged.", {})


def _central_code(status: int, code: ProblemCode) -> float:
    """Central's problem code: the status, plus a decimal that names the case."""
    minors = {
        ProblemCode.MISSING_PARAMETER: 2,
        ProblemCode.UNEXPECTED_VALUE: 8,
        ProblemCode.PENDING_SUBMISSIONS: 29,
        ProblemCode.BAD_OPENROSA_VERSION: 6,
        ProblemCode.MISSING_MULTIPART_FIELD: 7,
        ProblemCode.FORM_WARNINGS: 16,
        ProblemCode.AUTH_FAILED: 2,
        ProblemCode.HTTPS_ONLY: 3,
        ProblemCode.FORM_CLOSED: 2,
        ProblemCode.NOT_FOUND: 1,
        ProblemCode.FORBIDDEN: 1,
        ProblemCode.EDIT_FORBIDDEN: 1,
    }
    minor = minors.get(code, 0)
    return round(status + minor / (100 if minor >= 10 else 10), 2)


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
    if (
        rendering.status == 500
        and getattr(request.app.state, "settings", None) is not None
        and request.app.state.settings.debug
    ):
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
    Problem: json_error,
    ConversionError: json_error,
    StorageError: json_error,
    HTTPException: json_error,
    Exception: json_error,
}
