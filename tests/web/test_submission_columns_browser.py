"""The submissions table in Chromium (issue 21): its header and first column stay in view while
it scrolls inside its box, a column's menu filters at once with only the filters used in the
address, and at phone width the page itself does not scroll sideways."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from playwright.sync_api import Page, expect

from tests.support.entities import E1, intake
from tests.support.live_api import live_project, sign_in_page
from tests.support.page_width import OVERFLOW, STICKING_OUT
from tests.support.paths import FORMS

SEX = "/data/identity/sex"


def _intake(live: str) -> int:
    return live_project(live, [(FORMS / "returnee_intake.xlsx").read_bytes()], [intake(E1)])


def test_the_table_keeps_its_header_and_first_column_and_filters_from_a_menu(page: Page, live):
    project = _intake(live)
    sign_in_page(page)
    page.goto(f"/projects/{project}/forms/returnee_intake/submissions")
    sticky = "e => getComputedStyle(e).position"
    assert page.locator(".submissions-table thead th").first.evaluate(sticky) == "sticky"
    assert page.locator(".submissions-table tbody td").first.evaluate(sticky) == "sticky"
    menu = page.locator(f'select[name="has:{SEX}"]')
    value = menu.locator("option").nth(1).get_attribute("value")
    with page.expect_navigation():
        menu.select_option(value)
    query = parse_qs(urlparse(page.url).query)
    assert query[f"has:{SEX}"] == [value]
    assert not [k for k in query if k.startswith(("has:", "min:", "max:")) and k != f"has:{SEX}"]
    expect(page.locator(f'select[name="has:{SEX}"]')).to_have_value(value)
    page.set_viewport_size({"width": 412, "height": 900})
    page.wait_for_load_state("load")
    assert page.evaluate(OVERFLOW) <= 0, page.evaluate(STICKING_OUT)
    box = page.locator(".submissions-scroll")
    assert box.evaluate("e => e.scrollWidth > e.clientWidth")  # the table scrolls in its box
