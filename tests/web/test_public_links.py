"""Public links, as ODK Central's: created, listed and revoked over REST by managers; the link's
token (`?st=`) opens its one form on the OpenRosa routes and on the link's page, whose posts go
through Collect's intake attributed to the link; `once` takes one submission per browser;
revoking stops the link on its next request; drafts and forms reading an entity list never
get one. tests/web/test_browser_public_links.py drives the page in Chromium."""

from __future__ import annotations

import html
import re

import sqlalchemy as sa

from storage.schema import system as s
from tests.support.forms import XLSX, publish
from tests.support.openrosa import OPENROSA
from tests.support.paths import FORMS, sample
from tests.support.visit_form import published_form

LINKS = "/v1/projects/{p}/forms/household/public-links"


def _link(client, admin, project, **body):
    response = client.post(
        LINKS.format(p=project), json={"displayName": "Kiosk", **body}, headers=admin
    )
    assert response.status_code == 200, response.text
    return response.json()


def _xml(instance: str) -> bytes:
    return sample("simple.xml").replace(
        b"uuid:0b0c7a6e-0000-4000-8000-000000000001", instance.encode()
    )


def _parts(xml: bytes):
    return [("xml_submission_file", ("submission.xml", xml, "text/xml"))]


def test_managers_create_list_and_revoke_links_as_in_central(client, admin, project, household):
    link = _link(client, admin, project, once=True)
    assert link["type"] == "public-link" and link["once"] is True
    assert re.fullmatch(r"[A-Za-z0-9!$]{64}", link["token"])
    listed = client.get(LINKS.format(p=project), headers=admin).json()
    assert [(k["id"], k["token"], k["displayName"]) for k in listed] == [
        (link["id"], link["token"], "Kiosk")
    ]
    gone = client.delete(f"{LINKS.format(p=project)}/{link['id']}", headers=admin)
    assert gone.status_code == 200 and gone.json() == {"success": True}
    assert client.get(LINKS.format(p=project), headers=admin).json() == []
    again = client.delete(f"{LINKS.format(p=project)}/{link['id']}", headers=admin)
    assert again.status_code == 404


def test_a_link_is_refused_for_a_draft_and_for_a_form_reading_an_entity_list(
    client, admin, project
):
    draft = client.post(
        f"/v1/projects/{project}/forms?publish=false&ignoreWarnings=true",
        content=sample("../data/household.md"),
        headers={**admin, "Content-Type": "text/markdown"},
    )
    assert draft.status_code == 200, draft.text
    refused = client.post(LINKS.format(p=project), json={"displayName": "x"}, headers=admin)
    assert refused.status_code == 409 and "draft" in refused.json()["message"]
    for name in ("returnee_intake", "reintegration_followup"):
        publish(client, admin, project, (FORMS / f"{name}.xlsx").read_bytes(), XLSX)
    followup = f"/v1/projects/{project}/forms/reintegration_followup/public-links"
    refused = client.post(followup, json={"displayName": "x"}, headers=admin)
    assert refused.status_code == 409 and "returnees" in refused.json()["message"]
    intake = f"/v1/projects/{project}/forms/returnee_intake/public-links"
    assert client.post(intake, json={"displayName": "x"}, headers=admin).status_code == 200


def test_the_token_opens_its_form_on_the_openrosa_routes(client, admin, project, household):
    publish(client, admin, project, sample("../data/household.md").replace(b"household", b"other"))
    token = _link(client, admin, project)["token"]
    listed = client.get(f"/v1/projects/{project}/formList?st={token}", headers=OPENROSA)
    assert listed.status_code == 200
    assert b"<formID>household</formID>" in listed.content and b"other" not in listed.content
    other = client.get(f"/v1/projects/{project}/forms/other.xml?st={token}")
    assert other.status_code == 403
    sent = client.post(
        f"/v1/projects/{project}/submission?st={token}",
        files=_parts(_xml("uuid:link-1")),
        headers=OPENROSA,
    )
    assert sent.status_code == 201, sent.text
    submissions = client.get(
        f"/v1/projects/{project}/forms/household/submissions",
        headers={**admin, "X-Extended-Metadata": "true"},
    ).json()
    assert submissions[0]["submitter"]["displayName"] == "Kiosk"
    forms = client.get(f"/v1/projects/{project}/forms?st={token}").json()
    assert [f["xmlFormId"] for f in forms] == ["household"]  # as an app user sees its forms


def test_the_links_page_takes_one_submission_per_browser_and_stops_when_revoked(
    client, admin, project, household, engine
):
    link = _link(client, admin, project, once=True)
    url = f"/projects/{project}/forms/household/link?st={link['token']}"
    page = client.get(url)
    assert page.status_code == 200, page.text
    submit = html.unescape(re.search(r'data-submit="([^"]*)"', page.text).group(1))
    media = html.unescape(re.search(r'data-media="([^"]*)"', page.text).group(1))
    assert media.endswith(f"?st={link['token'].replace('!', '%21').replace('$', '%24')}")
    assert 'data-once="' + str(link["id"]) in page.text
    assert client.post(submit, files=_parts(_xml("uuid:link-p1"))).status_code == 201
    # The next part of the same submission is welcome; another submission is not.
    assert client.post(submit, files=_parts(_xml("uuid:link-p1"))).status_code == 201
    second = client.post(submit, files=_parts(_xml("uuid:link-p2")))
    assert second.status_code == 409 and "already been used" in second.json()["message"]
    assert client.get(url).status_code == 409
    client.cookies.clear()  # another browser
    assert client.post(submit, files=_parts(_xml("uuid:link-p3"))).status_code == 201
    with engine.connect() as connection:
        submitters = set(connection.execute(sa.select(s.submissions.c.submitter_id)).scalars())
    assert submitters == {link["id"]}
    client.delete(f"{LINKS.format(p=project)}/{link['id']}", headers=admin)
    client.cookies.clear()
    revoked = client.get(url)
    assert revoked.status_code == 403 and "it was revoked" in revoked.text
    late = client.post(submit, files=_parts(_xml("uuid:link-p4")))
    assert late.status_code == 403
    assert (
        client.get(
            f"/v1/projects/{project}/formList?st={link['token']}", headers=OPENROSA
        ).status_code
        == 403
    )


def test_a_link_page_without_its_token_is_like_any_page(client, project, household):
    page = client.get(f"/projects/{project}/forms/household/link", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    forged = client.get(f"/projects/{project}/forms/household/link?st={'x' * 64}")
    assert forged.status_code == 403


def test_managers_make_and_revoke_links_on_the_forms_page(browser, web_project):
    published_form(browser, web_project)
    form = f"/projects/{web_project}/forms/returnee_visit"
    made = browser.post(form + "/links", {"display_name": "Kiosk, Kayes", "once": "yes"})
    assert made.status_code == 200 and "Public link created." in made.text
    url = re.search(r'value="(http://baobab.test/projects/[^"]+/link\?st=[^"]+)"', made.text)
    assert url and "Kiosk, Kayes" in made.text
    link_page = browser.client.get(html.unescape(url.group(1)).replace("http://baobab.test", ""))
    assert link_page.status_code == 200 and "data-xform" in link_page.text
    revoke = re.search(r'action="([^"]+/links/\d+/revoke)"', made.text)
    assert revoke
    gone = browser.post(revoke.group(1))
    assert "Public link revoked." in gone.text and "Kiosk, Kayes" not in gone.text
