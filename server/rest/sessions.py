"""Sessions and the current user: POST /v1/sessions, DELETE /v1/sessions/current,
GET /v1/users/current."""

from __future__ import annotations

import secrets
from datetime import timedelta

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.auth import authenticate
from server.errors import Problem, ProblemCode
from server.keys import new_token, token_hash
from server.passwords import verify_password
from server.rest.http import json_body, ok, text_field
from server.rest.shapes import actor_json, iso
from storage.access import create_session, delete_session
from storage.audit import record
from storage.db import transaction
from storage.users import find_user_by_email


async def create(request: Request) -> Response:
    body = await json_body(request)
    email = text_field(body, "email")
    password = body.get("password")
    if not isinstance(password, str) or not password:
        raise Problem(400, ProblemCode.MISSING_PARAMETER, field="password")
    return await run_in_threadpool(_create, request, email or "", password)


def _create(request: Request, email: str, password: str) -> JSONResponse:
    state = request.app.state
    with transaction(state.engine) as connection:
        user = find_user_by_email(connection, email)
        if not verify_password(user.password_hash if user else None, password) or user is None:
            raise Problem(401, ProblemCode.AUTH_FAILED)
        token, now = new_token(), state.clock()
        session = create_session(
            connection,
            actor_id=user.id,
            token_hash=token_hash(token),
            csrf=secrets.token_urlsafe(32),
            now=now,
            expires_at=now + timedelta(hours=state.settings.session_hours),
        )
        record(
            connection,
            actor_id=user.id,
            action="user.session.create",
            actee_type="user",
            actee_id=user.id,
            now=now,
        )
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
