"""The preamble of a handler, once per resource: who is calling, may they, and the project,
form, submission or entity list the URL names (404 when it does not exist). Each resolver
works in the handler's transaction, so what it loads is what the handler then changes.

The form is loaded by `server.auth.require_form`, which the web pages (`Web`, with the caller
its session gives) and the pre-body check (`server.auth.authorize`) use as well."""

from __future__ import annotations

from sqlalchemy.engine import Connection
from starlette.requests import Request

from server.auth import Caller, Permission, authenticate, require_form
from storage.accounts.access import ActorRecord
from storage.entities.lists import EntityListRecord, get_list
from storage.forms.versions import FormRecord
from storage.submissions.queries import SubmissionRecord, get_submission


def project_id_of(request: Request) -> int:
    return int(request.path_params["project_id"])


def resolve_project(
    connection: Connection, request: Request, permission: Permission
) -> tuple[Caller, ActorRecord, int]:
    """The caller, the actor they are, and the URL's project, in which they hold `permission`."""
    project_id = project_id_of(request)
    caller = authenticate(connection, request)
    return caller, caller.require(permission, project_id), project_id


def resolve_form(
    connection: Connection, request: Request, permission: Permission
) -> tuple[Caller, FormRecord]:
    """The caller and the URL's form, which they hold `permission` on."""
    caller = authenticate(connection, request)
    form = require_form(
        connection, caller, permission, project_id_of(request), request.path_params["form_id"]
    )
    return caller, form


def resolve_submission(
    connection: Connection, request: Request, permission: Permission
) -> tuple[Caller, FormRecord, SubmissionRecord]:
    """The caller, the URL's form and its submission `instance_id`."""
    caller, form = resolve_form(connection, request, permission)
    return caller, form, get_submission(connection, form.id, request.path_params["instance_id"])


def resolve_list(
    connection: Connection, request: Request, permission: Permission
) -> tuple[Caller, ActorRecord, EntityListRecord]:
    """The caller, the actor they are, and the URL's entity list `name`, in whose project they
    hold `permission`."""
    caller, actor, project_id = resolve_project(connection, request, permission)
    return caller, actor, get_list(connection, project_id, request.path_params["name"])
