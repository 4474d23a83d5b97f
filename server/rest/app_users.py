"""App users (device tokens) over REST, and the QR code that configures ODK Collect in one scan.

GET/POST /v1/projects/{id}/app-users and DELETE .../app-users/{actorId} follow Central; the
QR code routes (.../app-users/{actorId}/qr.png, qr.svg, qr) are Baobab's, since Central draws
its QR codes in the browser.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.app_users import collect_qr, issue_app_user
from server.auth import Permission, authenticate, authorize
from server.errors import Problem, ProblemCode
from server.keys import qr_image
from server.rest.http import json_body, ok, text_field
from server.rest.shapes import app_user_json
from storage.access import list_app_users, revoke_app_user
from storage.audit import record
from storage.db import transaction


async def create(request: Request) -> Response:
    await authorize(request, Permission.PROJECT_MANAGE)
    body = await json_body(request)
    return await run_in_threadpool(_create, request, text_field(body, "displayName") or "")


def _create(request: Request, display_name: str) -> Response:
    state = request.app.state
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
    return JSONResponse(app_user_json(app_user, token))


def list_all(request: Request) -> Response:
    project_id = int(request.path_params["project_id"])
    box = request.app.state.token_box
    with transaction(request.app.state.engine, read_only=True) as connection:
        authenticate(connection, request).require(Permission.PROJECT_MANAGE, project_id)
        users = list_app_users(connection, project_id)
    return JSONResponse(
        [app_user_json(u, box.open(u.token_cipher) if u.token_cipher else None) for u in users]
    )


def delete(request: Request) -> Response:
    project_id = int(request.path_params["project_id"])
    with transaction(request.app.state.engine) as connection:
        actor = authenticate(connection, request).require(Permission.PROJECT_MANAGE, project_id)
        actor_id = int(request.path_params["actor_id"])
        revoke_app_user(connection, project_id, actor_id, request.app.state.clock())
        record(
            connection,
            actor_id=actor.id,
            action="field_key.delete",
            actee_type="field_key",
            actee_id=actor_id,
            now=request.app.state.clock(),
        )
    return ok()


def qr_code(request: Request) -> Response:
    kind = request.path_params.get("kind", "txt")
    if kind not in ("png", "svg", "txt"):
        raise Problem(404, ProblemCode.NOT_FOUND)
    payload, settings = _payload(request)
    if kind == "png":
        return Response(qr_image(payload, "png"), media_type="image/png")
    if kind == "svg":
        return Response(qr_image(payload, "svg"), media_type="image/svg+xml")
    return JSONResponse({"payload": payload, "settings": settings})


def _payload(request: Request) -> tuple[str, dict[str, object]]:
    state = request.app.state
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
    Route(_APP_USERS + "/{actor_id:id}/qr", qr_code, methods=["GET"]),
    Route(_APP_USERS + "/{actor_id:id}/qr.{kind:str}", qr_code, methods=["GET"]),
]
