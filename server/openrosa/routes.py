"""OpenRosa form delivery for ODK Collect and Enketo: formList, the XForm, its manifest and media,
and the integrity check of an entity list (which of the entities a device holds are deleted).

Served under /v1/projects/{id}/ for web users and /v1/key/{token}/projects/{id}/ for app users;
every link keeps the prefix it was asked under, as Central's do.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from server.auth import Caller, Permission, api_root, authenticate
from server.downloads import safe_media_type, xml_download
from server.errors import Problem, ProblemCode
from server.exports.entity_csv import (
    COLLECT_COPY,
    ListCopy,
    attachment_copy,
    device_scope,
    entity_list_csv,
)
from server.openrosa.documents import (
    FormListEntry,
    MediaFile,
    entity_integrity,
    form_list,
    manifest,
)
from server.openrosa.http import openrosa_endpoint, require_openrosa_version, xml_response
from server.resolve import resolve_form, resolve_list
from server.rest.http import attachment_header
from server.services import services
from storage.db import transaction
from storage.entities.lists import EntityListRecord, list_lists
from storage.entities.queries import reading_forms
from storage.entities.scope import EntityScope, entity_states, scoped_state
from storage.errors import NotFound, StorageCode
from storage.forms.versions import get_version, get_xform, list_forms
from storage.schema import system as s


@dataclass(frozen=True, slots=True)
class Media:
    name: str
    sha256: str | None  # None for an entity list, made from the list when asked for
    md5: str
    size: int | None
    entity_list: EntityListRecord | None = None
    scope: EntityScope | None = None  # the subset of the list the caller's devices get


def project_base(request: Request, project_id: int) -> str:
    settings = services(request).settings
    return f"{settings.base_url}{api_root(request)}/projects/{project_id}"


@openrosa_endpoint
async def form_list_endpoint(request: Request) -> Response:
    require_openrosa_version(request)
    return xml_response(await run_in_threadpool(_form_list, request), request)


def _form_list(request: Request) -> bytes:
    project_id = int(request.path_params["project_id"])
    only = request.query_params.get("formID")
    entries = []
    with transaction(services(request).engine, read_only=True) as connection:
        caller = authenticate(connection, request)
        caller.require(Permission.FORM_READ, project_id)
        base = project_base(request, project_id)
        for form in list_forms(connection, project_id):
            if form.state != "open" or form.current_version_id is None:
                continue  # closing and closed forms are hidden from devices
            if (only and form.xml_form_id != only) or not caller.can(
                Permission.FORM_READ, project_id, form.id
            ):
                continue
            version = get_version(connection, form.current_version_id)
            link = f"{base}/forms/{quote(form.xml_form_id, safe='')}"
            has_media = bool(
                form_media(connection, form.current_version_id, project_id, hashes=False)
            )
            entries.append(
                FormListEntry(
                    form_id=form.xml_form_id,
                    name=form.name or form.xml_form_id,
                    version=version.version,
                    md5=version.xform_md5,
                    download_url=f"{link}.xml",
                    manifest_url=f"{link}/manifest" if has_media else None,
                )
            )
    return form_list(entries)


@openrosa_endpoint
async def form_xml_endpoint(request: Request) -> Response:
    xform = await run_in_threadpool(_form_xml, request)
    # The exact bytes stored: their MD5 is the hash in the form list.
    return xml_download(xform.encode("utf-8"), f"{request.path_params['form_id']}.xml")


def _form_xml(request: Request) -> str:
    with transaction(services(request).engine, read_only=True) as connection:
        _caller, form = resolve_form(connection, request, Permission.FORM_READ)
        if form.current_version_id is None:
            raise NotFound(StorageCode.FORM_NOT_FOUND, form_id=form.xml_form_id)
        return get_xform(connection, form.current_version_id)


@openrosa_endpoint
async def manifest_endpoint(request: Request) -> Response:
    require_openrosa_version(request)
    return xml_response(await run_in_threadpool(_manifest, request), request)


def _manifest(request: Request) -> bytes:
    with transaction(services(request).engine, read_only=True) as connection:
        caller, form = resolve_form(connection, request, Permission.FORM_READ)
        media = form_media(connection, form.current_version_id, form.project_id, caller=caller)
    base = project_base(request, form.project_id)
    link = f"{base}/forms/{quote(form.xml_form_id, safe='')}"
    return manifest([_media_file(m, link, base) for m in media])


def _media_file(media: Media, link: str, base: str) -> MediaFile:
    download = f"{link}/attachments/{quote(media.name, safe='')}"
    if media.entity_list is None:
        return MediaFile(media.name, media.md5, download)
    return MediaFile(
        media.name,
        media.md5,
        download,
        kind="approvalEntityList" if media.entity_list.approval_required else "entityList",
        integrity_url=f"{base}/datasets/{quote(media.entity_list.name, safe='')}/integrity",
    )


@openrosa_endpoint
async def media_endpoint(request: Request) -> Response:
    return media_response(request, *await run_in_threadpool(_media, request))


def _media(request: Request) -> tuple[Media, ListCopy]:
    name = request.path_params["name"]
    with transaction(services(request).engine, read_only=True) as connection:
        caller, form = resolve_form(connection, request, Permission.FORM_READ)
        media = form_media(connection, form.current_version_id, form.project_id, caller=caller)
    found = next((m for m in media if m.name == name), None)
    if found is None:
        raise NotFound(StorageCode.NOT_FOUND, what=f"the form attachment '{name}'")
    if found.entity_list is None:
        return found, COLLECT_COPY
    return found, attachment_copy(caller, found.entity_list, form.id, found.scope)


def form_media(
    connection: Connection,
    form_version_id: int | None,
    project_id: int,
    *,
    hashes: bool = True,
    caller: Caller | None = None,
) -> list[Media]:
    """The form's media files that have content (Central never lists an empty one: Collect
    would fail the whole download on its 404). A file named after one of the project's entity
    lists (`returnees.csv`) is that list, as it is now, narrowed to what the `caller`'s devices
    get (ownerOnly, access filters; a draft's test key gets it whole, as in Central); its hash
    takes a scan of the list, so `hashes=False` (a form list only asks whether there is media)
    leaves it empty."""
    if form_version_id is None:
        return []
    rows = connection.execute(
        sa.select(s.form_attachments.c.name, s.blobs.c.sha256, s.blobs.c.md5, s.blobs.c.size)
        .outerjoin(s.blobs, s.blobs.c.sha256 == s.form_attachments.c.blob_sha256)
        .where(s.form_attachments.c.form_version_id == form_version_id)
        .order_by(s.form_attachments.c.name)
    ).all()
    lists = (
        {f"{found.name}.csv": found for found in list_lists(connection, project_id)} if rows else {}
    )
    media = []
    for row in rows:
        entity_list = lists.get(row.name)
        if entity_list is not None:
            scope = device_scope(connection, caller, entity_list) if caller else None
            state = scoped_state(connection, entity_list, scope) if hashes else ""
            media.append(Media(row.name, None, state, None, entity_list, scope))
        elif row.sha256 is not None:
            media.append(Media(row.name, row.sha256, row.md5, row.size))
    return media


def media_response(request: Request, media: Media, copy: ListCopy = COLLECT_COPY) -> Response:
    """A form media file: the stored blob, or an entity list written out as CSV as it streams
    (Collect's copy, or a person's: server/exports/entity_csv.py)."""
    etag = f'"{copy.etag(media.md5)}"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    headers = {
        "ETag": etag,
        **attachment_header(media.name),
    }
    if media.entity_list is not None:
        chunks = entity_list_csv(services(request).engine, media.entity_list, copy)
        return StreamingResponse(chunks, media_type="text/csv; charset=utf-8", headers=headers)
    assert media.sha256 is not None
    chunks = services(request).blobs.iter_chunks(media.sha256)
    headers["Content-Length"] = str(media.size)
    headers["Content-Type"] = safe_media_type(media.name)  # a download: never as uploaded
    return StreamingResponse(chunks, headers=headers)


@openrosa_endpoint
async def integrity_endpoint(request: Request) -> Response:
    """Which of the entities Collect holds offline are deleted (`?id=uuid,uuid`, or the whole
    list), as Central (lib/resources/datasets.js). Unlike Central, a caller whose devices get
    a subset of the list (ownerOnly, access filter) hears only about that subset: an entity
    id outside it is left out as unknown, so a device learns no other entity's id here."""
    return xml_response(await run_in_threadpool(_integrity, request), request)


def _integrity(request: Request) -> bytes:
    project_id = int(request.path_params["project_id"])
    ids = _ids(request)
    with transaction(services(request).engine, read_only=True) as connection:
        caller, _actor, entity_list = resolve_list(connection, request, Permission.FORM_READ)
        # Anyone who may list entities, or read an open form that takes the list to devices.
        if not caller.can(Permission.SUBMISSION_READ, project_id) and not any(
            state != "closed" and caller.can(Permission.FORM_READ, project_id, form_id)
            for form_id, state in reading_forms(connection, entity_list)
        ):
            raise Problem(ProblemCode.FORBIDDEN)
        scope = device_scope(connection, caller, entity_list)
        states = entity_states(connection, entity_list.id, ids, scope)
    return entity_integrity(states)


def _ids(request: Request) -> list[str] | None:
    """Collect's `?id=a,b,c` (repeated `id` parameters are taken too); None without any."""
    given = request.query_params.getlist("id")
    if not given:
        return None
    return list(dict.fromkeys(i.strip() for v in given for i in v.split(",") if i.strip()))


ROUTES = [
    Route("/v1/projects/{project_id:id}/formList", form_list_endpoint, methods=["GET", "HEAD"]),
    Route("/v1/projects/{project_id:id}/forms/{form_id}.xml", form_xml_endpoint),
    Route("/v1/projects/{project_id:id}/forms/{form_id}/manifest", manifest_endpoint),
    Route("/v1/projects/{project_id:id}/forms/{form_id}/attachments/{name}", media_endpoint),
    Route("/v1/projects/{project_id:id}/datasets/{name}/integrity", integrity_endpoint),
]
