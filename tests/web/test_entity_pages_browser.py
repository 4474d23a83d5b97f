"""The entity list's pages in Chromium, on a desktop and on a phone: the table scrolls inside its
frame rather than widening the page, every field is labelled, no script runs against the CSP;
an edit and a CSV upload go through as a person would do them."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support.chromium import UNLABELLED, checked
from tests.support.entities import E1, intake
from tests.support.live_api import live_project, sign_in_page
from tests.support.page_width import OVERFLOW, STICKING_OUT
from tests.support.paths import FORMS


def _fits(tab: Page, name: str) -> None:
    """The page is no wider than the window (tables scroll in their frame); checked as
    test_browser checks every page, and saved as a screenshot. Measured once the page has
    loaded: after a form's submit the new page's text can be there before its stylesheet."""
    tab.wait_for_load_state("load")
    assert tab.evaluate(OVERFLOW) <= 0, (name, tab.evaluate(STICKING_OUT))
    checked(tab, name)


def _programme(live: str) -> int:
    forms = [
        (FORMS / f"{name}.xlsx").read_bytes()
        for name in ("returnee_intake", "reintegration_followup")
    ]
    return live_project(live, forms, [intake(E1)])


@pytest.mark.programme  # an edit ends on the returnee's case page
def test_the_entity_pages_on_a_desktop_and_a_phone(page: Page, live, tmp_path):
    project = _programme(live)
    sign_in_page(page)
    table = f"/projects/{project}/entities/returnees/table"
    for width, height, name in ((1280, 800, "desktop"), (375, 740, "phone")):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(table)
        page.get_by_label("Search (accents and case ignored)").fill("TRAORE")
        page.get_by_role("button", name="Filter").click()
        expect(page.get_by_role("status")).to_contain_text("1 entity")
        expect(page.get_by_role("link", name="Awa Traoré (KAY/2026/001)")).to_be_visible()
        _fits(page, f"entity-table-{name}")
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("phone", exact=True).fill("76543210")
    _fits(page, "entity-edit-phone")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_text("Saved as a new version.")).to_be_visible()
    expect(page.get_by_text("web edit")).to_be_visible()
    page.goto(f"/projects/{project}/entities/returnees/upload")
    rows = tmp_path / "new.csv"
    rows.write_text("label,region\nSeydou Konaté,mopti\n,gao\n", encoding="utf-8")
    page.get_by_label("CSV file (UTF-8)").set_input_files(rows)
    page.get_by_role("button", name="Check and create").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was created")
    _fits(page, "entity-upload-refused-phone")
    rows.write_text("label,region\nSeydou Konaté,mopti\n", encoding="utf-8")
    page.get_by_label("CSV file (UTF-8)").set_input_files(rows)
    page.get_by_role("button", name="Check and create").click()
    expect(page.get_by_text("One entity created.")).to_be_visible()
    expect(page.get_by_text("2 entities", exact=True)).to_be_visible()
    assert page.evaluate(UNLABELLED) == []
