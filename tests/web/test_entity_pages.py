"""An entity list in the web interface, with the shipped programme forms: the table of every
property the viewer may read (search ignoring accents and case, a property filter, conflict
and held-update badges), editing an entity (a new version, audited, refused when stale), and
the case page's held updates and version sources."""

from __future__ import annotations

import re
from html import unescape

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from storage.schema import system as s
from tests.support.browser import Browser
from tests.support.entities import (
    E1,
    LIST_PAGE,
    registered_returnees,
)
from tests.support.offline_entities import BRANCH, update


def rows(page) -> list[str]:
    """The text of each body row of the page's table."""
    body = page.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [unescape(re.sub(r"<[^>]+>", " ", r)) for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def analyst(client, admin, project) -> Browser:
    client.post(
        "/v1/users",
        json={"email": "analyst@example.org", "password": "analyst password 1"},
        headers=admin,
    )
    analyst_id = client.get("/v1/users", headers=admin).json()[-1]["id"]
    assigned = client.post(
        f"/v1/projects/{project}/assignments/analyst/{analyst_id}", headers=admin
    )
    assert assigned.status_code == 200
    person = Browser(TestClient(client.app, base_url="http://testserver"))
    assert person.sign_in("analyst@example.org", "analyst password 1").status_code == 200
    return person


def test_search_ignores_accents_and_case_and_filters_by_property(browser, client):
    _admin, project, _device = registered_returnees(client)
    table = LIST_PAGE.format(project=project) + "/table"
    whole = browser.get(table)
    assert whole.status_code == 200, whole.text
    assert "2 entities" in whole.text
    # A column per property, titled with the question it is saved from; values as labels.
    assert '<th scope="col" title="phone">Phone number</th>' in whole.text
    keita = next(row for row in rows(whole) if "Keita" in row)
    assert " Male " in keita and " Sikasso " in keita and " male " not in keita
    found = rows(browser.get(table + "?q=traore"))
    assert len(found) == 1 and "Awa Traoré" in found[0] and "70000001" in found[0]
    assert len(rows(browser.get(table + "?q=TRAORÉ"))) == 1
    nobody = browser.get(table + "?q=nobody-at-all")
    assert "0 entities" in nobody.text and "No entity matches." in nobody.text
    by_region = rows(browser.get(table + "?property=region&value=SIKASSO"))
    assert len(by_region) == 1 and "Keita" in by_region[0]
    # A choice's label in any of the form's languages finds what is stored under its name.
    by_sex = rows(browser.get(table + "?property=sex&value=feminin"))
    assert len(by_sex) == 1 and "Awa Traoré" in by_sex[0]
    assert "download" in whole.text and "/datasets/returnees/entities.csv" in whole.text
    unknown = browser.get(table + "?property=nope&value=x")
    assert unknown.status_code == 400 and "nope" in unknown.text


@pytest.mark.programme
def test_badges_for_conflicts_and_held_updates_and_the_case_page_shows_them(browser, client):
    admin, project, device = registered_returnees(client)
    # Offline on one tablet: two follow-ups; the second arrives first and waits for the first.
    assert device.submit(update(E1, 2, trunk=1, branch=BRANCH, count=2)).status_code == 201
    table = browser.get(LIST_PAGE.format(project=project) + "/table?held=1")
    (held_row,) = rows(table)
    assert "Awa Traoré" in held_row and "1 held update" in held_row
    case = browser.get(LIST_PAGE.format(project=project) + f"/{E1}")
    held = case.text.split('id="held-title"', 1)[1].split("</section>", 1)[0]
    assert "1 update held" in case.text
    assert "reintegration_followup" in held and BRANCH in held
    assert re.search(r'<td class="num">2</td><td class="num">1</td>', held)  # base, trunk
    # The first one arrives: both are applied, nothing is held any more.
    assert device.submit(update(E1, 1, trunk=1, branch=BRANCH, count=1)).status_code == 201
    assert "held" not in " ".join(rows(browser.get(LIST_PAGE.format(project=project) + "/table")))
    assert 'id="held-title"' not in browser.get(LIST_PAGE.format(project=project) + f"/{E1}").text
    # A stale update from another tablet: a conflict, badged.
    stale = update(E1, 1, phone="79999999")
    assert device.submit(stale).status_code == 201
    conflicted = rows(browser.get(LIST_PAGE.format(project=project) + "/table?conflict=1"))
    assert len(conflicted) == 1 and "Conflict" in conflicted[0]


@pytest.mark.programme
def test_an_edit_makes_a_new_version_audited_and_a_stale_one_is_refused(browser, client, engine):
    admin, project, _device = registered_returnees(client)
    edit = LIST_PAGE.format(project=project) + f"/{E1}/edit"
    form = browser.get(edit)
    assert form.status_code == 200 and 'name="base_version" value="1"' in form.text
    assert 'name="p.phone" value="70000001"' in form.text
    empty = browser.post(edit, {"base_version": "1", "label": "", "p.phone": "70000001"})
    assert empty.status_code == 400 and "An entity needs a label." in empty.text
    saved = browser.post(
        edit, {"base_version": "1", "label": "Awa Traoré (KAY/2026/001)", "p.phone": "76543210"}
    )
    assert saved.status_code == 200 and "Saved as a new version." in saved.text
    assert "web edit" in saved.text  # the case page names where version 2 came from
    versions = client.get(
        f"/v1/projects/{project}/datasets/returnees/entities/{E1}/versions", headers=admin
    ).json()
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[1]["dataReceived"] == {"phone": "76543210"}
    assert versions[1]["baseDiff"] == ["phone"] and versions[1]["source"] == {"type": "web"}
    assert versions[1]["data"]["phone"] == "76543210"
    with engine.connect() as connection:
        audit = connection.execute(
            sa.select(s.audits.c.details).where(
                s.audits.c.action == "entity.update.version", s.audits.c.actee_id == E1
            )
        ).scalar_one()
    assert audit["changed"] == ["phone"] and audit["version"] == 2 and audit["via"] == "web"
    assert "76543210" not in str(audit)  # the values are in the version, not the audit log
    # A form opened on version 1 is now stale: nothing is written, the change is named.
    stale = browser.post(edit, {"base_version": "1", "label": "Awa", "p.phone": "70000000"})
    assert stale.status_code == 409 and "Nothing was saved" in stale.text
    assert "Changed since you opened the form: phone." in unescape(stale.text)
    assert 'name="base_version" value="2"' in stale.text  # saving again builds on version 2
    after = client.get(
        f"/v1/projects/{project}/datasets/returnees/entities/{E1}", headers=admin
    ).json()
    assert after["currentVersion"]["version"] == 2


def test_an_analyst_sees_no_sensitive_property_and_cannot_edit(browser, client):
    admin, project, _device = registered_returnees(client)
    person = analyst(client, admin, project)
    table = person.get(LIST_PAGE.format(project=project) + "/table")
    assert table.status_code == 200
    assert "Traoré" not in table.text and "70000001" not in table.text
    assert '<th scope="col">phone</th>' not in table.text
    assert "KAY/2026/001" in table.text  # the case number stands for the name
    assert "/edit" not in table.text
    assert person.get(table.url.path + "?q=traore").text.count("<tr>") == 2  # header + none
    refused = person.get(LIST_PAGE.format(project=project) + "/table?property=phone&value=70000001")
    assert refused.status_code == 400
    assert person.get(LIST_PAGE.format(project=project) + f"/{E1}/edit").status_code == 403
    posted = person.client.post(
        LIST_PAGE.format(project=project) + f"/{E1}/edit",
        data={"csrf": person.token, "base_version": "1", "label": "x"},
    )
    assert posted.status_code == 403
    current = client.get(
        f"/v1/projects/{project}/datasets/returnees/entities/{E1}", headers=admin
    ).json()
    assert current["currentVersion"]["version"] == 1


@pytest.mark.programme
def test_the_pages_speak_french(browser, client):
    _admin, project, device = registered_returnees(client)
    assert device.submit(update(E1, 2, trunk=1, branch=BRANCH, count=2)).status_code == 201
    browser.post("/account/language", {"language": "fr", "next": "/projects"})
    table = browser.get(LIST_PAGE.format(project=project) + "/table?q=traoré")
    assert table.status_code == 200 and "1 entité" in table.text
    assert "1 mise à jour en attente" in table.text
    case = browser.get(LIST_PAGE.format(project=project) + f"/{E1}")
    assert "1 mise à jour en attente" in case.text and "Origine" in case.text
    edit = browser.get(LIST_PAGE.format(project=project) + f"/{E1}/edit")
    assert "Enregistrer comme nouvelle version" in edit.text
    upload = browser.get(LIST_PAGE.format(project=project) + "/upload")
    assert "Vérifier et créer" in upload.text
