"""A public link's own page (`.../forms/{formId}/link?st=TOKEN`): anyone holding the link fills
the form in ODK Web Forms, without an account, and what they send goes through Collect's
intake attributed to the link. A link made with `once` takes one submission per browser: the
browser remembers it (a cookie the server checks, and the page's own note), as Enketo's
single-submission links do. Revoking the link stops the page and its posts at once."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from converters.errors import ConversionError
from converters.submission import parse_submission
from server.auth import SESSION_COOKIE, Caller, Permission, authenticate
from server.body_limit import allow_body
from server.errors import Problem, ProblemCode
from server.rest.public_links import issue_public_link
from server.services import services
from server.submissions.intake import IncomingFile, receive_submission
from server.submissions.routes import submission_parts
from server.web.form_pages import FORM, form_url, load_form
from server.web.http import Web, page, page_language
from server.web.render import translate
from server.web.webform_intake import answer, refusal
from server.web.webform_pages import Filling, render_filling
from storage.accounts.public_links import (
    PUBLIC_LINK,
    PublicLinkRecord,
    get_public_link,
    link_actor,
    revoke_public_link,
)
from storage.db import transaction
from storage.errors import StorageError
from storage.forms.versions import FormRecord, get_form, get_version, get_xform

LINK = FORM + "/link"
USED = "This link has already been used to send answers from this browser."
DEAD = (
    "This link does not work: it was revoked, or it is incomplete. Ask whoever sent it for a new "
    "one."
)


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds the link: the link itself, and the form it opens."""

    link: PublicLinkRecord
    form: FormRecord

    @property
    def cookie(self) -> str:  # the instanceID sent from this browser, for links used once
        return f"baobab_link_{self.link.id}"


def create_link(web: Web) -> Response:
    """A manager makes a public link on the form's page (as POST .../public-links does)."""
    form = load_form(web, Permission.PROJECT_MANAGE)
    name = web.field("display_name")
    if not name:
        raise Problem(ProblemCode.MISSING_PARAMETER, field="display_name")
    with transaction(web.state.engine) as connection:
        issue_public_link(
            connection,
            web.state.token_box,
            form,
            display_name=name,
            once=web.field("once") == "yes",
            created_by=web.actor.id,
            now=web.state.clock(),
        )
    return web.redirect(form_url(form) + "#public-links", "Public link created.")


def revoke_link(web: Web) -> Response:
    form = load_form(web, Permission.PROJECT_MANAGE)
    link_id = web.path_int("link_id")
    with transaction(web.state.engine) as connection:
        revoke_public_link(connection, form.id, link_id, web.state.clock())
        web.audit(connection, "public_link.delete", "form", form.xml_form_id, {"linkId": link_id})
    return web.redirect(form_url(form) + "#public-links", "Public link revoked.")


def link_page(web: Web) -> Response:
    token = web.query("st")
    if not token:  # as any page without its credentials
        if web.caller.actor is None:
            return RedirectResponse("/login", status_code=303)
        raise Problem(ProblemCode.FORBIDDEN)
    try:
        with transaction(web.state.engine, read_only=True) as connection:
            holder = _holder(connection, web.request)
    except Problem as error:  # a respondent is told what happened, in words
        if error.status not in (401, 403):
            raise
        message = translate(DEAD)
        return web.render("error.html", status=403, status_code=403, message=message, details={})
    with transaction(web.state.engine, read_only=True) as connection:
        assert holder.form.current_version_id is not None  # a link opens published forms only
        version = get_version(connection, holder.form.current_version_id)
        xform = get_xform(connection, version.id)
    used = holder.link.once and web.request.cookies.get(holder.cookie)
    key = f"?st={quote(token, safe='')}"
    filling = Filling(
        "link",
        xform,
        f"/v1/projects/{holder.form.project_id}/forms/{quote(holder.form.xml_form_id, safe='')}"
        f"/attachments/{{name}}{key}",
        submit=f"{form_url(holder.form)}/link{key}",
        max_size=web.state.settings.max_submission_size,
        once=str(holder.link.id) if holder.link.once else "",
    )
    if used:
        return web.render(
            "error.html", status=409, status_code=409, message=translate(USED), details={}
        )
    return render_filling(web, filling, version.title, form=holder.form)


async def link_post(request: Request) -> Response:
    """What the page's script sends: refused unread without a live link to this form."""
    language = "en"
    try:
        if not request.query_params.get("st"):
            if request.cookies.get(SESSION_COOKIE):
                return answer(403, "")
            return RedirectResponse("/login", status_code=303)
        holder, language = await run_in_threadpool(_link_holder, request)
        allow_body(request)
        async with submission_parts(request) as (xml, files):
            result = await run_in_threadpool(_store, request, holder, xml, files)
    except (Problem, StorageError, ConversionError, HTTPException) as error:
        return await run_in_threadpool(refusal, error, language)
    response = JSONResponse(result, status_code=201)
    if holder.link.once:
        response.set_cookie(
            holder.cookie,
            str(result["instanceId"]),
            max_age=10 * 365 * 24 * 3600,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
    return response


def _link_holder(request: Request) -> tuple[Holder, str]:
    with transaction(services(request).engine, read_only=True) as connection:
        holder = _holder(connection, request)
    return holder, page_language(request, Caller(None, "anonymous"))


def _holder(connection: Connection, request: Request) -> Holder:
    """The live public link in `?st=` and its form, or 403 (a revoked or unknown link, an app
    user's key, another form's link)."""
    project_id = int(request.path_params["project_id"])
    caller = authenticate(connection, request)
    form = get_form(connection, project_id, request.path_params["form_id"])
    actor = caller.require(Permission.SUBMISSION_CREATE, project_id, form.id)
    if actor.type != PUBLIC_LINK:
        raise Problem(ProblemCode.FORBIDDEN)
    return Holder(get_public_link(connection, form.id, actor.id), form)


def _store(
    request: Request, holder: Holder, xml: bytes, files: list[IncomingFile]
) -> dict[str, object]:
    envelope, _root = parse_submission(xml)
    sent = request.cookies.get(holder.cookie)
    if holder.link.once and sent and sent != envelope.instance_id:  # the next part is welcome
        raise Problem(ProblemCode.CONFLICT, reason=USED)
    actor = Caller(link_actor(holder.link), "key", frozenset({holder.form.id}))
    stored = receive_submission(
        services(request).intake,
        project_id=holder.form.project_id,
        xml=xml,
        files=files,
        identify=lambda _connection: actor,
        device_id=request.query_params.get("deviceID") or None,
        user_agent=request.headers.get("user-agent"),
        expected_form_id=holder.form.xml_form_id,
        takes_edits=False,  # a link sends new submissions only
    )
    return {"instanceId": stored.instance_id, "url": ""}


ROUTES = [
    Route(LINK, page(link_page, public=True), methods=["GET"]),
    Route(LINK, link_post, methods=["POST"]),
    Route(FORM + "/links", page(create_link), methods=["POST"]),
    Route(FORM + "/links/{link_id:id}/revoke", page(revoke_link), methods=["POST"]),
]
