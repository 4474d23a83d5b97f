"""What a form computes from a sensitive answer is as sensitive as the answer: a `full_name`
concatenated from the names, and an instance name built from it, reach no role that may not
read the names, through any route (REST, OData, CSV, XML, the pages); marked `false`, a
calculation stays readable on purpose."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.support.accounts import ADMIN_EMAIL, ADMIN_PASSWORD, project_user
from tests.support.browser import Browser, device_token_for, signed_in_member
from tests.support.visit_form import send, upload
from tests.support.xlsforms import workbook_bytes

SURVEY = [
    ["type", "name", "label", "calculation", "bind::baobab:sensitive"],
    ["text", "first", "First name", "", "true"],
    ["text", "last", "Family name", "", "true"],
    ["date", "dob", "Date of birth", "", "true"],
    ["calculate", "full", "", "concat(${first}, ' ', ${last})", ""],
    ["calculate", "age", "", "int((today() - ${dob}) div 365.25)", "false"],
    ["text", "town", "Town", "", ""],
]
SETTINGS = [
    ["form_id", "version", "instance_name", "namespaces"],
    ["people", "1", "concat('Case of ', ${full})", 'baobab="urn:baobab:xforms:1"'],
]
XML = b"""<data id="people" version="1"><first>Aminata</first><last>Sangare</last>
<dob>1990-05-01</dob><full>Aminata Sangare</full><age>36</age><town>Kita</town>
<meta><instanceID>uuid:p-1</instanceID><instanceName>Case of Aminata Sangare</instanceName></meta>
</data>"""
SECRET = ("Aminata", "Sangare")


@pytest.fixture
def people(browser, web_project, client) -> str:
    form = workbook_bytes({"survey": SURVEY, "settings": SETTINGS})
    assert upload(browser, web_project, form, "people.xlsx").status_code == 200
    published = browser.post(f"/projects/{web_project}/forms/people/publish", {"version": "1"})
    assert published.status_code == 200, published.text
    send(client, web_project, device_token_for(browser, web_project, forms="people"), XML)
    return f"/projects/{web_project}/forms/people"


@pytest.fixture
def admin_headers(client, browser) -> dict[str, str]:
    signed = client.post("/v1/sessions", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    return {"Authorization": f"Bearer {signed.json()['token']}"}


def _tells(text: str) -> list[str]:
    return [word for word in SECRET if word in text]


def test_an_analyst_gets_neither_the_computed_name_nor_the_instance_name(
    people, client, admin_headers, web_project
):
    admin = admin_headers
    analyst = project_user(client, admin, web_project, "analyst@example.org", "analyst")
    api = f"/v1{people}"
    for path in (
        "/submissions",
        "/submissions/uuid:p-1",
        "/submissions/uuid:p-1/versions",
        "/submissions/uuid:p-1.xml",
        ".svc/Submissions",
        "/submissions.csv",
    ):
        answer = client.get(api + path, headers=analyst)
        assert answer.status_code == 200, (path, answer.text[:300])
        assert _tells(answer.text) == [], (path, answer.text[:600])
        # The manager who may read names gets them on the same route.
        assert _tells(client.get(api + path, headers=admin).text), path
    listed = client.get(api + "/submissions", headers=analyst).json()
    assert listed[0]["currentVersion"]["instanceName"] is None
    table = csv.DictReader(io.StringIO(client.get(api + "/submissions.csv", headers=analyst).text))
    columns = table.fieldnames or []
    assert "age" in columns and "town" in columns  # marked false / not computed from a secret
    assert "full" not in columns and not [c for c in columns if c.endswith("instanceName")]
    # Three fields were marked; two more are computed from them.
    header = client.get(api + "/submissions.csv", headers=analyst).headers
    assert header["Baobab-Withheld-Fields"].startswith("5;")


def test_the_pages_show_an_analyst_the_instance_id_instead_of_the_name(
    people, client, admin_headers, web_project
):
    analyst = signed_in_member(client, admin_headers, web_project, "a@example.org", "analyst")
    for path in ("/submissions", "/submissions/uuid:p-1", "/dashboard", "/export"):
        page = analyst.get(people + path)
        assert page.status_code == 200, (path, page.text[:300])
        assert _tells(page.text) == [], path
    one = analyst.get(people + "/submissions/uuid:p-1").text
    assert re.search(r"<h1>uuid:p-1</h1>", one), one[:2000]
    manager = Browser(client)
    assert manager.sign_in().status_code == 200
    assert "<h1>Case of Aminata Sangare</h1>" in manager.get(people + "/submissions/uuid:p-1").text
    assert "Case of Aminata Sangare" in manager.get(people + "/submissions").text
