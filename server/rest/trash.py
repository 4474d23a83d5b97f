"""Delete and restore over REST, with Central's paths: `DELETE .../submissions/{instanceId}`
and `POST .../restore`, `DELETE .../forms/{xmlFormId}` and `POST .../forms/{numeric id}/restore`,
`DELETE /v1/projects/{id}`, and the trash listings `GET .../forms?deleted=true` and
`GET .../submissions?deleted=true` (served from server/rest/forms.py and submissions.py, which
hand over to this module). Managers only, as in Central (submission.delete, form.delete,
project.delete are theirs). Purge is `baobab purge` (server/cli/lifecycle.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.auth import Permission, authenticate
from server.resolve import resolve_form
from server.rest.http import ok, page
from server.rest.shapes import iso
from server.services import services
from storage.audit import record
from storage.db import transaction
from storage.lifecycle.trash import (
    restore_form,
    restore_submission,
    trash_form,
    trash_project,
    trash_submission,
    trashed_forms,
    trashed_submissions,
)
from storage.projects import get_project
from storage.submissions.queries import get_submission

_PROJECT = "/v1/projects/{project_id:id}"
_FORM = _PROJECT + "/forms/{form_id}"
_ONE = _FORM + "/submissions/{instance_id}"


def delete_submission(request: Request) -> Response:
    state = services(request)
    with transaction(state.engine) as connection:
        actor_id, form_id = _form(connection, request)
        submission = get_submission(connection, form_id, request.path_params["instance_id"])
        trash_submission(connection, submission.id, state.clock())
        _audit(connection, actor_id, "submission.delete", submission.instance_id, state.clock())
    return ok()


def restore_one_submission(request: Request) -> Response:
    state = services(request)
    instance_id = request.path_params["instance_id"]
    with transaction(state.engine) as connection:
        actor_id, form_id = _form(connection, request)
        restore_submission(connection, form_id, instance_id)
        _audit(connection, actor_id, "submission.restore", instance_id, state.clock())
    return ok()


def list_deleted_submissions(request: Request) -> Response:
    limit, offset = page(request)
    with transaction(services(request).engine, read_only=True) as connection:
        _actor, form_id = _form(connection, request)
        trashed = trashed_submissions(connection, form_id, limit=limit, offset=offset)
    return JSONResponse(
        [
            {
                "instanceId": t.instance_id,
                "instanceName": t.instance_name,
                "submitterId": t.submitter_id,
                "createdAt": iso(t.created_at),
                "deletedAt": iso(t.deleted_at),
            }
            for t in trashed
        ]
    )


def delete_form(request: Request) -> Response:
    state = services(request)
    with transaction(state.engine) as connection:
        actor_id, form_id = _form(connection, request)
        trash_form(connection, form_id, state.clock())
        _audit(connection, actor_id, "form.delete", form_id, state.clock(), "form")
    return ok()


def restore_one_form(request: Request) -> Response:
    """Central names the form by its numeric id here: a trashed form's xmlFormId may be
    taken again."""
    state = services(request)
    project_id = int(request.path_params["project_id"])
    form_id = int(request.path_params["id"])
    with transaction(state.engine) as connection:
        actor = authenticate(connection, request).require(Permission.PROJECT_MANAGE, project_id)
        get_project(connection, project_id)
        restore_form(connection, project_id, form_id, state.clock())
        _audit(connection, actor.id, "form.restore", form_id, state.clock(), "form")
    return ok()


def list_deleted_forms(request: Request) -> Response:
    project_id = int(request.path_params["project_id"])
    with transaction(services(request).engine, read_only=True) as connection:
        authenticate(connection, request).require(Permission.PROJECT_MANAGE, project_id)
        get_project(connection, project_id)
        forms = trashed_forms(connection, project_id)
    return JSONResponse(
        [
            {
                "id": f.id,
                "projectId": f.project_id,
                "xmlFormId": f.xml_form_id,
                "name": f.name or f.xml_form_id,
                "createdAt": iso(f.created_at),
                "deletedAt": iso(f.deleted_at),
                "submissions": f.submissions,
            }
            for f in forms
        ]
    )


def delete_project(request: Request) -> Response:
    state = services(request)
    project_id = int(request.path_params["project_id"])
    with transaction(state.engine) as connection:
        actor = authenticate(connection, request).require(Permission.PROJECT_MANAGE, project_id)
        get_project(connection, project_id)
        trash_project(connection, project_id, state.clock())
        _audit(connection, actor.id, "project.delete", project_id, state.clock(), "project")
    return ok()


def _form(connection: Connection, request: Request) -> tuple[int, int]:
    caller, form = resolve_form(connection, request, Permission.PROJECT_MANAGE)
    return caller.required_actor.id, form.id


def _audit(
    connection: Connection,
    actor_id: int,
    action: str,
    actee: object,
    now: datetime,
    actee_type: str = "submission",
) -> None:
    record(
        connection, actor_id=actor_id, action=action, actee_type=actee_type, actee_id=actee, now=now
    )


ROUTES = [
    Route(_ONE, delete_submission, methods=["DELETE"]),
    Route(_ONE + "/restore", restore_one_submission, methods=["POST"]),
    Route(_PROJECT + "/forms/{id:int}/restore", restore_one_form, methods=["POST"]),
    Route(_FORM, delete_form, methods=["DELETE"]),
    Route(_PROJECT, delete_project, methods=["DELETE"]),
]
