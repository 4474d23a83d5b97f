"""What ODK Web Forms sends from Baobab's pages, a new submission or an edit, in one multipart
post or several (Web Forms' `submitChunked` splits one larger than BAOBAB_MAX_SUBMISSION_SIZE,
each part holding the XML and some of the files), each taken through ODK Collect's intake
(server/submissions/intake.py: the tables, the blob store, entities, scores, the duplicate
check), attributed to the signed-in user and the device id Web Forms keeps in the browser.

These endpoints answer the page's script in JSON, not pages. A post is read only once its
sender is known: a session cookie, the session's CSRF token in the X-CSRF-Token header (which
a page of another site cannot set), and the right to submit to the form (for an edit, the
right to edit that submission). Anyone else is refused before the body is read."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from converters.errors import ConversionError
from converters.submission import parse_submission
from server.auth import Caller, Permission, require_form
from server.body_limit import allow_body
from server.errors import Problem, ProblemCode, render, retry_after
from server.services import services
from server.submissions.intake import IncomingFile, receive_submission
from server.submissions.routes import submission_parts
from server.web.form_pages import FORM
from server.web.http import error_message, page_language, signed_in
from server.web.render import translate, use_language
from server.web.submission_pages import submission_url
from server.web.webform_pages import SUBMISSION, may_edit
from storage.audit import record
from storage.db import transaction
from storage.errors import Conflict, StorageCode, StorageError
from storage.forms.versions import FormRecord
from storage.submissions.queries import get_submission
from storage.submissions.store import Outcome

CSRF_HEADER = "x-csrf-token"
EXPIRED = "This form has expired. Go back, reload the page and try again."


@dataclass(frozen=True, slots=True)
class Sender:
    caller: Caller
    form: FormRecord
    language: str


async def new_submission(request: Request) -> Response:
    return await receive(request, editing=False)


async def edited_submission(request: Request) -> Response:
    return await receive(request, editing=True)


async def receive(request: Request, *, editing: bool) -> Response:
    language = "en"
    try:
        caller, csrf, language = await run_in_threadpool(_who, request)
        if caller.actor is None:  # as every page: a stranger is sent to sign in, unread
            return RedirectResponse("/login", status_code=303)
        if not csrf or not hmac.compare_digest(request.headers.get(CSRF_HEADER, ""), csrf):
            return answer(403, translate_in(language, EXPIRED))
        sender = await run_in_threadpool(_allowed, request, caller, language, editing)
        allow_body(request)
        async with submission_parts(request) as (xml, files):
            result = await run_in_threadpool(_store, request, sender, xml, files, editing)
    except (Problem, StorageError, ConversionError, HTTPException) as error:
        return await run_in_threadpool(refusal, error, language)
    return JSONResponse(result, status_code=201)


def _who(request: Request) -> tuple[Caller, str | None, str]:
    caller, csrf = signed_in(request)
    return caller, csrf, page_language(request, caller)


def _allowed(request: Request, caller: Caller, language: str, editing: bool) -> Sender:
    project_id = int(request.path_params["project_id"])
    caller.require(Permission.SUBMISSION_CREATE, project_id)  # before a connection is taken
    with transaction(services(request).engine, read_only=True) as connection:
        form = require_form(
            connection,
            caller,
            Permission.SUBMISSION_CREATE,
            project_id,
            request.path_params["form_id"],
        )
        if editing:
            may_edit(connection, caller, form, request.path_params["instance_id"])
    return Sender(caller, form, language)


def _store(
    request: Request, sender: Sender, xml: bytes, files: list[IncomingFile], editing: bool
) -> dict[str, Any]:
    state = services(request)
    form = sender.form
    instance_id = request.path_params.get("instance_id")
    if editing:
        _require_edit_of(request, form, xml)
    stored = receive_submission(
        state.intake,
        project_id=form.project_id,
        xml=xml,
        files=files,
        identify=lambda _connection: sender.caller,
        device_id=request.query_params.get("deviceID") or None,
        user_agent=request.headers.get("user-agent"),
        expected_form_id=form.xml_form_id,
        takes_edits=editing,
    )
    if stored.outcome is not Outcome.RESENT:  # the next parts of a chunked post add files
        with transaction(state.engine) as connection:
            record(
                connection,
                actor_id=sender.caller.actor.id if sender.caller.actor else None,
                action="submission.update.version" if editing else "submission.create",
                actee_type="submission",
                actee_id=instance_id or stored.instance_id,
                now=state.clock(),
                details={"formId": form.xml_form_id, "via": "web"},
            )
    logical = instance_id or stored.instance_id
    readable = sender.caller.can(Permission.SUBMISSION_READ, form.project_id, form.id)
    return {
        "instanceId": logical,
        "url": submission_url(form, logical) if readable else "",
    }


def _require_edit_of(request: Request, form: FormRecord, xml: bytes) -> None:
    """An edit must replace the current version of the submission its URL names."""
    envelope, _root = parse_submission(xml)
    with transaction(services(request).engine, read_only=True) as connection:
        submission = get_submission(connection, form.id, request.path_params["instance_id"])
    if envelope.deprecated_id is None:
        raise Problem(
            ProblemCode.BAD_REQUEST,
            reason="an edit needs meta/deprecatedID set to the current instanceID "
            f"({submission.current.instance_id})",
        )
    if envelope.deprecated_id != submission.current.instance_id:
        if envelope.instance_id == submission.current.instance_id:
            return  # the next part of this very edit, already stored: intake adds its files
        raise Conflict(StorageCode.EDIT_STALE, instance_id=envelope.deprecated_id)


def refusal(error: Exception, language: str) -> Response:
    rendering = render(error)
    use_language(language)
    message = error_message(error, rendering.message)
    return answer(rendering.status, message, rendering.details, retry_after(rendering))


def translate_in(language: str, message: str) -> str:
    use_language(language)
    return translate(message)


def answer(
    status: int,
    message: str,
    details: dict[str, object] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, object] = {"message": message}
    if details:
        body["details"] = {k: str(v) for k, v in details.items()}
    return JSONResponse(body, status_code=status, headers=headers)


ROUTES = [
    Route(FORM + "/submissions/new", new_submission, methods=["POST"]),
    Route(SUBMISSION + "/edit", edited_submission, methods=["POST"]),
]
