"""HTTP for OpenRosa submissions: HEAD/GET answer 204 (Collect's pre-flight), POST takes the
multipart body Collect sends and hands it to the intake pipeline."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial

from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.auth import Caller, Permission, authenticate, authorize
from server.body_limit import allow_body, limit_body
from server.errors import Problem, ProblemCode
from server.openrosa.documents import openrosa_response
from server.openrosa.http import openrosa_endpoint, require_openrosa_version, xml_response
from server.services import services
from server.submissions.intake import IncomingFile, receive_submission

XML_PART = "xml_submission_file"
MAX_XML_BYTES = 20_000_000  # the XML is read into memory; files are spooled to disk
SUCCESS = "full submission upload was successful!"
_SUCCESS_BODY = openrosa_response(SUCCESS)  # the same for every submission: built once


@openrosa_endpoint
async def submission_endpoint(request: Request) -> Response:
    require_openrosa_version(request)
    project_id = int(request.path_params["project_id"])
    intake = services(request).intake
    key = request.scope.get("baobab.key")
    # The caller and their right to submit to the project are checked before a byte of the
    # body is read; the form-level right (an app user's assigned forms) once the XML names it.
    # A device this process let in before is let in from memory, and checked again in the
    # submission's transaction (server/submissions/devices.py).
    device = intake.devices.recall(key) if request.method == "POST" else None
    identify: Caller | Callable[[Connection], Caller]
    if device is not None:
        device.caller.require(Permission.SUBMISSION_CREATE, project_id)
        allow_body(request)
        identify = partial(authenticate, request=request)
    else:
        identify = await authorize(request, Permission.SUBMISSION_CREATE)
        if request.method == "POST":
            intake.devices.remember(key, identify)
    if request.method in ("HEAD", "GET"):
        # Collect's pre-flight: 204 (not 200) tells it this is an OpenRosa submission endpoint
        # and X-OpenRosa-Accept-Content-Length how large a POST may be.
        return Response(status_code=204)
    async with submission_parts(request) as (xml, files):
        await run_in_threadpool(
            receive_submission,
            intake,
            project_id=project_id,
            xml=xml,
            files=files,
            identify=identify,
            device_id=request.query_params.get("deviceID"),
            user_agent=request.headers.get("user-agent"),
            device=device,
        )
    # A top-up of a known submission (a resend or the next part of a split upload) is a
    # success too: Collect stops resending only on 201.
    return xml_response(_SUCCESS_BODY, request, 201)


@asynccontextmanager
async def submission_parts(
    request: Request,
) -> AsyncIterator[tuple[bytes, list[IncomingFile]]]:
    """The XML and the files of a multipart OpenRosa submission, the files spooled to disk
    while the body streams in; 413 past the server's limit, 400 without the XML part."""
    limited = limit_body(request, services(request).settings.max_submission_size)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Problem(
            ProblemCode.UNSUPPORTED_MEDIA_TYPE,
            content_type=request.headers.get("content-type", "none"),
            expected="an OpenRosa submission is multipart/form-data",
        )
    async with limited.form(max_files=1000, max_fields=1000) as form:
        xml = await _xml_part(form.get(XML_PART))
        files = [
            IncomingFile(name, part.file, part.content_type)
            for name, part in form.multi_items()
            if isinstance(part, UploadFile) and name != XML_PART
        ]
        # Collect sets the part name to the file name in the XML; other clients may only set
        # the filename, so fall back to it.
        files += [
            IncomingFile(part.filename, part.file, part.content_type)
            for name, part in form.multi_items()
            if isinstance(part, UploadFile)
            and name != XML_PART
            and part.filename
            and part.filename != name
        ]
        yield xml, files


async def _xml_part(part: UploadFile | str | None) -> bytes:
    if part is None:
        raise Problem(ProblemCode.MISSING_MULTIPART_FIELD, field=XML_PART)
    if isinstance(part, str):
        return part.encode("utf-8")
    if part.size is not None and part.size > MAX_XML_BYTES:
        raise Problem(ProblemCode.TOO_LARGE, limit=MAX_XML_BYTES)
    data = await part.read(MAX_XML_BYTES + 1)
    if len(data) > MAX_XML_BYTES:
        raise Problem(ProblemCode.TOO_LARGE, limit=MAX_XML_BYTES)
    return data


ROUTES = [
    Route(
        "/v1/projects/{project_id:id}/submission",
        submission_endpoint,
        methods=["HEAD", "GET", "POST"],
    ),
]
