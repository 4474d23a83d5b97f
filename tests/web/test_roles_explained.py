"""Roles that may not read sensitive fields are told so: the submissions table, the dashboard
and the export page say how many fields are withheld and why, and export downloads carry the
same count in a header; roles that read everything see no such note."""

from __future__ import annotations

import csv
import io
import re

from starlette.testclient import TestClient

from tests.support.accounts import project_user
from tests.support.browser import Browser, signed_in_member
from tests.support.paths import FORMS

PAGES = ("submissions", "dashboard", "export")


def _marked_sensitive() -> int:
    """The intake's questions marked sensitive in its spreadsheet, plus the entity label that
    is built from the names: what an analyst does not get."""
    with (FORMS / "returnee_intake" / "survey.csv").open(encoding="utf-8") as survey:
        rows = csv.DictReader(survey)
        marked = sum(1 for r in rows if r["bind::baobab:sensitive"].strip() == "true")
    return marked + 1


def _header(response) -> list[str]:
    return next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _note(html: str) -> str:
    found = re.search(r'<p class="panel" role="note" id="withheld">(.*?)</p>', html, re.S)
    assert found, "no withheld note on the page"
    return re.sub(r"<[^>]+>", "", found.group(1))


def test_an_analyst_is_told_how_many_fields_are_withheld_and_why(client, admin, intake_project):
    expected = _marked_sensitive()
    analyst = signed_in_member(client, admin, intake_project, "analyst@example.org", "analyst")
    base = f"/projects/{intake_project}/forms/returnee_intake"
    for name in PAGES:
        page = analyst.get(f"{base}/{name}")
        assert page.status_code == 200, page.text
        note = _note(page.text)
        assert f"{expected} fields withheld (sensitive, your role: Analyst)" in note, note
        assert "only these roles may read them: Project manager, Protection officer" in note
        # Near the top: before the first filter, table or form of the page.
        main = page.text.split("<main", 1)[1]
        assert main.index('id="withheld"') < main.index("<form")
    analyst.post("/account/language", {"language": "fr", "next": "/projects"})
    french = _note(analyst.get(f"{base}/export").text)
    assert f"{expected} champs masqués (données sensibles, votre rôle : Analyste)" in french, french


def test_roles_that_read_everything_see_no_note(client, admin, intake_project):
    officer = signed_in_member(
        client, admin, intake_project, "officer@example.org", "protection_officer"
    )
    base = f"/projects/{intake_project}/forms/returnee_intake"
    administrator = Browser(TestClient(client.app, base_url="http://testserver"))
    assert administrator.sign_in().status_code == 200
    for person in (officer, administrator):
        for name in PAGES:
            page = person.get(f"{base}/{name}")
            assert page.status_code == 200 and 'id="withheld"' not in page.text, name


def test_a_viewer_is_named_with_their_own_role(client, admin, intake_project):
    viewer = signed_in_member(client, admin, intake_project, "viewer@example.org", "viewer")
    page = viewer.get(f"/projects/{intake_project}/forms/returnee_intake/submissions")
    assert "your role: Viewer" in _note(page.text)


def test_export_downloads_say_how_many_fields_were_left_out(client, admin, intake_project):
    expected = _marked_sensitive()
    analyst = project_user(client, admin, intake_project, "analyst@example.org", "analyst")
    officer = project_user(
        client, admin, intake_project, "officer@example.org", "protection_officer"
    )
    url = f"/v1/projects/{intake_project}/forms/returnee_intake/submissions"
    for export in ("csv", "csv.zip", "xlsx"):
        left_out = client.get(f"{url}.{export}", headers=analyst)
        assert left_out.status_code == 200
        header = left_out.headers["Baobab-Withheld-Fields"]
        assert header == f'{expected};reason="sensitive";role="analyst"', header
        whole = client.get(f"{url}.{export}", headers=officer)
        assert whole.headers["Baobab-Withheld-Fields"] == "0"
    # The count is the fields the file lacks: the main table's missing columns, one per
    # question (a location is four), and the family_members repeat's member names.
    analyst_columns = _header(client.get(f"{url}.csv", headers=analyst))
    officer_columns = _header(client.get(f"{url}.csv", headers=officer))
    missing = {
        re.sub(r"-(Latitude|Longitude|Altitude|Accuracy)$", "", c)
        for c in set(officer_columns) - set(analyst_columns)
    }
    assert len(missing) + 1 == expected  # + member_name, in the repeat's own file


def test_odata_feeds_and_entity_downloads_say_how_much_was_left_out(client, admin, intake_project):
    expected = _marked_sensitive()
    analyst = project_user(client, admin, intake_project, "analyst@example.org", "analyst")
    officer = project_user(
        client, admin, intake_project, "officer@example.org", "protection_officer"
    )
    svc = f"/v1/projects/{intake_project}/forms/returnee_intake.svc"
    for path in ("", "/$metadata", "/Submissions", "/Submissions?$top=1"):
        left_out = client.get(svc + path, headers=analyst)
        assert left_out.status_code == 200, (path, left_out.text[:200])
        header = left_out.headers["Baobab-Withheld-Fields"]
        assert header == f'{expected};reason="sensitive";role="analyst"', (path, header)
        assert client.get(svc + path, headers=officer).headers["Baobab-Withheld-Fields"] == "0"
    # An entity list: the count is the properties the analyst's copy lacks.
    datasets = f"/v1/projects/{intake_project}/datasets/returnees"
    analyst_csv = client.get(f"{datasets}/entities.csv", headers=analyst)
    officer_csv = client.get(f"{datasets}/entities.csv", headers=officer)
    lacking = len(set(_header(officer_csv)) - set(_header(analyst_csv)))
    assert lacking > 0
    for path in ("/entities.csv", ".svc/Entities"):
        left_out = client.get(datasets + path, headers=analyst)
        assert left_out.status_code == 200, (path, left_out.text[:200])
        header = left_out.headers["Baobab-Withheld-Fields"]
        assert header == f'{lacking};reason="sensitive";role="analyst"', (path, header)
        assert client.get(datasets + path, headers=officer).headers["Baobab-Withheld-Fields"] == "0"
