"""Sessions and the current user: POST /v1/sessions, DELETE /v1/sessions/current,
GET /v1/users/current."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.auth import authenticate
from server.body_limit import allow_body
from server.errors import Problem, ProblemCode
from server.keys import token_hash
from server.rest.http import json_body, ok, text_field
from server.rest.shapes import actor_json, iso
from server.sign_in import client_address, sign_in
from storage.access import delete_session
from storage.db import transaction


async def create(request: Request) -> Response:
    allow_body(request)  # signing in is open to anyone: a small JSON body (MAX_JSON_BYTES)
    body = await json_body(request)
    email = text_field(body, "email")
    password = body.get("password")
    if not isinstance(password, str) or not password:
        raise Problem(400, ProblemCode.MISSING_PARAMETER, field="password")
    return await run_in_threadpool(_create, request, email or "", password)


def _create(request: Request, email: str, password: str) -> JSONResponse:
    token, session = sign_in(request.app.state, email, password, client_address(request.scope))
    return JSONResponse(
        {
            "token": token,
            "csrf": session.csrf,
            "expiresAt": iso(session.expires_at),
            "createdAt": iso(session.created_at),
        }
    )


def delete_current(request: Request) -> Response:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if "baobab.key" in request.scope:  # an app user holds a key, not a session to end
        raise Problem(403, ProblemCode.FORBIDDEN)
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(401, ProblemCode.AUTH_REQUIRED)
    with transaction(request.app.state.engine) as connection:
        if not delete_session(connection, token_hash(token.strip())):
            raise Problem(401, ProblemCode.AUTH_FAILED)
    return ok()


def current_user(request: Request) -> Response:
    with transaction(request.app.state.engine, read_only=True) as connection:
        caller = authenticate(connection, request)
    if caller.actor is None:
        raise Problem(401, ProblemCode.AUTH_REQUIRED)
    return JSONResponse(actor_json(caller.actor))


ROUTES = [
    Route("/v1/sessions", create, methods=["POST"]),
    Route("/v1/sessions/current", delete_current, methods=["DELETE"]),
    Route("/v1/users/current", current_user),
]
