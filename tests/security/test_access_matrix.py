"""Every route of the app, checked for every role against the access it is meant to have
(tests/security/access_rules.py); revocations that take effect at once; passwords kept only as
argon2id hashes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from starlette.routing import Mount, Route

from server.app import routes
from server.plugins import load_programmes
from tests.security.access_rules import PUBLIC, RULES, fill, params_for
from tests.security.access_world import (
    ANON,
    APP,
    APP_ROLES,
    OPENROSA,
    PASSWORD,
    ROLES,
    Person,
    build_world,
    multipart,
    visit_xml,
    web_sign_in,
)

pytestmark = pytest.mark.programme  # every route, the programme's included


def app_routes() -> set[tuple[str, str]]:
    """Every (method, path template) the app answers, HEAD included, from its route table."""
    found = set()
    for route in routes(load_programmes(("returnees",))):
        if isinstance(route, Route):
            found |= {(method, route.path) for method in route.methods or ()}
        elif isinstance(route, Mount):  # static files: GET and HEAD of any path under it
            found |= {(m, route.path + "/{path:path}") for m in ("GET", "HEAD")}
        else:
            raise AssertionError(f"a route of an unknown kind: {route!r}")
    return found


def table_routes() -> dict[tuple[str, str], object]:
    table = {}
    for rule in RULES:
        methods = ("GET", "HEAD") if rule.methods == "GET" else (rule.methods,)
        for method in methods:
            assert (method, rule.path) not in table, f"{method} {rule.path} is in the table twice"
            table[(method, rule.path)] = rule
    return table


def test_the_table_covers_every_route_of_the_app():
    app, table = app_routes(), set(table_routes())
    assert not app - table, f"routes with no intended access in the table: {sorted(app - table)}"
    assert not table - app, f"the table names routes the app no longer has: {sorted(table - app)}"


def problem(
    method: str, path: str, role: str, allowed: bool, response, answer: int | None = None
) -> str | None:
    """What is wrong with `response`, or None: allowed means a 2xx or 3xx (or the rule's own
    `answer`) and no redirect to sign in; denied means Central's 401 without credentials, 403
    with the wrong ones, and on web pages the sign-in page or 403. Never a 5xx."""
    status = response.status_code
    if status >= 500:
        return f"{status}"
    to_sign_in = status == 303 and response.headers.get("location", "").startswith("/login")
    web = not path.startswith("/v1/")
    if allowed:
        if status >= 400 and status != answer:
            return f"allowed but {status}"
        if web and to_sign_in and path not in ("/", "/logout"):
            return f"allowed but sent to sign in ({response.headers.get('location', '')})"
        return None
    if path.startswith("/v1/test/"):  # Central: a key that is not the draft's finds nothing
        return None if status == 404 else f"denied but {status}"
    if web:
        expected_sign_in = role == ANON or role in APP_ROLES
        ok = to_sign_in if expected_sign_in else status == 403
        return None if ok else f"denied but {status} {response.headers.get('location', '')}"
    expected = 401 if role == ANON else 403
    return None if status == expected else f"denied but {status}, not {expected}"


def test_every_role_gets_the_intended_access_to_every_route(client, engine, clock):
    world = build_world(client, engine, clock)
    table = table_routes()
    cells = [(key, role) for key in sorted(table) for role in ROLES]
    # Denials first: nothing an allowed call changes can make a denial pass.
    cells.sort(key=lambda cell: cell[1] in table[cell[0]].allowed)
    failures, checked = [], 0
    for (method, path), role in cells:
        rule = table[(method, path)]
        person = world.people[role]
        request = rule.recipe(world, person) if rule.recipe else {}
        person = request.pop("person", person)
        values = {**params_for(world, path, person), **request.pop("params", {})}
        url = fill(path, values)
        if "query" in request:
            url += "?" + request.pop("query")
        response = world.send(person, method, url, request)
        checked += 1
        wrong = problem(method, path, role, role in rule.allowed, response, rule.answer)
        if wrong:
            failures.append(f"{method} {path} as {role}: {wrong} {response.text[:120]!r}")
    print(f"\naccess matrix: {checked} (route, role) cells checked, {len(table)} routes")
    assert not failures, "\n".join(failures)
    assert checked == len(app_routes()) * len(ROLES)


def test_public_routes_are_few():
    public = sorted((m, r.path) for r in RULES for m in (r.methods,) if r.allowed == PUBLIC)
    assert public == [
        ("GET", "/"),
        ("GET", "/account/forgot"),
        ("GET", "/account/reset"),
        ("GET", "/health"),
        ("GET", "/login"),
        ("GET", "/login/oidc"),
        ("GET", "/login/oidc/callback"),
        ("GET", "/static/{path:path}"),
        ("GET", "/v1/roles"),
        ("GET", "/v1/sessions/restore"),
        ("POST", "/account/forgot"),
        ("POST", "/account/language"),
        ("POST", "/account/reset"),
        ("POST", "/login"),
        ("POST", "/v1/sessions"),
        ("POST", "/v1/users/reset/initiate"),
        ("POST", "/v1/users/reset/verify"),
    ]


# Revocations take effect on the very next request. (tests/server/test_access.py has revoking
# an app user over REST and signing out over REST.)


def test_an_app_user_revoked_on_the_web_is_refused_at_once(client, engine, clock):
    world = build_world(client, engine, clock, lean=True)
    app, manager = world.people[APP], world.people["manager"]
    base = f"/v1/key/{app.key}/projects/{world.project}"
    assert client.get(f"{base}/formList", headers=OPENROSA).status_code == 200
    revoked = world.send(
        manager, "POST", f"/projects/{world.project}/app-users/{app.actor_id}/revoke"
    )
    assert revoked.status_code == 303
    assert client.get(f"{base}/formList", headers=OPENROSA).status_code == 403
    sent = client.post(
        f"{base}/submission", files=multipart(visit_xml("uuid:late")), headers=OPENROSA
    )
    assert sent.status_code == 403
    assert client.get(f"{base}/forms/visit.xml", headers=OPENROSA).status_code == 403


def test_an_app_user_unassigned_from_a_form_loses_it_at_once(client, engine, clock):
    world = build_world(client, engine, clock, lean=True)
    app = world.people[APP]
    base = f"/v1/key/{app.key}/projects/{world.project}"
    world.api(
        "DELETE",
        f"/v1/projects/{world.project}/forms/visit/assignments/app-user/{app.actor_id}",
    )
    listed = client.get(f"{base}/formList", headers=OPENROSA)
    assert listed.status_code == 200 and b"visit" not in listed.content
    assert client.get(f"{base}/forms/visit.xml", headers=OPENROSA).status_code == 403
    sent = client.post(
        f"{base}/submission", files=multipart(visit_xml("uuid:late")), headers=OPENROSA
    )
    assert sent.status_code == 403


def test_signing_out_on_the_web_ends_the_session_everywhere_at_once(client, engine, clock):
    world = build_world(client, engine, clock, lean=True)
    cookie, csrf = web_sign_in(client, "viewer@example.org", PASSWORD)
    viewer = world.people["viewer"]
    signed_in = Person("viewer", viewer.email, viewer.actor_id, None, cookie, csrf)
    page = f"/projects/{world.project}"
    assert world.send(signed_in, "GET", page).status_code == 200
    assert world.send(signed_in, "POST", "/logout").status_code == 303
    again = world.send(signed_in, "GET", page)
    assert again.status_code == 303 and again.headers["location"].startswith("/login")
    # the API takes the cookie on GET: it is refused too, and so is the token as a bearer
    api = f"/v1/projects/{world.project}"
    as_cookie = client.get(api, headers={"Cookie": f"baobab_session={cookie}"})
    assert as_cookie.status_code == 401
    client.cookies.clear()
    assert client.get(api, headers={"Authorization": f"Bearer {cookie}"}).status_code == 401


def test_signing_out_over_rest_ends_the_web_session_too(client, engine, clock):
    world = build_world(client, engine, clock, lean=True)
    token, csrf = world.session("analyst@example.org")
    analyst = Person("analyst", None, None, token, token, csrf)
    page = f"/projects/{world.project}"
    assert world.send(analyst, "GET", page).status_code == 200
    out = client.delete("/v1/sessions/current", headers={"Authorization": f"Bearer {token}"})
    assert out.status_code == 200
    again = world.send(analyst, "GET", page)
    assert again.status_code == 303 and again.headers["location"].startswith("/login")


def test_a_user_removed_from_a_role_is_refused_at_once(client, engine, clock):
    world = build_world(client, engine, clock, lean=True)
    viewer, manager = world.people["viewer"], world.people["manager"]
    api = f"/v1/projects/{world.project}/forms/visit/submissions"
    page = f"/projects/{world.project}/forms/visit/submissions"
    assert world.send(viewer, "GET", api).status_code == 200
    assert world.send(viewer, "GET", page).status_code == 200
    removed = world.send(
        manager, "DELETE", f"/v1/projects/{world.project}/assignments/viewer/{viewer.actor_id}"
    )
    assert removed.status_code == 200
    assert world.send(viewer, "GET", api).status_code == 403
    assert world.send(viewer, "GET", page).status_code == 403
    # and on the web members page: the analyst loses the project on the next request
    analyst = world.people["analyst"]
    assert world.send(analyst, "GET", page).status_code == 200
    gone = world.send(
        manager,
        "POST",
        f"/projects/{world.project}/members",
        {"data": {"action": "remove", "role": "analyst", "actor_id": str(analyst.actor_id)}},
    )
    assert gone.status_code == 303
    assert world.send(analyst, "GET", page).status_code == 403
    assert world.send(analyst, "GET", api).status_code == 403


def test_a_duplicate_flag_is_decided_only_in_its_own_project(client, engine, clock):
    world = build_world(client, engine, clock)
    outsider = world.people["outsider"]  # manager of the other project, which has the list too
    world.api("POST", f"/v1/projects/{world.other}/datasets", json={"name": "returnees"})
    flag = world.ids["flag"]
    api = f"/v1/projects/{world.other}/datasets/returnees/duplicates/{flag}"
    assert world.send(outsider, "POST", api, {"json": {"decision": "distinct"}}).status_code == 404
    page = f"/projects/{world.other}/entities/returnees/duplicates"
    decided = world.send(
        outsider, "POST", page, {"data": {"flag": str(flag), "decision": "distinct"}}
    )
    assert decided.status_code == 404
    flags = world.api("GET", f"/v1/projects/{world.project}/datasets/returnees/duplicates")
    assert [f["status"] for f in flags.json()] == ["open"]


# Passwords


def _user_row(engine, email: str) -> dict:
    with engine.connect() as connection:
        return dict(
            connection.execute(
                sa.text("SELECT * FROM users WHERE email = :email"), {"email": email}
            )
            .mappings()
            .one()
        )


def test_passwords_are_stored_only_as_argon2id_hashes(client, engine, clock):
    world = build_world(client, engine, clock, lean=True)
    secret = "a secret nobody reads 42"
    world.api("POST", "/v1/users", json={"email": "rest@example.org", "password": secret})
    admin = world.people["admin"]
    made = world.send(
        admin, "POST", "/users", {"data": {"email": "web@example.org", "password": secret}}
    )
    assert made.status_code == 303
    for email in ("rest@example.org", "web@example.org", "viewer@example.org"):
        row = _user_row(engine, email)
        assert row["password_hash"].startswith("$argon2id$"), email
        assert all(secret not in str(v) and PASSWORD not in str(v) for v in row.values())
    with engine.connect() as connection:
        audits = connection.execute(sa.text("SELECT details FROM audits")).scalars().all()
    assert all(secret not in str(d) for d in audits)
    signed_in = client.post("/v1/sessions", json={"email": "web@example.org", "password": secret})
    assert signed_in.status_code == 200


def test_a_too_short_password_is_refused_not_a_server_error(client, engine, clock):
    world = build_world(client, engine, clock, lean=True)
    response = client.post(
        "/v1/users",
        json={"email": "short@example.org", "password": "short"},
        headers=world.admin,
    )
    assert response.status_code == 400, response.text
