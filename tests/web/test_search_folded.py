"""Finding a person whatever the accents and case (issue 17): "Traore" finds "Traoré" in the
cases list and in the submissions table, with a question chosen or in every text question."""

from __future__ import annotations

import pytest

from tests.support.accounts import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.support.devices import make_device
from tests.support.entities import E1, E3, registration
from tests.support.forms import XLSX, publish
from tests.support.paths import FORMS


@pytest.fixture
def project(client):
    token = client.post(
        "/v1/sessions", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    ).json()["token"]
    admin = {"Authorization": f"Bearer {token}"}
    project = client.post("/v1/projects", json={"name": "P"}, headers=admin).json()["id"]
    publish(client, admin, project, (FORMS / "returnee_intake.xlsx").read_bytes(), XLSX)
    device = make_device(client, admin, project, ("returnee_intake",))
    for xml in (
        registration(E1, "Mariam", "Traoré", "1980-02-02", "70000001", "KAY/1"),
        registration(E3, "Ibrahim", "Maïga", "1970-05-05", "76000001", "GAO/2"),
    ):
        assert device.submit(xml).status_code == 201
    return project


@pytest.mark.programme
@pytest.mark.parametrize(("text", "found"), [("traore", 1), ("TRAORÉ", 1), ("maiga", 1), ("x", 0)])
def test_the_cases_list_finds_a_name_without_its_accents(browser, project, text, found):
    page = browser.get(f"/projects/{project}/entities/returnees", params={"q": text})
    assert page.status_code == 200, page.text
    assert f"{found} case" in page.text


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ({"question": "/data/identity/last_name", "answer": "traore"}, 1),
        ({"question": "/data/identity/last_name", "answer": "MAÏGA"}, 1),
        ({"question": "/data/identity/first_name", "answer": "traore"}, 0),
        ({"answer": "traore"}, 1),  # no question: every text question
        ({"answer": "gao/2"}, 1),
        ({"answer": "nobody"}, 0),
    ],
)
def test_answer_contains_ignores_accents_with_or_without_a_question(browser, project, query, found):
    page = browser.get(f"/projects/{project}/forms/returnee_intake/submissions", params=query)
    assert page.status_code == 200, page.text
    assert f">{found} submission" in page.text
