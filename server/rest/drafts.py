"""Form drafts and versions, as pyodk's forms.update drives them: POST .../draft (a new
definition, or an empty body to copy the published one), draft media, POST .../draft/publish
[?version=], plus the list of published versions and the source spreadsheet download."""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from converters.form_fields import central_fields
from converters.form_model import CompiledForm
from converters.xform_schema import parse_xform
from server.auth import Permission, authorize
from server.downloads import xml_download
from server.forms.draft_testing import draft_token
from server.forms.media import attach_media
from server.forms.upload import MAX_FORM_BYTES, MAX_MEDIA_BYTES
from server.resolve import resolve_form
from server.rest.forms import compile_request, media_json
from server.rest.http import Spool, attachment_header, bounded_body, flag, ok, spooled_body
from server.rest.shapes import form_json
from server.services import services
from storage.audit import record
from storage.db import transaction
from storage.errors import NotFound, StorageCode
from storage.forms.drafts import discard_draft, get_draft, publish_draft, save_draft
from storage.forms.versions import FormRecord, find_version, get_xform, list_versions
from storage.schema import system as s


def _form(request: Request, permission: Permission) -> tuple[int, FormRecord]:
    with transaction(services(request).engine, read_only=True) as connection:
        caller, form = resolve_form(connection, request, permission)
    return caller.required_actor.id, form


async def create_draft(request: Request) -> Response:
    await authorize(request, Permission.FORM_PUBLISH)
    data = await bounded_body(request, MAX_FORM_BYTES)
    return await run_in_threadpool(_create_draft, request, data)


def _create_draft(request: Request, data: bytes) -> Response:
    state = services(request)
    actor_id, form = _form(request, Permission.FORM_PUBLISH)
    if data:
        compiled = compile_request(request, data)
        source: bytes | None = data
    else:  # Central: an empty body starts a draft from the published definition
        if form.current_version_id is None:
            raise NotFound(StorageCode.FORM_NOT_FOUND, form_id=form.xml_form_id)
        compiled, source = _published_definition(request, form)
    with transaction(state.engine) as connection:
        save_draft(
            connection,
            project_id=form.project_id,
            compiled=compiled,
            now=state.clock(),
            source=source,
            actor_id=actor_id,
            expected_form_id=form.xml_form_id,
        )
        record(
            connection,
            actor_id=actor_id,
            action="form.update.draft.set",
            actee_type="form",
            actee_id=form.xml_form_id,
            now=state.clock(),
        )
    return ok()


def _published_definition(request: Request, form: FormRecord) -> tuple[CompiledForm, bytes | None]:
    assert form.current_version_id is not None
    with transaction(services(request).engine, read_only=True) as connection:
        row = connection.execute(
            sa.select(
                s.form_versions.c.xform,
                s.form_versions.c.version,
                s.form_versions.c.title,
                s.form_versions.c.source,
                s.form_versions.c.source_type,
            ).where(s.form_versions.c.id == form.current_version_id)
        ).one()
    compiled = CompiledForm(
        xform=row.xform,
        form_id=form.xml_form_id,
        version=row.version,
        title=row.title,
        file_type=row.source_type or ".xml",
    )
    return compiled, row.source


def get_draft_json(request: Request) -> Response:
    """Central's draft, with the `draftToken` that lets Collect try it out (/v1/test/...)."""
    _actor, form = _form(request, Permission.FORM_PUBLISH)
    with transaction(services(request).engine) as connection:
        draft = get_draft(connection, form)
        token = draft_token(connection, services(request).token_box, draft.id)
    return JSONResponse({**form_json(form, draft), "draftToken": token})


def draft_xml(request: Request) -> Response:
    _actor, form = _form(request, Permission.FORM_PUBLISH)
    with transaction(services(request).engine, read_only=True) as connection:
        xform = get_xform(connection, get_draft(connection, form).id)
    return xml_download(xform.encode("utf-8"), f"{form.xml_form_id}.xml")


def delete_draft(request: Request) -> Response:
    actor_id, form = _form(request, Permission.FORM_PUBLISH)
    with transaction(services(request).engine) as connection:
        if not discard_draft(connection, form.id):
            raise NotFound(StorageCode.DRAFT_NOT_FOUND, form_id=form.xml_form_id)
        record(
            connection,
            actor_id=actor_id,
            action="form.update.draft.delete",
            actee_type="form",
            actee_id=form.xml_form_id,
            now=services(request).clock(),
        )
    return ok()


def publish(request: Request) -> Response:
    state = services(request)
    actor_id, form = _form(request, Permission.FORM_PUBLISH)
    version = request.query_params.get("version") or None
    with transaction(state.engine) as connection:
        result = publish_draft(connection, form, state.clock(), version)
        record(
            connection,
            actor_id=actor_id,
            action="form.update.publish",
            actee_type="form",
            actee_id=form.xml_form_id,
            now=state.clock(),
            details={
                "version": result.version.version,
                "newColumns": len(result.changes.new_columns),
                "widened": len(result.changes.widened),
            },
        )
    return ok()


async def upload_draft_media(request: Request) -> Response:
    await authorize(request, Permission.FORM_PUBLISH)
    async with spooled_body(request, MAX_MEDIA_BYTES) as spool:
        await run_in_threadpool(_upload_draft_media, request, spool)
    return ok()


def _upload_draft_media(request: Request, spool: Spool) -> None:
    state = services(request)
    _actor, form = _form(request, Permission.FORM_PUBLISH)
    with transaction(state.engine, read_only=True) as connection:
        draft = get_draft(connection, form)
    attach_media(
        state.engine,
        state.blobs,
        draft.id,
        form.xml_form_id,
        request.path_params["name"],
        spool,  # type: ignore[arg-type]
        request.headers.get("content-type"),
        state.clock(),
    )


def list_draft_media(request: Request) -> Response:
    _actor, form = _form(request, Permission.FORM_PUBLISH)
    with transaction(services(request).engine, read_only=True) as connection:
        draft = get_draft(connection, form)
        return JSONResponse(media_json(connection, draft.id, form.project_id))


def versions(request: Request) -> Response:
    _actor, form = _form(request, Permission.FORM_READ)
    with transaction(services(request).engine, read_only=True) as connection:
        found = list_versions(connection, form.id)
    return JSONResponse([form_json(form, v) for v in found])


def version_xml(request: Request) -> Response:
    _actor, form = _form(request, Permission.FORM_READ)
    with transaction(services(request).engine, read_only=True) as connection:
        xform = get_xform(connection, _named_version(connection, form, request.path_params))
    return xml_download(xform.encode("utf-8"), f"{form.xml_form_id}.xml")


def fields(request: Request) -> Response:
    """Every group, repeat and field of the published form, a named version or the draft, as
    Central lists them (`?odata=true` for OData names)."""
    draft = request.url.path.endswith("/draft/fields")
    # The draft is seen only by those who may publish it, as its XML and its JSON are.
    _actor, form = _form(request, Permission.FORM_PUBLISH if draft else Permission.FORM_READ)
    with transaction(services(request).engine, read_only=True) as connection:
        if draft:
            version_id = get_draft(connection, form).id
        elif "version" in request.path_params:
            version_id = _named_version(connection, form, request.path_params)
        elif form.current_version_id is None:
            raise NotFound(StorageCode.NOT_FOUND, what=f"a published '{form.xml_form_id}'")
        else:
            version_id = form.current_version_id
        xform = get_xform(connection, version_id)
    schema = parse_xform(xform.encode("utf-8"))
    return JSONResponse(central_fields(schema, odata=flag(request, "odata")))


def _named_version(connection: Connection, form: FormRecord, params: Mapping[str, str]) -> int:
    name = params.get("version", "")
    version = find_version(connection, form.id, name)
    if version is None:
        raise NotFound(StorageCode.FORM_VERSION_NOT_FOUND, form_id=form.xml_form_id, version=name)
    return version.id


def spreadsheet(request: Request) -> Response:
    """The XLSForm the current version was published from (.xlsx or .xls, as uploaded)."""
    _actor, form = _form(request, Permission.FORM_READ)
    extension = request.url.path.rsplit(".", 1)[1]
    with transaction(services(request).engine, read_only=True) as connection:
        row = connection.execute(
            sa.select(s.form_versions.c.source, s.form_versions.c.source_type).where(
                s.form_versions.c.id == form.current_version_id
            )
        ).first()
    if row is None or row.source is None or row.source_type != f".{extension}":
        raise NotFound(
            StorageCode.NOT_FOUND,
            what=f"a .{extension} spreadsheet for the form '{form.xml_form_id}'",
        )
    media_type = (
        "application/vnd.ms-excel"
        if extension == "xls"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return Response(
        row.source,
        media_type=media_type,
        headers=attachment_header(f"{form.xml_form_id}.{extension}"),
    )


_FORM = "/v1/projects/{project_id:id}/forms/{form_id}"
_FIELDS = ("/fields", "/draft/fields", "/versions/{version}/fields")
ROUTES = [
    *[
        Route(
            f"/v1/projects/{{project_id:id}}/forms/{{form_id}}.{extension}",
            spreadsheet,
            methods=["GET"],
        )
        for extension in ("xlsx", "xls")
    ],
    Route(_FORM + "/draft.xml", draft_xml, methods=["GET"]),
    Route(_FORM + "/draft", get_draft_json, methods=["GET"]),
    Route(_FORM + "/draft", create_draft, methods=["POST"]),
    Route(_FORM + "/draft", delete_draft, methods=["DELETE"]),
    Route(_FORM + "/draft/publish", publish, methods=["POST"]),
    Route(_FORM + "/draft/attachments", list_draft_media, methods=["GET"]),
    Route(_FORM + "/draft/attachments/{name}", upload_draft_media, methods=["POST"]),
    Route(_FORM + "/versions", versions, methods=["GET"]),
    Route(_FORM + "/versions/{version}.xml", version_xml, methods=["GET"]),
    *[Route(_FORM + path, fields, methods=["GET"]) for path in _FIELDS],
]
