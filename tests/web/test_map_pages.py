"""The map pages: submissions clustered on Mali's regions, each point opening its submission, a
cluster zooming in or listing what is at one place, the submissions table's filters, a bad view
refused with a 400 naming it; a sensitive location never mapped for a role that may not read it,
for submissions and for entities."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.support.accounts import ADMIN_EMAIL
from tests.support.browser import Browser, signed_in_member
from tests.support.devices import make_device
from tests.support.forms import XLSX, publish
from tests.support.visit_form import (
    CHOICES,
    SURVEY,
    device_token,
    published_form,
    send,
    visit_xml,
    xlsform,
)
from tests.support.xlsforms import md_form, workbook_bytes

READERS = ("manager", "protection_officer", "analyst", "viewer")  # may open the map pages
SENSITIVE_READERS = ("manager", "protection_officer")
MARKS = re.compile(r'<a class="map-mark (\w+)" href="([^"]+)">')


def _send(browser, project, client, latitudes, survey=SURVEY):
    form = published_form(browser, project, xlsform(survey))
    token = device_token(browser, project)
    for n, latitude in enumerate(latitudes, start=1):
        region = "bamako" if latitude < 13 else "kayes"
        send(client, project, token, visit_xml(n, lat=latitude, region=region))
    return f"/projects/{project}/forms/{form}"


def _marks(html: str) -> list[tuple[str, str]]:
    return [(kind, unescape(href)) for kind, href in MARKS.findall(html)]


def test_points_are_clustered_on_the_regions_and_open_their_submission(
    browser, web_project, client
):
    base = _send(browser, web_project, client, [14.4, 14.4, 12.6])
    page = browser.get(f"{base}/map")
    assert page.status_code == 200, page.text
    assert "3 submissions in this view." in page.text
    assert "Made with Natural Earth" in page.text
    for region in ("Kayes", "Koulikoro"):
        assert f"<title>{region} — zoom to it</title>" in page.text
    marks = _marks(page.text)
    assert sorted(kind for kind, _ in marks) == ["list", "open"], marks
    (single,) = [href for kind, href in marks if kind == "open"]
    assert single == f"{base}/submissions/uuid:visit-3"
    assert browser.get(single).status_code == 200
    # Two visits at one place: no deeper view tells them apart, so they are listed.
    (here,) = [href for kind, href in marks if kind == "list"]
    listed = browser.get(here)
    assert listed.status_code == 200
    places = listed.text.split('id="map-places"', 1)[1]
    for n in (1, 2):
        assert f'href="{base}/submissions/uuid:visit-{n}"' in places


def test_a_cluster_of_points_apart_zooms_in_until_they_are_apart(browser, web_project, client):
    base = _send(browser, web_project, client, [14.40, 14.41, 12.6])
    page = browser.get(f"{base}/map", params={"lat": "13.5", "lon": "-8", "zoom": "0"})
    zooms = [href for kind, href in _marks(page.text) if kind == "zoom"]
    assert zooms, _marks(page.text)
    for _ in range(12):
        page = browser.get(zooms[0])
        zooms = [href for kind, href in _marks(page.text) if kind == "zoom"]
        if not zooms:
            break
    opened = [href for kind, href in _marks(page.text) if kind == "open"]
    assert f"{base}/submissions/uuid:visit-1" in opened
    assert f"{base}/submissions/uuid:visit-2" in opened
    for word in ("Zoom out", "North", "South", "West", "East", "Show all"):
        assert word in page.text


def test_the_map_takes_the_tables_filters(browser, web_project, client):
    base = _send(browser, web_project, client, [14.4, 12.6, 12.7])
    browser.post(f"{base}/submissions/uuid:visit-2/review", {"state": "approved"})
    approved = browser.get(f"{base}/map", params={"state": "approved"})
    assert "1 submission in this view." in approved.text
    assert _marks(approved.text) == [("open", f"{base}/submissions/uuid:visit-2")]
    assert '<details class="map-filters" open>' in approved.text
    by_column = browser.get(f"{base}/map", params={"has:/data/region": "kayes"})
    assert "1 submission in this view." in by_column.text
    assert 'name="has:/data/region" value="kayes"' in by_column.text  # kept when refiltering
    by_answer = browser.get(f"{base}/map", params={"question": "/data/full_name", "answer": "3"})
    assert _marks(by_answer.text) == [("open", f"{base}/submissions/uuid:visit-3")]


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"lat": "north", "lon": "-8", "zoom": "3"}, "lat north"),
        ({"lat": "95", "lon": "-8", "zoom": "3"}, "lat must be -90 to 90"),
        ({"lat": "14", "lon": "-8", "zoom": "40"}, "zoom 0 to 12"),
        ({"cell": "x"}, "cell must be two whole numbers"),
        ({"location": "/data/age"}, "no location question &#39;/data/age&#39;"),
        ({"state": "lost"}, "unknown review state"),
    ],
)
def test_a_bad_view_or_filter_is_a_400_naming_it(browser, web_project, client, params, words):
    base = _send(browser, web_project, client, [14.4])
    page = browser.get(f"{base}/map", params=params)
    assert page.status_code == 400, page.text
    assert words in page.text


def test_the_dashboard_shows_the_map_as_a_picture_leading_to_the_map_page(
    browser, web_project, client
):
    base = _send(browser, web_project, client, [14.4, 12.6])
    page = browser.get(f"{base}/dashboard", params={"from": "2000-01-01"})
    assert f'href="{base}/map?from=2000-01-01"' in page.text
    assert f'<img src="{base}/map.svg?from=2000-01-01"' in page.text
    picture = browser.get(f"{base}/map.svg", params={"from": "2000-01-01"})
    assert picture.status_code == 200
    assert picture.headers["content-type"].startswith("image/svg+xml")
    assert picture.text.count('fill="#a3261a"') == 2  # two single points
    assert "Kayes</text>" in picture.text and "<a " not in picture.text
    none = browser.get(f"{base}/map.svg", params={"from": "2100-01-01"})
    assert none.status_code == 200 and "<circle" not in none.text
    assert (
        browser.get(f"{base}/map.svg", params={"zoom": "99", "lat": "1", "lon": "1"}).status_code
        == 400
    )


SENSITIVE_SURVEY = [
    [*SURVEY[0], "bind::baobab:sensitive"],
    *[[*row, ""] for row in SURVEY[1:]],
    ["geopoint", "home", "Home", "Domicile", "", "", "true"],
]


def _sensitive_form() -> bytes:
    return workbook_bytes(
        {
            "survey": SENSITIVE_SURVEY,
            "choices": CHOICES,
            "settings": [
                ["form_id", "version", "form_title", "namespaces"],
                ["returnee_visit", "1", "Returnee visit", 'baobab="urn:baobab:xforms:1"'],
            ],
        }
    )


def _home_visit(n: int) -> bytes:
    return visit_xml(n).replace(b"<consent>", b"<home>16.27 -0.04 0 0</home><consent>")


@pytest.mark.parametrize("role", READERS)
def test_a_sensitive_location_is_mapped_only_for_roles_that_read_it(client, admin, project, role):
    publish(client, admin, project, _sensitive_form(), XLSX)
    device = make_device(client, admin, project, ("returnee_visit",))
    assert device.submit(_home_visit(1)).status_code == 201
    base = f"/projects/{project}/forms/returnee_visit"
    person = signed_in_member(client, admin, project, f"{role}@example.org", role)
    page = person.get(f"{base}/map")
    assert page.status_code == 200, page.text
    home = person.get(f"{base}/map", params={"location": "/data/home"})
    picture = person.get(f"{base}/map.svg", params={"location": "/data/home"})
    if role in SENSITIVE_READERS:
        assert 'id="location-withheld"' not in page.text
        assert '<option value="/data/home"' in page.text
        assert home.status_code == 200 and "1 submission in this view." in home.text
        assert picture.status_code == 200 and "<circle" in picture.text
    else:
        assert "1 location question is sensitive: your role may not see it" in page.text
        assert "/data/home" not in page.text and "Domicile" not in page.text
        assert home.status_code == 400  # as a question the form does not have
        assert picture.status_code == 400
        dashboard = person.get(f"/projects/{project}/forms/returnee_visit/dashboard")
        assert "/data/home" not in dashboard.text


def test_a_data_collector_gets_no_map(client, admin, project):
    publish(client, admin, project, xlsform(), XLSX)
    collector = signed_in_member(client, admin, project, "dc@example.org", "data_collector")
    assert collector.get(f"/projects/{project}/forms/returnee_visit/map").status_code == 403
    assert collector.get(f"/projects/{project}/entities/sites/map").status_code == 403


ENTITY_FORM = md_form(
    """
    type | name | label | save_to | bind::baobab:sensitive
    text | site | Site | site |
    geopoint | gps | GPS | gps |
    geopoint | home | Home of the keeper | home | true
    """,
    settings='form_id | version | namespaces\nsites | 1 | baobab="urn:baobab:xforms:1"',
    extra="| entities |\n| | list_name | label |\n| | sites | ${site} |\n",
)


def _site(n: int, latitude: float) -> bytes:
    return f"""<data id="sites" version="1"><site>Site {n}</site>
    <gps>{latitude} -8.0 0 0</gps><home>16.2 -0.1 0 0</home>
    <meta><instanceID>uuid:site-{n}</instanceID>
    <entity dataset="sites" id="uuid:e{n:07d}-0000-4000-8000-000000000000" create="1">
    <label>Site {n}</label></entity></meta></data>""".encode()


@pytest.mark.parametrize("role", READERS)
def test_the_entity_map_places_entities_and_withholds_a_sensitive_location(
    client, admin, project, role
):
    publish(client, admin, project, ENTITY_FORM)
    device = make_device(client, admin, project, ("sites",))
    for n, latitude in enumerate((14.4, 12.6), start=1):
        assert device.submit(_site(n, latitude)).status_code == 201
    person = signed_in_member(client, admin, project, f"{role}@example.org", role)
    base = f"/projects/{project}/entities/sites"
    page = person.get(f"{base}/map")
    assert page.status_code == 200, page.text
    assert "2 entities in this view." in page.text
    opened = [href for kind, href in _marks(page.text) if kind == "open"]
    assert sorted(opened) == [f"{base}/e000000{n}-0000-4000-8000-000000000000" for n in (1, 2)]
    home = person.get(f"{base}/map", params={"location": "home"})
    if role in SENSITIVE_READERS:
        assert '<option value="home"' in page.text
        assert home.status_code == 200 and "2 entities in this view." in home.text
    else:
        assert "1 location property is sensitive" in page.text
        assert '<option value="home"' not in page.text
        assert home.status_code == 400


def test_an_entity_list_without_locations_says_so(client, admin, project):
    publish(
        client,
        admin,
        project,
        md_form(
            """
            type | name | label | save_to
            text | site | Site | site
            """,
            form_id="names",
            extra="| entities |\n| | list_name | label |\n| | names | ${site} |\n",
        ),
    )
    person = Browser(client)
    assert person.sign_in(ADMIN_EMAIL).status_code == 200
    page = person.get(f"/projects/{project}/entities/names/map")
    assert page.status_code == 200
    assert "No property of this list holds a location" in page.text


def test_the_entity_map_takes_the_entity_tables_filters(client, admin, project):
    publish(client, admin, project, ENTITY_FORM)
    device = make_device(client, admin, project, ("sites",))
    for n, latitude in enumerate((14.4, 12.6, 13.1), start=1):
        assert device.submit(_site(n, latitude)).status_code == 201
    person = signed_in_member(client, admin, project, "analyst@example.org", "analyst")
    base = f"/projects/{project}/entities/sites"
    assert "3 entities in this view." in person.get(f"{base}/map").text
    searched = person.get(f"{base}/map", params={"q": "SITE 2"})
    assert searched.status_code == 200 and "1 entity in this view." in searched.text
    opened = [href for kind, href in _marks(searched.text) if kind == "open"]
    assert opened == [f"{base}/e0000002-0000-4000-8000-000000000000"]
    equal = person.get(f"{base}/map", params={"property": "site", "value": "site 3"})
    assert "1 entity in this view." in equal.text
    assert f'href="{base}/table?property=site&amp;value=site+3"' in equal.text  # and back
    # A property the role may not read filters nothing: refused as one the list lacks.
    hidden = person.get(f"{base}/map", params={"property": "home", "value": "x"})
    assert hidden.status_code == 400 and "home" in hidden.text
    table = person.get(f"{base}/table", params={"q": "site"})
    assert f'href="{base}/map?q=site"' in table.text  # the table's map keeps its filters
