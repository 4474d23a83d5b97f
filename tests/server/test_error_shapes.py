"""The shape of an error for each writer, pinned on real requests: JSON as Central answers it
({"code": 404.1, "message": ..., "details"?}), OpenRosaResponse XML for devices, and the HTML
error page with a way back for the web interface. Then the table of codes itself."""

from __future__ import annotations

import re

from lxml import etree

from server.error_codes import CENTRAL_PROBLEMS, all_codes
from tests.support.browser import Browser
from tests.support.openrosa import OPENROSA, PHOTO, RESPONSE
from tests.support.paths import sample

# --- JSON (REST) ---------------------------------------------------------------------------


def test_a_missing_resource_is_central_s_404_1_naming_it(client, admin):
    response = client.get("/v1/projects/999", headers=admin)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {
        "code": 404.1,
        "message": "Could not find the project 999.",
        "details": {"project_id": 999},
    }


def test_wrong_credentials_are_401_2(client, admin):
    response = client.post("/v1/sessions", json={"email": "nobody@example.org", "password": "x"})
    assert response.status_code == 401
    assert response.json() == {
        "code": 401.2,
        "message": "Could not authenticate with the provided credentials.",
    }


def test_a_missing_parameter_is_400_2_with_the_field_in_details(client, admin):
    response = client.post("/v1/projects", json={}, headers=admin)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 400.2
    assert body["message"] == "Required parameter name missing."
    assert body["details"] == {"field": "name"}


def test_a_form_that_cannot_be_read_is_400_15_with_its_issues(client, admin, project):
    response = client.post(
        f"/v1/projects/{project}/forms",
        content=b"<h:html><unclosed></h:html>",
        headers={**admin, "Content-Type": "application/xml"},
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == 400.15
    reason = body["details"]["reason"]
    assert reason.startswith("Namespace prefix h on html is not defined")
    assert body["message"] == f"The XML is not well-formed: {reason}"
    assert body["details"] == {"issues": [], "reason": reason, "summary": "XML_MALFORMED"}


def test_a_storage_conflict_is_409_3_naming_what_exists(client, admin, project):
    url = f"/v1/projects/{project}/datasets"
    assert client.post(url, json={"name": "households"}, headers=admin).status_code == 200
    response = client.post(url, json={"name": "households"}, headers=admin)
    assert response.status_code == 409
    body = response.json()
    assert body == {
        "code": 409.3,
        "message": "A entity list with name households already exists.",
        "details": {"what": "entity list", "key": "name households"},
    }


# --- OpenRosa XML (devices) ----------------------------------------------------------------


def _openrosa_message(response) -> tuple[str | None, str | None]:
    assert response.headers["content-type"].startswith("text/xml")
    root = etree.fromstring(response.content)
    assert root.tag == f"{RESPONSE}OpenRosaResponse"
    node = root.find(f"{RESPONSE}message")
    assert node is not None
    return node.get("nature"), node.text


def test_a_device_s_refusal_is_an_openrosa_error_message(device):
    response = device.client.post(
        f"{device.base}/submission",
        headers=OPENROSA,
        files={"photo.jpg": ("photo.jpg", PHOTO, "image/jpeg")},
    )
    assert response.status_code == 400
    assert _openrosa_message(response) == (
        "error",
        "Required multipart POST field xml_submission_file missing.",
    )


def test_a_conflicting_resend_is_a_409_openrosa_message(device):
    assert device.submit(sample("simple.xml")).status_code == 201
    changed = sample("simple.xml").replace(b"<age>28</age>", b"<age>82</age>")
    response = device.submit(changed)
    assert response.status_code == 409
    nature, text = _openrosa_message(response)
    assert nature == "error"
    assert text is not None and text.startswith("A submission already exists with this ID")


# --- Web pages -----------------------------------------------------------------------------


def test_a_missing_page_is_the_html_error_page_with_a_way_back(client, admin):
    browser = Browser(client)
    browser.sign_in()
    response = browser.get("/projects/999")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert '<p class="error" role="alert">Could not find the project 999.</p>' in response.text
    assert '<a href="/">' in response.text
    assert "<h1>Not found</h1>" in response.text


def test_a_refused_web_request_shows_the_message_on_the_error_page(client, admin):
    browser = Browser(client)
    browser.sign_in()
    response = browser.get("/projects/999/forms/nothing")
    assert response.status_code == 404
    assert '<a href="/">' in response.text
    assert re.findall(r'role="alert">([^<]*)<', response.text) == [
        "Could not find the form &#39;nothing&#39;."
    ]


# --- The table of codes --------------------------------------------------------------------


def test_every_code_has_an_error_status_its_central_code_implies():
    for row in all_codes():
        assert 400 <= row.status <= 599, row
        assert int(row.central) == row.status, row
        assert row.template, row


def test_a_central_code_with_a_decimal_is_one_central_defines_for_that_case():
    rows = all_codes()
    for row in rows:
        if row.central != row.status:
            assert row.central in CENTRAL_PROBLEMS, f"{row.name}: Central has no {row.central}"
            assert row.central_name == CENTRAL_PROBLEMS[row.central]
        else:
            assert row.central_name is None
    # One Central code per (status, case): no case under two codes, no code for two cases.
    cases = list(CENTRAL_PROBLEMS.values())
    assert len(cases) == len(set(cases))
    assert len({(int(code), name) for code, name in CENTRAL_PROBLEMS.items()}) == len(cases)
    # Every Central code listed is one that some code answers.
    assert set(CENTRAL_PROBLEMS) == {r.central for r in rows if r.central != r.status}


def test_codes_are_unique_within_each_layer():
    rows = all_codes()
    names = [(r.layer, r.name) for r in rows]
    assert len(names) == len(set(names))
    assert {r.layer for r in rows} == {"converters", "storage", "server"}
