"""A request body that stops at a size: 413 at once when its Content-Length says it is too large,
else as soon as more arrives than the limit, before it is all read or written to disk (chunked
uploads have no Content-Length to check up front)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import Message

from server.errors import Problem, ProblemCode


def limit_body(request: Request, limit: int) -> Request:
    """The same request, failing with 413 now if it declares more than `limit` bytes, or as soon
    as more than `limit` bytes arrive."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise Problem(413, ProblemCode.TOO_LARGE, limit=limit)
    received = 0

    async def receive() -> Message:
        nonlocal received
        message = await request.receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise Problem(413, ProblemCode.TOO_LARGE, limit=limit)
        return message

    return Request(request.scope, receive)
