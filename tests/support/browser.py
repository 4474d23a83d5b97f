"""A browser-like TestClient for the web pages: it keeps cookies and posts the page's CSRF
token, as a browser would."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from tests.support.accounts import ADMIN_EMAIL, ADMIN_PASSWORD, project_user

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


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


def device_token_for(browser, project, forms: str) -> str:
    page = browser.post(
        f"/projects/{project}/app-users", {"display_name": "Tablet", "forms": forms}
    )
    assert page.status_code == 200, page.text
    actor_id = str(page.url).rstrip("/").rsplit("/", 1)[1]
    settings = browser.get(f"/v1/projects/{project}/app-users/{actor_id}/qr").json()["settings"]
    return settings["general"]["server_url"].split("/key/")[1].split("/")[0]


def signed_in_member(client, admin, project, email: str, role: str) -> Browser:
    """A person given `role` in `project` by the administrator, signed in in a browser of
    their own."""
    project_user(client, admin, project, email, role)
    person = Browser(TestClient(client.app, base_url="http://testserver"))
    assert person.sign_in(email, "a long password 1").status_code == 200
    return person
