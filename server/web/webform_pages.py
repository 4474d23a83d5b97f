"""Forms in the browser, rendered by ODK Web Forms: a preview of any version (the draft, the
published one, an older one) that behaves as the device does, a new submission, and the edit
of a submission. What they send goes through Collect's intake (server/web/webform_intake.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Connection
from starlette.responses import Response
from starlette.routing import Route

from converters.submission import parse_submission
from server.auth import Caller, Permission
from server.errors import Problem, ProblemCode
from server.exports.entity_csv import COLLECT_COPY, attachment_copy
from server.openrosa.routes import Media, form_media, media_response
from server.web import webforms
from server.web.form_pages import FORM, crumbs, form_url, load_form
from server.web.http import Web, page
from server.web.render import segment, translate
from server.web.submission_pages import submission_url
from storage.db import transaction
from storage.errors import NotFound, StorageCode
from storage.forms.drafts import get_draft
from storage.forms.versions import (
    FormRecord,
    FormVersionRecord,
    find_version,
    get_version,
    get_xform,
)
from storage.submissions.queries import SubmissionRecord, get_submission, get_xml, list_attachments
from storage.submissions.store import original_submitter

SUBMISSION = FORM + "/submissions/{instance_id:path}"


@dataclass(frozen=True, slots=True)
class Filling:
    """What the page's script (static/webform.js) needs to run a form."""

    mode: str  # "preview", "new", "edit" or "link"
    xform: str
    media: str  # URL of the form's media files, "{name}" standing for a file's name
    submit: str = ""  # where a submission is posted; nothing is sent from a preview
    instance: str = ""  # the XML being edited
    files: tuple[str, ...] = ()  # the names of its files, fetched from `files_url`
    files_url: str = ""
    max_size: int = 0  # BAOBAB_MAX_SUBMISSION_SIZE: larger submissions go in several posts
    done: str = ""  # where to go once an edit is saved
    once: str = ""  # a public link to use once per browser: its id


def render_filling(web: Web, filling: Filling, title: str, **context: object) -> Response:
    """The page that runs ODK Web Forms, under its own policy (server/web/webforms.py)."""
    values: dict[str, object] = {
        "filling": filling,
        "title": title,
        "import_map": webforms.IMPORT_MAP,
        "installed": webforms.installed(),
        **context,
    }
    response = web.render("webform.html", 200, **values)
    response.headers["Content-Security-Policy"] = webforms.FORM_CSP
    return response


def preview(web: Web) -> Response:
    """The form as the device shows it: skip logic, constraints and their messages,
    calculations, every language, its media and entity lists; Send only checks the answers."""
    form = load_form(web, Permission.FORM_READ)
    version = _shown_version(web, form)
    with transaction(web.state.engine, read_only=True) as connection:
        xform = get_xform(connection, version.id)
    query = _version_query(web, form, version)
    filling = Filling("preview", xform, f"{form_url(form)}/media/{{name}}{query}")
    return render_filling(
        web,
        filling,
        version.title,
        form=form,
        version=version,
        draft=bool(web.query("draft")),
        spec_url=f"{form_url(form)}/preview{query}",
        crumbs=crumbs(web, form, (translate("Preview"), None)),
    )


def media_file(web: Web) -> Response:
    """A media file of the version a preview shows (an entity list as CSV: ODK Collect's copy
    for those who may submit with the form, a person's copy for the others)."""
    form = load_form(web, Permission.FORM_READ)
    version = _shown_version(web, form)
    name = web.request.path_params["name"]
    with transaction(web.state.engine, read_only=True) as connection:
        media = form_media(connection, version.id, form.project_id)
    found = next((m for m in media if m.name == name), None)
    if found is None:
        raise NotFound(StorageCode.NOT_FOUND, what=f"the form attachment '{name}'")
    copy = COLLECT_COPY
    if found.entity_list is not None:
        copy = attachment_copy(web.caller, found.entity_list, form.id)
    return media_response(web.request, found, copy)


def new_submission(web: Web) -> Response:
    form = load_form(web, Permission.SUBMISSION_CREATE)
    if form.current_version_id is None:
        raise NotFound(StorageCode.FORM_NOT_FOUND, form_id=form.xml_form_id)
    with transaction(web.state.engine, read_only=True) as connection:
        version = get_version(connection, form.current_version_id)
        xform = get_xform(connection, version.id)
    filling = Filling(
        "new",
        xform,
        f"{form_url(form)}/media/{{name}}",
        submit=f"{form_url(form)}/submissions/new",
        max_size=web.state.settings.max_submission_size,
    )
    return render_filling(
        web,
        filling,
        version.title,
        form=form,
        version=version,
        crumbs=crumbs(web, form, (translate("New submission"), None)),
    )


def edit_submission(web: Web) -> Response:
    """Central's `.../submissions/{instanceId}/edit`: the current version of the submission and
    its files, in the form version it was sent with; saving sends a new version whose
    meta/deprecatedID is the current instanceID."""
    form = load_form(web, Permission.SUBMISSION_CREATE)
    instance_id = web.request.path_params["instance_id"]
    with transaction(web.state.engine, read_only=True) as connection:
        submission = may_edit(connection, web.caller, form, instance_id)
        xml = get_xml(connection, submission.current.id)
        envelope, _root = parse_submission(xml.encode("utf-8"), check_ids=False)
        version = find_version(connection, form.id, envelope.version or "")
        if version is None:
            raise NotFound(
                StorageCode.FORM_VERSION_NOT_FOUND,
                form_id=form.xml_form_id,
                version=envelope.version or "",
            )
        xform = get_xform(connection, version.id)
        files = tuple(
            f.name for f in list_attachments(connection, submission.current.id) if f.blob_sha256
        )
    page_url = submission_url(form, instance_id)
    query = f"?version={segment(version.version)}" if version.id != form.current_version_id else ""
    filling = Filling(
        "edit",
        xform,
        f"{form_url(form)}/media/{{name}}{query}",
        submit=f"{page_url}/edit",
        instance=xml,
        files=files,
        files_url=f"{page_url}/edit/files/",
        max_size=web.state.settings.max_submission_size,
        done=page_url if web.caller.can(Permission.SUBMISSION_READ, form.project_id) else "",
    )
    return render_filling(
        web,
        filling,
        version.title,
        form=form,
        version=version,
        crumbs=crumbs(
            web,
            form,
            (translate("Submissions"), form_url(form) + "/submissions"),
            (submission.current.instance_name or instance_id, page_url),
            (translate("Edit"), None),
        ),
    )


def edit_file(web: Web) -> Response:
    """A file of the submission being edited, for Web Forms to show and send again."""
    form = load_form(web, Permission.SUBMISSION_CREATE)
    name = web.request.path_params["name"]
    with transaction(web.state.engine, read_only=True) as connection:
        submission = may_edit(connection, web.caller, form, web.request.path_params["instance_id"])
        found = next(
            (
                f
                for f in list_attachments(connection, submission.current.id)
                if f.name == name and f.blob_sha256
            ),
            None,
        )
    if found is None or found.blob_sha256 is None:
        raise NotFound(StorageCode.NOT_FOUND, what=f"the submission file '{name}'")
    # Served as form media are: a safe type, never the type it was sent as.
    media = Media(found.name, found.blob_sha256, found.md5 or found.blob_sha256, found.size)
    return media_response(web.request, media)


def may_edit(
    connection: Connection, caller: Caller, form: FormRecord, instance_id: str
) -> SubmissionRecord:
    """The submission, if the caller may edit it: a role that may update submissions, or the
    person who sent it (the rule intake applies to every edit, whatever route it comes by)."""
    submission = get_submission(connection, form.id, instance_id)
    if caller.can(Permission.SUBMISSION_UPDATE, form.project_id, form.id):
        return submission
    sender = original_submitter(connection, form.id, submission.current.instance_id)
    if caller.actor is None or sender != caller.actor.id:
        raise Problem(ProblemCode.EDIT_FORBIDDEN, instance_id=instance_id)
    return submission


def _shown_version(web: Web, form: FormRecord) -> FormVersionRecord:
    """The version a preview shows: `?draft=1` the draft (those who may publish), `?version=V`
    that published version, else the current one."""
    with transaction(web.state.engine, read_only=True) as connection:
        if web.query("draft"):
            web.require(Permission.FORM_PUBLISH, form.project_id)
            return get_draft(connection, form)
        if web.query("version"):
            found = find_version(connection, form.id, web.query("version"))
            if found is None or found.published_at is None:
                raise NotFound(
                    StorageCode.FORM_VERSION_NOT_FOUND,
                    form_id=form.xml_form_id,
                    version=web.query("version"),
                )
            return found
        if form.current_version_id is None:
            raise NotFound(StorageCode.FORM_NOT_FOUND, form_id=form.xml_form_id)
        return get_version(connection, form.current_version_id)


def _version_query(web: Web, form: FormRecord, version: FormVersionRecord) -> str:
    if web.query("draft"):
        return "?draft=1"
    if version.id != form.current_version_id:
        return f"?version={segment(version.version)}"
    return ""


ROUTES = [
    Route(FORM + "/preview/form", page(preview), methods=["GET"]),
    Route(FORM + "/media/{name}", page(media_file), methods=["GET"]),
    Route(FORM + "/submissions/new", page(new_submission), methods=["GET"]),
    Route(SUBMISSION + "/edit", page(edit_submission), methods=["GET"]),
    Route(SUBMISSION + "/edit/files/{name}", page(edit_file), methods=["GET"]),
]
