"""App users (device tokens) over REST, and the QR code that configures ODK Collect in one scan.

GET/POST /v1/projects/{id}/app-users and DELETE .../app-users/{actorId} follow Central (a deleted
app user stays in the trash until the purge: `GET .../app-users?deleted=true` lists them, and
Baobab's `POST .../app-users/{actorId}/restore` brings one back with a new token), and so
does `POST|PATCH .../app-users/{actorId}` `{"properties": {"region": "kayes", "x": null}}`
(Central 2026.2's actor properties: what entity lists' access filters match; null or "" unsets
one); app users' JSON has their `properties`. The QR code routes (.../app-users/{actorId}/qr.png,
qr.svg, qr) are Baobab's, since Central draws its QR codes in the browser.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.accounts.app_users import collect_qr, issue_app_user, reissue_app_user
from server.accounts.keys import TokenBox, qr_image
from server.auth import Permission, authenticate, authorize
from server.errors import Problem, ProblemCode
from server.rest.http import json_body, ok, text_field
from server.rest.shapes import JsonObject, app_user_json, iso
from server.services import services
from storage.accounts.access import AppUserRecord, get_app_user, list_app_users, revoke_app_user
from storage.accounts.actor_properties import set_values, values_of
from storage.audit import record
from storage.db import transaction
from storage.lifecycle.app_user_trash import trashed_app_users

MAX_VALUE = 1000  # characters in a property value


async def create(request: Request) -> Response:
    await authorize(request, Permission.PROJECT_MANAGE)
    body = await json_body(request)
    name = text_field(body, "displayName") or ""
    return await run_in_threadpool(_create, request, name, _properties(body))


def _create(request: Request, display_name: str, values: dict[str, str | None]) -> Response:
    state = services(request)
    project_id = int(request.path_params["project_id"])
    with transaction(state.engine) as connection:
        actor = authenticate(connection, request).require(Permission.PROJECT_MANAGE, project_id)
        app_user, token = issue_app_user(
            connection,
            state.token_box,
            project_id=project_id,
            display_name=display_name,
            created_by=actor.id,
            now=state.clock(),
        )
        record(
            connection,
            actor_id=actor.id,
            action="field_key.create",
            actee_type="field_key",
            actee_id=app_user.id,
            now=state.clock(),
            details={"displayName": display_name},
        )
        _set(connection, project_id, app_user.id, actor.id, values, state.clock())
        return JSONResponse(_json(connection, app_user, token))


async def set_properties(request: Request) -> Response:
    await authorize(request, Permission.PROJECT_MANAGE)
    body = await json_body(request)
    return await run_in_threadpool(_set_properties, request, _properties(body))


def _set_properties(request: Request, values: dict[str, str | None]) -> Response:
    state = services(request)
    project_id = int(request.path_params["project_id"])
    with transaction(state.engine) as connection:
        actor = authenticate(connection, request).require(Permission.PROJECT_MANAGE, project_id)
        app_user = get_app_user(connection, project_id, int(request.path_params["actor_id"]))
        _set(connection, project_id, app_user.id, actor.id, values, state.clock())
        return JSONResponse(_json(connection, app_user, _token(state.token_box, app_user)))


def _set(
    connection: Connection,
    project_id: int,
    app_user_id: int,
    by: int,
    values: dict[str, str | None],
    now: datetime,
) -> None:
    if not values:
        return
    set_values(connection, project_id, app_user_id, values)
    record(
        connection,
        actor_id=by,
        action="field_key.property.set",
        actee_type="field_key",
        actee_id=app_user_id,
        now=now,
        details={"properties": values},
    )


def _properties(body: dict[str, object]) -> dict[str, str | None]:
    """Central's extractActorProperties: an object of strings or nulls, trimmed, "" as null
    (the names are checked against the project's properties in the transaction)."""
    given = body.get("properties", {})
    if not isinstance(given, dict):
        raise Problem(
            ProblemCode.UNEXPECTED_VALUE,
            field="properties",
            value=repr(given)[:100],
            reason="Must be an object.",
        )
    values: dict[str, str | None] = {}
    for name, value in given.items():
        if value is not None and (not isinstance(value, str) or len(value) > MAX_VALUE):
            raise Problem(
                ProblemCode.UNEXPECTED_VALUE,
                field=str(name),
                value=repr(value)[:100],
                reason=f"Property values must be strings (at most {MAX_VALUE} characters) or null.",
            )
        values[str(name)] = value.strip() or None if value is not None else None
    return values


def _json(connection: Connection, app_user: AppUserRecord, token: str | None) -> JsonObject:
    values = values_of(connection, app_user.project_id, [app_user.id]).get(app_user.id, {})
    return {**app_user_json(app_user, token), "properties": values}


def _token(box: TokenBox, app_user: AppUserRecord) -> str | None:
    return box.open(app_user.token_cipher) if app_user.token_cipher else None


def list_all(request: Request) -> Response:
    project_id = int(request.path_params["project_id"])
    box = services(request).token_box
    with transaction(services(request).engine, read_only=True) as connection:
        authenticate(connection, request).require(Permission.PROJECT_MANAGE, project_id)
        if request.query_params.get("deleted") == "true":
            return JSONResponse(
                [
                    {
                        "projectId": project_id,
                        "id": u.id,
                        "type": "field_key",
                        "displayName": u.display_name,
                        "createdAt": iso(u.created_at),
                        "deletedAt": iso(u.deleted_at),
                        "token": None,
                    }
                    for u in trashed_app_users(connection, project_id)
                ]
            )
        users = list_app_users(connection, project_id)
        values = values_of(connection, project_id, [u.id for u in users])
    return JSONResponse(
        [{**app_user_json(u, _token(box, u)), "properties": values.get(u.id, {})} for u in users]
    )


def delete(request: Request) -> Response:
    project_id = int(request.path_params["project_id"])
    with transaction(services(request).engine) as connection:
        actor = authenticate(connection, request).require(Permission.PROJECT_MANAGE, project_id)
        actor_id = int(request.path_params["actor_id"])
        revoke_app_user(connection, project_id, actor_id, services(request).clock())
        record(
            connection,
            actor_id=actor.id,
            action="field_key.delete",
            actee_type="field_key",
            actee_id=actor_id,
            now=services(request).clock(),
        )
    return ok()


def restore(request: Request) -> Response:
    """A deleted app user back from the trash, with a new token (a new QR code to scan)."""
    state = services(request)
    project_id = int(request.path_params["project_id"])
    actor_id = int(request.path_params["actor_id"])
    with transaction(state.engine) as connection:
        actor = authenticate(connection, request).require(Permission.PROJECT_MANAGE, project_id)
        app_user, token = reissue_app_user(
            connection, state.token_box, project_id=project_id, actor_id=actor_id, now=state.clock()
        )
        record(
            connection,
            actor_id=actor.id,
            action="field_key.restore",
            actee_type="field_key",
            actee_id=actor_id,
            now=state.clock(),
        )
        return JSONResponse(_json(connection, app_user, token))


def qr_code(request: Request) -> Response:
    kind = request.path_params.get("kind", "txt")
    if kind not in ("png", "svg", "txt"):
        raise Problem(ProblemCode.NOT_FOUND)
    payload, settings = _payload(request)
    if kind == "png":
        return Response(qr_image(payload, "png"), media_type="image/png")
    if kind == "svg":
        return Response(qr_image(payload, "svg"), media_type="image/svg+xml")
    return JSONResponse({"payload": payload, "settings": settings})


def _payload(request: Request) -> tuple[str, dict[str, object]]:
    state = services(request)
    project_id = int(request.path_params["project_id"])
    with transaction(state.engine, read_only=True) as connection:
        authenticate(connection, request).require(Permission.PROJECT_MANAGE, project_id)
        return collect_qr(
            connection,
            state.token_box,
            base_url=state.settings.base_url,
            project_id=project_id,
            actor_id=int(request.path_params["actor_id"]),
        )


_APP_USERS = "/v1/projects/{project_id:id}/app-users"
ROUTES = [
    Route(_APP_USERS, list_all, methods=["GET"]),
    Route(_APP_USERS, create, methods=["POST"]),
    Route(_APP_USERS + "/{actor_id:id}", delete, methods=["DELETE"]),
    Route(_APP_USERS + "/{actor_id:id}", set_properties, methods=["POST", "PATCH"]),
    Route(_APP_USERS + "/{actor_id:id}/restore", restore, methods=["POST"]),
    Route(_APP_USERS + "/{actor_id:id}/qr", qr_code, methods=["GET"]),
    Route(_APP_USERS + "/{actor_id:id}/qr.{kind:str}", qr_code, methods=["GET"]),
]
