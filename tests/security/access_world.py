"""The world the access matrix runs in: a project with a published form (media, a submission
with a photo), a draft with a test submission, the returnee entity list with a duplicate flag,
and one signed-in caller per role, each able to send any request the way that role would."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field, replace

from starlette.testclient import TestClient

from tests.support.accounts import ADMIN_EMAIL, ADMIN_PASSWORD, create_admin
from tests.support.devices import make_device
from tests.support.entities import E1, E2, registration
from tests.support.forms import XLSX
from tests.support.paths import FORMS

PASSWORD = "matrix password 1"
OPENROSA = {"X-OpenRosa-Version": "1.0"}
FORGED_KEY = "f" * 64  # well formed, nobody's
ANON_CSRF = "anonymous-csrf-token"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
CSRF = re.compile(r'name="csrf" value="([^"]+)"')

ANON, APP_OTHER, APP, APP_NONE = "anonymous", "app_user_other", "app_user", "app_user_unassigned"
USER_ROLES = ("data_collector", "viewer", "analyst", "protection_officer", "manager")
ADMIN, OUTSIDER = "admin", "outsider"  # outsider: manager of another project
ROLES = (ANON, APP_OTHER, APP, APP_NONE, *USER_ROLES, ADMIN, OUTSIDER)
APP_ROLES = frozenset({APP_OTHER, APP, APP_NONE})


def form_md(form_id: str, version: str) -> bytes:
    return f"""| survey |
| | type | name | label | media::image |
| | note | welcome | Welcome | logo.png |
| | text | full_name | Name | |
| | image | photo | Photo | |
| settings |
| | form_id | version | form_title |
| | {form_id} | {version} | {form_id} |
""".encode()


def visit_xml(instance: str, version: str = "1", deprecated: str | None = None) -> bytes:
    old = f"<deprecatedID>{deprecated}</deprecatedID>" if deprecated else ""
    return (
        f'<data id="visit" version="{version}"><welcome/><full_name>Awa</full_name>'
        f"<photo>p.jpg</photo><meta><instanceID>{instance}</instanceID>{old}</meta></data>"
    ).encode()


def multipart(xml: bytes) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [
        ("xml_submission_file", ("submission.xml", xml, "text/xml")),
        ("p.jpg", ("p.jpg", PNG, "image/jpeg")),
    ]


@dataclass(frozen=True)
class Person:
    role: str
    email: str | None = None
    actor_id: int | None = None
    bearer: str | None = None  # a session token, sent as Bearer on /v1
    cookie: str | None = None  # the web session cookie
    csrf: str | None = None
    key: str | None = None  # an app user's token, in /v1/key/{key}/...


@dataclass
class World:
    client: TestClient
    admin: dict[str, str]
    project: int
    other: int
    people: dict[str, Person]
    ids: dict[str, object] = field(default_factory=dict)
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def next(self) -> int:
        return next(self.counter)

    def api(self, method: str, url: str, **kwargs):
        """A request as the administrator, for setting things up."""
        headers = {**self.admin, **OPENROSA, **kwargs.pop("headers", {})}
        response = self.client.request(method, url, headers=headers, **kwargs)
        assert response.status_code < 300, (url, response.status_code, response.text)
        return response

    def send(self, person: Person, method: str, url: str, body: dict | None = None):
        """`url` as `person` asks for it: their key in the path and their session token for
        the API; their session cookie, and the CSRF token in every post, for web pages."""
        body = dict(body or {})
        headers = dict(body.pop("headers", {}))
        if url.startswith("/v1/"):
            headers.update(OPENROSA)
            if person.key:
                url = f"/v1/key/{person.key}/" + url[len("/v1/") :]
            if person.bearer:
                headers["Authorization"] = f"Bearer {person.bearer}"
        else:
            if person.cookie:
                headers["Cookie"] = f"baobab_session={person.cookie}"
            else:  # the sign-in form's double-submit token
                headers["Cookie"] = f"baobab_csrf={ANON_CSRF}"
            if person.key:  # app users cannot sign in; their key is no use on the web
                headers["Authorization"] = f"Bearer {person.key}"
            if method == "POST":
                body["data"] = {"csrf": person.csrf or ANON_CSRF, **body.get("data", {})}
        try:
            return self.client.request(method, url, headers=headers, follow_redirects=False, **body)
        finally:
            self.client.cookies.clear()

    def session(self, email: str) -> tuple[str, str]:
        """A new session (token, csrf), as POST /v1/sessions gives it."""
        response = self.client.post("/v1/sessions", json={"email": email, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return response.json()["token"], response.json()["csrf"]

    def fresh(self, person: Person) -> Person:
        """The same person on a session of its own (for signing out)."""
        if person.email is None:
            return person
        if person.role == ADMIN:
            response = self.client.post(
                "/v1/sessions", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
            )
            token, csrf = response.json()["token"], response.json()["csrf"]
        else:
            token, csrf = self.session(person.email)
        return replace(person, bearer=token, cookie=token, csrf=csrf)


def web_sign_in(client: TestClient, email: str, password: str) -> tuple[str, str]:
    """Sign in on the web page as a browser does; the session cookie and its CSRF token."""
    page = client.get("/login")
    token = CSRF.search(page.text).group(1)
    response = client.post(
        "/login",
        data={"csrf": token, "email": email, "password": password},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    cookie = response.cookies["baobab_session"]
    projects = client.get("/projects")
    csrf = CSRF.search(projects.text).group(1)
    client.cookies.clear()
    return cookie, csrf


def build_world(
    client: TestClient, engine, clock, *, lean: bool = False, admin_made: bool = False
) -> World:
    """The whole world; `lean`: only the visit form, its submission and the users, for tests
    that need no entity list, draft or other project (each password costs an argon2 hash);
    `admin_made`: the administrator exists already (the browser tests' `page` fixture)."""
    if not admin_made:
        create_admin(engine, clock)
    token = client.post(
        "/v1/sessions", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    ).json()["token"]
    admin = {"Authorization": f"Bearer {token}"}
    world = World(client, admin, 0, 0, {})
    world.project = world.api("POST", "/v1/projects", json={"name": "P"}).json()["id"]
    world.other = world.api("POST", "/v1/projects", json={"name": "Q"}).json()["id"]
    p = f"/v1/projects/{world.project}"

    def publish(source: bytes, content_type: str) -> None:
        world.api(
            "POST",
            f"{p}/forms?publish=true&ignoreWarnings=true",
            content=source,
            headers={"Content-Type": content_type},
        )

    publish(form_md("visit", "1"), "text/markdown")
    publish(form_md("scratch", "1"), "text/markdown")
    if not lean:
        publish((FORMS / "returnee_intake.xlsx").read_bytes(), XLSX)
    world.api("POST", f"{p}/forms/visit/attachments/logo.png", content=PNG)

    people = {ANON: Person(ANON)}
    users = [
        (r, world.project) for r in USER_ROLES if not lean or r in ("viewer", "analyst", "manager")
    ]
    for role, project in users + ([] if lean else [(OUTSIDER, world.other)]):
        email = f"{role}@example.org"
        user = world.api("POST", "/v1/users", json={"email": email, "password": PASSWORD}).json()
        world.api(
            "POST",
            f"/v1/projects/{project}/assignments/{role.replace(OUTSIDER, 'manager')}/{user['id']}",
        )
        bearer, _csrf = world.session(email)
        cookie, csrf = web_sign_in(client, email, PASSWORD)
        people[role] = Person(role, email, user["id"], bearer, cookie, csrf)
    cookie, csrf = web_sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    people[ADMIN] = Person(ADMIN, ADMIN_EMAIL, None, token, cookie, csrf)
    spare = world.api("POST", "/v1/users", json={"email": "spare@example.org"}).json()
    world.ids["spare_user"] = spare["id"]

    forms = ("visit", "scratch") if lean else ("visit", "scratch", "returnee_intake")
    device = make_device(client, admin, world.project, forms, name="assigned")
    people[APP] = Person(APP, actor_id=device.actor_id, key=device.token)
    unassigned = make_device(client, admin, world.project, (), name="unassigned")
    people[APP_NONE] = Person(APP_NONE, actor_id=unassigned.actor_id, key=unassigned.token)
    stranger = make_device(client, admin, world.other, (), name="stranger")
    people[APP_OTHER] = Person(APP_OTHER, actor_id=stranger.actor_id, key=stranger.token)
    world.ids["spare_app"] = make_device(client, admin, world.project, ("visit",), "spare").actor_id
    world.people = people

    submitted = device.submit(visit_xml("uuid:matrix-1"), {"p.jpg": PNG})
    assert submitted.status_code == 201, submitted.text
    world.ids["instance"] = "uuid:matrix-1"
    if lean:
        return world
    for xml in (
        registration(E1, "Awa", "Traoré", "1998-04-12", "70000001", "KAY/1"),
        registration(E2, "Traore", "Awa", "1998-04-12", "70000001", "KAY/9"),
    ):
        assert device.submit(xml).status_code == 201
    flags = world.api("GET", f"{p}/datasets/returnees/duplicates").json()
    world.ids["flag"] = flags[0]["id"]

    world.api(
        "POST",
        f"{p}/forms/visit/draft?ignoreWarnings=true",
        content=form_md("visit", "2"),
        headers={"Content-Type": "text/markdown"},
    )
    world.api("POST", f"{p}/forms/visit/draft/attachments/logo.png", content=PNG)
    world.ids["draft_key"] = world.api("GET", f"{p}/forms/visit/draft").json()["draftToken"]
    tried = client.post(
        f"/v1/test/{world.ids['draft_key']}/projects/{world.project}/forms/visit/draft/submission",
        files=multipart(visit_xml("uuid:draft-test-1", "2")),
        headers=OPENROSA,
    )
    assert tried.status_code == 201, tried.text
    world.ids["draft_test"] = "uuid:draft-test-1"
    return world
