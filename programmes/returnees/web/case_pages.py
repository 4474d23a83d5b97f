"""Returnees in the web interface: the list of cases (search by name or case number, open
conflicts) and one case: the intake, every follow-up in time order, the score trend per
dimension, the assistance recorded, and conflicts a person resolves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from urllib.parse import urlencode

from sqlalchemy.engine import Connection
from starlette.responses import Response
from starlette.routing import Route

from converters.charts import line_chart
from programmes.returnees.server.cases import load_case
from programmes.returnees.server.duplicate_view import case_merges
from programmes.returnees.storage.cases import CaseRow, CaseSearch, find_cases
from server.auth import Permission
from server.errors import Problem, ProblemCode
from server.web.entity_detail_pages import SOURCES, resolve
from server.web.entity_list_pages import LIST, list_url, trail
from server.web.http import ROLE_NAMES, Web, page
from server.web.params import whole_number
from server.web.render import N_, current_language, segment, translate
from storage.db import transaction
from storage.entities.list_labels import ListLabels, list_labels
from storage.entities.listing import held_updates, readable_properties
from storage.entities.lists import CASE_NUMBER, EntityListRecord, get_list
from storage.entities.records import entity_versions

PAGE_SIZE = 50
REGISTRATION_DATE = "registration_date"  # the intake's date question, saved to the case
FOLLOWUPS = "followup_count"  # the follow-up form's count of visits, saved to the case
PLACES = ("region", "commune")  # where the returnee lives, as the list shows it
# The columns the case list can be ordered by, and the property behind each.
SORTS = {"number": CASE_NUMBER, "registered": REGISTRATION_DATE, **{p: p for p in PLACES}}
PLACE_TITLES = (N_("Region"), N_("Commune"))
COMPUTED_TITLES = {
    FOLLOWUPS: N_("Follow-up visits"),
    "last_followup_date": N_("Date of the last follow-up"),
    "last_followup_round": N_("Last follow-up round"),
    "last_visit_date": N_("Date of the last visit"),
    "last_visit_outcome": N_("Outcome of the last visit"),
}
CONFLICT_WORDS = (N_("soft"), N_("hard"))  # shown with _(conflict)
DIMENSIONS = (
    ("economic", N_("Economic")),
    ("social", N_("Social")),
    ("psychosocial", N_("Psychosocial")),
    ("composite", N_("Composite")),
)


@dataclass(frozen=True, slots=True)
class CaseLine:
    """A row of the case list as the viewer may see it."""

    uuid: str
    number: str  # the case number written on the intake, or the uuid when there is none
    name: str | None  # the label (built from names), only for roles that may read them
    registered: date | None  # the registration date the intake gives
    received: datetime  # when the server made the entity: shown when there is no date
    places: tuple[str, ...]  # the PLACES, as choice labels
    followups: str
    version: int
    conflict: str | None


def registration_day(data: Mapping[str, str]) -> date | None:
    """The registration date the intake recorded (a `date` question: YYYY-MM-DD), or None."""
    try:
        return date.fromisoformat(str(data.get(REGISTRATION_DATE, ""))[:10])
    except ValueError:
        return None


def _line(row: CaseRow, hidden: frozenset[str], labels: ListLabels) -> CaseLine:
    data = {k: v for k, v in row.data.items() if k not in hidden}
    return CaseLine(
        uuid=row.uuid,
        number=data.get(CASE_NUMBER) or row.uuid,
        name=None if hidden else row.label,
        registered=registration_day(data),
        received=row.created_at,
        places=tuple(labels.value(p, data.get(p)) for p in PLACES),
        followups=data.get(FOLLOWUPS, ""),
        version=row.version,
        conflict=row.conflict,
    )


def cases(web: Web) -> Response:
    project_id = web.path_int("project_id")
    web.require(Permission.SUBMISSION_READ, project_id)
    name = web.request.path_params["name"]
    text = web.query("q")
    number = max(whole_number(web.query("page")) or 1, 1)
    may_see = web.caller.can(Permission.SENSITIVE_READ, project_id)
    with transaction(web.state.engine, read_only=True) as connection:
        entity_list = get_list(connection, project_id, name)
        hidden = frozenset() if may_see else entity_list.sensitive
        readable = readable_properties(entity_list, hidden)
        labels = labels_of(connection, entity_list)
        sort = web.query("sort")
        if sort and SORTS.get(sort) not in readable:  # ordering by a hidden value tells it
            raise Problem(
                ProblemCode.BAD_REQUEST,
                reason=translate("the case list cannot be ordered by '%(name)s'", name=sort),
            )
        sort = sort or ("registered" if REGISTRATION_DATE in readable else "")
        search = CaseSearch(
            text=text,
            readable=readable,
            label=may_see,  # labels hold names: which ones match would tell them
            choices=labels.matching(text) if text else {},
            conflicts_only=web.query("conflicts") == "1",
            order_by=SORTS.get(sort),
            descending=web.query("order", "desc" if sort == "registered" else "asc") == "desc",
        )
        rows, total = find_cases(
            connection, entity_list.id, search, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
        )
    params = {k: v for k, v in web.request.query_params.items() if k != "page"}
    return web.render(
        "cases.html",
        project_id=project_id,
        entity_list=entity_list,
        rows=[_line(row, hidden, labels) for row in rows],
        places=[(key, translate(title)) for key, title in zip(PLACES, PLACE_TITLES, strict=True)],
        sortable={key for key, prop in SORTS.items() if prop in readable},
        sort=sort,
        descending=search.descending,
        total=total,
        may_see=may_see,
        hidden=len(hidden),
        role=role_name(web, project_id),
        searched=[translate("Name")] * may_see + [labels.title(p) for p in readable],
        filters=web.request.query_params,
        page_number=number,
        pages=max(1, -(-total // PAGE_SIZE)),
        query=lambda **changes: "?" + urlencode({**params, **changes}),
        crumbs=trail(web, project_id, (entity_list.name, None)),
    )


def labels_of(connection: Connection, entity_list: EntityListRecord) -> ListLabels:
    """The list's labels in the page's language; the properties the follow-up form computes
    (no question of their own) take the programme's titles."""
    found = list_labels(connection, entity_list, current_language())
    own = {name: translate(title) for name, title in COMPUTED_TITLES.items()}
    return replace(found, titles={**found.titles, **own})


def role_name(web: Web, project_id: int) -> str:
    """The viewer's role in the project, in the page's language."""
    role = web.actor.roles.get(project_id, "")
    return translate(ROLE_NAMES[role]) if role in ROLE_NAMES else role


def case(web: Web) -> Response:
    project_id = web.path_int("project_id")
    web.require(Permission.SUBMISSION_READ, project_id)
    name, uuid = web.request.path_params["name"], web.request.path_params["uuid"]
    if web.request.method == "POST":
        return resolve(web, project_id, name, uuid)
    with transaction(web.state.engine) as connection:
        into, merged_from = case_merges(connection, project_id, name, uuid)
        if into is not None:  # closed as the same person as another case: point at it
            kept = f"{list_url(project_id, name)}/{segment(into.kept_uuid)}"
            return web.redirect(kept, "That registration was merged into this case.")
        found = load_case(connection, web.caller, project_id, name, uuid, current_language())
        web.audit(connection, "entity.case.view", "entity", uuid, {"list": name, "via": "web"})
        held = held_updates(connection, found.entity_list.id, uuid)
        labels = labels_of(connection, found.entity_list)
        sources = {v.version: v.source or {} for v in entity_versions(connection, found.entity.id)}
    trend = line_chart(
        [str(s["created_at"].date()) for s in found.scores],
        [(translate(title), [s[key] for s in found.scores]) for key, title in DIMENSIONS],
    )
    return web.render(
        "case.html",
        project_id=project_id,
        case=found,
        labels=labels,
        registered=registration_day(found.data),
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
