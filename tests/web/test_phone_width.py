"""Every page of the web interface on a phone (412 x 915 CSS pixels, a common Android screen) in
Chromium: the page itself never scrolls sideways (wide tables scroll inside their own frame),
every field is labelled, no word drawn in a chart or map is under 12 px, and each page is saved
as a screenshot (test-artifacts/screenshots/),
at the phone's width and again at a laptop's (1366 x 900), where it must not scroll sideways
either.

The pages are the app's own routes: every GET route outside the API, with a real object for
each path parameter, taken from a world like the access matrix's (tests/security/access_world.py:
a project with a form with media, a submission with a photo, a draft with a test submission,
app users, the returnee forms, a duplicate pair flagged) plus a returnee's case with scored
follow-ups. A page added later is visited too; a path parameter the test cannot fill fails it."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import Page
from starlette.routing import Route

from server.app import routes
from server.plugins import load_programmes
from tests.security.access_rules import params_for
from tests.security.access_world import ADMIN, World, build_world
from tests.support.chromium import ARTIFACTS, UNLABELLED
from tests.support.entities import E1, build, instance_id
from tests.support.forms import XLSX
from tests.support.live_api import sign_in_page
from tests.support.page_width import OVERFLOW, SMALL_SVG_TEXT, STICKING_OUT
from tests.support.paths import FORMS
from tests.support.scores import ASSIST, RSS, followup_with

pytestmark = pytest.mark.programme  # every page, the programme's included

PHONE = {"width": 412, "height": 915}
DESKTOP = {"width": 1366, "height": 900}
PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")

# Routes outside the API that answer something other than a page: what they answer instead.
NOT_PAGES = {
    "/health": "application/json",
    "/projects/{project_id:id}/forms/{form_id}/draft/qr.png": "image/png",
    "/projects/{project_id:id}/forms/{form_id}/draft/tests/{instance_id:path}/files/{name}": (
        "image/"
    ),
    "/projects/{project_id:id}/forms/{form_id}/media/{name}": "image/png",
    "/projects/{project_id:id}/forms/{form_id}/submissions/{instance_id:path}/edit/files/{name}": (
        "image/"
    ),
    "/projects/{project_id:id}/forms/{form_id}/export/download": "text/csv",
    "/projects/{project_id:id}/forms/{form_id}/map.svg": "image/svg+xml",
}

# Pages that answer an error page without context the test does not give: a reset link with no
# token (the "expired link" page) and signing in with an identity provider none is set up for.
NOT_OK = {"/account/reset": 400, "/login/oidc": 404, "/login/oidc/callback": 404}


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def _page_paths(programmes: tuple[str, ...]) -> list[str]:
    """Every GET route outside the API (static files aside), in the app's order, once each."""
    found: list[str] = []
    for route in routes(load_programmes(programmes)):
        if not isinstance(route, Route) or "GET" not in (route.methods or ()):
            continue
        if route.path.startswith("/v1/") or route.path in found:
            continue
        found.append(route.path)
    return found


def _fill(world: World, path: str, **values: object) -> str:
    known = {**params_for(world, path, world.people[ADMIN]), **values}
    missing = [name for name in PARAM.findall(path) if name not in known]
    assert not missing, f"{path}: no real value for {missing}: add one to the world"
    url = PARAM.sub(lambda m: str(known[m.group(1)]), path)
    if path.endswith("/forms/{form_id}/link"):  # the link's token, as its holder has it
        url += "?st=" + str(world.ids[f"link {known['form_id']}"])
    elif path.endswith("/export/download"):  # the export page's form sends its choices
        url += "?format=csv"
    return url


def _returnees(world: World) -> str:
    """The follow-up form published, a fuller intake with a photo, and follow-ups of E1 that
    answer the reintegration scores: a case with a history. The intake's instance ID."""
    p = f"/v1/projects/{world.project}"
    world.api(
        "POST",
        f"{p}/forms?publish=true&ignoreWarnings=true",
        content=(FORMS / "reintegration_followup.xlsx").read_bytes(),
        headers={"Content-Type": XLSX},
    )
    values = {
        "/data/registration/registration_date": "2026-11-03",
        "/data/registration/case_number": "MOP/2026/014",
        "/data/consent/consent_ok": "yes",
        "/data/consent/consent_photo": "yes",
        "/data/identity/first_name": "Seydou",
        "/data/identity/last_name": "Konaté-Diarrassouba",
        "/data/identity/sex": "male",
        "/data/identity/dob": "1989-02-17",
        "/data/identity/phone": "76543210",
        "/data/identity/photo": "portrait.jpg",
        "/data/return_plan/return_region": "mopti",
    }
    uuid = "0b0c7a6e-0000-4000-8000-0000000000f1"
    entity = {"dataset": "returnees", "id": uuid, "create": "1"}
    xml = build("returnee_intake", "2026120202", values, entity, "Seydou Konaté (MOP/2026/014)")
    files = [
        ("xml_submission_file", ("submission.xml", xml, "text/xml")),
        ("portrait.jpg", ("portrait.jpg", _jpeg(), "image/jpeg")),
    ]
    world.api("POST", f"{p}/submission", files=files)
    for base, answers in ((1, {**RSS, **ASSIST}), (2, RSS)):
        followup = followup_with(E1, base, answers)
        world.api("POST", f"{p}/submission", files=[("xml_submission_file", ("f.xml", followup))])
    for form_id in ("visit", "returnee_intake"):  # the page a public link opens takes its token
        made = world.api("POST", f"{p}/forms/{form_id}/public-links", json={"displayName": "Kiosk"})
        world.ids[f"link {form_id}"] = made.json()["token"]
    return instance_id(xml)


# Pages drawn by ODK Web Forms (inside #web-form), visited with the first form only: the frame
# around the form is ours, the form's own layout and fields are upstream's (docs/upstream/).
WEB_FORMS = ("/preview/form", "/submissions/new", "/edit", "/link")


def _visits(world: World, programmes: tuple[str, ...], intake: str) -> list[tuple[str, str]]:
    """(name, URL) of every page: each route once, and the form pages again with the intake
    (134 questions, groups, a repeat, a photo) as a second form."""
    visits = []
    for path in _page_paths(programmes):
        visits.append((path, _fill(world, path)))
        files = "{name}" in path or "/draft/" in path  # the visit form's media and draft
        if "{form_id}" in path and not files and not path.endswith(WEB_FORMS):
            url = _fill(world, path, form_id="returnee_intake", instance_id=intake)
            visits.append((path + " (intake)", url))
    return visits


def _screenshot(tab: Page, n: int, name: str, screen: str = "phone") -> None:
    """The screen, as test-artifacts/screenshots/<screen>-<n>-<route>.png."""
    slug = re.sub(r"[^a-z0-9]+", "-", PARAM.sub(lambda m: m.group(1), name).lower()).strip("-")
    tab.screenshot(path=str(ARTIFACTS / f"{screen}-{n:02d}-{slug or 'home'}.png"))


def _on_a_laptop(tab: Page, n: int, name: str) -> list[str]:
    """The same page at a laptop's width: saved as desktop-<n>-<route>.png, and what is wrong
    (wider than the window). The page reflows without being loaded again; the phone's size is
    restored for the next page."""
    tab.set_viewport_size(DESKTOP)
    try:
        wider = tab.evaluate(OVERFLOW)
        why = tab.evaluate(STICKING_OUT) if wider > 0 else None
        small = tab.evaluate(SMALL_SVG_TEXT)
        _screenshot(tab, n, name, "desktop")
    finally:
        tab.set_viewport_size(PHONE)
    if small:
        return [f"{name} at {DESKTOP['width']} px: drawn text under 12 px: {small}"]
    return (
        [f"{name} at {DESKTOP['width']} px: {wider} px too wide: {why}"] if why is not None else []
    )


def _not_a_page(tab: Page, template: str, url: str) -> None:
    """A route that answers a file, not a page: it answers, and what it was meant to."""
    answer = tab.request.get(url)
    kind = answer.headers.get("content-type", "")
    assert answer.ok and kind.startswith(NOT_PAGES[template]), (url, answer.status, kind)


def _problems(tab: Page, name: str, url: str) -> list[str]:
    """What is wrong with the page at `url` on a phone: wider than the window, unlabelled
    fields (ODK Web Forms' own aside). The page is saved as a screenshot of the phone's screen."""
    answer = tab.goto(url)
    assert answer is not None and answer.headers.get("content-type", "").startswith("text/html")
    assert answer.status == NOT_OK.get(name, 200), (url, answer.status, answer.text()[:300])
    # Measured once the page has loaded: its text can be there before its stylesheet; a form
    # in the browser is drawn by a script once its XForm has come.
    tab.wait_for_load_state("load")
    if tab.locator("#web-form").count():
        tab.wait_for_function("() => document.getElementById('web-form').childElementCount")
    found = []
    wider = tab.evaluate(OVERFLOW)
    if wider > 0:
        found.append(f"{name} ({url}): {wider} px too wide: {tab.evaluate(STICKING_OUT)}")
    if small := tab.evaluate(SMALL_SVG_TEXT):
        found.append(f"{name} ({url}): drawn text under 12 px: {small}")
    # The page's unlabelled fields first, then ODK Web Forms' own: a field its script adds in
    # between (a hidden file input) is then among the latter, not counted against us.
    found_unlabelled = tab.evaluate(UNLABELLED)
    upstream = tab.locator("#web-form input, #web-form select, #web-form textarea")
    theirs = set(upstream.evaluate_all("fields => fields.map(e => e.outerHTML)"))
    unlabelled = [field for field in found_unlabelled if field not in theirs]
    if unlabelled:
        found.append(f"{name} ({url}): fields without a label: {unlabelled}")
    return found


def test_every_page_fits_a_phone_and_a_laptop(page: Page, client, engine, clock, settings):
    world = build_world(client, engine, clock, admin_made=True)
    intake = _returnees(world)
    page.set_viewport_size(PHONE)
    sign_in_page(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    for old in [*ARTIFACTS.glob("phone-*.png"), *ARTIFACTS.glob("desktop-*.png")]:
        old.unlink()  # a page renamed or gone leaves no stale picture
    problems, pages = [], 0
    for name, url in _visits(world, settings.programmes, intake):
        template = name.removesuffix(" (intake)")
        if template in NOT_PAGES:
            _not_a_page(page, template, url)
            continue
        pages += 1
        problems += _problems(page, name, url)
        _screenshot(page, pages, name)
        problems += _on_a_laptop(page, pages, name)
    print(
        f"\nphone width: {pages} pages at {PHONE['width']} and {DESKTOP['width']} px, "
        f"{len(problems)} problems"
    )
    assert not problems, "\n".join(problems)
