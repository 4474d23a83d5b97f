"""Returnees in the web interface: the list of cases (search by name or case number, open
conflicts) and one case: the intake, every follow-up in time order, the score trend per
dimension, the assistance recorded, and conflicts a person resolves."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.responses import Response
from starlette.routing import Route

from converters.charts import line_chart
from programmes.returnees.server.cases import load_case
from programmes.returnees.server.duplicate_view import case_merges
from programmes.returnees.storage.cases import find_cases
from server.auth import Permission
from server.errors import Problem, ProblemCode
from server.web.entity_list_pages import LIST, list_url, trail
from server.web.http import Web, page
from server.web.params import whole_number
from server.web.render import N_, current_language, segment, translate
from storage.db import transaction
from storage.entities.listing import held_updates
from storage.entities.lists import get_list
from storage.entities.records import entity_versions, resolve_conflict

CONFLICT_WORDS = (N_("soft"), N_("hard"))  # shown with _(conflict)
# Where a version came from (its source's type), as the case page names it.
SOURCES = {
    "api": N_("API"),
    "web": N_("web edit"),
    "upload": N_("CSV upload"),
    "bulk": N_("bulk creation"),
}
DIMENSIONS = (
    ("economic", N_("Economic")),
    ("social", N_("Social")),
    ("psychosocial", N_("Psychosocial")),
    ("composite", N_("Composite")),
)


def cases(web: Web) -> Response:
    project_id = web.path_int("project_id")
    web.require(Permission.SUBMISSION_READ, project_id)
    name = web.request.path_params["name"]
    text = web.query("q")
    conflicts = web.query("conflicts") == "1"
    number = whole_number(web.query("page")) or 1
    may_see = web.caller.can(Permission.SENSITIVE_READ, project_id)
    if text and not may_see:  # labels hold names: which ones match would tell them
        raise Problem(
            ProblemCode.BAD_REQUEST,
            reason=translate("names are hidden for your role, so cases cannot be searched by name"),
        )
    with transaction(web.state.engine, read_only=True) as connection:
        entity_list = get_list(connection, project_id, name)
        rows, total = find_cases(
            connection,
            entity_list.id,
            text=text,
            conflicts_only=conflicts,
            offset=(max(number, 1) - 1) * 50,
        )
    params = {k: v for k, v in web.request.query_params.items() if k != "page"}
    return web.render(
        "cases.html",
        project_id=project_id,
        entity_list=entity_list,
        rows=rows,
        total=total,
        may_see=may_see,
        filters=web.request.query_params,
        page_number=max(number, 1),
        pages=max(1, -(-total // 50)),
        query=lambda **changes: "?" + urlencode({**params, **changes}),
        crumbs=trail(web, project_id, (entity_list.name, None)),
    )


def case(web: Web) -> Response:
    project_id = web.path_int("project_id")
    web.require(Permission.SUBMISSION_READ, project_id)
    name, uuid = web.request.path_params["name"], web.request.path_params["uuid"]
    if web.request.method == "POST":
        web.require(Permission.SUBMISSION_REVIEW, project_id)
        with transaction(web.state.engine) as connection:
            entity_list = get_list(connection, project_id, name)
            resolve_conflict(connection, entity_list, uuid, web.state.clock())
            web.audit(connection, "entity.update.resolve", "entity", uuid, {"via": "web"})
        return web.redirect(f"{list_url(project_id, name)}/{segment(uuid)}", "Conflict resolved.")
    with transaction(web.state.engine) as connection:
        into, merged_from = case_merges(connection, project_id, name, uuid)
        if into is not None:  # closed as the same person as another case: point at it
            kept = f"{list_url(project_id, name)}/{segment(into.kept_uuid)}"
            return web.redirect(kept, "That registration was merged into this case.")
        found = load_case(connection, web.caller, project_id, name, uuid, current_language())
        web.audit(connection, "entity.case.view", "entity", uuid, {"list": name, "via": "web"})
        held = held_updates(connection, found.entity_list.id, uuid)
        sources = {v.version: v.source or {} for v in entity_versions(connection, found.entity.id)}
    trend = line_chart(
        [str(s["created_at"].date()) for s in found.scores],
        [(translate(title), [s[key] for s in found.scores]) for key, title in DIMENSIONS],
    )
    return web.render(
        "case.html",
        project_id=project_id,
        case=found,
        trend=trend,
        dimensions=DIMENSIONS,
        can_resolve=web.caller.can(Permission.SUBMISSION_REVIEW, project_id),
        held=held,
        merged_from=merged_from,
        sources=sources,
        source_words=SOURCES,
        crumbs=trail(
            web,
            project_id,
            (name, list_url(project_id, name)),
            (found.label, None),
        ),
    )


ROUTES = [
    Route(LIST, page(cases), methods=["GET"]),
    # `path`: an entity's uuid is whatever the form wrote, "/" included; the duplicate pages
    # (duplicate_pages.py) come first.
    Route(LIST + "/{uuid:path}", page(case), methods=["GET", "POST"]),
]
