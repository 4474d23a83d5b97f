"""An entity's own page in the core (no programme page for its list): its properties in
labels, where each version came from, an open conflict a reviewer marks resolved, sensitive
properties and the label built from names kept from roles that may not read them, each view
audited. Before, an entity's link led back to the list's table."""

from __future__ import annotations

import re
from html import unescape

import pytest
from starlette.testclient import TestClient

from tests.security.access_rules import READ, REVIEW
from tests.security.access_world import ADMIN, OUTSIDER, USER_ROLES
from tests.support.browser import Browser, signed_in_member
from tests.support.entities import E1, registered_returnees
from tests.support.scores import followup_with

PASSWORD = "a long password 1"

pytestmark = pytest.mark.core  # with the returnee programme, its case page answers instead


def _text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _section(html: str, title_id: str) -> str:
    return _text(html.split(f'id="{title_id}"', 1)[1].split("</section>", 1)[0])


def test_an_entity_page_shows_its_properties_history_and_conflict(browser, client):
    admin, project, device = registered_returnees(client)
    entity_api = f"/v1/projects/{project}/datasets/returnees/entities/{E1}"
    edited = client.patch(
        entity_api + "?baseVersion=1", json={"data": {"phone": "70000009"}}, headers=admin
    )
    assert edited.status_code == 200, edited.text
    # A tablet that still had version 1 sends a follow-up updating the case: a conflict.
    assert device.submit(followup_with(E1, 1, {})).status_code == 201
    url = f"/projects/{project}/entities/returnees/{E1}"
    from_table = browser.get(f"/projects/{project}/entities/returnees/table")
    assert f'href="{url}"' in from_table.text  # the table links each entity here

    page = browser.get(url)
    assert page.status_code == 200, page.text
    assert "<h1>Awa Traoré (KAY/2026/001)</h1>" in page.text
    details = _section(page.text, "properties-title")
    assert "Phone number 70000009" in details and "Sex Female" in details, details
    history = _section(page.text, "history-title")
    rows = re.findall(r"<tr>\s*<td>(\d+)</td>", page.text.split('id="history-title"', 1)[1])
    assert rows == ["1", "2", "3"], rows
    assert "returnee_intake" in history and "API" in history
    assert "reintegration_followup" in history
    assert 'id="conflict-title"' in page.text and "Mark as resolved" in page.text

    resolved = browser.post(url)
    assert resolved.status_code == 200 and "Conflict resolved." in resolved.text
    assert 'id="conflict-title"' not in resolved.text
    audits = client.get("/v1/audits?action=entity.view", headers=admin).json()
    assert [a["acteeId"] for a in audits] == [E1, E1]


def test_an_analyst_sees_the_case_number_and_no_sensitive_property(browser, client):
    admin, project, _device = registered_returnees(client)
    client.post("/v1/users", json={"email": "an@example.org", "password": PASSWORD}, headers=admin)
    analyst_id = client.get("/v1/users", headers=admin).json()[-1]["id"]
    client.post(f"/v1/projects/{project}/assignments/analyst/{analyst_id}", headers=admin)
    analyst = Browser(TestClient(client.app, base_url="http://testserver"))
    assert analyst.sign_in("an@example.org", PASSWORD).status_code == 200
    url = f"/projects/{project}/entities/returnees/{E1}"
    page = analyst.get(url)
    assert page.status_code == 200, page.text
    assert "<h1>KAY/2026/001</h1>" in page.text
    for secret in ("Traoré", "70000001", "1998-04-12"):
        assert secret not in page.text, secret
    assert "sensitive properties are hidden for your role" in page.text
    assert "Mark as resolved" not in page.text
    assert analyst.post(url).status_code == 403
    stranger = TestClient(client.app, base_url="http://testserver")
    signed_out = stranger.get(url, follow_redirects=False)
    assert signed_out.status_code == 303 and "/login" in signed_out.headers["location"]


def test_every_role_gets_the_intended_access_to_the_core_entity_page(browser, client):
    """As tests/security/access_rules.py says of this path (the access matrix checks it with
    the programme, whose case page answers there): read by the roles that read entities,
    a conflict resolved by reviewers only; nothing sensitive for the roles that may not read
    it."""
    admin, project, _device = registered_returnees(client)
    other = client.post("/v1/projects", json={"name": "Ailleurs"}, headers=admin).json()["id"]
    url = f"/projects/{project}/entities/returnees/{E1}"
    people = {ADMIN: browser}
    for role in USER_ROLES:
        people[role] = signed_in_member(client, admin, project, f"{role}@example.org", role)
    people[OUTSIDER] = signed_in_member(client, admin, other, "out@example.org", "manager")
    for role, person in people.items():
        page = person.get(url)
        assert page.status_code == (200 if role in READ else 403), (role, page.status_code)
        if role in READ and role not in ("protection_officer", "manager", ADMIN):
            assert "Traoré" not in page.text and "70000001" not in page.text, role
        posted = person.post(url, follow=False)
        assert (posted.status_code == 303) == (role in REVIEW), (role, posted.status_code)
        if role not in REVIEW:
            assert posted.status_code == 403, (role, posted.status_code)
    anonymous = TestClient(client.app, base_url="http://testserver")
    for method in ("GET", "POST"):
        answer = anonymous.request(method, url, follow_redirects=False)
        assert answer.status_code in (303, 403), (method, answer.status_code)
        if answer.status_code == 303:
            assert answer.headers["location"].startswith("/login")
