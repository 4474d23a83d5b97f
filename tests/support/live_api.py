"""A project set up on a live server (tests/support/servers.py) over its own API, as the tests
in Chromium need one, and the administrator signed in on the page."""

from __future__ import annotations

from collections.abc import Sequence

import httpx
from playwright.sync_api import Page, expect

from tests.support.accounts import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.support.forms import XLSX
from tests.support.openrosa import OPENROSA


def live_project(live: str, forms: Sequence[bytes], submissions: Sequence[bytes] = ()) -> int:
    """A new project with each of `forms` (XLSForms) published, then each of `submissions`
    sent by the administrator over OpenRosa; its id."""
    with httpx.Client(base_url=live) as api:
        token = api.post(
            "/v1/sessions", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        ).json()["token"]
        admin = {"Authorization": f"Bearer {token}"}
        project = api.post("/v1/projects", json={"name": "Retours"}, headers=admin).json()["id"]
        for form in forms:
            made = api.post(
                f"/v1/projects/{project}/forms?publish=true&ignoreWarnings=true",
                content=form,
                headers={**admin, "Content-Type": XLSX},
            )
            assert made.status_code == 200, made.text
        for xml in submissions:
            sent = api.post(
                f"/v1/projects/{project}/submission",
                files=[("xml_submission_file", ("s.xml", xml, "text/xml"))],
                headers={**OPENROSA, **admin},
            )
            assert sent.status_code == 201, sent.text
    return project


def sign_in_page(page: Page) -> None:
    """The administrator signed in through the sign-in page, on the project list."""
    page.goto("/login")
    page.get_by_label("E-mail address").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", name="Projects")).to_be_visible()
