"""Public links over REST, as ODK Central's: `GET|POST .../forms/{formId}/public-links`
(`{"displayName", "once"}`) and `DELETE .../public-links/{linkId}`, for project managers.

Whoever holds a link's token fills that form and nothing else: on the link's page
(`/projects/{id}/forms/{formId}/link?st=TOKEN`, server/web/public_link_pages.py) or on the
OpenRosa routes with `?st=TOKEN`, as Central's. Links are refused on forms without a published
version (a draft is never public) and on forms that read an entity list, which would go to
whoever holds the link.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.accounts.keys import TokenBox, new_token, token_hash
from server.auth import Permission, authorize
from server.errors import Problem, ProblemCode
from server.resolve import resolve_form
from server.rest.http import json_body, ok, text_field
from server.rest.shapes import JsonObject, iso
from server.services import services
from storage.accounts.public_links import (
    PublicLinkRecord,
    create_public_link,
    entity_lists_read,
    list_public_links,
    revoke_public_link,
)
from storage.audit import record
from storage.db import transaction
from storage.forms.versions import FormRecord

FORM = "/v1/projects/{project_id:id}/forms/{form_id}"


def issue_public_link(
    connection: Connection,
    box: TokenBox,
    form: FormRecord,
    *,
    display_name: str,
    once: bool,
    created_by: int,
    now: datetime,
) -> tuple[PublicLinkRecord, str]:
    """Create a public link to a published form that reads no entity list; its token is
    returned here, stored hashed and sealed. Audited as `public_link.create`."""
    if form.current_version_id is None:
        raise Problem(
            ProblemCode.CONFLICT,
            reason="the form has no published version: a draft cannot have a public link",
        )
    lists = entity_lists_read(connection, form.current_version_id, form.project_id)
    if lists:
        raise Problem(
            ProblemCode.CONFLICT,
            reason=f"the form reads the entity list '{lists[0]}': whoever holds a public link "
            "could download it",
        )
    token = new_token()
    link = create_public_link(
        connection,
        form_id=form.id,
        display_name=display_name,
        once=once,
        token_hash=token_hash(token),
        token_cipher=box.seal(token),
        created_by=created_by,
        now=now,
    )
    record(
        connection,
        actor_id=created_by,
        action="public_link.create",
        actee_type="form",
        actee_id=form.xml_form_id,
        now=now,
        details={"linkId": link.id, "displayName": display_name, "once": once},
    )
    return link, token


def link_url(base_url: str, form: FormRecord, token: str) -> str:
    """The link's page, the address handed to respondents."""
    form_id = quote(form.xml_form_id, safe="")
    return f"{base_url}/projects/{form.project_id}/forms/{form_id}/link?st={quote(token, safe='')}"


def link_token(box: TokenBox, link: PublicLinkRecord) -> str | None:
    return box.open(link.token_cipher) if link.token_cipher else None


def public_link_json(link: PublicLinkRecord, token: str | None) -> JsonObject:
    return {
        "id": link.id,
        "type": "public-link",
        "displayName": link.display_name,
        "once": link.once,
        "token": token,
        "createdAt": iso(link.created_at),
        "updatedAt": iso(link.updated_at),
        "deletedAt": iso(link.deleted_at),
        "createdBy": link.created_by,
    }


async def create(request: Request) -> Response:
    await authorize(request, Permission.PROJECT_MANAGE)
    body = await json_body(request)
    name = text_field(body, "displayName") or ""
    once = body.get("once", False)
    if not isinstance(once, bool):
        raise Problem(ProblemCode.BAD_REQUEST, reason="'once' must be true or false")
    return await run_in_threadpool(_create, request, name, once)


def _create(request: Request, display_name: str, once: bool) -> Response:
    state = services(request)
    with transaction(state.engine) as connection:
        actor, form = _form(connection, request)
        link, token = issue_public_link(
            connection,
            state.token_box,
            form,
            display_name=display_name,
            once=once,
            created_by=actor,
            now=state.clock(),
        )
        return JSONResponse(public_link_json(link, token))


def list_all(request: Request) -> Response:
    state = services(request)
    with transaction(state.engine, read_only=True) as connection:
        _actor, form = _form(connection, request)
        links = list_public_links(connection, form.id)
    return JSONResponse([public_link_json(k, link_token(state.token_box, k)) for k in links])


async def revoke(request: Request) -> Response:
    await authorize(request, Permission.PROJECT_MANAGE)
    return await run_in_threadpool(_revoke, request)


def _revoke(request: Request) -> Response:
    state = services(request)
    with transaction(state.engine) as connection:
        actor, form = _form(connection, request)
        link_id = int(request.path_params["link_id"])
        revoke_public_link(connection, form.id, link_id, state.clock())
        record(
            connection,
            actor_id=actor,
            action="public_link.delete",
            actee_type="form",
            actee_id=form.xml_form_id,
            now=state.clock(),
            details={"linkId": link_id},
        )
    return ok()


def _form(connection: Connection, request: Request) -> tuple[int, FormRecord]:
    caller, form = resolve_form(connection, request, Permission.PROJECT_MANAGE)
    return caller.required_actor.id, form


ROUTES = [
    Route(FORM + "/public-links", list_all, methods=["GET"]),
    Route(FORM + "/public-links", create, methods=["POST"]),
    Route(FORM + "/public-links/{link_id:id}", revoke, methods=["DELETE"]),
]
