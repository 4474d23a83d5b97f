"""The map in Chromium, at desktop and phone widths: Mali's regions drawn, every text of the
map (on its page and on the dashboard) at least 12 px as rendered, no sideways scroll, a cluster
zooms in down to the list of what is at one place, a point opens its submission, and the zoom
links move the view."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.chromium import LOADED_WIDTH, checked
from tests.support.live_api import live_project, sign_in_page
from tests.support.page_width import OVERFLOW
from tests.support.visit_form import visit_xml, xlsform

# Kayes twice at one place, Bamako, and Gao (latitude; the longitude is -8.0 in visit_xml)
LATITUDES = (14.4, 14.4, 12.6, 16.3)

# Each text's font size as rendered: its CSS size in user units times the drawing's scale.
RENDERED_FONT = """() => [...document.querySelectorAll('.map svg text')].map(t => {
    const svg = t.ownerSVGElement;
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    return parseFloat(getComputedStyle(t).fontSize) * scale;
})"""


def _project(live: str) -> int:
    visits = [visit_xml(n, lat=latitude) for n, latitude in enumerate(LATITUDES, start=1)]
    return live_project(live, [xlsform()], visits)


@pytest.mark.parametrize(("screen", "width"), [("desktop", 1366), ("phone", 412)])
def test_the_map_is_readable_and_leads_to_submissions(page: Page, live, screen, width):
    project = _project(live)
    sign_in_page(page)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"/projects/{project}/forms/returnee_visit/map")
    expect(page.get_by_role("heading", name="Map — Returnee visit")).to_be_visible()
    assert page.locator(".map svg .map-areas path").count() >= 5  # Mali's regions in view
    assert page.locator(".map-label").count() >= 3, "region names"
    fonts = page.evaluate(RENDERED_FONT)
    assert fonts and min(fonts) >= 12, fonts
    assert not page.evaluate(OVERFLOW), "the page scrolls sideways"
    checked(page, f"map-{screen}")
    # The dashboard shows the same map as a picture: its 23-unit text is 12 px or more when
    # the picture is at least 334 px wide.
    page.goto(f"/projects/{project}/forms/returnee_visit/dashboard")
    picture = page.get_by_role("img", name=re.compile("^Map of the submissions"))
    assert picture.evaluate(LOADED_WIDTH) == 640
    assert picture.bounding_box()["width"] * 23 / 640 >= 12
    assert not page.evaluate(OVERFLOW), "the dashboard scrolls sideways"
    checked(page, f"map-dashboard-{screen}")
    page.goto(f"/projects/{project}/forms/returnee_visit/map")
    # The two visits at one place make a cluster of 2; opening it zooms in, down to a list.
    cluster = page.locator("a.map-mark:has(text)").filter(has_text="2").first
    for _ in range(14):
        if not cluster.count():
            break
        cluster.click()
        cluster = page.locator("a.map-mark:has(text)").filter(has_text="2").first
        if page.locator("#map-places").count():
            break
    places = page.locator("#map-places a")
    expect(places).to_have_count(2)
    assert min(page.evaluate(RENDERED_FONT) or [12]) >= 12
    places.first.click()
    expect(page).to_have_url(
        f"{live}/projects/{project}/forms/returnee_visit/submissions/uuid:visit-1"
    )
    # Back on the whole map, zoom out then in with the links.
    page.goto(f"/projects/{project}/forms/returnee_visit/map")
    expect(page.get_by_role("link", name="Zoom out")).to_have_count(0)  # Mali whole: zoom 0
    page.get_by_role("link", name="Zoom in").click()
    assert "zoom=1" in page.url
    page.get_by_role("link", name="Zoom out").click()
    assert "zoom=0" in page.url
    single = page.locator("a.map-mark.open").first
    single.click()
    expect(
        page.get_by_role("heading", name="Returnee visit").or_(page.locator("h1"))
    ).to_be_visible()
    assert "/submissions/uuid:visit-" in page.url
    expect(page.locator("figure.map.place figcaption")).to_have_count(1)  # its region, named
    assert not page.evaluate(OVERFLOW), "the submission page scrolls sideways"
    checked(page, f"map-submission-{screen}")
