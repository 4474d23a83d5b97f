"""Fixtures for the web interface: a browser-like client signed in through the sign-in page,
and helpers that post forms with the page's CSRF token, as a browser would."""

from __future__ import annotations

import re

import pytest

from tests.server.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, create_admin
from tests.xlsforms import workbook_bytes

CSRF = re.compile(r'name="csrf" value="([^"]+)"')

SURVEY = [
    ["type", "name", "label::English (en)", "label::French (fr)", "relevant", "required"],
    ["text", "full_name", "Full name", "Nom complet", "", "yes"],
    ["integer", "age", "Age", "Âge", "", "yes"],
    ["select_one region", "region", "Region", "Région", "", "yes"],
    ["select_multiple needs", "needs", "Needs", "Besoins", "${age} >= 18", ""],
    ["geopoint", "location", "Location", "Position", "", ""],
    ["image", "photo", "Photo", "Photo", "", ""],
]
CHOICES = [
    ["list_name", "name", "label::English (en)", "label::French (fr)"],
    ["region", "kayes", "Kayes", "Kayes"],
    ["region", "bamako", "Bamako", "Bamako"],
    ["needs", "food", "Food", "Nourriture"],
    ["needs", "work", "Work", "Travail"],
]


def xlsform(survey=SURVEY, version="1", form_id="returnee_visit", title="Returnee visit") -> bytes:
    return workbook_bytes(
        {
            "survey": survey,
            "choices": CHOICES,
            "settings": [["form_id", "version", "form_title"], [form_id, version, title]],
        }
    )


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


class Browser:
    """A TestClient used like a browser: it keeps cookies and posts the page's CSRF token."""

    def __init__(self, client):
        self.client = client
        self.token = ""

    def get(self, url, **kwargs):
        response = self.client.get(url, **kwargs)
        if "csrf" in response.text:
            self.token = csrf_of(response.text)
        return response

    def post(self, url, data=None, files=None, follow=True):
        response = self.client.post(
            url, data={"csrf": self.token, **(data or {})}, files=files, follow_redirects=follow
        )
        if 'name="csrf"' in response.text:
            self.token = csrf_of(response.text)
        return response

    def sign_in(self, email=ADMIN_EMAIL, password=ADMIN_PASSWORD):
        self.get("/login")
        return self.post("/login", {"email": email, "password": password})


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


def upload(browser, project, data: bytes, filename="returnee_visit.xlsx"):
    return browser.post(
        f"/projects/{project}/forms/upload",
        files={"xlsform": (filename, data, "application/octet-stream")},
    )
