"""What every OpenRosa exchange shares: its headers, and errors as OpenRosaResponse XML.

ODK Collect checks for X-OpenRosa-Version and a text/xml content type on every reply, and
shows the <message> of an error to the enumerator, so errors here are never JSON.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from server.errors import Problem, ProblemCode, log_server_error, render, retry_after
from server.openrosa.documents import XML_CONTENT_TYPE, openrosa_response
from server.services import services

Endpoint = Callable[[Request], Awaitable[Response]]


def openrosa_headers(request: Request) -> dict[str, str]:
    return {
        "X-OpenRosa-Version": "1.0",
        "X-OpenRosa-Accept-Content-Length": str(services(request).settings.max_submission_size),
        "Content-Language": "en",
    }


def require_openrosa_version(request: Request) -> None:
    """Central answers 400 when the header is missing or not 1.0 (formList, manifest,
    submission); Collect and Enketo always send it. Form and media downloads do not check."""
    got = request.headers.get("x-openrosa-version")
    if got is None or got.strip() != "1.0":
        raise Problem(ProblemCode.BAD_OPENROSA_VERSION, got=got or "nothing")


def xml_response(body: bytes, request: Request, status: int = 200) -> Response:
    return Response(
        body, status_code=status, media_type=XML_CONTENT_TYPE, headers=openrosa_headers(request)
    )


def openrosa_endpoint(func: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    """Add the OpenRosa headers to an endpoint's replies and turn any error into OpenRosa XML.
    Endpoints are async and hand database work to the thread pool themselves."""

    @functools.wraps(func)
    async def endpoint(request: Request) -> Response:
        try:
            response = await func(request)
        except Exception as error:  # every failure must reach Collect as XML
            response = openrosa_error(request, error)
        for name, value in openrosa_headers(request).items():
            response.headers.setdefault(name, value)
        return response

    return endpoint


def openrosa_error(request: Request, error: Exception) -> Response:
    rendering = render(error)
    if rendering.status >= 500:
        log_server_error(request, error, rendering)
    response = xml_response(
        openrosa_response(rendering.message, error=True), request, rendering.status
    )
    if rendering.status == 401 and "baobab.key" not in request.scope:
        # Collect sends a password only after a challenge (and Basic only over HTTPS).
        response.headers["WWW-Authenticate"] = 'Basic realm="Baobab", charset="UTF-8"'
    response.headers.update(retry_after(rendering) or {})
    return response
