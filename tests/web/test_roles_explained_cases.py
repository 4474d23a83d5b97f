"""The returnee programme's pages as each role reads them: an analyst's case list shows case
numbers (never names or raw ids) and searches the properties they may read, accents and case
aside, choice labels included; case and dashboard pages show choice labels in the page's
language; "Registered" is the registration date the intake recorded."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from tests.support.accounts import api_headers, project_user
from tests.support.browser import Browser
from tests.support.devices import make_device
from tests.support.entities import E1, E2, E3, E4, E5, INTAKE_VERSION, build
from tests.support.forms import XLSX, publish
from tests.support.paths import FORMS

pytestmark = pytest.mark.programme  # the returnee programme's own tests


def _intake(uuid, case, first, last, registered, region, cercle, commune):
    values = {
        "/data/registration/registration_date": registered,
        "/data/registration/case_number": case,
        "/data/consent/consent_ok": "yes",
        "/data/identity/first_name": first,
        "/data/identity/last_name": last,
        "/data/identity/sex": "female",
        "/data/identity/phone": "70000001",
        "/data/return_plan/return_region": region,
        "/data/return_plan/return_cercle": cercle,
        "/data/return_plan/return_commune": commune,
    }
    entity = {"dataset": "returnees", "id": uuid, "create": "1"}
    return build("returnee_intake", INTAKE_VERSION, values, entity, f"{first} {last} ({case})")


@pytest.fixture
def returnees(browser, client):
    admin = api_headers(client)
    project = client.post("/v1/projects", json={"name": "Retours"}, headers=admin).json()["id"]
    for name in ("reintegration_followup", "returnee_intake"):  # the follow-up first
        publish(client, admin, project, (FORMS / f"{name}.xlsx").read_bytes(), XLSX)
    device = make_device(client, admin, project, ("returnee_intake",))
    for xml in (
        _intake(E1, "KAY/2026/001", "Awa", "Traoré", "2025-11-02", "kayes", "kayes", "kayes_kayes"),
        _intake(
            E2, "SEG/2026/007", "Mariam", "Koné", "2026-01-15", "segou", "segou", "segou_pelengana"
        ),
        _intake(
            E4,
            "TBK/2026/003",
            "Fatou",
            "Maïga",
            "2026-02-20",
            "tombouctou",
            "tombouctou",
            "tombouctou_ber",
        ),
    ):
        assert device.submit(xml).status_code == 201
    made = client.post(  # by the API, with no registration date
        f"/v1/projects/{project}/datasets/returnees/entities",
        json={"uuid": E3, "label": "Seydou Diarra", "data": {"case_number": "API/0001"}},
        headers=admin,
    )
    assert made.status_code == 200, made.text
    project_user(client, admin, project, "analyst@example.org", "analyst")
    analyst = Browser(TestClient(client.app, base_url="http://testserver"))
    assert analyst.sign_in("analyst@example.org", "a long password 1").status_code == 200
    return project, analyst


def _numbers(html: str) -> list[str]:
    """The case numbers the list links, in order."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<tr><td><a href="[^"]+">([^<]+)</a>', body)


def _search(person, project, text) -> list[str]:
    page = person.get(f"/projects/{project}/entities/returnees", params={"q": text})
    assert page.status_code == 200, page.text
    return _numbers(page.text)


def test_an_analysts_case_list_shows_case_numbers_places_and_registration_dates(returnees):
    project, analyst = returnees
    page = analyst.get(f"/projects/{project}/entities/returnees")
    assert page.status_code == 200, page.text
    assert sorted(_numbers(page.text)) == [
        "API/0001",
        "KAY/2026/001",
        "SEG/2026/007",
        "TBK/2026/003",
    ]
    for secret in ("Traoré", "Awa", "Mariam", "Seydou", "70000001"):
        assert secret not in page.text, secret
    for uuid in (E1, E2, E3, E4):
        assert f">{uuid}<" not in page.text  # ids stay in the links, never as the text
    note = page.text.split('id="withheld">', 1)[1].split("</p>", 1)[0]
    assert "sensitive properties withheld (your role: Analyst)" in note
    rows = {
        number: re.sub(r"<[^>]+>", "|", row)
        for row in page.text.split("<tbody>", 1)[1].split("<tr>")[1:]
        for number in _numbers("<tbody><tr>" + row)
    }
    assert "Jan 15, 2026" in rows["SEG/2026/007"] and "|Ségou|" in rows["SEG/2026/007"]
    assert "|Pelengana|" in rows["SEG/2026/007"] and "segou" not in rows["SEG/2026/007"]
    assert "Nov 2, 2025" in rows["KAY/2026/001"]  # not the day the server received it
    assert "Mar 4, 2026" not in rows["KAY/2026/001"]
    assert "Mar 4, 2026" in rows["API/0001"] and "(date received)" in rows["API/0001"]


def test_an_analyst_searches_what_they_may_read_accents_and_labels_included(returnees, browser):
    project, analyst = returnees
    assert _search(analyst, project, "seg/2026") == ["SEG/2026/007"]
    assert _search(analyst, project, "SÉGOU") == ["SEG/2026/007"]
    assert _search(analyst, project, "Timbuktu") == ["TBK/2026/003"]  # a choice's label only
    assert _search(analyst, project, "pelengana") == ["SEG/2026/007"]
    assert _search(analyst, project, E3) == ["API/0001"]
    for name in ("Traoré", "traore", "Awa", "Maïga", "70000001"):  # names and phones: hidden
        assert _search(analyst, project, name) == [], name
    assert _search(browser, project, "traore") == ["KAY/2026/001"]  # roles that may read them
    assert _search(browser, project, "maiga") == ["TBK/2026/003"]


def test_case_pages_show_labels_in_the_pages_language(returnees):
    project, analyst = returnees
    page = analyst.get(f"/projects/{project}/entities/returnees/{E2}")
    assert page.status_code == 200, page.text
    details = page.text.split('id="properties-title"', 1)[1].split("</dl>", 1)[0]
    assert "<dt>Region of destination in Mali</dt><dd>Ségou</dd>" in details
    assert "<dt>Commune</dt><dd>Pelengana</dd>" in details and "<dd>Female</dd>" in details
    assert "segou" not in details and "<dt>region</dt>" not in details
    assert "registered Jan 15, 2026" in page.text
    analyst.post("/account/language", {"language": "fr", "next": "/projects"})
    french = analyst.get(f"/projects/{project}/entities/returnees/{E2}").text
    details = french.split('id="properties-title"', 1)[1].split("</dl>", 1)[0]
    assert "<dt>Région de destination au Mali</dt><dd>Ségou</dd>" in details
    assert "<dd>Féminin</dd>" in details
    listing = analyst.get(f"/projects/{project}/entities/returnees", params={"q": "tombouctou"})
    assert "Tombouctou" in listing.text and "Numéro de dossier" in listing.text


def test_the_programme_dashboard_counts_by_region_label_and_registration_month(returnees):
    project, analyst = returnees
    page = analyst.get(f"/projects/{project}/programme")
    assert page.status_code == 200, page.text
    for region in ("Kayes", "Ségou", "Tombouctou (Timbuktu)"):
        assert re.search(rf"<title>{re.escape(region)}: 1</title>", page.text), region
    assert "<title>segou: 1</title>" not in page.text
    months = page.text.split('id="by-month"', 1)[1].split("</section>", 1)[0]
    for month in ("2025-11", "2026-01", "2026-02"):  # as registered; the API's one as made
        assert re.search(rf"<title>{month}: 1</title>", months), month
    assert re.search(r"<title>2026-03: 1</title>", months)


def test_the_duplicate_review_names_regions_by_their_labels(returnees, browser, client):
    project, _analyst = returnees
    device = make_device(client, api_headers(client), project, ("returnee_intake",), "tablet 2")
    again = _intake(
        E5, "SEG/2026/099", "Awa", "Traoré", "2026-02-01", "segou", "segou", "segou_segou"
    )
    assert device.submit(again).status_code == 201
    base = f"/projects/{project}/entities/returnees/duplicates"
    pairs = re.findall(rf'href="{base}/(\d+)"', browser.get(base).text)
    assert pairs, "the second registration of Awa Traoré was not flagged"
    page = browser.get(f"{base}/{pairs[0]}")
    region = page.text.split("Region of return</th>", 1)[1].split("</tr>", 1)[0]
    assert "Ségou" in region and "Kayes" in region and "segou" not in region
