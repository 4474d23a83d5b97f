"""Forms over REST: list, create (publish) from an XLSForm or XForm body, get one, upload and
list its media, and assign it to app users. Paths and shapes follow ODK Central's API."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from converters.form_model import CompiledForm
from server.auth import Permission, authenticate, authorize
from server.errors import Problem, ProblemCode
from server.forms.media import attach_media
from server.forms.upload import MAX_FORM_BYTES, MAX_MEDIA_BYTES, compile_upload
from server.resolve import resolve_form
from server.rest import trash
from server.rest.http import (
    Spool,
    bounded_body,
    flag,
    form_id_fallback,
    json_body,
    ok,
    spooled_body,
    text_field,
)
from server.rest.shapes import JsonObject, actor_json, form_json, iso
from server.services import services
from storage.accounts.access import (
    assign_form,
    form_assignees,
    get_app_user,
    load_actor,
    unassign_form,
)
from storage.audit import record
from storage.db import transaction
from storage.entities.lists import list_lists
from storage.errors import Conflict, NotFound, StorageCode
from storage.forms.drafts import find_draft, save_draft
from storage.forms.versions import (
    FormRecord,
    FormVersionRecord,
    get_form,
    get_version,
    list_forms,
    publish_form,
    set_form_state,
)
from storage.schema import system as s
from storage.submissions.queries import form_activity


def list_all(request: Request) -> Response:
    if request.query_params.get("deleted") == "true":  # Central's trash listing
        return trash.list_deleted_forms(request)
    project_id = int(request.path_params["project_id"])
    with transaction(services(request).engine, read_only=True) as connection:
        caller = authenticate(connection, request)
        caller.require(Permission.FORM_READ, project_id)
        body = [
            _form_body(connection, request, f)
            for f in list_forms(connection, project_id)
            if caller.can(Permission.FORM_READ, project_id, f.id)
        ]
    return JSONResponse(body)


_EXCEL_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xls": "application/vnd.ms-excel",
}


def _form_body(connection: Connection, request: Request, form: FormRecord) -> JsonObject:
    """Central's form shape; with `X-Extended-Metadata: true`, its submission counts and
    creator too."""
    version: FormVersionRecord | None
    if form.current_version_id:
        version = get_version(connection, form.current_version_id)
    else:  # a form that only has a draft shows the draft's definition, as Central does
        version = find_draft(connection, form.id)
    body = form_json(form, version)
    if request.headers.get("x-extended-metadata", "").lower() != "true":
        return body
    activity = form_activity(connection, form.id)
    creator = (
        load_actor(connection, cast(int, activity["createdBy"])) if activity["createdBy"] else None
    )
    body.update(
        submissions=activity["submissions"],
        entityRelated=False,
        reviewStates=activity["reviewStates"],
        lastSubmission=iso(cast("datetime | None", activity["lastSubmission"])),
        excelContentType=_EXCEL_TYPES.get(cast(str, activity["sourceType"])),
        publicLinks=0,
        createdBy=actor_json(creator) if creator else None,
        publishNotes=None,
    )
    return body


async def create(request: Request) -> Response:
    """A new form from an XLSForm or XForm body: published at once with ?publish=true, else
    kept as its draft (Central's default)."""
    await authorize(request, Permission.FORM_PUBLISH)
    data = await bounded_body(request, MAX_FORM_BYTES)
    return await run_in_threadpool(_create, request, data)


def _create(request: Request, data: bytes) -> Response:
    state = services(request)
    project_id = int(request.path_params["project_id"])
    with transaction(state.engine, read_only=True) as connection:
        actor = authenticate(connection, request).require(Permission.FORM_PUBLISH, project_id)
    compiled = compile_request(request, data)
    with transaction(state.engine) as connection:
        # A trashed form keeps its id until it is purged (the key is unique), as the message says.
        existing = connection.execute(
            sa.select(s.forms.c.deleted_at).where(
                s.forms.c.project_id == project_id,
                s.forms.c.xml_form_id == compiled.form_id,
            )
        ).first()
        if existing is not None:
            raise Conflict(
                StorageCode.ALREADY_EXISTS,
                what="form" if existing.deleted_at is None else "form in the trash (restore it)",
                key=f"projectId,xmlFormId {project_id},{compiled.form_id}",
            )
        now = state.clock()
        if flag(request, "publish"):
            result = publish_form(
                connection,
                project_id=project_id,
                compiled=compiled,
                now=now,
                source=data,
                actor_id=actor.id,
            )
            form, version = result.form, result.version
        else:
            form, version = save_draft(
                connection,
                project_id=project_id,
                compiled=compiled,
                now=now,
                source=data,
                actor_id=actor.id,
            )
        record(
            connection,
            actor_id=actor.id,
            action="form.create",
            actee_type="form",
            actee_id=form.xml_form_id,
            now=now,
            details={"version": version.version, "published": version.published_at is not None},
        )
    return JSONResponse(form_json(form, version))  # a draft's version and hash, as Central


def compile_request(request: Request, data: bytes) -> CompiledForm:
    """An XLSForm or XForm body compiled and checked; its warnings refuse it (400, each with
    its sheet, row and column) unless the client sends ignoreWarnings=true, as Central."""
    compiled = compile_upload(
        data,
        filename=None,
        content_type=request.headers.get("content-type"),
        validate=services(request).settings.odk_validate,
        form_id_fallback=form_id_fallback(request),
    )
    if compiled.warnings and not flag(request, "ignoreWarnings"):
        raise Problem(
            ProblemCode.FORM_WARNINGS,
            summary="; ".join(w.message for w in compiled.warnings),
            warnings=[
                {"message": w.message, "sheet": w.sheet, "row": w.row, "column": w.column}
                for w in compiled.warnings
            ],
        )
    return compiled


def get_one(request: Request) -> Response:
    with transaction(services(request).engine, read_only=True) as connection:
        _caller, form = resolve_form(connection, request, Permission.FORM_READ)
        body = _form_body(connection, request, form)
    return JSONResponse(body)


async def update(request: Request) -> Response:
    await authorize(request, Permission.FORM_PUBLISH)
    body = await json_body(request)
    return await run_in_threadpool(_update, request, text_field(body, "state") or "")


def _update(request: Request, state_name: str) -> Response:
    state = services(request)
    with transaction(state.engine) as connection:
        caller, form = resolve_form(connection, request, Permission.FORM_PUBLISH)
        set_form_state(connection, form.id, state_name, state.clock())
        record(
            connection,
            actor_id=caller.required_actor.id,
            action="form.update",
            actee_type="form",
            actee_id=form.xml_form_id,
            now=state.clock(),
            details={"state": state_name},
        )
        form = get_form(connection, form.project_id, form.xml_form_id)
        body = _form_body(connection, request, form)
    return JSONResponse(body)


def list_media(request: Request) -> Response:
    with transaction(services(request).engine, read_only=True) as connection:
        _caller, form = resolve_form(connection, request, Permission.FORM_READ)
        return JSONResponse(media_json(connection, form.current_version_id, form.project_id))


def media_json(
    connection: Connection, version_id: int | None, project_id: int
) -> list[dict[str, object]]:
    """Central's FormAttachment shape for every media file a form version expects; a file
    named after one of the project's entity lists is that list (`datasetExists`)."""
    rows = connection.execute(
        sa.select(s.form_attachments, s.blobs.c.md5)
        .outerjoin(s.blobs, s.blobs.c.sha256 == s.form_attachments.c.blob_sha256)
        .where(s.form_attachments.c.form_version_id == version_id)
        .order_by(s.form_attachments.c.name)
    ).mappings()
    lists = {f"{found.name}.csv" for found in list_lists(connection, project_id)}
    return [
        {
            "name": r["name"],
            "type": r["type"],
            "hash": r["md5"],
            "exists": r["blob_sha256"] is not None or r["name"] in lists,
            "blobExists": r["blob_sha256"] is not None,
            "datasetExists": r["name"] in lists,
            "updatedAt": iso(r["updated_at"]),
        }
        for r in rows
    ]


async def upload_media(request: Request) -> Response:
    """Baobab's way to give a published form its media (images, CSV lists): Central only takes
    them on drafts. The manifest hash changes, so devices fetch the new file."""
    await authorize(request, Permission.FORM_PUBLISH)
    async with spooled_body(request, MAX_MEDIA_BYTES) as spool:
        await run_in_threadpool(_upload_media, request, spool)
    return ok()


def _upload_media(request: Request, spool: Spool) -> None:
    state = services(request)
    with transaction(state.engine, read_only=True) as connection:
        _caller, form = resolve_form(connection, request, Permission.FORM_PUBLISH)
    attach_media(
        state.engine,
        state.blobs,
        form.current_version_id,
        form.xml_form_id,
        request.path_params["name"],
        spool,  # type: ignore[arg-type]  # a spooled file is a binary file
        request.headers.get("content-type"),
        state.clock(),
    )


def assign(request: Request) -> Response:
    return _assignment(request, add=True)


def unassign(request: Request) -> Response:
    return _assignment(request, add=False)


def _assignment(request: Request, *, add: bool) -> Response:
    actor_id = int(request.path_params["actor_id"])
    with transaction(services(request).engine) as connection:
        _caller, form = resolve_form(connection, request, Permission.PROJECT_MANAGE)
        get_app_user(connection, form.project_id, actor_id)
        if add:
            assign_form(connection, form.id, actor_id, services(request).clock())
        elif not unassign_form(connection, form.id, actor_id):
            raise NotFound(StorageCode.NOT_FOUND, what="that assignment")
    return ok()


def list_assignments(request: Request) -> Response:
    with transaction(services(request).engine, read_only=True) as connection:
        _caller, form = resolve_form(connection, request, Permission.PROJECT_MANAGE)
        actors = form_assignees(connection, form.id)
    return JSONResponse([{"actorId": a, "roleId": 2} for a in actors])


_FORM = "/v1/projects/{project_id:id}/forms/{form_id}"
# Central's app-user role has id 2; pyodk assigns with /assignments/2/{actorId}.
_ASSIGN = ("/assignments/app-user/{actor_id:id}", "/assignments/2/{actor_id:id}")
ROUTES = [
    Route("/v1/projects/{project_id:id}/forms", list_all, methods=["GET"]),
    Route("/v1/projects/{project_id:id}/forms", create, methods=["POST"]),
    Route(_FORM, get_one, methods=["GET"]),
    Route(_FORM, update, methods=["PATCH"]),
    Route(_FORM + "/attachments", list_media, methods=["GET"]),
    Route(_FORM + "/attachments/{name}", upload_media, methods=["POST"]),
    Route(_FORM + "/assignments/app-user", list_assignments, methods=["GET"]),
    *[Route(_FORM + path, assign, methods=["POST"]) for path in _ASSIGN],
    *[Route(_FORM + path, unassign, methods=["DELETE"]) for path in _ASSIGN],
]
