"""Setting a project up over REST with Central's paths and shapes: projects, publishing forms
(errors with sheet and row), app users and assignments. Also pins the JSON error shape."""

from __future__ import annotations

import hashlib

from converters.xlsform import compile_form
from tests.server.central_data import load_survey, reference_json
from tests.support.forms import publish
from tests.support.paths import DATA
from tests.support.xlsforms import md_form, workbook_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_MD = "text/markdown"  # the markdown XLSForms of the tests


def test_project_create_list_get(client, admin):
    created = client.post("/v1/projects", json={"name": "Kayes"}, headers=admin).json()
    assert set(created) >= {
        "id",
        "name",
        "description",
        "archived",
        "keyId",
        "createdAt",
        "updatedAt",
        "deletedAt",
    }
    assert [p["name"] for p in client.get("/v1/projects", headers=admin).json()] == ["Kayes"]
    one = client.get(f"/v1/projects/{created['id']}", headers=admin)
    assert one.json()["name"] == "Kayes"
    assert client.get("/v1/projects/99", headers=admin).status_code == 404


def test_project_without_name_is_400_naming_the_field(client, admin):
    response = client.post("/v1/projects", json={}, headers=admin)
    assert response.status_code == 400
    assert response.json() == {
        "code": 400.2,
        "message": "Required parameter name missing.",
        "details": {"field": "name"},
    }


def test_anonymous_requests_are_401(client):
    assert client.get("/v1/projects").status_code == 401
    assert client.post("/v1/projects", json={"name": "x"}).status_code == 401


def test_publish_an_xlsx_over_rest_gives_central_form_shape(client, admin, project):
    data = workbook_bytes(
        {
            "survey": [["type", "name", "label"], ["integer", "age", "Age"]],
            "settings": [["form_id", "version", "form_title"], ["xl", "2026", "Excel form"]],
        }
    )
    form = publish(client, admin, project, data, content_type=XLSX)
    assert form["xmlFormId"] == "xl" and form["version"] == "2026" and form["name"] == "Excel form"
    for key in (
        "projectId",
        "state",
        "enketoId",
        "createdAt",
        "updatedAt",
        "keyId",
        "hash",
        "sha",
        "sha256",
        "draftToken",
        "publishedAt",
    ):
        assert key in form
    xml = client.get(f"/v1/projects/{project}/forms/xl.xml", headers=admin)
    assert hashlib.md5(xml.content).hexdigest() == form["hash"]
    assert hashlib.sha1(xml.content).hexdigest() == form["sha"]
    listed = client.get(f"/v1/projects/{project}/forms", headers=admin).json()
    assert [f["xmlFormId"] for f in listed] == ["xl"]


def test_publish_an_xform_xml_body(client, admin, project):
    xform = compile_form(md_form("type | name | label\ntext | a | A", form_id="raw"), ".md")
    form = publish(client, admin, project, xform.xform.encode(), content_type="application/xml")
    assert form["xmlFormId"] == "raw"


def test_a_broken_xlsform_is_400_with_sheet_row_and_column(client, admin, project):
    response = client.post(
        f"/v1/projects/{project}/forms?publish=true",
        content=md_form("type | name | label\ntext | a | A\nintegr | b | B"),
        headers={**admin, "Content-Type": "text/markdown"},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 400.15
    (issue,) = body["details"]["issues"]
    assert (issue["sheet"], issue["row"], issue["column"]) == ("survey", 3, "type")
    assert client.get(f"/v1/projects/{project}/forms", headers=admin).json() == []


def test_warnings_block_publishing_unless_ignored(client, admin, project):
    source = md_form(
        "type | name | label::English (en) | hint::English (en) | label::French (fr)"
        "\ntext | a | A | h | A fr"
    )
    refused = client.post(
        f"/v1/projects/{project}/forms?publish=true",
        content=source,
        headers={**admin, "Content-Type": "text/markdown"},
    )
    assert refused.status_code == 400 and refused.json()["code"] == 400.16
    assert refused.json()["details"]["warnings"]
    accepted = client.post(
        f"/v1/projects/{project}/forms?publish=True&ignoreWarnings=True",
        content=source,
        headers={**admin, "Content-Type": "text/markdown"},
    )
    assert accepted.status_code == 200


def test_publishing_an_existing_form_id_is_409_like_central(client, admin, project, household):
    response = client.post(
        f"/v1/projects/{project}/forms?publish=true&ignoreWarnings=true",
        content=(DATA / "household.md").read_bytes(),
        headers={**admin, "Content-Type": "text/markdown"},
    )
    assert response.status_code == 409 and response.json()["code"] == 409.3


def test_publish_false_keeps_the_new_form_as_a_draft(client, admin, project):
    response = client.post(
        f"/v1/projects/{project}/forms?publish=false",
        content=md_form("type | name | label\ntext | a | A", form_id="d"),
        headers={**admin, "Content-Type": "text/markdown"},
    )
    assert response.status_code == 200
    # Central answers with the draft's definition: pyodk needs its version and hash.
    assert (response.json()["version"], response.json()["publishedAt"]) == ("1", None)
    draft = client.get(f"/v1/projects/{project}/forms/d/draft", headers=admin).json()
    assert draft["version"] == "1"
    listed = client.get(f"/v1/projects/{project}/forms", headers=admin).json()
    assert [(f["xmlFormId"], f["version"], f["hash"]) for f in listed] == [
        ("d", "1", draft["hash"])
    ]
    assert client.get(f"/v1/projects/{project}/forms/d/fields", headers=admin).status_code == 404
    assert client.get(f"/v1/projects/{project}/forms/d/draft/fields", headers=admin).json()


def test_assignments_use_central_paths(client, admin, project, household):
    user = client.post(
        f"/v1/projects/{project}/app-users", json={"displayName": "t"}, headers=admin
    ).json()
    base = f"/v1/projects/{project}/forms/household/assignments"
    assert client.post(f"{base}/2/{user['id']}", headers=admin).json() == {"success": True}
    assert client.get(f"{base}/app-user", headers=admin).json() == [
        {"actorId": user["id"], "roleId": 2}
    ]
    assert client.delete(f"{base}/app-user/{user['id']}", headers=admin).status_code == 200
    assert client.get(f"{base}/app-user", headers=admin).json() == []
    assert client.post(f"{base}/app-user/999", headers=admin).status_code == 404


def test_form_state_must_be_a_known_state(client, admin, project, household):
    response = client.patch(
        f"/v1/projects/{project}/forms/household", json={"state": "paused"}, headers=admin
    )
    assert response.status_code == 400 and "open, closing, closed" in response.json()["message"]


def test_malformed_json_is_a_400_not_a_500(client, admin):
    response = client.post(
        "/v1/projects", content=b"{nope", headers={**admin, "Content-Type": "application/json"}
    )
    assert response.status_code == 400 and response.json()["code"] == 400.0


def test_extended_form_metadata_has_centrals_keys_and_counts(client, admin, project, clock):
    load_survey(client, admin, project, clock)
    reference = reference_json("form_extended.json")
    path = f"/v1/projects/{project}/forms/sample_survey"
    plain = client.get(path, headers=admin).json()
    extended = client.get(path, headers={**admin, "X-Extended-Metadata": "true"}).json()
    assert "submissions" not in plain
    assert set(extended) == set(reference)
    assert extended["submissions"] == 3
    assert extended["reviewStates"] == {"received": 3, "hasIssues": 0, "edited": 0}
    assert extended["lastSubmission"].endswith("Z")
    assert extended["createdBy"]["displayName"] == "admin@example.org"
    assert set(extended["createdBy"]) >= set(reference["createdBy"])
    listed = client.get(
        f"/v1/projects/{project}/forms", headers={**admin, "X-Extended-Metadata": "true"}
    ).json()
    assert [f["submissions"] for f in listed] == [3]


def test_fields_list_the_form_as_central_does(client, admin, project):
    publish(
        client,
        admin,
        project,
        (DATA / "central" / "sample_survey.xml").read_bytes(),
        content_type="application/xml",
    )
    base = f"/v1/projects/{project}/forms/sample_survey"
    central = reference_json("form_fields.json")
    assert client.get(f"{base}/fields?odata=true", headers=admin).json() == central
    assert client.get(f"{base}/versions/v1/fields", headers=admin).json() == central
    missing = client.get(f"{base}/versions/v9/fields", headers=admin)
    assert missing.status_code == 404 and "v9" in missing.json()["message"]
    assert client.get(f"{base}/draft/fields", headers=admin).status_code == 404


def test_fields_use_odata_names_only_when_asked(client, admin, project):
    survey = "| | type | name | label |\n| | begin_group | g-1 | G |\n| | integer | n.2 | N |\n"
    publish(client, admin, project, md_form(survey + "| | end_group | | |", form_id="odd"))
    base = f"/v1/projects/{project}/forms/odd/fields"
    plain = client.get(base, headers=admin).json()
    odata = client.get(base, params={"odata": "true"}, headers=admin).json()
    assert [(f["path"], f["type"]) for f in plain[:2]] == [
        ("/g-1", "structure"),
        ("/g-1/n.2", "int"),
    ]
    assert [f["path"] for f in odata[:2]] == ["/g_1", "/g_1/n_2"]


def test_form_id_fallback_header_names_a_form_without_one(client, admin, project):
    body = md_form("| | type | name | label |\n| | text | a | A |", settings="version\n1")
    post = client.post(
        f"/v1/projects/{project}/forms",
        params={"publish": "true"},
        content=body,
        headers={**admin, "Content-Type": XLSX_MD, "X-XlsForm-FormId-Fallback": "visite%5Fmali"},
    )
    assert post.status_code == 200, post.text
    assert post.json()["xmlFormId"] == "visite_mali"
    refused = client.post(
        f"/v1/projects/{project}/forms",
        content=body,
        headers={**admin, "Content-Type": XLSX_MD, "X-XlsForm-FormId-Fallback": "x.xlsx"},
    )
    assert refused.status_code == 400 and "form_id" in refused.json()["message"]
