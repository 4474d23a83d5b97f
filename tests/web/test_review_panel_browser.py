"""Reviewing in Chromium: on a desktop the review panel stays beside the answers while they
scroll, the keyboard chooses a state, saves and moves to the next submission (never while
typing a comment), saving keeps the page where it was; on a phone the panel comes first and
the page does not scroll sideways."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.support.chromium import checked
from tests.support.live_api import live_project, sign_in_page
from tests.support.page_width import OVERFLOW, STICKING_OUT
from tests.support.visit_form import SURVEY, xlsform

QUESTIONS = 60  # a long form: the answers are several screens tall


def _long_visit(n: int) -> bytes:
    notes = "".join(f"<note{i}>Observation {i} of visit {n}</note{i}>" for i in range(QUESTIONS))
    return f"""<data id="returnee_visit" version="1">
  <full_name>Returnee {n}</full_name><age>{20 + n}</age><region>kayes</region>
  <needs>food</needs><consent>yes</consent>{notes}
  <meta><instanceID>uuid:visit-{n}</instanceID></meta></data>""".encode()


def _project(live: str) -> int:
    survey = [
        *SURVEY,
        *(
            ["text", f"note{i}", f"Observation {i}", f"Observation {i}", "", ""]
            for i in range(QUESTIONS)
        ),
    ]
    return live_project(live, [xlsform(survey)], [_long_visit(n) for n in (1, 2, 3)])


def test_review_with_the_panel_beside_the_answers_and_the_keyboard(page: Page, live):
    project = _project(live)
    sign_in_page(page)
    page.set_viewport_size({"width": 1366, "height": 800})
    base = f"/projects/{project}/forms/returnee_visit/submissions"
    page.goto(f"{base}/uuid:visit-3?state=received")
    panel = page.locator("#review")
    expect(page.locator("#review-shortcuts")).to_be_visible()  # the legend, once the script runs
    # Beside the answers, and still in view at the bottom of the long page.
    answers = page.locator("#answers-title")
    assert panel.bounding_box()["x"] > answers.bounding_box()["x"] + 300
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_function("() => window.scrollY > 1500")
    box = panel.bounding_box()
    assert 0 <= box["y"] < 50, box  # sticky: at the top of the window, not scrolled away
    expect(page.get_by_role("button", name="Save review")).to_be_in_viewport()
    checked(page, "review-panel-desktop")

    # Typing "j" and "e" in the comment is text, not a shortcut.
    comment = page.get_by_label("Comment")
    comment.fill("")
    comment.press_sequentially("je vérifie")
    expect(comment).to_have_value("je vérifie")
    expect(page).to_have_url(f"{live}{base}/uuid:visit-3?state=received")
    comment.press("Escape")
    page.locator("main").focus()
    page.keyboard.press("e")  # Has issues (edits needed)
    expect(page.get_by_label("Has issues")).to_be_checked()
    scrolled = page.evaluate("window.scrollY")
    comment.focus()
    page.keyboard.press("Control+Enter")  # save, and come back where the page was
    expect(page.get_by_text("Review saved.")).to_be_visible()
    expect(page).to_have_url(f"{live}{base}/uuid:visit-3?state=received#review")
    page.wait_for_function(f"() => Math.abs(window.scrollY - {scrolled}) < 40")
    expect(page.locator("ol.feed li").first).to_contain_text("je vérifie")
    expect(page.locator("ol.feed li").first).to_contain_text("Has issues")

    # "j" goes to the next submission of the filter, "k" back.
    page.locator("main").focus()
    page.keyboard.press("j")
    expect(page).to_have_url(f"{live}{base}/uuid:visit-2?state=received")
    page.locator("main").focus()
    page.keyboard.press("a")
    expect(page.get_by_label("Approved")).to_be_checked()
    page.keyboard.press("Control+Shift+Enter")  # save and next
    expect(page).to_have_url(f"{live}{base}/uuid:visit-1?state=received")
    expect(page.get_by_text("Review saved.")).to_be_visible()
    # Nothing before visit-1 is still "received": no previous link, "k" stays.
    expect(page.locator("#previous-submission")).to_have_count(0)
    page.goto(f"{base}/uuid:visit-1")  # the whole table: visit-2 is above it
    page.locator("main").focus()
    page.keyboard.press("k")
    expect(page).to_have_url(f"{live}{base}/uuid:visit-2")
    expect(page.locator(".review-panel .badge.approved").first).to_be_visible()


def test_on_a_phone_the_review_panel_comes_first_and_the_page_fits(page: Page, live):
    project = _project(live)
    sign_in_page(page)
    page.set_viewport_size({"width": 412, "height": 915})
    page.goto(f"/projects/{project}/forms/returnee_visit/submissions/uuid:visit-2")
    page.wait_for_load_state("load")
    panel = page.locator("#review").bounding_box()
    answers = page.locator("#answers-title").bounding_box()
    assert panel["y"] < answers["y"]  # the review first
    assert panel["width"] <= 412
    assert page.evaluate(OVERFLOW) <= 0, page.evaluate(STICKING_OUT)
    expect(page.get_by_role("link", name="Next →")).to_be_visible()
    checked(page, "review-panel-phone")
