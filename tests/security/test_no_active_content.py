"""Nothing a device or a user sent runs on our origin: XML is a download, files go out as the
type their name implies (never as sent), uploaded XForms with scripts are refused, and every
response, whatever route or error produced it, carries the security headers."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from starlette.routing import Route
from starlette.testclient import TestClient

from server.app import Baobab
from server.downloads import safe_media_type
from server.security_headers import DOCUMENT_CSP, PAGE_CSP
from server.web.webforms import FORM_CSP
from tests.security.access_rules import RULES, fill, params_for
from tests.security.access_world import ADMIN, ANON, APP, OPENROSA, build_world
from tests.support.paths import sample

SCRIPT = b'<x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(document.domain)</x:script>'
HOSTILE = sample("with_attachments.xml").replace(b"<voice>", SCRIPT + b"<voice>")
INSTANCE = "uuid:0b0c7a6e-0000-4000-8000-000000000004"
HTML = b"<html><script>alert(document.domain)</script></html>"
WEB_FORMS_PAGES = ("/preview/form", "/submissions/new", "/link")


def _runs_web_forms(path: str) -> bool:
    """The pages that run ODK Web Forms: previews, new and edited submissions, public links
    (an entity's /edit page is a plain page)."""
    edit = "/submissions/" in path and path.endswith("/edit")
    return edit or path.endswith(WEB_FORMS_PAGES)


def inert(response) -> None:
    """A response a browser neither renders as a page nor runs."""
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == DOCUMENT_CSP
    assert response.headers["cache-control"] == "no-store"


def test_a_submission_with_a_script_is_served_as_an_inert_download(device, client, admin):
    assert device.submit(HOSTILE, {"1741079521992.jpg": HTML}).status_code == 201
    base = f"/v1/projects/{device.project}/forms/household/submissions/{INSTANCE}"
    for url in (f"{base}.xml", f"{base}/versions/{INSTANCE}.xml"):
        response = client.get(url, headers=admin)
        assert response.status_code == 200
        assert SCRIPT in response.content  # byte for byte, as the device sent it
        inert(response)
        assert response.headers["content-disposition"].startswith("attachment;")
        assert f'filename="{INSTANCE}.xml"' in response.headers["content-disposition"]


def test_attachments_go_out_as_their_name_implies_not_as_the_device_said(device, client, admin):
    parts = [
        ("xml_submission_file", ("submission.xml", sample("with_attachments.xml"), "text/xml")),
        ("1741079521992.jpg", ("1741079521992.jpg", HTML, "text/html")),
        ("note 1.m4a", ("note 1.m4a", HTML, "text/html")),
    ]
    sent = client.post(f"{device.base}/submission", files=parts, headers=OPENROSA)
    assert sent.status_code == 201, sent.text
    base = f"/v1/projects/{device.project}/forms/household/submissions/{INSTANCE}/attachments"
    photo = client.get(f"{base}/1741079521992.jpg", headers=admin)
    assert photo.content == HTML
    assert photo.headers["content-type"] == "image/jpeg"  # nosniff: never rendered as HTML
    assert photo.headers["content-disposition"].startswith("inline;")
    inert(photo)
    voice = client.get(f"{base}/note%201.m4a", headers=admin)
    assert voice.headers["content-type"] == "audio/mp4"
    assert voice.headers["content-disposition"].startswith("attachment;")
    inert(voice)


@pytest.mark.parametrize(
    ("name", "served_as"),
    [
        ("photo.JPG", "image/jpeg"),
        ("sound.amr", "audio/amr"),
        ("film.3gp", "video/3gpp"),
        ("list.csv", "text/csv; charset=utf-8"),
        ("report.pdf", "application/pdf"),
        ("page.html", "application/octet-stream"),
        ("page.htm", "application/octet-stream"),
        ("drawing.svg", "application/octet-stream"),
        ("instance.xml", "application/octet-stream"),
        ("code.js", "application/octet-stream"),
        ("no extension", "application/octet-stream"),
    ],
)
def test_only_passive_types_are_ever_named(name, served_as):
    assert safe_media_type(name) == served_as


XFORM = """<?xml version="1.0"?>
<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml">
<h:head><h:title>Hostile</h:title>
<h:script>fetch('/users')</h:script>
<model><instance><data id="hostile" version="1"><a/><meta><instanceID/></meta></data></instance>
<bind nodeset="/data/a" type="string"/></model></h:head>
<h:body><input ref="/data/a"><label>A</label></input></h:body></h:html>"""


def test_an_uploaded_xform_with_a_script_is_refused_naming_it(client, admin, project, engine):
    response = client.post(
        f"/v1/projects/{project}/forms?publish=true",
        content=XFORM.encode(),
        headers={**admin, "Content-Type": "application/xml"},
    )
    assert response.status_code == 400, response.text
    assert "the XHTML element <script> on line 4" in response.json()["message"]
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM forms")).scalar() == 0


@pytest.mark.programme
def test_every_get_route_answers_with_the_security_headers(client, engine, clock):
    """Every GET route of the route table, as an administrator, an app user and a stranger:
    pages may run our own scripts, nothing else may run anything."""
    world = build_world(client, engine, clock)
    seen: dict[str, set[str]] = {}
    checked, failures = 0, []
    for rule in RULES:
        if rule.methods != "GET":
            continue
        for role in (ADMIN, APP, ANON):
            person = world.people[role]
            url = fill(rule.path, params_for(world, rule.path, person))
            response = world.send(person, "GET", url)
            checked += 1
            kind = response.headers.get("content-type", "none").split(";")[0]
            seen.setdefault(kind, set()).add(str(response.status_code))
            wrong = _header_problem(url, response)
            if wrong:
                failures.append(f"GET {rule.path} as {role}: {wrong}")
    print(f"\nsecurity headers: {checked} responses of {len(seen)} types: {sorted(seen)}")
    assert not failures, "\n".join(failures)


def _header_problem(url: str, response) -> str | None:
    headers = response.headers
    if headers.get("x-content-type-options") != "nosniff":
        return "no nosniff"
    if headers.get("x-frame-options") != "DENY":
        return "framable"
    page = not url.startswith("/v1/") and headers.get("content-type", "").startswith("text/html")
    policy = PAGE_CSP if page else DOCUMENT_CSP
    if page and response.status_code == 200 and _runs_web_forms(url.split("?")[0]):
        policy = FORM_CSP  # pages running ODK Web Forms set their own (server/web/webforms.py)
    if headers.get("content-security-policy") != policy:
        return f"CSP {headers.get('content-security-policy')!r}"
    cache = "no-cache" if url.startswith("/static/") else "no-store"
    if headers.get("cache-control") != cache:
        return f"Cache-Control {headers.get('cache-control')!r}"
    if not page and headers.get("referrer-policy") != "no-referrer":
        return f"Referrer-Policy {headers.get('referrer-policy')!r}"
    return None


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/nowhere"),
        ("GET", "/v1/nowhere"),
        ("GET", "/static/nothing.js"),
        ("DELETE", "/health"),  # 405
        ("GET", "/v1/projects/1/forms/x/submissions/y.xml"),  # 401 from a handler
    ],
)
def test_router_answers_carry_the_headers_too(client, method, url):
    response = client.request(method, url)
    assert response.status_code in (401, 404, 405)
    assert _header_problem(url, response) is None


def test_an_unexpected_error_carries_the_headers(settings):
    """Starlette writes its own 500 outside the app's middleware: the headers wrap even that."""

    def broken(request):
        raise RuntimeError("a bug")

    app = Baobab(routes=[Route("/v1/broken", broken)])
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/v1/broken")
    assert response.status_code == 500
    inert(response)


def test_https_responses_ask_for_https_from_then_on(client):
    response = client.get("https://testserver/health")
    assert response.headers["strict-transport-security"] == "max-age=31536000"
    assert "strict-transport-security" not in client.get("/health").headers
