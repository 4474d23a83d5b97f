"""Accounts over REST, as Central: PATCH and DELETE /v1/users/{id}, PUT /v1/users/{id}/password,
POST /v1/users/reset/initiate and /v1/users/reset/verify (server/accounts/actions.py does the
work)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.accounts import actions as accounts
from server.accounts.keys import token_hash
from server.accounts.sign_in import client_address
from server.auth import Caller, authenticate
from server.body_limit import allow_body
from server.errors import Problem, ProblemCode
from server.rest.http import flag, json_body, ok, text_field
from server.rest.shapes import actor_json
from server.services import services
from storage.accounts.access import ActorRecord, load_actor
from storage.accounts.users import get_user
from storage.db import transaction
from storage.errors import NotFound, StorageCode


def _caller(request: Request) -> Caller:
    with transaction(services(request).engine, read_only=True) as connection:
        return authenticate(connection, request)


def _self_or_admin(caller: Caller, user_id: int) -> ActorRecord:
    """Central's user.update / user.password.change: the user themself, or an administrator."""
    actor = caller.actor
    if actor is None:
        raise Problem(ProblemCode.AUTH_REQUIRED)
    if actor.type != "user" or (actor.id != user_id and not actor.is_admin):
        raise Problem(ProblemCode.FORBIDDEN)
    return actor


def _admin(caller: Caller) -> ActorRecord:
    if caller.actor is None:
        raise Problem(ProblemCode.AUTH_REQUIRED)
    if not caller.actor.is_admin:
        raise Problem(ProblemCode.FORBIDDEN)
    return caller.actor


async def update(request: Request) -> Response:
    user_id = int(request.path_params["user_id"])
    by = _self_or_admin(await run_in_threadpool(_caller, request), user_id)
    allow_body(request)
    body = await json_body(request)
    name = text_field(body, "displayName", required=False)
    email = text_field(body, "email", required=False)
    return await run_in_threadpool(_update, request, user_id, by.id, name, email)


def _update(
    request: Request, user_id: int, by: int, name: str | None, email: str | None
) -> Response:
    accounts.update(services(request), user_id, by=by, display_name=name, email=email)
    return _user_json(request, user_id)


def _user_json(request: Request, user_id: int) -> Response:
    with transaction(services(request).engine, read_only=True) as connection:
        get_user(connection, user_id)  # 404 for a deleted user
        found = load_actor(connection, user_id)
    if found is None:
        raise NotFound(StorageCode.USER_NOT_FOUND, user=user_id)
    return JSONResponse(actor_json(found))


def delete(request: Request) -> Response:
    user_id = int(request.path_params["user_id"])
    by = _admin(_caller(request))
    accounts.delete(services(request), user_id, by=by.id)
    return ok()


async def change_password(request: Request) -> Response:
    user_id = int(request.path_params["user_id"])
    caller = await run_in_threadpool(_caller, request)
    _self_or_admin(caller, user_id)
    allow_body(request)
    body = await json_body(request)
    old, new = _string(body, "old"), _string(body, "new")
    bearer = request.headers.get("authorization", "").partition(" ")[2].strip()
    keep = token_hash(bearer) if caller.via == "bearer" else None
    await run_in_threadpool(
        accounts.change_password,
        services(request),
        user_id,
        old,
        new,
        client_address(request.scope),
        keep=keep,
    )
    return ok()


async def reset_initiate(request: Request) -> Response:
    caller = await run_in_threadpool(_caller, request)  # anyone: an administrator may ?invalidate
    allow_body(request)
    body = await json_body(request)
    email = text_field(body, "email") or ""
    actor = caller.actor
    is_admin = actor is not None and actor.is_admin
    notice = await run_in_threadpool(
        accounts.initiate_reset,
        services(request),
        email,
        client_address(request.scope),
        by=actor.id if actor is not None else None,
        by_admin=is_admin,
        invalidate=flag(request, "invalidate"),
    )
    answer: dict[str, object] = {"success": True}
    if notice.link is not None:  # only for an administrator, when no e-mail carried it
        answer["resetLink"] = notice.link
    return JSONResponse(answer)


async def reset_verify(request: Request) -> Response:
    """The reset token as a bearer token, as Central; the new password in `new`."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(ProblemCode.AUTH_REQUIRED)
    state, client = services(request), client_address(request.scope)
    await run_in_threadpool(accounts.check_reset, state, token.strip(), client)
    allow_body(request)
    body = await json_body(request)
    new = _string(body, "new")
    await run_in_threadpool(accounts.verify_reset, state, token.strip(), new, client)
    return ok()


def _string(body: dict[str, object], name: str) -> str:
    value = body.get(name)
    if value is None or value == "":
        raise Problem(ProblemCode.MISSING_PARAMETER, field=name)
    if not isinstance(value, str):
        raise Problem(ProblemCode.BAD_REQUEST, reason=f"'{name}' must be a string")
    return value


ROUTES = [
    Route("/v1/users/reset/initiate", reset_initiate, methods=["POST"]),
    Route("/v1/users/reset/verify", reset_verify, methods=["POST"]),
    Route("/v1/users/{user_id:id}", update, methods=["PATCH"]),
    Route("/v1/users/{user_id:id}", delete, methods=["DELETE"]),
    Route("/v1/users/{user_id:id}/password", change_password, methods=["PUT"]),
]
