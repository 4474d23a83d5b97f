"""Reading a request body, the one way the server does it: only once the caller has been
authorised for what the body is for (`server.auth.authorize`), within a size (413 at once when
Content-Length says it is too large, else as soon as more arrives) and without long pauses
(408 when the body stops arriving for BAOBAB_BODY_TIMEOUT seconds). Until then nothing is read,
so a stranger's 100 MB upload costs the server nothing but the refusal."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.types import Message

from server.errors import Problem, ProblemCode
from server.services import services

BODY_ALLOWED = "baobab.body_allowed"  # the scope key `allow_body` sets


def allow_body(request: Request) -> None:
    """Mark the request's body as readable: its caller has been checked (or the route, such
    as signing in, is open to anyone and reads a small body)."""
    request.scope[BODY_ALLOWED] = True


def limit_body(request: Request, limit: int) -> Request:
    """The same request, failing with 413 now if it declares more than `limit` bytes, or as soon
    as more than `limit` bytes arrive, and with 408 when the body pauses too long."""
    if not request.scope.get(BODY_ALLOWED):
        # A programming error, not the client's: every route that takes a body authorises its
        # caller first (a test sends every such route a body it must not read).
        raise RuntimeError(f"{request.url.path}: body read before the caller was authorised")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise Problem(ProblemCode.TOO_LARGE, limit=limit)
    timeout = services(request).settings.body_timeout
    received, complete = 0, False

    async def receive() -> Message:
        nonlocal received, complete
        if complete:  # only the disconnect is left to wait for, however long it takes
            return await request.receive()
        try:
            message = await asyncio.wait_for(request.receive(), timeout)
        except TimeoutError:
            raise Problem(ProblemCode.BODY_TIMEOUT, seconds=timeout) from None
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            complete = not message.get("more_body", False)
            if received > limit:
                raise Problem(ProblemCode.TOO_LARGE, limit=limit)
        return message

    return Request(request.scope, receive)
