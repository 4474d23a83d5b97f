"""Two bugs of ODK Web Forms 0.22's XPath engine that the shipped forms work around
(forms/<form_id>/survey.csv), each shown on the smallest form that has it, next to the workaround.
When an upgrade of @getodk/web-forms fixes one, its test fails: drop the workaround then.

- `sum()` of an empty node-set is NaN (XPath 1.0 and ODK Collect: 0), which blanked the
  follow-up's score previews as soon as one answer was "don't know". Workaround: each term
  `if(count(X) = 0, 0, sum(X))`.
- `decimal-date-time()` given a node-set (`decimal-date-time(${dob})`) throws "Expected a NUMBER
  or STRING evaluation type for date-time conversion", and the whole form fails to load (the
  intake did). Workaround: `decimal-date-time(string(${dob}))`."""

from __future__ import annotations

import html

import pytest
from playwright.sync_api import Page, sync_playwright

from converters.xlsform import compile_xlsform
from server.web.webforms import IMPORT_MAP
from tests.support.chromium import CHROMIUM

SUM = """| survey |
| | type | name | label | default | calculation |
| | select_one yn | q | Question | dk | |
| | calculate | s | | | {calculation} |
| | note | n | Score: ${{s}} | | |
| choices |
| | list_name | name | label | score |
| | yn | yes | Yes | 1 |
| | yn | no | No | 0 |
| | yn | dk | Don't know | |
| settings |
| | form_id | version |
| | sum_empty | 1 |
"""
ITEMS = "instance('yn')/root/item[name = ${q} and score != '']"
DATES = """| survey |
| | type | name | label | default | calculation |
| | date | d | Date | 2020-01-01 | |
| | calculate | days | | | {calculation} |
| | note | n | Days since 1970: ${{days}} | | |
| settings |
| | form_id | version |
| | ddt_node | 1 |
"""


def _harness(xform: str) -> str:
    """A bare page running the form as Baobab's preview does."""
    return (
        f'<!doctype html><html><head><script type="importmap">{IMPORT_MAP}</script>'
        '<script type="module" src="/static/webform.js"></script></head><body>'
        '<p id="web-form-status"></p><div id="web-form" data-mode="preview" '
        f'data-media="/nothing/{{name}}" data-xform="{html.escape(xform)}"></div></body></html>'
    )


@pytest.fixture
def form_page(live):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_context(base_url=live).new_page()

        def show(markdown: str) -> Page:
            xform = compile_xlsform(markdown.encode(), ".md").xform
            page.route("**/harness", lambda route: route.fulfill(body=_harness(xform)))
            page.goto("/harness")
            page.wait_for_selector(".form-initialization-status:not(.loading)", state="attached")
            page.unroute("**/harness")
            return page

        yield show
        browser.close()


def test_sum_of_no_node_is_nan_in_web_forms_and_the_workaround_counts_0(form_page):
    page = form_page(SUM.format(calculation=f"sum({ITEMS}/score)"))
    assert "Score: NaN" in page.locator(".odk-form").inner_text()  # upstream: should be 0
    page = form_page(SUM.format(calculation=f"if(count({ITEMS}) = 0, 0, sum({ITEMS}/score))"))
    assert "Score: 0" in page.locator(".odk-form").inner_text()


def test_decimal_date_time_of_a_node_breaks_the_form_and_string_works(form_page):
    page = form_page(DATES.format(calculation="decimal-date-time(${d})"))
    assert page.locator(".form-initialization-status.error").count() == 1  # upstream: loads
    assert "date-time conversion" in page.locator(".form-load-failure-dialog").inner_text()
    page = form_page(DATES.format(calculation="decimal-date-time(string(${d}))"))
    assert "Days since 1970: 18262" in page.locator(".odk-form").inner_text()
