"""Projects over REST: GET/POST /v1/projects, GET /v1/projects/{id}."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.auth import Permission, authenticate, authorize
from server.errors import Problem, ProblemCode
from server.rest.http import json_body, text_field
from server.rest.shapes import project_json
from server.services import services
from storage.audit import record
from storage.db import transaction
from storage.projects import create_project, get_project, list_projects


def list_all(request: Request) -> Response:
    with transaction(services(request).engine, read_only=True) as connection:
        actor = authenticate(connection, request).actor
        if actor is None:
            raise Problem(ProblemCode.AUTH_REQUIRED)
        if actor.is_admin:
            projects = list_projects(connection)
        elif actor.type == "field_key":
            projects = list_projects(connection, {actor.project_id or -1})
        else:
            projects = list_projects(connection, set(actor.roles))
    return JSONResponse([project_json(p) for p in projects])


async def create(request: Request) -> Response:
    await authorize(request, Permission.PROJECT_MANAGE)  # outside a project: administrators only
    body = await json_body(request)
    return await run_in_threadpool(_create, request, body)


def _create(request: Request, body: dict[str, object]) -> Response:
    name = text_field(body, "name") or ""
    description = text_field(body, "description", required=False)
    with transaction(services(request).engine) as connection:
        caller = authenticate(connection, request)
        if caller.actor is None:
            raise Problem(ProblemCode.AUTH_REQUIRED)
        if not caller.actor.is_admin:
            raise Problem(ProblemCode.FORBIDDEN)
        project = create_project(connection, name, services(request).clock(), description)
        record(
            connection,
            actor_id=caller.actor.id,
            action="project.create",
            actee_type="project",
            actee_id=project.id,
            now=services(request).clock(),
            details={"name": name},
        )
    return JSONResponse(project_json(project))


def get_one(request: Request) -> Response:
    project_id = int(request.path_params["project_id"])
    with transaction(services(request).engine, read_only=True) as connection:
        authenticate(connection, request).require(Permission.PROJECT_READ, project_id)
        project = get_project(connection, project_id)
    return JSONResponse(project_json(project))


ROUTES = [
    Route("/v1/projects", list_all, methods=["GET"]),
    Route("/v1/projects", create, methods=["POST"]),
    Route("/v1/projects/{project_id:id}", get_one, methods=["GET"]),
]
