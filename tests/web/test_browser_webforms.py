"""Forms in the browser, end to end in Debian's Chromium (Playwright) against the whole app
served by uvicorn, with the shipped forms rendered by ODK Web Forms: a designer previews the
intake draft in French and meets a constraint message; a staff member registers a returnee
with family members (a repeat) and a photo, then visits her with the follow-up, picking her
from the entity list; a manager edits the registration and reads what changed. Any script
error, console error or Content-Security-Policy violation fails the test. The time from
"New submission" to an interactive form and the bytes it took are printed (`-s`)."""

from __future__ import annotations

import io
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from storage.schema import system as s
from tests.support.accounts import ADMIN_EMAIL, ADMIN_PASSWORD, create_admin
from tests.support.chromium import CHROMIUM
from tests.support.visit_form import xlsform
from tests.web.webform_filling import (
    FOLLOWUP_REST,
    FOLLOWUP_VISIT,
    answer,
    answer_all,
    choose_from_list,
    intake_answers,
    question,
    send,
    wait_until_ready,
)

FORMS = Path(__file__).resolve().parents[2] / "forms"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PASSWORD = "a long password for staff"


class Problems:
    """Every script error, console error and CSP violation of the pages a test opens."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def watch(self, page: Page) -> Page:
        page.on("pageerror", lambda error: self.seen.append(f"{page.url}: {error}"))
        page.on(
            "console",
            lambda m: self.seen.append(f"{page.url}: {m.text}") if m.type == "error" else None,
        )
        return page


@pytest.fixture
def chromium():
    assert Path(CHROMIUM).exists(), "install Debian's chromium (make browser does it)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def api(live, engine, clock):
    create_admin(engine, clock)
    with httpx.Client(base_url=live, timeout=60) as client:
        token = client.post(
            "/v1/sessions", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        ).json()["token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def _person(api: httpx.Client, project: int, email: str, role: str) -> None:
    user = api.post("/v1/users", json={"email": email, "password": PASSWORD}).json()
    assert api.post(f"/v1/projects/{project}/assignments/{role}/{user['id']}").status_code == 200


def _signed_in(browser: Browser, live: str, email: str, problems: Problems) -> Page:
    context: BrowserContext = browser.new_context(base_url=live, locale="en-GB")
    page = problems.watch(context.new_page())
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Projects")).to_be_visible()
    return page


def _photo(tmp_path: Path) -> Path:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 120, 40)).save(out, "JPEG")
    path = tmp_path / "awa.jpg"
    path.write_bytes(out.getvalue())
    return path


def _open_new_submission(page: Page, form_url: str) -> tuple[float, int, int]:
    """Click "New submission" on the form's page: seconds until the form is interactive, the
    bytes transferred and the number of requests on the way."""
    page.goto(form_url)
    sizes: list[int] = []

    def finished(request) -> None:  # type: ignore[no-untyped-def]
        measured = request.sizes()
        sizes.append(measured["responseBodySize"] + measured["responseHeadersSize"])

    page.on("requestfinished", finished)
    started = time.monotonic()
    page.get_by_role("link", name="New submission").click()
    wait_until_ready(page)
    expect(question(page, "Enumerator's name").locator("input")).to_be_editable()
    elapsed = time.monotonic() - started
    page.remove_listener("requestfinished", finished)
    return elapsed, sum(sizes), len(sizes)


@pytest.mark.programme  # the follow-up's scores are the programme's
def test_the_shipped_forms_in_the_browser(chromium, live, api, engine, blob_store, tmp_path):
    problems = Problems()
    project = api.post("/v1/projects", json={"name": "Retours Mali"}).json()["id"]
    _person(api, project, "designer@example.org", "manager")
    _person(api, project, "staff@example.org", "data_collector")
    base = f"/projects/{project}/forms"

    # A designer uploads the intake as a draft and tries it in French, as a device shows it.
    designer = _signed_in(chromium, live, "designer@example.org", problems)
    designer.goto(f"/projects/{project}")
    designer.get_by_label("XLSForm (.xlsx or .xls) or XForm (.xml)").set_input_files(
        FORMS / "returnee_intake.xlsx"
    )
    designer.get_by_role("button", name="Check and save as draft").click()
    designer.get_by_role("link", name="Open the draft").click()
    designer.get_by_role("link", name="Preview the draft").click()
    wait_until_ready(designer)
    expect(designer.get_by_role("link", name="Specification")).to_be_visible()
    designer.locator(".larger-screens [aria-label='change language']").click()
    designer.get_by_role("option", name="French (fr)").click()
    expect(question(designer, "Date d'enregistrement")).to_be_visible()
    answer(designer, "Date d'enregistrement", "2099-01-01")
    expect(question(designer, "Date d'enregistrement")).to_contain_text(
        "La date ne peut pas être dans le futur."
    )
    designer.goto(f"{base}/returnee_intake")
    designer.get_by_role("button", name="Publish this version").click()
    expect(designer.get_by_text("Version published")).to_be_visible()

    # A staff member registers a returnee in the browser: two family members and a photo.
    staff = _signed_in(chromium, live, "staff@example.org", problems)
    cold = _open_new_submission(staff, f"{base}/returnee_intake")
    warm = _open_new_submission(staff, f"{base}/returnee_intake")
    answer_all(staff, intake_answers(_photo(tmp_path)))
    started = time.monotonic()
    send(staff)
    expect(staff.locator("#web-form-status")).to_contain_text("Submission sent.")
    sent_in = time.monotonic() - started
    print(
        f"\nNew submission -> interactive intake: cold {cold[0]:.2f} s, {cold[1]:,} bytes in "
        f"{cold[2]} requests; warm {warm[0]:.2f} s, {warm[1]:,} bytes in {warm[2]} requests; "
        f"sent in {sent_in:.2f} s"
    )
    intake = api.get(f"/v1/projects/{project}/forms/returnee_intake/submissions").json()
    assert len(intake) == 1
    instance = intake[0]["instanceId"]
    family = api.get(
        f"/v1/projects/{project}/forms/returnee_intake.svc/Submissions.household.family_members"
    ).json()["value"]
    assert sorted(m["member_name"] for m in family) == ["Aminata", "Moussa"]
    with engine.connect() as connection:
        staff_id = connection.execute(
            sa.select(s.users.c.actor_id).where(s.users.c.email == "staff@example.org")
        ).scalar_one()
        stored = connection.execute(
            sa.select(s.submissions.c.submitter_id, s.submissions.c.device_id)
        ).one()
        photos = connection.execute(
            sa.select(s.submission_attachments.c.blob_sha256).where(
                s.submission_attachments.c.name.like("%.jpg")
            )
        ).scalars()
        photo = next(iter(photos))
    assert stored.submitter_id == staff_id and stored.device_id.startswith("getodk.org:webforms:")
    assert photo is not None and blob_store.read(photo)[:2] == b"\xff\xd8"  # a JPEG, in the store
    entities = api.get(f"/v1/projects/{project}/datasets/returnees/entities").json()
    assert [e["currentVersion"]["label"] for e in entities] == ["Awa Traoré (KAY/2026/101)"]

    # She is visited: the follow-up picks her from the entity list served by Baobab.
    api.post(
        f"/v1/projects/{project}/forms?publish=true&ignoreWarnings=true",
        content=(FORMS / "reintegration_followup.xlsx").read_bytes(),
        headers={"Content-Type": XLSX},
    ).raise_for_status()
    staff.goto(f"{base}/reintegration_followup")
    staff.get_by_role("link", name="New submission").click()
    wait_until_ready(staff)
    choose_from_list(staff, "Returnee", "KAY/2026/101")
    answer(staff, "Is this the case of the person you are visiting", "yes")
    answer_all(staff, FOLLOWUP_VISIT)
    visit_date = question(staff, "Date of the visit").locator("input")
    expect(visit_date).not_to_have_value("")  # today, set though the group was hidden at load
    answer(staff, "Date of the visit", "2026-11-01")  # before her registration (2026-11-30)
    expect(question(staff, "Date of the visit")).to_contain_text("before the returnee's")
    answer(staff, "Date of the visit", "2026-11-30")
    answer_all(staff, FOLLOWUP_REST)
    preview = staff.locator(".question-container", has_text="Indicative scores")
    expect(preview).to_contain_text("economic 0.54")  # a "don't know" among the answers
    send(staff)
    expect(staff.locator("#web-form-status")).to_contain_text("Submission sent.")
    case = api.get(f"/v1/projects/{project}/datasets/returnees/entities/{entities[0]['uuid']}")
    assert case.json()["currentVersion"]["version"] == 2
    with engine.connect() as connection:
        scores = connection.execute(sa.select(s.rss_scores.c.economic)).scalars().all()
    assert len(scores) == 1 and scores[0] is not None

    # A manager corrects the registration in the browser; the history says what changed.
    designer.goto(f"{base}/returnee_intake/submissions/{instance}")
    designer.get_by_role("link", name="Edit", exact=True).click()
    wait_until_ready(designer)
    expect(question(designer, "Village or neighbourhood").locator("input")).to_have_value(
        "Lafiabougou"
    )
    answer(designer, "Village or neighbourhood", "Badalabougou")
    send(designer)
    designer.wait_for_url(f"**/submissions/{instance}")
    history = designer.locator("table.history")
    expect(history).to_contain_text("Lafiabougou")
    expect(history.locator("ins")).to_contain_text(["Badalabougou"])
    versions = api.get(
        f"/v1/projects/{project}/forms/returnee_intake/submissions/{instance}/versions"
    ).json()
    assert len(versions) == 2
    assert not problems.seen, "\n".join(problems.seen)


def test_a_public_link_takes_one_answer_then_stops_when_revoked(chromium, live, api):
    problems = Problems()
    project = api.post("/v1/projects", json={"name": "Retours Mali"}).json()["id"]
    api.post(
        f"/v1/projects/{project}/forms?publish=true&ignoreWarnings=true",
        content=xlsform(),
        headers={"Content-Type": XLSX},
    ).raise_for_status()
    links = f"/v1/projects/{project}/forms/returnee_visit/public-links"
    link = api.post(links, json={"displayName": "Kiosk, Bamako", "once": True}).json()
    url = f"/projects/{project}/forms/returnee_visit/link?st={link['token']}"

    respondent = problems.watch(chromium.new_context(base_url=live).new_page())
    respondent.goto(url)
    wait_until_ready(respondent)
    answer_all(respondent, [("Full name", "Awa Traoré"), ("Age", "31"), ("Region", "kayes")])
    send(respondent)
    expect(respondent.locator("#web-form-status")).to_contain_text("Thank you")
    expect(respondent.get_by_role("button", name="Send")).to_have_count(0)
    respondent.goto(url)
    expect(respondent.get_by_text("already been used")).to_be_visible()
    sent = api.get(
        f"/v1/projects/{project}/forms/returnee_visit/submissions",
        headers={"X-Extended-Metadata": "true"},
    ).json()
    assert [s["submitter"]["displayName"] for s in sent] == ["Kiosk, Bamako"]

    assert api.delete(f"{links}/{link['id']}").status_code == 200
    another = problems.watch(chromium.new_context(base_url=live).new_page())
    response = another.goto(url)
    assert response is not None and response.status == 403
    expect(another.locator("#web-form")).to_have_count(0)
    # The only errors: the browser noting the refusals the test asked for (409, then 403).
    expected = ("status of 409 (Conflict)", "status of 403 (Forbidden)")
    assert [m for m in problems.seen if not m.endswith(expected)] == [], problems.seen
    assert len(problems.seen) == 2
