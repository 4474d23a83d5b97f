"""Fixtures for the web interface: a browser-like client (tests/support/browser.py) signed in
through the sign-in page, a project made on the web pages, and a tab of Debian's Chromium driven
by Playwright against the app served by uvicorn."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.support.accounts import create_admin
from tests.support.browser import Browser
from tests.support.chromium import CHROMIUM
from tests.support.devices import make_device
from tests.support.entities import E1, intake
from tests.support.forms import XLSX, publish
from tests.support.paths import FORMS


@pytest.fixture
def browser(client, engine, clock):
    create_admin(engine, clock)
    web = Browser(client)
    response = web.sign_in()
    assert response.status_code == 200, response.text
    return web


@pytest.fixture
def web_project(browser):
    response = browser.post("/projects", {"name": "Retours Mali"})
    assert response.status_code == 200, response.text
    return int(str(response.url).rstrip("/").rsplit("/", 1)[1])


@pytest.fixture
def page(live, engine, clock, tmp_path):
    assert Path(CHROMIUM).exists(), "install Debian's chromium (make browser does it)"
    create_admin(engine, clock)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(base_url=live, accept_downloads=True, locale="en-GB")
        tab = context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.on(
            "console",
            lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
        )
        yield tab
        context.close()
        browser.close()
    assert not errors, errors  # no script error, nothing the CSP had to block


@pytest.fixture
def intake_project(client, admin, project):
    """A project with the returnee intake published and one registration sent."""
    publish(client, admin, project, (FORMS / "returnee_intake.xlsx").read_bytes(), XLSX)
    device = make_device(client, admin, project, ("returnee_intake",))
    assert device.submit(intake(E1)).status_code == 201
    return project
