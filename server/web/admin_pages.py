"""The audit log for administrators, and the readable preview of a form (questions, types,
choices, labels in each language, skip logic and constraints as text)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from starlette.responses import Response
from starlette.routing import Route

from converters.form_logic import readable
from converters.xform_schema import parse_xform
from server.auth import Permission
from server.errors import Problem, ProblemCode
from server.web import user_pages
from server.web.form_pages import FORM, crumbs, load_form
from server.web.http import Web, page
from server.web.render import translate
from storage.accounts.access import load_actor
from storage.audit import list_audits
from storage.db import transaction
from storage.errors import NotFound, StorageCode
from storage.forms.drafts import get_draft
from storage.forms.versions import find_version, get_xform

AUDIT_PAGE = 100


def audit(web: Web) -> Response:
    if not web.actor.is_admin:
        raise Problem(ProblemCode.FORBIDDEN)
    try:
        start = date.fromisoformat(web.query("from")) if web.query("from") else None
        end = date.fromisoformat(web.query("to")) if web.query("to") else None
        number = min(max(1, int(web.query("page", "1"))), 10**9)  # an offset the database holds
    except ValueError as error:
        raise Problem(ProblemCode.BAD_REQUEST, reason=str(error)) from error
    with transaction(web.state.engine, read_only=True) as connection:
        entries = list_audits(
            connection,
            action=web.query("action") or None,
            start=datetime.combine(start, time(0), tzinfo=UTC) if start else None,
            end=datetime.combine(end + timedelta(days=1), time(0), tzinfo=UTC) if end else None,
            limit=AUDIT_PAGE + 1,
            offset=(number - 1) * AUDIT_PAGE,
        )
        actors = {e.actor_id: load_actor(connection, e.actor_id) for e in entries if e.actor_id}
    return web.render(
        "audit.html",
        entries=[
            (
                e,
                actors.get(e.actor_id) if e.actor_id else None,
                json.dumps(e.details, ensure_ascii=False) if e.details else "",
            )
            for e in entries[:AUDIT_PAGE]
        ],
        more=len(entries) > AUDIT_PAGE,
        page_number=number,
        filters=web.request.query_params,
        query=lambda **changes: "?" + urlencode({**web.request.query_params, **changes}),
        crumbs=[(translate("Audit log"), None)],
    )


WORDS = ("and", "or", "includes", "this")


def preview(web: Web) -> Response:
    form = load_form(web, Permission.FORM_READ)
    with transaction(web.state.engine, read_only=True) as connection:
        if web.query("draft"):
            web.require(Permission.FORM_PUBLISH, form.project_id)
            version_id = get_draft(connection, form).id
        elif web.query("version"):
            found = find_version(connection, form.id, web.query("version"))
            if found is None:
                raise NotFound(
                    StorageCode.FORM_VERSION_NOT_FOUND,
                    form_id=form.xml_form_id,
                    version=web.query("version"),
                )
            version_id = found.id
        elif form.current_version_id is not None:
            version_id = form.current_version_id
        else:
            raise NotFound(StorageCode.FORM_NOT_FOUND, form_id=form.xml_form_id)
        schema = parse_xform(get_xform(connection, version_id).encode("utf-8"))
    words = {
        "and": translate("and"),
        "or": translate("or"),
        "includes": translate("includes"),
        "this": translate("this answer"),
    }
    languages = schema.languages or (None,)
    items = []
    for xpath in schema.order:
        depth = xpath.count("/") - 2
        field = schema.field(xpath)
        container = schema.repeat(xpath) or next(
            (g for g in schema.groups if g.xpath == xpath), None
        )
        if field is not None:
            choices = schema.choice_lists.get(field.choice_list or "")
            items.append(
                {
                    "kind": "question",
                    "depth": depth,
                    "field": field,
                    "labels": [
                        field.labels.get(lang, "")
                        if lang
                        else next(iter(field.labels.values()), "")
                        for lang in languages
                    ],
                    "hints": [
                        field.hints.get(lang, "") if lang else next(iter(field.hints.values()), "")
                        for lang in languages
                    ],
                    "choices": [
                        (
                            c.name,
                            [
                                c.labels.get(lang, "")
                                if lang
                                else next(iter(c.labels.values()), "")
                                for lang in languages
                            ],
                        )
                        for c in (choices.choices if choices else ())
                    ],
                    "relevant": readable(field.bind["relevant"], schema, languages[0], words, field)
                    if field.bind.get("relevant")
                    else "",
                    "constraint": readable(
                        field.bind["constraint"], schema, languages[0], words, field
                    )
                    if field.bind.get("constraint")
                    else "",
                    "calculation": field.bind.get("calculate", ""),
                    "required": field.bind.get("required", "").strip() in ("true()", "true"),
                    "sensitive": field.sensitive,
                }
            )
        elif container is not None:
            relevant = getattr(container, "relevant", None)
            items.append(
                {
                    "kind": "repeat" if schema.repeat(xpath) else "group",
                    "depth": depth,
                    "name": container.name,
                    "labels": [
                        container.labels.get(lang, "") if lang else "" for lang in languages
                    ],
                    "relevant": readable(relevant, schema, languages[0], words) if relevant else "",
                }
            )
    return web.render(
        "preview.html",
        form=form,
        schema=schema,
        languages=[lang or translate("Label") for lang in languages],
        items=items,
        draft=bool(web.query("draft")),
        crumbs=crumbs(web, form, (translate("Preview"), None)),
    )


ROUTES = [
    Route("/audit", page(audit), methods=["GET"]),
    Route(FORM + "/preview", page(preview), methods=["GET"]),
    *user_pages.ROUTES,
]
