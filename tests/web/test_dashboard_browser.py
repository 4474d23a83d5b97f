"""The dashboard in Chromium (issue 21): charts chosen with the chooser's form (no script
needed), every word of every chart at least 12 px as rendered, at desktop width and at a
phone's 412 px, long labels clipped with their whole text in a title, and nothing wider than
the window."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.support.chromium import checked
from tests.support.entities import E1, E2, intake
from tests.support.live_api import live_project, sign_in_page
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
    intake_form = (FORMS / "returnee_intake.xlsx").read_bytes()
    return live_project(live, [intake_form], [intake(E1), intake(E2)])


def _readable(page: Page) -> None:
    sizes = page.evaluate(TEXT_SIZES)
    assert len(sizes) > 10, sizes
    small = [(text, round(size, 1)) for text, size in sizes if size < 12]
    assert not small, small
    assert page.evaluate(CLIPPED_WITHOUT_TITLE) == []
    assert page.evaluate(OVERFLOW) <= 0, page.evaluate(STICKING_OUT)


def test_charts_are_chosen_without_script_and_readable_on_a_phone(page: Page, live):
    project = _intake(live)
    sign_in_page(page)
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
