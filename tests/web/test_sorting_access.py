"""Sorting and filtering in the web interface accept only what the caller may see: for roles
that may not read sensitive fields (analyst, viewer), a sort or filter on one is refused with a
400 page that says the same as for a question the form does not have, since the order of the
rows, or which rows match, would give the hidden values away."""

from __future__ import annotations

import html
import re

import pytest
from starlette.testclient import TestClient

from tests.support.accounts import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.support.browser import Browser, device_token_for
from tests.support.visit_form import CHOICES, send, upload
from tests.support.xlsforms import workbook_bytes

SURVEY = [
    ["type", "name", "label::English (en)", "label::French (fr)", "bind::baobab:sensitive"],
    ["text", "full_name", "Full name", "Nom complet", "true"],
    ["integer", "age", "Age", "Âge", ""],
    ["begin_group", "identity", "Identity", "Identité", ""],
    ["text", "phone", "Phone", "Téléphone", "true"],
    ["end_group", "", "", "", ""],
    ["select_one yes_no", "hiv", "HIV positive", "Séropositif", "true"],
    ["select_one region", "region", "Region", "Région", ""],
]
PEOPLE = [  # n, name, age, phone, hiv, region
    (1, "Awa", 31, "70000003", "no", "kayes"),
    (2, "Binta", 22, "70000001", "yes", "bamako"),
    (3, "Coumba", 45, "70000002", "no", "kayes"),
    (4, "Djeneba", 38, "70000004", "yes", "bamako"),
]
HIDDEN = ["q:/data/full_name", "q:/data/identity/phone", "q:/data/hiv"]
PASSWORD = "a long password 1"


def _xml(n, name, age, phone, hiv, region) -> bytes:
    return f"""<data id="screening" version="1"><full_name>{name}</full_name><age>{age}</age>
  <identity><phone>{phone}</phone></identity><hiv>{hiv}</hiv><region>{region}</region>
  <meta><instanceID>uuid:s-{n}</instanceID></meta></data>""".encode()


def _instances(html: str) -> list[str]:
    return re.findall(r'/submissions/uuid:s-(\d)["?]', html)


@pytest.fixture
def screening(browser, web_project, client):
    form = workbook_bytes(
        {
            "survey": SURVEY,
            "choices": CHOICES,
            "settings": [
                ["form_id", "version", "form_title", "namespaces"],
                ["screening", "1", "Screening", 'baobab="urn:baobab:xforms:1"'],
            ],
        }
    )
    assert upload(browser, web_project, form, "screening.xlsx").status_code == 200
    published = browser.post(f"/projects/{web_project}/forms/screening/publish", {"version": "1"})
    assert published.status_code == 200, published.text
    token = device_token_for(browser, web_project, forms="screening")
    for person in PEOPLE:
        send(client, web_project, token, _xml(*person))
    return f"/projects/{web_project}/forms/screening"


def _signed_in(client, project, role) -> Browser:
    admin = {
        "Authorization": "Bearer "
        + client.post(
            "/v1/sessions", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        ).json()["token"]
    }
    email = f"{role}@example.org"
    created = client.post("/v1/users", json={"email": email, "password": PASSWORD}, headers=admin)
    assert created.status_code == 200, created.text
    assigned = client.post(
        f"/v1/projects/{project}/assignments/{role}/{created.json()['id']}", headers=admin
    )
    assert assigned.status_code == 200, assigned.text
    person = Browser(TestClient(client.app, base_url="http://baobab.test"))
    assert person.sign_in(email, PASSWORD).status_code == 200
    return person


def _message(page) -> str:
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', page.text, re.S)
    return html.unescape(found.group(1))


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_sorting_by_a_hidden_question_is_refused_like_an_unknown_one(
    screening, client, web_project, role
):
    person = _signed_in(client, web_project, role)
    table = f"{screening}/submissions"
    unknown = person.get(table, params={"sort": "q:/data/nothing"})
    assert unknown.status_code == 400
    for key in HIDDEN:
        for order in ("asc", "desc"):
            refused = person.get(table, params={"sort": key, "order": order})
            assert refused.status_code == 400, (key, refused.text)
            assert "cannot be sorted by" in _message(refused)
            # The same words as for a question the form does not have: nothing tells the
            # hidden one exists.
            assert _message(refused).replace(key, "KEY") == _message(unknown).replace(
                "q:/data/nothing", "KEY"
            )
            assert _instances(refused.text) == []  # no row, in any order
            assert "7000000" not in refused.text
    # What the caller may see still sorts, and the table offers nothing else.
    by_age = person.get(table, params={"sort": "q:/data/age", "order": "asc"})
    assert by_age.status_code == 200
    assert _instances(by_age.text) == ["2", "1", "4", "3"]
    assert "phone" not in by_age.text and "/data/hiv" not in by_age.text
    assert "full_name" not in by_age.text


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_filtering_by_a_hidden_question_is_refused_on_the_table_and_the_dashboard(
    screening, client, web_project, role
):
    person = _signed_in(client, web_project, role)
    for page in ("submissions", "dashboard"):
        for question, answer in [("/data/hiv", "yes"), ("/data/identity/phone", "7000000")]:
            refused = person.get(
                f"{screening}/{page}", params={"question": question, "answer": answer}
            )
            assert refused.status_code == 400, (page, question)
            assert f"no question '{question}' in this form" in _message(refused)
        visible = person.get(
            f"{screening}/{page}", params={"question": "/data/region", "answer": "kayes"}
        )
        assert visible.status_code == 200
    kayes = person.get(
        f"{screening}/submissions", params={"question": "/data/region", "answer": "kayes"}
    )
    assert sorted(_instances(kayes.text)) == ["1", "3"]


def test_roles_that_may_read_sensitive_fields_sort_and_filter_by_them(
    screening, browser, client, web_project
):
    officer = _signed_in(client, web_project, "protection_officer")
    for person in (browser, officer):
        by_phone = person.get(
            f"{screening}/submissions", params={"sort": "q:/data/identity/phone", "order": "asc"}
        )
        assert by_phone.status_code == 200, by_phone.text
        assert _instances(by_phone.text) == ["2", "3", "1", "4"]
        positive = person.get(
            f"{screening}/submissions", params={"question": "/data/hiv", "answer": "yes"}
        )
        assert sorted(_instances(positive.text)) == ["2", "4"]


def test_a_filter_on_what_is_not_a_question_of_the_table_is_refused(screening, browser):
    for question in ("/data/identity", "/data", "data/age", "/data/age/"):
        refused = browser.get(
            f"{screening}/submissions", params={"question": question, "answer": "x"}
        )
        assert refused.status_code == 400, question
    assert browser.get(f"{screening}/submissions", params={"submitter": "me"}).status_code == 400


@pytest.mark.programme
def test_the_case_list_cannot_be_searched_by_name_without_the_right_to_see_names(browser, client):
    from tests.support.scores import scored_programme

    _admin, project = scored_programme(browser, client)
    cases = f"/projects/{project}/entities/returnees"
    assert "Awa Traoré" in browser.get(cases, params={"q": "traor"}).text
    analyst = _signed_in(client, project, "analyst")
    by_name = analyst.get(cases, params={"q": "traor"})  # names are not searched: no match
    assert by_name.status_code == 200 and "0 cases" in by_name.text
    assert "names and other sensitive details are neither shown nor searched" in by_name.text
    assert "1 case" in analyst.get(cases, params={"q": "kay/2026"}).text
    assert "1 case" in analyst.get(cases).text
    empty = analyst.get(cases, params={"q": ""})  # the form's own empty box is no search
    assert empty.status_code == 200
