"""Every error page of the web interface offers a way back (issue 21, item 4): the test walks the
app's own routes (every page route, GET and POST, outside the API) in the access matrix's world,
as each project role, an administrator, a manager of another project, with real objects and
with objects that do not exist, and checks that each answer that is an error (4xx or 5xx) links,
inside the page itself, to somewhere the person can go on from. A route added later is walked
too. The figures are printed (`pytest -s`) for the closing note."""

from __future__ import annotations

import re

import pytest
from starlette.routing import Route

from server.app import routes
from server.plugins import load_programmes
from tests.security.access_rules import params_for
from tests.security.access_world import ADMIN, OUTSIDER, USER_ROLES, World, build_world
from tests.support.no_dead_ends import links_in_main

pytestmark = pytest.mark.programme  # the programme's pages (duplicate queue, cases) too

PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")
BASE = "http://baobab.test"
# Posts that would end the walking person's session or change their account under the walk.
NOT_POSTED = ("/logout", "/login", "/account", "/language", "/reset", "/forgot")
MISSING = {"project_id": 999999, "form_id": "no_such_form", "instance_id": "uuid:nobody"}


def _routes(programmes: tuple[str, ...], method: str) -> list[str]:
    found: list[str] = []
    for route in routes(load_programmes(programmes)):
        if not isinstance(route, Route) or method not in (route.methods or ()):
            continue
        if not route.path.startswith("/v1/") and route.path not in found:
            found.append(route.path)
    return found


def _url(world: World, path: str, **values: object) -> str:
    known = {**params_for(world, path, world.people[ADMIN]), **values}
    return PARAM.sub(lambda m: str(known[m.group(1)]), path)


def _is_error_page(response) -> bool:
    kind = response.headers.get("content-type", "")
    return response.status_code >= 400 and kind.startswith("text/html")


def test_every_error_page_offers_a_way_back(client, engine, clock, settings):
    world = build_world(client, engine, clock)
    who = [world.people[r] for r in (*USER_ROLES, OUTSIDER, ADMIN)]
    came_from = {"Referer": f"{BASE}/projects/{world.project}"}
    answers: dict[tuple[str, str, int], bool] = {}  # (method, route, status) -> links on

    def walk(method: str, path: str, url: str, person) -> None:
        body = {"headers": came_from} if method == "GET" else {"headers": came_from, "data": {}}
        response = world.send(person, method, url, body)
        if _is_error_page(response):
            key = (method, path, response.status_code)
            answers[key] = answers.get(key, True) and bool(links_in_main(response.text))

    for path in _routes(settings.programmes, "GET"):
        for person in who:
            walk("GET", path, _url(world, path), person)
        for name, value in MISSING.items():
            if "{" + name in path:
                walk("GET", path, _url(world, path, **{name: value}), world.people[ADMIN])
    for path in _routes(settings.programmes, "POST"):
        if path.startswith(NOT_POSTED):
            continue
        for role in ("viewer", "analyst", "data_collector"):
            walk("POST", path, _url(world, path), world.people[role])

    dead_ends = sorted(k for k, linked in answers.items() if not linked)
    statuses = sorted({status for _, _, status in answers})
    print(
        f"\n{len(answers)} distinct error pages (method, route, status) walked, statuses "
        f"{statuses}; {len(dead_ends)} without a way back: {dead_ends}"
    )
    assert dead_ends == []
    assert len(answers) > 100  # the walk reached the refusals, not only the pages
    assert not [k for k in answers if k[2] >= 500], "a client's mistake answered with a 500"
