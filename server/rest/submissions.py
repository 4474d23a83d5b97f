"""Submissions over REST, as far as devices and their checks need them: the XML of a submission
and its attachments (which files arrived, and the files themselves)."""

from __future__ import annotations

import mimetypes
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from server.auth import Permission, authenticate
from storage.db import transaction
from storage.errors import NotFound, StorageCode
from storage.forms import get_form
from storage.submission_queries import AttachmentRecord, SubmissionRecord, get_submission, get_xml
from storage.submission_queries import list_attachments as stored_attachments


def _submission(request: Request) -> tuple[SubmissionRecord, list[AttachmentRecord], str]:
    project_id = int(request.path_params["project_id"])
    with transaction(request.app.state.engine, read_only=True) as connection:
        caller = authenticate(connection, request)
        caller.require(Permission.SUBMISSION_READ, project_id)
        form = get_form(connection, project_id, request.path_params["form_id"])
        submission = get_submission(connection, form.id, request.path_params["instance_id"])
        attachments = stored_attachments(connection, submission.current_version_id)
        xml = (
            get_xml(connection, submission.current_version_id)
            if request.url.path.endswith(".xml")
            else ""
        )
    return submission, attachments, xml


def xml(request: Request) -> Response:
    _submission_record, _attachments, body = _submission(request)
    return Response(body.encode("utf-8"), media_type="application/xml; charset=utf-8")


def list_attachments(request: Request) -> Response:
    _submission_record, attachments, _xml = _submission(request)
    return JSONResponse(
        [{"name": a.name, "exists": a.blob_sha256 is not None} for a in attachments]
    )


async def attachment(request: Request) -> Response:
    _submission_record, attachments, _xml = await run_in_threadpool(_submission, request)
    name = request.path_params["name"]
    found = next((a for a in attachments if a.name == name and a.blob_sha256), None)
    if found is None or found.blob_sha256 is None:
        raise NotFound(StorageCode.NOT_FOUND, what=f"the attachment '{name}'")
    etag = f'"{found.md5}"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    content_type = found.content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return StreamingResponse(
        request.app.state.blobs.iter_chunks(found.blob_sha256),
        media_type=content_type,
        headers={
            "ETag": etag,
            "Content-Length": str(found.size),
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
        },
    )


_SUBMISSION = "/v1/projects/{project_id:int}/forms/{form_id}/submissions/{instance_id}"
ROUTES = [
    Route(_SUBMISSION + ".xml", xml, methods=["GET"]),
    Route(_SUBMISSION + "/attachments", list_attachments, methods=["GET"]),
    Route(_SUBMISSION + "/attachments/{name}", attachment, methods=["GET"]),
]
