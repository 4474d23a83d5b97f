"""Forms in the browser, through the whole app without a browser: the pages that run ODK Web
Forms (their policy, what they hand the script), the media they read, and what the script posts
(new submissions, chunked ones, edits) going through Collect's intake with the session's CSRF
token. tests/web/test_browser_webforms.py drives the same pages in Chromium."""

from __future__ import annotations

import base64
import hashlib
import html
import re

import sqlalchemy as sa

from server.web import webforms
from storage.schema import system as s
from tests.support.visit_form import CHOICES, SURVEY, published_form, upload, xlsform

JPEG = b"\xff\xd8\xff\xe0" + b"photo" * 100


def _data(page: str, name: str) -> str:
    found = re.search(rf'data-{name}="([^"]*)"', page)
    assert found, name
    return html.unescape(found.group(1))


def _xml(n: str, *, name="Awa", photo="p.jpg", deprecated: str | None = None) -> bytes:
    old = f"<deprecatedID>{deprecated}</deprecatedID>" if deprecated else ""
    return f"""<data id="returnee_visit" version="1"><full_name>{name}</full_name><age>30</age>
  <region>kayes</region><needs>food</needs><photo>{photo}</photo><consent>yes</consent>
  <meta><instanceID>{n}</instanceID>{old}</meta></data>""".encode()


def _post(browser, url, xml: bytes, files=(), csrf=None, query=""):
    parts = [("xml_submission_file", ("submission.xml", xml, "text/xml"))]
    parts += [(name, (name, data, "image/jpeg")) for name, data in files]
    return browser.client.post(
        url + query,
        files=parts,
        headers={"X-CSRF-Token": browser.token if csrf is None else csrf},
        follow_redirects=False,
    )


def test_the_preview_runs_web_forms_under_its_own_policy(browser, web_project):
    published_form(browser, web_project)
    page = browser.get(f"/projects/{web_project}/forms/returnee_visit/preview/form")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert policy == webforms.FORM_CSP
    assert "'unsafe-eval'" not in policy and "tile.openstreetmap.org" not in policy
    # The inline import map is the one script the hash allows.
    found = re.search(r'<script type="importmap">(.*?)</script>', page.text, re.S)
    assert found and found.group(1) == webforms.IMPORT_MAP
    digest = base64.b64encode(hashlib.sha256(found.group(1).encode()).digest()).decode()
    assert f"'sha256-{digest}'" in policy
    assert "<h:html" in _data(page.text, "xform") and _data(page.text, "mode") == "preview"
    assert _data(page.text, "submit") == ""  # a preview sends nothing
    # The specification stays, as the second tab; other pages keep the strict policy.
    assert "/preview?" not in page.text and 'href="/projects/' in page.text
    spec = browser.get(f"/projects/{web_project}/forms/returnee_visit/preview")
    assert "unsafe-inline" not in spec.headers["content-security-policy"]
    assert "/preview/form" in spec.text


def test_a_draft_and_an_older_version_can_be_previewed(browser, web_project):
    published_form(browser, web_project)
    second = [*SURVEY, ["text", "remarks", "Remarks", "Remarques", "", ""]]
    assert upload(browser, web_project, xlsform(second, version="2")).status_code == 200
    base = f"/projects/{web_project}/forms/returnee_visit/preview/form"
    assert "remarks" in _data(browser.get(base + "?draft=1").text, "xform")
    assert "remarks" not in _data(browser.get(base).text, "xform")
    browser.post(f"/projects/{web_project}/forms/returnee_visit/publish", {"version": "2"})
    older = browser.get(base + "?version=1")
    assert older.status_code == 200 and "remarks" not in _data(older.text, "xform")
    assert _data(older.text, "media").endswith("?version=1")
    assert browser.get(base + "?version=9").status_code == 404


def test_the_form_media_and_static_files_are_served(browser, web_project):
    with_logo = [
        [*SURVEY[0], "media::image"],
        *[[*row, ""] for row in SURVEY[1:]],
        ["note", "welcome", "Welcome", "Bienvenue", "", "", "logo.png"],
    ]
    published_form(browser, web_project, xlsform(with_logo))
    browser.post(
        f"/projects/{web_project}/forms/returnee_visit/media",
        files={"file": ("logo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20, "image/png")},
        data={"target": "published"},
    )
    media = browser.get(f"/projects/{web_project}/forms/returnee_visit/media/logo.png")
    assert media.status_code == 200 and media.headers["content-type"] == "image/png"
    missing = browser.get(f"/projects/{web_project}/forms/returnee_visit/media/nothing.png")
    assert missing.status_code == 404
    if webforms.installed():  # `make install` ran npm ci
        module = browser.get("/static/web-forms/index.js")
        assert module.status_code == 200 and b"OdkWebForm" in module.content
        assert browser.get(webforms.VUE_MODULE).status_code == 200
    assert browser.get("/static/web-forms/../../package.json").status_code == 404
    assert browser.get("/static/baobab.css").status_code == 200


def test_a_submission_from_the_browser_goes_through_intake_as_the_user(
    browser, web_project, engine
):
    published_form(browser, web_project)
    page = browser.get(f"/projects/{web_project}/forms/returnee_visit/submissions/new")
    url = _data(page.text, "submit")
    assert int(_data(page.text, "max-size")) == 100_000_000
    sent = _post(browser, url, _xml("uuid:web-1"), [("p.jpg", JPEG)], query="?deviceID=dev-1")
    assert sent.status_code == 201, sent.text
    assert sent.json()["instanceId"] == "uuid:web-1"
    assert sent.json()["url"].endswith("/submissions/uuid:web-1")
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(s.submissions.c.submitter_id, s.submissions.c.device_id)
        ).one()
        admin = connection.execute(sa.select(s.users.c.actor_id)).scalar_one()
        audit = connection.execute(
            sa.select(s.audits.c.action).where(s.audits.c.actee_id == "uuid:web-1")
        ).scalars()
        assert "submission.create" in list(audit)
    assert row.submitter_id == admin and row.device_id == "dev-1"
    shown = browser.get(sent.json()["url"])
    assert "p.jpg" in shown.text and "present" in shown.text


def test_a_large_submission_arrives_in_parts(browser, web_project, engine):
    """Web Forms' submitChunked: the same XML in every part, the files spread over them."""
    two = [*SURVEY, ["image", "photo2", "Photo 2", "Photo 2", "", ""]]
    published_form(browser, web_project, xlsform(two))
    url = f"/projects/{web_project}/forms/returnee_visit/submissions/new"
    xml = _xml("uuid:web-parts").replace(b"</photo>", b"</photo><photo2>q.jpg</photo2>")
    assert _post(browser, url, xml, [("p.jpg", JPEG)]).status_code == 201
    assert _post(browser, url, xml, [("q.jpg", JPEG + b"2")]).status_code == 201
    with engine.connect() as connection:
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(s.submissions)).scalar() == 1
        )
        files = connection.execute(
            sa.select(s.submission_attachments.c.name, s.submission_attachments.c.blob_sha256)
        ).all()
    assert {name for name, sha in files if sha} == {"p.jpg", "q.jpg"}


def test_a_post_without_the_csrf_token_or_session_is_refused_unread(browser, web_project, client):
    published_form(browser, web_project)
    url = f"/projects/{web_project}/forms/returnee_visit/submissions/new"
    refused = _post(browser, url, _xml("uuid:web-x"), csrf="forged")
    assert refused.status_code == 403 and "expired" in refused.json()["message"]
    client.cookies.clear()
    anonymous = client.post(url, files=[("xml_submission_file", ("s.xml", b"<x/>", "text/xml"))])
    assert anonymous.status_code == 303 or anonymous.url.path == "/login"


def test_an_edit_in_the_browser_makes_a_version_and_the_history_shows_what_changed(
    browser, web_project, engine
):
    published_form(browser, web_project)
    new = f"/projects/{web_project}/forms/returnee_visit/submissions/new"
    assert _post(browser, new, _xml("uuid:web-e1"), [("p.jpg", JPEG)]).status_code == 201
    page_url = f"/projects/{web_project}/forms/returnee_visit/submissions/uuid:web-e1"
    assert f'href="{page_url}/edit"' in browser.get(page_url).text
    editor = browser.get(page_url + "/edit")
    assert editor.status_code == 200
    assert "uuid:web-e1" in _data(editor.text, "instance")
    assert _data(editor.text, "files") == '["p.jpg"]'
    photo = browser.get(_data(editor.text, "files-url") + "p.jpg")
    assert photo.status_code == 200 and photo.content == JPEG
    edited = _xml("uuid:web-e2", name="Awa Traoré", deprecated="uuid:web-e1")
    sent = _post(browser, _data(editor.text, "submit"), edited)
    assert sent.status_code == 201, sent.text
    stale = _xml("uuid:web-e3", name="Other", deprecated="uuid:web-e1")
    assert _post(browser, _data(editor.text, "submit"), stale).status_code == 409
    history = browser.get(page_url).text
    assert "Awa Traoré" in history and "<del>Awa</del>" in history
    with engine.connect() as connection:
        actions = connection.execute(
            sa.select(s.audits.c.action).where(s.audits.c.actee_id == "uuid:web-e1")
        ).scalars()
        assert "submission.update.version" in list(actions)


def test_only_its_sender_or_a_manager_may_edit_a_submission(browser, web_project, client):
    published_form(browser, web_project)
    new = f"/projects/{web_project}/forms/returnee_visit/submissions/new"
    assert _post(browser, new, _xml("uuid:web-m1")).status_code == 201
    browser.post("/users", {"email": "collector@example.org", "password": "a long password 1"})
    # A data collector of the project who did not send it is refused the page and the post.
    user = browser.client.get("/v1/users", headers={}).json()
    collector = next(u for u in user if u["email"] == "collector@example.org")
    browser.client.post(
        f"/v1/projects/{web_project}/assignments/data_collector/{collector['id']}",
        headers={"Authorization": f"Bearer {_admin_token(browser)}"},
    )
    browser.client.cookies.clear()
    browser.sign_in("collector@example.org", "a long password 1")
    page = f"/projects/{web_project}/forms/returnee_visit/submissions/uuid%3Aweb-m1/edit"
    assert browser.get(page).status_code == 403
    browser.get(f"/projects/{web_project}/forms/returnee_visit/submissions/new")
    edit = _xml("uuid:web-m2", deprecated="uuid:web-m1")
    assert _post(browser, page, edit).status_code == 403
    # Their own submission they may edit.
    assert _post(browser, new, _xml("uuid:web-c1")).status_code == 201
    own = f"/projects/{web_project}/forms/returnee_visit/submissions/uuid%3Aweb-c1/edit"
    assert browser.get(own).status_code == 200
    assert _post(browser, own, _xml("uuid:web-c2", deprecated="uuid:web-c1")).status_code == 201


def _admin_token(browser) -> str:
    from tests.support.accounts import ADMIN_EMAIL, ADMIN_PASSWORD

    response = browser.client.post(
        "/v1/sessions", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    return response.json()["token"]


def test_the_form_page_links_to_the_preview_and_a_new_submission(browser, web_project):
    published_form(browser, web_project)
    page = browser.get(f"/projects/{web_project}/forms/returnee_visit").text
    assert "/forms/returnee_visit/preview/form" in page
    assert "/forms/returnee_visit/submissions/new" in page
    assert "preview/form?version=1" in page
    assert CHOICES  # the form's choices stay those of tests/web/conftest.py
