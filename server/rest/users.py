"""Web users, their roles per project, and the audit log, over REST (Central's paths): GET/POST
/v1/users, GET /v1/users/{id}, GET /v1/roles, GET/POST/DELETE /v1/projects/{id}/assignments,
GET /v1/audits; and the account routes of server/rest/accounts.py."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.accounts.actions import welcome
from server.accounts.mail_texts import TEXTS as LANGUAGES
from server.accounts.passwords import password_problem
from server.auth import Caller, Permission, authenticate, authorize
from server.errors import Problem, ProblemCode
from server.rest import accounts
from server.rest.http import json_body, ok, page, text_field
from server.rest.shapes import actor_json, audit_json
from server.services import services
from storage.accounts.access import load_actor
from storage.accounts.users import (
    ROLES,
    create_user,
    get_user,
    list_users,
    remove_project_role,
    set_project_role,
)
from storage.audit import list_audits, record
from storage.db import transaction
from storage.errors import NotFound, StorageCode
from storage.projects import get_project
from storage.schema import system as s

# Central identifies roles by number or by system name; ours are numbered in this order.
ROLE_IDS = {name: number for number, name in enumerate(ROLES, start=1)}


def _admin(caller: Caller) -> int:
    if caller.actor is None:
        raise Problem(ProblemCode.AUTH_REQUIRED)
    if not caller.actor.is_admin:
        raise Problem(ProblemCode.FORBIDDEN)
    return caller.actor.id


def list_all(request: Request) -> Response:
    with transaction(services(request).engine, read_only=True) as connection:
        _admin(authenticate(connection, request))
        users = [load_actor(connection, u.id) for u in list_users(connection)]
    return JSONResponse([actor_json(u) for u in users if u is not None])


async def create(request: Request) -> Response:
    await authorize(request, Permission.PROJECT_MANAGE)  # outside a project: administrators only
    body = await json_body(request)
    email = text_field(body, "email") or ""
    password = body.get("password")
    if password is not None and not isinstance(password, str):
        raise Problem(ProblemCode.BAD_REQUEST, reason="'password' must be a string")
    language = text_field(body, "language", required=False)
    if language is not None and language not in LANGUAGES:
        raise Problem(
            ProblemCode.BAD_REQUEST,
            reason=f"'language' must be one of {', '.join(LANGUAGES)}",
        )
    return await run_in_threadpool(_create, request, email, password, language)


def _create(request: Request, email: str, password: str | None, language: str | None) -> Response:
    state = services(request)
    with transaction(state.engine, read_only=True) as connection:
        _admin(authenticate(connection, request))  # before the costly hash, for nobody else
    problem = password_problem(password, email) if password else None
    if problem:
        raise Problem(ProblemCode.BAD_REQUEST, reason=problem)
    password_hash = state.passwords.hash(password) if password else None
    with transaction(state.engine) as connection:
        caller = authenticate(connection, request)
        actor_id = _admin(caller)
        assert caller.actor is not None
        user = create_user(
            connection,
            email=email,
            password_hash=password_hash,
            now=state.clock(),
            # the e-mails the user gets: in the language asked for, else the administrator's
            language=language or caller.actor.language,
        )
        record(
            connection,
            actor_id=actor_id,
            action="user.create",
            actee_type="user",
            actee_id=user.id,
            now=state.clock(),
            details={"email": user.email},
        )
        created = load_actor(connection, user.id)
    assert created is not None
    welcome(state, user, by=actor_id, password_given=bool(password))
    return JSONResponse(actor_json(created))


def get_one(request: Request) -> Response:
    with transaction(services(request).engine, read_only=True) as connection:
        caller = authenticate(connection, request)
        user_id = int(request.path_params["user_id"])
        if caller.actor is None or (caller.actor.id != user_id and not caller.actor.is_admin):
            _admin(caller)
        get_user(connection, user_id)  # a deleted user is not found
        found = load_actor(connection, user_id)
    if found is None or found.type != "user":
        raise NotFound(StorageCode.USER_NOT_FOUND, user=user_id)
    return JSONResponse(actor_json(found))


def roles(request: Request) -> Response:
    return JSONResponse(
        [
            {"id": number, "name": name.replace("_", " ").title(), "system": name}
            for name, number in ROLE_IDS.items()
        ]
    )


def project_assignments(request: Request) -> Response:
    project_id = int(request.path_params["project_id"])
    with transaction(services(request).engine, read_only=True) as connection:
        authenticate(connection, request).require(Permission.PROJECT_MANAGE, project_id)
        rows = connection.execute(
            sa.select(s.project_roles.c.actor_id, s.project_roles.c.role)
            .where(s.project_roles.c.project_id == project_id)
            .order_by(s.project_roles.c.actor_id)
        )
        body = [
            {"actorId": r.actor_id, "roleId": ROLE_IDS.get(r.role), "role": r.role} for r in rows
        ]
    return JSONResponse(body)


def assign_role(request: Request) -> Response:
    return _role(request, add=True)


def unassign_role(request: Request) -> Response:
    return _role(request, add=False)


def _role(request: Request, *, add: bool) -> Response:
    state = services(request)
    project_id = int(request.path_params["project_id"])
    actor_id = int(request.path_params["actor_id"])
    role = _role_name(request.path_params["role"])
    with transaction(state.engine) as connection:
        by = authenticate(connection, request).require(Permission.PROJECT_MANAGE, project_id)
        get_project(connection, project_id)
        target = load_actor(connection, actor_id)
        if target is None or target.type != "user":
            raise NotFound(StorageCode.USER_NOT_FOUND, user=actor_id)
        if add:
            get_user(connection, actor_id)  # a deleted user gets no role
            set_project_role(connection, project_id, actor_id, role, state.clock())
        else:
            if not remove_project_role(connection, project_id, actor_id, role):
                raise NotFound(StorageCode.NOT_FOUND, what="that role assignment")
        record(
            connection,
            actor_id=by.id,
            action="assignment.create" if add else "assignment.delete",
            actee_type="project",
            actee_id=project_id,
            now=state.clock(),
            details={"actorId": actor_id, "role": role},
        )
    return ok()


def _role_name(given: str) -> str:
    if given.isdigit():
        for name, number in ROLE_IDS.items():
            if number == int(given):
                return name
    if given in ROLE_IDS:
        return given
    raise Problem(
        ProblemCode.BAD_REQUEST, reason=f"unknown role '{given}'; roles: {', '.join(ROLE_IDS)}"
    )


def audits(request: Request) -> Response:
    limit, offset = page(request, maximum=1000)
    start, end = (_moment(request, name) for name in ("start", "end"))
    with transaction(services(request).engine, read_only=True) as connection:
        _admin(authenticate(connection, request))
        found = list_audits(
            connection,
            action=request.query_params.get("action") or None,
            start=start,
            end=end,
            limit=limit or 100,
            offset=offset,
        )
    return JSONResponse([audit_json(a) for a in found])


def _moment(request: Request, name: str) -> datetime | None:
    text = request.query_params.get(name)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        raise Problem(
            ProblemCode.BAD_REQUEST, reason=f"'{name}' must be an ISO 8601 date or time"
        ) from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


ROUTES = [
    Route("/v1/users", list_all, methods=["GET"]),
    Route("/v1/users", create, methods=["POST"]),
    Route("/v1/users/{user_id:id}", get_one, methods=["GET"]),
    Route("/v1/roles", roles, methods=["GET"]),
    Route("/v1/projects/{project_id:id}/assignments", project_assignments, methods=["GET"]),
    Route(
        "/v1/projects/{project_id:id}/assignments/{role}/{actor_id:id}",
        assign_role,
        methods=["POST"],
    ),
    Route(
        "/v1/projects/{project_id:id}/assignments/{role}/{actor_id:id}",
        unassign_role,
        methods=["DELETE"],
    ),
    Route("/v1/audits", audits, methods=["GET"]),
    *accounts.ROUTES,
]
