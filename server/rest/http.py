"""Small helpers every REST endpoint uses: reading JSON bodies and Central's boolean flags."""

from __future__ import annotations

import json
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote, unquote

from starlette.requests import Request
from starlette.responses import JSONResponse

from server.body_limit import limit_body
from server.errors import Problem, ProblemCode

MAX_JSON_BYTES = 1_000_000
Spool = tempfile.SpooledTemporaryFile[bytes]


async def bounded_body(request: Request, limit: int) -> bytes:
    """The whole body in memory, or 413 as soon as it passes `limit` bytes."""
    return b"".join([chunk async for chunk in limit_body(request, limit).stream()])


async def json_body(request: Request) -> dict[str, object]:
    raw = await bounded_body(request, MAX_JSON_BYTES)
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError) as error:
        raise Problem(ProblemCode.BAD_REQUEST, reason=f"the body is not JSON: {error}") from error
    if not isinstance(body, dict):
        raise Problem(ProblemCode.BAD_REQUEST, reason="the body must be a JSON object")
    return body


def text_field(body: dict[str, object], name: str, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise Problem(ProblemCode.MISSING_PARAMETER, field=name)
        return None
    if not isinstance(value, str):
        raise Problem(ProblemCode.BAD_REQUEST, reason=f"'{name}' must be a string")
    return value.strip()


def flag(request: Request, name: str, default: bool = False) -> bool:
    """pyodk sends Python booleans as `True`/`False`; Central compares case-insensitively."""
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("true", "1", "yes")


def page(request: Request, maximum: int = 10_000) -> tuple[int | None, int]:
    """Central's `?limit=&offset=`; empty values mean absent (ruODK sends them empty)."""
    try:
        limit = int(request.query_params["limit"]) if request.query_params.get("limit") else None
        offset = int(request.query_params.get("offset") or 0)
    except ValueError as error:
        raise Problem(
            ProblemCode.BAD_REQUEST, reason="limit and offset must be whole numbers"
        ) from error
    if (limit is not None and limit < 0) or offset < 0:
        raise Problem(ProblemCode.BAD_REQUEST, reason="limit and offset cannot be negative")
    return (min(limit, maximum) if limit is not None else None), offset


def ok() -> JSONResponse:
    return JSONResponse({"success": True})


def attachment_header(file_name: str) -> dict[str, str]:
    """Content-Disposition for a download named after a form or a list. Header values are
    Latin-1 on the wire, and a form ID may be any text: `filename` gets an ASCII stand-in
    (no quote, backslash or control character), `filename*` the real name (RFC 6266)."""
    ascii_name = "".join(c if " " <= c < "\x7f" and c not in '"\\' else "_" for c in file_name)
    return {
        "Content-Disposition": (
            f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name, safe='')}"
        )
    }


def form_id_fallback(request: Request) -> str | None:
    """Central's X-XlsForm-FormId-Fallback: the form ID for an XLSForm that names none (pyodk
    sends the file's name, URL-quoted)."""
    header = request.headers.get("x-xlsform-formid-fallback")
    return unquote(header) if header else None


@asynccontextmanager
async def spooled_body(request: Request, limit: int) -> AsyncIterator[Spool]:
    """The request body (pyodk sends files chunked) in a temporary file that stays in memory up
    to 1 MB, rewound; 413 as soon as it passes `limit` bytes."""
    with tempfile.SpooledTemporaryFile(max_size=1 << 20) as spool:
        async for chunk in limit_body(request, limit).stream():
            spool.write(chunk)
        spool.seek(0)
        yield spool
