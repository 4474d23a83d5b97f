"""A returnee's case in the web interface and the API: the intake and follow-ups in order, the
score trend, the assistance recorded, conflicts resolved by a person; names and other sensitive
details only for roles that may see them; every case view audited."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from tests.support.browser import Browser
from tests.support.entities import E1, registered_returnees
from tests.support.openrosa import OPENROSA
from tests.support.scores import scored_programme

pytestmark = pytest.mark.programme  # the returnee programme's own tests


def test_the_case_page_tells_the_returnees_story(browser, client):
    _admin, project = scored_programme(browser, client)
    listing = browser.get(f"/projects/{project}/entities/returnees")
    assert "1 case" in listing.text and "Awa Traoré (KAY/2026/001)" in listing.text
    page = browser.get(f"/projects/{project}/entities/returnees/{E1}")
    assert page.status_code == 200, page.text
    assert "<h1>Awa Traoré (KAY/2026/001)</h1>" in page.text
    assert "Open conflict" in page.text
    history = page.text.split('id="history-title"', 1)[1]
    assert [v for v in re.findall(r"<tr>\s*<td>(\d+)</td>", history)] == ["1", "2", "3", "4"]
    assert history.count("returnee_intake") >= 1 and history.count("reintegration_followup") >= 3
    scores = page.text.split('id="trend-title"', 1)[1].split("</section>", 1)[0]
    assert scores.count("<polyline") == 4 and "2026.1-provisional" in scores
    assistance = page.text.split('id="assistance-title"', 1)[1]
    assert "Business" in assistance or "business" in assistance.lower()
    assert "150000" in assistance
    resolved = browser.post(f"/projects/{project}/entities/returnees/{E1}")
    assert "Conflict resolved." in resolved.text and "Open conflict" not in resolved.text


def test_an_analyst_sees_no_name_and_every_view_is_audited(browser, client, engine):
    admin, project = scored_programme(browser, client)
    client.post(
        "/v1/users",
        json={"email": "analyst@example.org", "password": "analyst password 1"},
        headers=admin,
    )
    analyst_id = client.get("/v1/users", headers=admin).json()[-1]["id"]
    assert (
        client.post(
            f"/v1/projects/{project}/assignments/analyst/{analyst_id}", headers=admin
        ).status_code
        == 200
    )
    analyst = Browser(TestClient(client.app, base_url="http://testserver"))
    assert analyst.sign_in("analyst@example.org", "analyst password 1").status_code == 200
    page = analyst.get(f"/projects/{project}/entities/returnees/{E1}")
    assert page.status_code == 200
    assert "Traoré" not in page.text and "70000001" not in page.text
    assert "<h1>KAY/2026/001</h1>" in page.text
    assert "sensitive details are hidden for your role" in page.text
    assert "Mark as resolved" not in page.text
    api = analyst.get(f"/v1/projects/{project}/datasets/returnees/entities/{E1}/case").json()
    assert api["label"] == "KAY/2026/001" and "phone" not in api["data"]
    assert "phone" in api["hiddenProperties"] and len(api["scores"]) == 3
    views = client.get("/v1/audits?action=entity.case.view", headers=admin).json()
    assert len(views) == 2 and {v["details"]["via"] for v in views} == {"web", "api"}
    anonymous = TestClient(client.app, base_url="http://testserver")
    case_url = f"/v1/projects/{project}/datasets/returnees/entities/{E1}/case"
    assert anonymous.get(case_url, headers=OPENROSA).status_code == 401


def test_the_programme_dashboard_counts_what_the_programme_needs(browser, client, clock):
    _admin, project = scored_programme(browser, client)
    page = browser.get(f"/projects/{project}/programme")
    assert page.status_code == 200, page.text
    cards = re.sub(r"\s+", " ", page.text.split('<ul class="cards">', 1)[1].split("</ul>", 1)[0])
    assert "<strong>1</strong><br>returnees registered" in cards
    assert "<strong>3</strong> / 0<br>follow-up visits done / due by now" in cards
    assert "<strong>1</strong><br><a" in cards and "cases with an open conflict" in cards
    assert re.search(r"<title>Kayes: 1</title>", page.text)  # the choice's label
    assert page.text.count("1 returnee scored") == 4  # one chart per dimension and composite
    clock.advance(days=200)  # past the 3- and 6-month visits
    browser.sign_in()
    later = re.sub(r"\s+", " ", browser.get(f"/projects/{project}/programme").text)
    assert "<strong>3</strong> / 2<br>follow-up visits done / due by now" in later


def test_the_case_list_is_ordered_by_registration_and_by_any_column_asked(browser, client):
    admin, project, _device = registered_returnees(client)
    entities = f"/v1/projects/{project}/datasets/returnees/entities"
    for number, day, region in (
        ("SEG/1", "2026-10-30", "segou"),
        ("BKO/7", "2026-11-20", "bamako"),
        ("TOM/3", "", "tombouctou"),  # no registration date: last, whichever way
    ):
        made = client.post(
            entities,
            json={
                "label": f"Case {number}",
                "data": {"case_number": number, "registration_date": day, "region": region},
            },
            headers=admin,
        )
        assert made.status_code == 200, made.text
    cases = f"/projects/{project}/entities/returnees"

    def numbers(query: str = "") -> list[str]:
        page = browser.get(cases + query)
        assert page.status_code == 200, page.text
        body = page.text.split("<tbody>", 1)[1]
        return re.findall(r'<tr><td><a href="[^"]+">([^<]+)</a>', body)

    # Newest registration first; the two intakes were both registered on 2026-11-02, and the
    # one received last comes first.
    assert numbers() == ["BKO/7", "SIK/2026/002", "KAY/2026/001", "SEG/1", "TOM/3"]
    assert numbers("?sort=registered&order=asc")[:1] == ["SEG/1"]
    assert numbers("?sort=registered&order=asc")[-1] == "TOM/3"
    assert numbers("?sort=number&order=asc") == [
        "BKO/7",
        "KAY/2026/001",
        "SEG/1",
        "SIK/2026/002",
        "TOM/3",
    ]
    assert numbers("?sort=number&order=desc")[0] == "TOM/3"
    assert numbers("?sort=region&order=asc")[:2] == ["BKO/7", "KAY/2026/001"]
    page = browser.get(cases + "?sort=number&order=asc")
    assert 'aria-sort="ascending"' in page.text and "?sort=number&amp;order=desc" in page.text
    refused = browser.get(cases + "?sort=phone")
    assert refused.status_code == 400 and "phone" in refused.text
