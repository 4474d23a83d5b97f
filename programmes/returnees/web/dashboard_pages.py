"""The programme's dashboard: returnees registered per region and month, follow-ups done and
due, how the latest scores are spread per dimension, and what waits for a person (duplicate
pairs, conflicts)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from starlette.responses import Response
from starlette.routing import Route

from converters.charts import bar_chart, column_chart
from programmes.returnees.storage.dashboard import (
    follow_up_state,
    latest_scores,
    open_reviews,
    registrations,
)
from programmes.returnees.web.case_pages import (
    DIMENSIONS,
    REGISTRATION_DATE,
    labels_of,
    registration_day,
)
from server.auth import Permission
from server.web.entity_list_pages import trail
from server.web.http import Web, page
from server.web.render import translate
from storage.db import transaction
from storage.entities.lists import get_list

LIST_NAME = "returnees"
REGION = "region"
FOLLOW_UP_MONTHS = (3, 6, 12, 18)  # visits after registration (the follow-up form's rounds)
BINS = ("0–0.2", "0.2–0.4", "0.4–0.6", "0.6–0.8", "0.8–1")


def due_visits(registered: date, now: datetime) -> int:
    """How many follow-up visits should have happened by now (`registered`: the registration
    date the intake recorded, or the entity's creation)."""
    months = (now.year - registered.year) * 12 + now.month - registered.month
    if now.day < registered.day:
        months -= 1
    return sum(1 for m in FOLLOW_UP_MONTHS if months >= m)


def programme(web: Web) -> Response:
    project_id = web.path_int("project_id")
    web.require(Permission.SUBMISSION_READ, project_id)
    now = web.state.clock()
    with transaction(web.state.engine, read_only=True) as connection:
        entity_list = get_list(connection, project_id, LIST_NAME)
        counts = registrations(connection, entity_list.id, REGION, REGISTRATION_DATE)
        labels = labels_of(connection, entity_list)
        done = due = overdue = total = 0
        for created, recorded, visits in follow_up_state(
            connection, entity_list.id, REGISTRATION_DATE
        ):
            # A registration is not made after the server got it: a later date is a device's
            # wrong clock, and would put every visit off.
            day = registration_day({REGISTRATION_DATE: recorded or ""})
            registered = min(day, created.date()) if day else created.date()
            expected = due_visits(registered, now)
            total += 1
            done += visits
            due += expected
            overdue += visits < expected
        latest = latest_scores(connection, entity_list.id)
        duplicates, conflicts = open_reviews(connection, entity_list.id)
    per_region: Counter[str] = Counter()
    per_month: Counter[str] = Counter()
    for region, month, count in counts:
        per_region[labels.value(REGION, region) or "—"] += count
        per_month[month] += count
    spreads = []
    for key, title in DIMENSIONS:
        values = [row[key] for row in latest if row[key] is not None]
        bins = Counter(min(int(v * 5), 4) for v in values)
        spreads.append(
            (translate(title), bar_chart([(BINS[i], bins.get(i, 0)) for i in range(5)]), values)
        )
    return web.render(
        "programme.html",
        project_id=project_id,
        total=total,
        per_region=bar_chart(per_region.most_common()),
        per_month=column_chart(sorted(per_month.items())),
        done=done,
        due=due,
        overdue=overdue,
        scored=len(latest),
        spreads=spreads,
        duplicates=duplicates,
        conflicts=conflicts,
        crumbs=trail(web, project_id, (translate("Programme dashboard"), None)),
    )


ROUTES = [Route("/projects/{project_id:id}/programme", page(programme), methods=["GET"])]
