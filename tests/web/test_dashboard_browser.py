"""The dashboard in Chromium (issue 21): charts chosen with the chooser's form (no script
needed), every word of every chart at least 12 px as rendered, at desktop width and at a
phone's 412 px, long labels clipped with their whole text in a title, and nothing wider than
the window."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.support.accounts import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.support.chromium import checked
from tests.support.entities import E1, E2, intake
from tests.support.forms import XLSX
from tests.support.openrosa import OPENROSA
from tests.support.page_width import OVERFLOW, STICKING_OUT
from tests.support.paths import FORMS

# The rendered size of every piece of text in the charts (the map aside: server/web/map_pages.py
# draws it): HTML text at its computed size, SVG text scaled by its drawing's transform.
TEXT_SIZES = """() => {
    const sizes = [];
    for (const chart of document.querySelectorAll('.charts .chart:not(.chart-map)')) {
        for (const e of chart.querySelectorAll('*')) {
            const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
            if (!own || e.closest('title, caption.visually-hidden')) continue;
            const box = e.getBoundingClientRect();
            if (box.width === 0 && box.height === 0) continue;
            let size = parseFloat(getComputedStyle(e).fontSize);
            if (e instanceof SVGElement) size *= e.getScreenCTM().a;
            sizes.push([e.textContent.trim().slice(0, 30), size]);
        }
    }
    return sizes;
}"""

# Labels cut short must say what they hide.
CLIPPED_WITHOUT_TITLE = """() => [...document.querySelectorAll('.charts .bar-label')]
    .filter(e => e.scrollHeight > e.clientHeight + 1 && e.title !== e.textContent.trim())
    .map(e => e.textContent.trim())"""


def _intake(live: str) -> int:
    with httpx.Client(base_url=live) as api:
        token = api.post(
            "/v1/sessions", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        ).json()["token"]
        admin = {"Authorization": f"Bearer {token}"}
        project = api.post("/v1/projects", json={"name": "Retours"}, headers=admin).json()["id"]
        made = api.post(
            f"/v1/projects/{project}/forms?publish=true&ignoreWarnings=true",
            content=(FORMS / "returnee_intake.xlsx").read_bytes(),
            headers={**admin, "Content-Type": XLSX},
        )
        assert made.status_code == 200, made.text
        for person in (E1, E2):
            sent = api.post(
                f"/v1/projects/{project}/submission",
                files=[("xml_submission_file", ("s.xml", intake(person), "text/xml"))],
                headers={**OPENROSA, **admin},
            )
            assert sent.status_code == 201, sent.text
    return project


def _readable(page: Page) -> None:
    sizes = page.evaluate(TEXT_SIZES)
    assert len(sizes) > 10, sizes
    small = [(text, round(size, 1)) for text, size in sizes if size < 12]
    assert not small, small
    assert page.evaluate(CLIPPED_WITHOUT_TITLE) == []
    assert page.evaluate(OVERFLOW) <= 0, page.evaluate(STICKING_OUT)


def test_charts_are_chosen_without_script_and_readable_on_a_phone(page: Page, live):
    project = _intake(live)
    page.goto("/login")
    page.get_by_label("E-mail address").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", name="Projects")).to_be_visible()
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"/projects/{project}/forms/returnee_intake/dashboard")
    page.locator(".chart-chooser summary").click()
    chooser = page.locator(".chart-chooser")
    chooser.locator('select[name$="/sex"]').select_option("table")
    chooser.locator('select[name$="/return_region"]').select_option("time")
    chooser.locator('select[name$="/reason_leaving"]').select_option("bars")
    chooser.locator('select[name$="/dob"]').select_option("ranges")
    with page.expect_navigation():
        chooser.get_by_role("button", name="Show these charts").click()
    expect(page.locator(".flash")).to_contain_text("Charts saved.")
    expect(page.locator("table.counts")).to_have_count(1)
    expect(page.locator("table.multiples")).to_have_count(1)
    _readable(page)
    checked(page, "dashboard-charts-desktop")
    page.set_viewport_size({"width": 412, "height": 915})
    page.reload()
    _readable(page)
    checked(page, "dashboard-charts-phone")
    page.locator(".chart-chooser summary").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Back to the default charts").click()
    expect(page.locator("table.counts")).to_have_count(0)
    _readable(page)
