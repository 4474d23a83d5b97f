"""Submissions over REST, with Central's paths and shapes: list (paged), get, XML, create and
edit from an XML body, review state, comments, versions (edit history) and attachments."""

from __future__ import annotations

from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from converters.submission import parse_submission
from converters.submission_view import without_answers
from server.auth import Permission, authenticate, authorize
from server.downloads import file_headers, xml_download
from server.errors import Problem, ProblemCode
from server.exports.form_data import hidden_xpaths
from server.resolve import resolve_form, resolve_submission
from server.rest import trash
from server.rest.http import (
    Spool,
    bounded_body,
    json_body,
    ok,
    page,
    spooled_body,
    text_field,
)
from server.rest.shapes import comment_json, submission_json, version_json
from server.sensitive import name_hidden
from server.services import services
from server.submissions.intake import receive_submission
from storage.accounts.access import ActorRecord, load_actor
from storage.audit import record
from storage.blobs.store import copy_hashing
from storage.db import transaction
from storage.entities.approval import approve_submission
from storage.errors import Conflict, NotFound, StorageCode
from storage.submissions.queries import (
    AttachmentRecord,
    SubmissionRecord,
    add_comment,
    find_version_by_instance,
    get_submission,
    get_xml,
    list_attachments,
    list_comments,
    list_submissions,
    list_versions,
    set_review_state,
)
from storage.submissions.store import Outcome, attach_file

MAX_XML_BYTES = 20_000_000
MAX_FILE_BYTES = 100_000_000


def _extended(request: Request) -> bool:
    return request.headers.get("x-extended-metadata", "").lower() == "true"


def list_all(request: Request) -> Response:
    if request.query_params.get("deleted") == "true":  # Central's trash listing
        return trash.list_deleted_submissions(request)
    limit, offset = page(request)
    with transaction(services(request).engine, read_only=True) as connection:
        caller, form = resolve_form(connection, request, Permission.SUBMISSION_READ)
        submissions = list_submissions(connection, form.id, limit=limit, offset=offset)
        actors = _actors(connection, submissions) if _extended(request) else {}
        hidden = name_hidden(hidden_xpaths(connection, form, caller))
    return JSONResponse(
        [
            submission_json(sub, actors.get(sub.submitter_id), name_hidden=hidden)
            for sub in submissions
        ]
    )


def get_one(request: Request) -> Response:
    with transaction(services(request).engine, read_only=True) as connection:
        caller, form, submission = resolve_submission(
            connection, request, Permission.SUBMISSION_READ
        )
        actors = _actors(connection, [submission]) if _extended(request) else {}
        hidden = name_hidden(hidden_xpaths(connection, form, caller))
    return JSONResponse(
        submission_json(submission, actors.get(submission.submitter_id), name_hidden=hidden)
    )


def xml(request: Request) -> Response:
    with transaction(services(request).engine, read_only=True) as connection:
        caller, form, submission = resolve_submission(
            connection, request, Permission.SUBMISSION_READ
        )
        body = get_xml(connection, submission.current_version_id)
        hidden = hidden_xpaths(connection, form, caller)
    return _xml_response(body, hidden, submission.instance_id)


def _xml_response(body: str, hidden: frozenset[str], instance_id: str) -> Response:
    """The XML as stored, or without its sensitive answers for a role that may not read them;
    a download, as everything a device sent."""
    data = without_answers(body.encode("utf-8"), hidden) if hidden else body.encode("utf-8")
    return xml_download(data, f"{instance_id}.xml")


def versions(request: Request) -> Response:
    with transaction(services(request).engine, read_only=True) as connection:
        caller, form, submission = resolve_submission(
            connection, request, Permission.SUBMISSION_READ
        )
        history = list_versions(connection, submission.id)
        hidden = name_hidden(hidden_xpaths(connection, form, caller))
    return JSONResponse([version_json(v, name_hidden=hidden) for v in history])


def version_xml(request: Request) -> Response:
    with transaction(services(request).engine, read_only=True) as connection:
        caller, form, submission = resolve_submission(
            connection, request, Permission.SUBMISSION_READ
        )
        version = find_version_by_instance(
            connection, submission.id, request.path_params["version_id"]
        )
        body = get_xml(connection, version.id)
        hidden = hidden_xpaths(connection, form, caller)
    return _xml_response(body, hidden, version.instance_id)


async def create(request: Request) -> Response:
    """An XML body (pyodk's submissions.create, ODK Web Forms); files follow as attachments."""
    await authorize(request, Permission.SUBMISSION_CREATE)
    body = await _xml_body(request)
    return await run_in_threadpool(_receive, request, body, False)


async def edit(request: Request) -> Response:
    """PUT: a new version whose meta/deprecatedID names the current one."""
    await authorize(request, Permission.SUBMISSION_CREATE)
    body = await _xml_body(request)
    return await run_in_threadpool(_receive, request, body, True)


def _receive(request: Request, body: bytes, editing: bool) -> Response:
    state = services(request)
    project_id = int(request.path_params["project_id"])
    form_id = request.path_params["form_id"]
    if editing:
        _require_edit_of(request, body)
    stored = receive_submission(
        state.intake,
        project_id=project_id,
        xml=body,
        files=[],
        identify=lambda connection: authenticate(connection, request),
        device_id=request.query_params.get("deviceID"),
        user_agent=request.headers.get("user-agent"),
        expected_form_id=form_id,
        takes_edits=editing,  # POST creates; an edit goes to the submission's URL
    )
    if stored.outcome is Outcome.RESENT or (editing and stored.outcome is not Outcome.EDITED):
        # Over REST a resend is a mistake (Central: 409.3), and PUT must edit something.
        raise Conflict(
            StorageCode.ALREADY_EXISTS, what="submission", key=f"instanceID {stored.instance_id}"
        )
    with transaction(state.engine) as connection:
        caller, form = resolve_form(connection, request, Permission.SUBMISSION_CREATE)
        record(
            connection,
            actor_id=caller.actor.id if caller.actor else None,
            action="submission.update.version" if editing else "submission.create",
            actee_type="submission",
            actee_id=stored.instance_id,
            now=state.clock(),
            details={"formId": form.xml_form_id},
        )
        submission = get_submission(
            connection, form.id, request.path_params.get("instance_id", stored.instance_id)
        )
        hidden = name_hidden(hidden_xpaths(connection, form, caller))
    return JSONResponse(submission_json(submission, name_hidden=hidden))


def _require_edit_of(request: Request, body: bytes) -> None:
    """A PUT must edit the submission in its URL, at its current version."""
    envelope, _root = parse_submission(body)
    with transaction(services(request).engine, read_only=True) as connection:
        # Central lets whoever may submit edit over REST, as devices do over OpenRosa; Baobab
        # narrows both to the submitter or a role that may update submissions, in intake
        # (server/submissions/intake.py, _require_edit_rights), which this PUT goes through.
        _caller, _form_record, submission = resolve_submission(
            connection, request, Permission.SUBMISSION_CREATE
        )
    if envelope.deprecated_id is None:
        raise Problem(
            ProblemCode.BAD_REQUEST,
            reason="an edit needs meta/deprecatedID set to the current instanceID "
            f"({submission.current.instance_id})",
        )
    if envelope.deprecated_id != submission.current.instance_id:
        raise Conflict(StorageCode.EDIT_STALE, instance_id=envelope.deprecated_id)


async def _xml_body(request: Request) -> bytes:
    return await bounded_body(request, MAX_XML_BYTES)


async def review(request: Request) -> Response:
    await authorize(request, Permission.SUBMISSION_REVIEW)
    body = await json_body(request)
    return await run_in_threadpool(_review, request, text_field(body, "reviewState") or "")


def _review(request: Request, state_name: str) -> Response:
    state = services(request)
    with transaction(state.engine) as connection:
        caller, form, submission = resolve_submission(
            connection, request, Permission.SUBMISSION_REVIEW
        )
        set_review_state(connection, submission.id, state_name, state.clock())
        actor_id = caller.actor.id if caller.actor else None
        record(
            connection,
            actor_id=actor_id,
            action="submission.update",
            actee_type="submission",
            actee_id=submission.instance_id,
            now=state.clock(),
            details={"reviewState": state_name, "formId": form.xml_form_id},
        )
        if state_name == "approved":  # Central: approval creates what approvalRequired held
            approve_submission(connection, submission.id, state.clock(), actor_id)
        submission = get_submission(connection, form.id, submission.instance_id)
        hidden = name_hidden(hidden_xpaths(connection, form, caller))
    return JSONResponse(submission_json(submission, name_hidden=hidden))


def comments(request: Request) -> Response:
    with transaction(services(request).engine, read_only=True) as connection:
        _caller, _form_record, submission = resolve_submission(
            connection, request, Permission.SUBMISSION_READ
        )
        found = list_comments(connection, submission.id)
    return JSONResponse([comment_json(c) for c in found])


async def comment(request: Request) -> Response:
    await authorize(request, Permission.SUBMISSION_REVIEW)
    body = await json_body(request)
    return await run_in_threadpool(_comment, request, text_field(body, "body") or "")


def _comment(request: Request, text: str) -> Response:
    state = services(request)
    with transaction(state.engine) as connection:
        caller, _form_record, submission = resolve_submission(
            connection, request, Permission.SUBMISSION_REVIEW
        )
        assert caller.actor is not None
        created = add_comment(connection, submission.id, caller.actor.id, text, state.clock())
    return JSONResponse(comment_json(created))


def attachments(request: Request) -> Response:
    with transaction(services(request).engine, read_only=True) as connection:
        caller, form, submission = resolve_submission(
            connection, request, Permission.SUBMISSION_READ
        )
        hidden = hidden_xpaths(connection, form, caller)
        found = list_attachments(connection, submission.current_version_id)
    return JSONResponse(
        [
            {"name": a.name, "exists": a.blob_sha256 is not None}
            for a in found
            if a.xpath not in hidden
        ]
    )


async def attachment(request: Request) -> Response:
    found = await run_in_threadpool(_attachment, request)
    etag = f'"{found.md5}"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    assert found.blob_sha256 is not None
    # The type the device claimed is not used: a file is served as its name implies.
    return StreamingResponse(
        services(request).blobs.iter_chunks(found.blob_sha256),
        headers={"ETag": etag, "Content-Length": str(found.size), **file_headers(found.name)},
    )


def _attachment(request: Request) -> AttachmentRecord:
    name = request.path_params["name"]
    state = services(request)
    with transaction(state.engine) as connection:
        caller, form, submission = resolve_submission(
            connection, request, Permission.SUBMISSION_READ
        )
        found = next(
            (
                a
                for a in list_attachments(connection, submission.current_version_id)
                if a.name == name and a.blob_sha256
            ),
            None,
        )
        if found is None:
            raise NotFound(StorageCode.NOT_FOUND, what=f"the attachment '{name}'")
        if found.xpath in hidden_xpaths(connection, form, caller):
            raise Problem(ProblemCode.FORBIDDEN)
        if caller.actor is not None and caller.actor.type == "user":  # downloads are audited
            record(
                connection,
                actor_id=caller.actor.id,
                action="submission.attachment.download",
                actee_type="submission",
                actee_id=submission.instance_id,
                now=state.clock(),
                details={"form": form.xml_form_id, "name": name},
            )
    return found


async def upload_attachment(request: Request) -> Response:
    """A file for a submission created over REST (pyodk sends it chunked)."""
    await authorize(request, Permission.SUBMISSION_UPDATE)
    async with spooled_body(request, MAX_FILE_BYTES) as spool:
        await run_in_threadpool(_upload_attachment, request, spool)
    return ok()


def _upload_attachment(request: Request, spool: Spool) -> None:
    state = services(request)
    with transaction(state.engine, read_only=True) as connection:
        _caller, _form_record, submission = resolve_submission(
            connection, request, Permission.SUBMISSION_UPDATE
        )
    info = copy_hashing(spool, lambda _chunk: None)  # type: ignore[arg-type]
    spool.seek(0)
    state.blobs.put(spool, known=info)  # type: ignore[arg-type]
    with transaction(state.engine) as connection:
        attach_file(
            connection,
            submission.current_version_id,
            request.path_params["name"],
            info,
            request.headers.get("content-type"),
            state.clock(),
        )


def _actors(
    connection: Connection, submissions: list[SubmissionRecord]
) -> dict[int | None, ActorRecord]:
    ids = {s.submitter_id for s in submissions if s.submitter_id is not None}
    return {i: actor for i in ids if (actor := load_actor(connection, i)) is not None}


_FORM = "/v1/projects/{project_id:id}/forms/{form_id}"
_ONE = _FORM + "/submissions/{instance_id}"
ROUTES = [
    Route(_FORM + "/submissions", list_all, methods=["GET"]),
    Route(_FORM + "/submissions", create, methods=["POST"]),
    Route(_ONE + ".xml", xml, methods=["GET"]),
    Route(_ONE, get_one, methods=["GET"]),
    Route(_ONE, review, methods=["PATCH"]),
    Route(_ONE, edit, methods=["PUT"]),
    Route(_ONE + "/versions", versions, methods=["GET"]),
    Route(_ONE + "/versions/{version_id}.xml", version_xml, methods=["GET"]),
    Route(_ONE + "/comments", comments, methods=["GET"]),
    Route(_ONE + "/comments", comment, methods=["POST"]),
    Route(_ONE + "/attachments", attachments, methods=["GET"]),
    Route(_ONE + "/attachments/{name}", attachment, methods=["GET"]),
    Route(_ONE + "/attachments/{name}", upload_attachment, methods=["POST"]),
]
