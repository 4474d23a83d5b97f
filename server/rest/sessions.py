"""Sessions and the current user: POST /v1/sessions, DELETE /v1/sessions/current,
DELETE /v1/sessions/{token}, GET /v1/sessions/restore, GET /v1/users/current."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.accounts.keys import token_hash
from server.accounts.sign_in import client_address, sign_in
from server.auth import SESSION_COOKIE, authenticate, session_actor
from server.body_limit import allow_body
from server.errors import Problem, ProblemCode
from server.rest.http import json_body, ok, text_field
from server.rest.shapes import actor_json, iso
from server.services import services
from storage.accounts.access import SessionRecord, delete_session
from storage.accounts.sessions import end_session, session_owner
from storage.audit import record
from storage.db import transaction


async def create(request: Request) -> Response:
    allow_body(request)  # signing in is open to anyone: a small JSON body (MAX_JSON_BYTES)
    body = await json_body(request)
    email = text_field(body, "email")
    password = body.get("password")
    if not isinstance(password, str) or not password:
        raise Problem(ProblemCode.MISSING_PARAMETER, field="password")
    return await run_in_threadpool(_create, request, email or "", password)


def _create(request: Request, email: str, password: str) -> JSONResponse:
    token, session = sign_in(
        services(request),
        email,
        password,
        client_address(request.scope),
        request.headers.get("user-agent"),
    )
    return JSONResponse(_session_json(token, session))


def _session_json(token: str, session: SessionRecord) -> dict[str, object]:
    return {
        "token": token,
        "csrf": session.csrf,
        "expiresAt": iso(session.expires_at),
        "createdAt": iso(session.created_at),
    }


def restore(request: Request) -> Response:
    """Central's GET /v1/sessions/restore: the session of the web interface's cookie (GET
    only, so another site cannot read it), 404 when there is none."""
    token = request.cookies.get(SESSION_COOKIE, "")
    with transaction(services(request).engine, read_only=True) as connection:
        found = session_actor(connection, request, token) if token else None
    if found is None:
        raise Problem(ProblemCode.NOT_FOUND)
    return JSONResponse(_session_json(token, found[1]))


def delete_one(request: Request) -> Response:
    """Central's DELETE /v1/sessions/{token}: the session's own user, or an administrator."""
    state = services(request)
    hashed = token_hash(request.path_params["token"])
    with transaction(state.engine) as connection:
        caller = authenticate(connection, request)
        if caller.actor is None:
            raise Problem(ProblemCode.AUTH_REQUIRED)
        if caller.actor.type != "user":  # app users and public links hold no session
            raise Problem(ProblemCode.FORBIDDEN)
        owner = session_owner(connection, hashed)
        if owner is None:
            raise Problem(ProblemCode.NOT_FOUND)
        if owner != caller.actor.id and not caller.actor.is_admin:
            raise Problem(ProblemCode.FORBIDDEN)
        end_session(connection, hashed)
        record(
            connection,
            actor_id=caller.actor.id,
            action="user.session.end",
            actee_type="user",
            actee_id=owner,
            now=state.clock(),
        )
    return ok()


def delete_current(request: Request) -> Response:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if "baobab.key" in request.scope:  # an app user holds a key, not a session to end
        raise Problem(ProblemCode.FORBIDDEN)
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(ProblemCode.AUTH_REQUIRED)
    with transaction(services(request).engine) as connection:
        if not delete_session(connection, token_hash(token.strip())):
            raise Problem(ProblemCode.AUTH_FAILED)
    return ok()


def current_user(request: Request) -> Response:
    with transaction(services(request).engine, read_only=True) as connection:
        caller = authenticate(connection, request)
    if caller.actor is None:
        raise Problem(ProblemCode.AUTH_REQUIRED)
    return JSONResponse(actor_json(caller.actor))


ROUTES = [
    Route("/v1/sessions", create, methods=["POST"]),
    Route("/v1/sessions/current", delete_current, methods=["DELETE"]),
    Route("/v1/sessions/restore", restore, methods=["GET"]),
    Route("/v1/sessions/{token}", delete_one, methods=["DELETE"]),
    Route("/v1/users/current", current_user),
]
