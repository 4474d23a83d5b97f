"""Actor properties, as Central 2026.2 (lib/resources/actor-properties.js):
`POST /v1/projects/{id}/actor-properties` `{"name": "region"}` declares one (unique in the
project whatever its case), `GET` lists them (`[{"name"}]`, with `X-Extended-Metadata: true`
each with the values app users have). App users get values through
`POST|PATCH .../app-users/{id}` (server/rest/app_users.py); entity lists' access filters match
them (server/rest/dataset_settings.py). Project managers only."""

from __future__ import annotations

import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.auth import Permission, authenticate, authorize
from server.errors import Problem, ProblemCode
from server.rest.http import json_body, ok, text_field
from server.services import services
from storage.accounts.actor_properties import create_property, list_properties, property_values
from storage.audit import record
from storage.db import transaction

PATH = "/v1/projects/{project_id:id}/actor-properties"
# Central: the rules of entity property names, and `displayName` is taken (case-insensitive).
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$")
RESERVED = frozenset({"name", "label", "displayname"})


async def create(request: Request) -> Response:
    await authorize(request, Permission.PROJECT_MANAGE)
    body = await json_body(request)
    return await run_in_threadpool(_create, request, text_field(body, "name") or "")


def _create(request: Request, name: str) -> Response:
    state = services(request)
    project_id = int(request.path_params["project_id"])
    if not NAME.match(name) or name.lower() in RESERVED or name.startswith("__"):
        raise Problem(
            ProblemCode.UNEXPECTED_VALUE,
            field="name",
            value=name,
            reason="This is not a valid property name.",
        )
    with transaction(state.engine) as connection:
        actor = authenticate(connection, request).require(Permission.PROJECT_MANAGE, project_id)
        create_property(connection, project_id, name, state.clock())
        record(
            connection,
            actor_id=actor.id,
            action="actor_property.create",
            actee_type="project",
            actee_id=project_id,
            now=state.clock(),
            details={"name": name},
        )
    return ok()


def list_all(request: Request) -> Response:
    project_id = int(request.path_params["project_id"])
    extended = request.headers.get("x-extended-metadata", "").lower() == "true"
    with transaction(services(request).engine, read_only=True) as connection:
        authenticate(connection, request).require(Permission.PROJECT_MANAGE, project_id)
        if extended:
            found = property_values(connection, project_id)
            return JSONResponse([{"name": n, "values": v} for n, v in found.items()])
        return JSONResponse([{"name": n} for n in list_properties(connection, project_id)])


ROUTES = [
    Route(PATH, list_all, methods=["GET"]),
    Route(PATH, create, methods=["POST"]),
]
