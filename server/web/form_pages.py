"""Form designers' pages: upload an XLSForm and read every problem by sheet, row and column
before anything is published; the draft, its media and its publication; the versions and what
changed between them; open, closing and closed."""

from __future__ import annotations

from dataclasses import asdict

from starlette.responses import Response
from starlette.routing import Route

from converters.errors import FormError
from converters.form_logic import diff_forms
from converters.form_model import FormSchema
from converters.xform_schema import parse_xform
from server.auth import Permission, require_form
from server.errors import Problem, ProblemCode
from server.forms.media import attach_media
from server.forms.upload import MAX_FORM_BYTES, MAX_MEDIA_BYTES, compile_upload
from server.rest.forms import media_json
from server.rest.public_links import link_token, link_url
from server.web.http import Web, page
from server.web.render import N_, segment, translate
from storage.accounts.public_links import list_public_links
from storage.db import transaction
from storage.errors import Conflict, NotFound, StorageCode
from storage.forms.draft_tests import list_draft_submissions
from storage.forms.drafts import (
    discard_draft,
    find_draft,
    publish_draft,
    save_draft,
    suggest_version,
)
from storage.forms.versions import (
    FORM_STATES,
    FormRecord,
    find_version,
    get_xform,
    list_versions,
    set_form_state,
)
from storage.projects import get_project

FORM = "/projects/{project_id:id}/forms/{form_id}"
STATE_WORDS = (N_("open"), N_("closing"), N_("closed"))  # shown with _(form.state)


def form_url(form: FormRecord) -> str:
    return f"/projects/{form.project_id}/forms/{segment(form.xml_form_id)}"


def load_form(web: Web, permission: Permission) -> FormRecord:
    project_id = web.path_int("project_id")
    web.require(permission, project_id)  # before a connection is taken
    with transaction(web.state.engine, read_only=True) as connection:
        return require_form(
            connection, web.caller, permission, project_id, web.request.path_params["form_id"]
        )


def crumbs(
    web: Web, form: FormRecord | None, *rest: tuple[str, str | None]
) -> list[tuple[str, str | None]]:
    project_id = web.path_int("project_id")
    with transaction(web.state.engine, read_only=True) as connection:
        project = get_project(connection, project_id)
    trail: list[tuple[str, str | None]] = [
        (translate("Projects"), "/projects"),
        (project.name, f"/projects/{project_id}"),
    ]
    if form is not None:
        trail.append((form.name or form.xml_form_id, form_url(form) if rest else None))
    return trail + list(rest)


def upload(web: Web) -> Response:
    """Check an uploaded XLSForm; keep it as the form's draft when it has no error."""
    project_id = web.path_int("project_id")
    actor = web.require(Permission.FORM_PUBLISH, project_id)
    file = web.upload("xlsform")
    trail = crumbs(web, None, (translate("Upload an XLSForm"), None))
    data = file.file.read(MAX_FORM_BYTES + 1) if file is not None else b""
    if file is None or len(data) > MAX_FORM_BYTES:
        # Not a dead end: the upload form again, the reason by its file field.
        return web.render(
            "upload_result.html",
            status=400 if file is None else 413,
            filename=translate("Upload an XLSForm"),
            issues=[],
            file_error=(
                translate("Choose the XLSForm (or XForm) file to upload.")
                if file is None
                else translate(
                    "This file is larger than %(size)d MB, the most this server takes for a "
                    "form. Put large pictures and lists in media files instead.",
                    size=MAX_FORM_BYTES // 1_000_000,
                )
            ),
            form=None,
            project_id=project_id,
            crumbs=trail,
        )
    try:
        compiled = compile_upload(
            data,
            filename=file.filename,
            content_type=file.content_type,
            validate=web.state.settings.odk_validate,
            form_id_fallback=(file.filename or "").rsplit(".", 1)[0] or None,
        )
    except FormError as error:
        issues = [asdict(i) for i in error.issues] or [
            {"severity": "error", "message": error.message}
        ]
        return web.render(
            "upload_result.html",
            status=400,
            filename=file.filename,
            issues=issues,
            form=None,
            project_id=project_id,
            crumbs=trail,
        )
    with transaction(web.state.engine) as connection:
        form, version = save_draft(
            connection,
            project_id=project_id,
            compiled=compiled,
            now=web.state.clock(),
            source=data,
            actor_id=actor.id,
        )
        web.audit(
            connection,
            "form.update.draft.set",
            "form",
            form.xml_form_id,
            {"version": version.version, "via": "web"},
        )
        version_taken = find_version(connection, form.id, version.version) is not None
    return web.render(
        "upload_result.html",
        filename=file.filename,
        issues=[asdict(w) for w in compiled.warnings],
        form=form,
        version=version,
        version_taken=version_taken,
        project_id=project_id,
        crumbs=trail,
    )


def overview(web: Web) -> Response:
    return _overview(web, load_form(web, Permission.FORM_READ))


def _overview(
    web: Web,
    form: FormRecord,
    *,
    status: int = 200,
    refused_version: str | None = None,
) -> Response:
    """The form's page; after a publish refused for its version name (`refused_version`), the
    same page with the reason next to the version field, and a free name filled in."""
    can_publish = web.caller.can(Permission.FORM_PUBLISH, form.project_id)
    with transaction(web.state.engine, read_only=True) as connection:
        versions = list_versions(connection, form.id)  # published, newest first
        draft = find_draft(connection, form.id) if can_publish else None
        schemas = {v.id: _schema(get_xform(connection, v.id)) for v in versions[:20]}
        draft_schema = _schema(get_xform(connection, draft.id)) if draft else None
        media = (
            media_json(connection, form.current_version_id, form.project_id)
            if form.current_version_id
            else []
        )
        draft_media = media_json(connection, draft.id, form.project_id) if draft else []
        draft_tests = list_draft_submissions(connection, draft.id) if draft else []
        links = list_public_links(connection, form.id) if can_publish else []
    base = web.state.settings.base_url
    public_links = [
        (k, link_url(base, form, link_token(web.state.token_box, k) or "")) for k in links
    ]
    history = []
    for index, version in enumerate(versions[:20]):
        older = versions[index + 1] if index + 1 < len(versions) else None
        before = schemas.get(older.id) if older else None
        history.append((version, diff_forms(before, schemas[version.id]) if older else None))
    current = schemas.get(versions[0].id) if versions else None
    # Every version published needs a name of its own (Central 409.6). A draft whose name is
    # taken gets a free one suggested in the publish field, as Central's publish dialog asks.
    taken = {v.version for v in versions}
    wanted = refused_version if refused_version is not None else (draft.version if draft else "")
    return web.render(
        "form.html",
        status=status,
        form=form,
        current=versions[0] if versions else None,
        title=(versions[0].title if versions else draft.title if draft else form.xml_form_id),
        history=history,
        draft=draft,
        draft_diff=diff_forms(current, draft_schema) if draft_schema and current else None,
        draft_version_taken=draft is not None and draft.version in taken,
        refused_version=refused_version,
        suggested_version=suggest_version(wanted, taken, web.state.clock().date()),
        media=media,
        draft_media=draft_media,
        draft_tests=draft_tests,
        can_publish=can_publish,
        can_submit=web.caller.can(Permission.SUBMISSION_CREATE, form.project_id, form.id),
        public_links=public_links,
        states=FORM_STATES,
        crumbs=crumbs(web, form),
    )


def _schema(xform: str) -> FormSchema:
    return parse_xform(xform.encode("utf-8"))


def publish(web: Web) -> Response:
    """Publish the draft under the version name of the page's field (the draft's own when it is
    left blank). A name already used is not a dead end: the page comes back with the reason
    next to the field and a free name in it."""
    form = load_form(web, Permission.FORM_PUBLISH)
    typed = web.field("version") or None
    try:
        with transaction(web.state.engine) as connection:
            result = publish_draft(connection, form, web.state.clock(), typed)
            web.audit(
                connection,
                "form.update.publish",
                "form",
                form.xml_form_id,
                {"version": result.version.version, "via": "web"},
            )
    except Conflict as error:
        if error.code is not StorageCode.VERSION_EXISTS:
            raise
        return _overview(web, form, status=409, refused_version=str(error.context["version"]))
    return web.redirect(form_url(form), "Version published: devices get it on their next update.")


def discard(web: Web) -> Response:
    form = load_form(web, Permission.FORM_PUBLISH)
    with transaction(web.state.engine) as connection:
        if not discard_draft(connection, form.id):
            raise NotFound(StorageCode.DRAFT_NOT_FOUND, form_id=form.xml_form_id)
        web.audit(connection, "form.update.draft.delete", "form", form.xml_form_id)
    if form.current_version_id is None:
        return web.redirect(f"/projects/{form.project_id}", "Draft discarded.")
    return web.redirect(form_url(form), "Draft discarded.")


def change_state(web: Web) -> Response:
    form = load_form(web, Permission.FORM_PUBLISH)
    state = web.field("state")
    with transaction(web.state.engine) as connection:
        set_form_state(connection, form.id, state, web.state.clock())
        web.audit(connection, "form.update", "form", form.xml_form_id, {"state": state})
    return web.redirect(form_url(form), "Form state changed.")


def upload_media(web: Web) -> Response:
    """A media file (image, CSV list ...) for the draft or the published version."""
    form = load_form(web, Permission.FORM_PUBLISH)
    file = web.upload("file")
    if file is None:
        raise Problem(ProblemCode.MISSING_PARAMETER, field="file")
    with transaction(web.state.engine, read_only=True) as connection:
        draft = find_draft(connection, form.id)
    version_id = draft.id if web.field("target") == "draft" and draft else form.current_version_id
    if version_id is None:
        raise NotFound(StorageCode.DRAFT_NOT_FOUND, form_id=form.xml_form_id)
    file.file.seek(0, 2)
    if file.file.tell() > MAX_MEDIA_BYTES:
        raise Problem(ProblemCode.TOO_LARGE, limit=MAX_MEDIA_BYTES)
    file.file.seek(0)
    name = web.field("name") or file.filename or ""
    attach_media(
        web.state.engine,
        web.state.blobs,
        version_id,
        form.xml_form_id,
        name,
        file.file,
        file.content_type,
        web.state.clock(),
    )
    return web.redirect(form_url(form), "Media file uploaded.")


ROUTES = [
    Route("/projects/{project_id:id}/forms/upload", page(upload), methods=["POST"]),
    Route(FORM, page(overview), methods=["GET"]),
    Route(FORM + "/publish", page(publish), methods=["POST"]),
    Route(FORM + "/draft/discard", page(discard), methods=["POST"]),
    Route(FORM + "/state", page(change_state), methods=["POST"]),
    Route(FORM + "/media", page(upload_media), methods=["POST"]),
]
