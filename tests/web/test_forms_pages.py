"""Form designers in the web interface: errors by sheet and row before anything is published,
the draft, publication, versions with what changed, media."""

from __future__ import annotations

import re

from tests.web.conftest import SURVEY, upload, xlsform


def test_a_broken_xlsform_shows_every_error_by_sheet_and_row_and_nothing_is_stored(
    browser, web_project
):
    broken = [*SURVEY, ["select_one nowhere", "bad_list", "Bad", "Mauvais", "", ""]]
    broken.append(["integer", "age", "Age again", "Âge encore", "", ""])
    response = upload(browser, web_project, xlsform(broken))
    assert response.status_code == 400
    table = response.text.split('<table class="issues">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr class=\"error\"><td>([^<]*)</td><td>([^<]*)</td>", table)
    assert rows, table
    assert ("survey", "8") in rows or ("survey", "9") in rows, rows
    project_page = browser.get(f"/projects/{web_project}")
    assert "No form yet." in project_page.text


def test_a_good_xlsform_becomes_a_draft_then_a_published_version(browser, web_project):
    response = upload(browser, web_project, xlsform())
    assert response.status_code == 200, response.text
    assert "saved as a draft of returnee_visit" in response.text
    form_page = browser.get(f"/projects/{web_project}/forms/returnee_visit")
    assert "Draft" in form_page.text and "Publish this version" in form_page.text
    published = browser.post(
        f"/projects/{web_project}/forms/returnee_visit/publish", {"version": "1"}
    )
    assert published.status_code == 200
    assert "Version published" in published.text
    assert "Published version" in published.text and "first version" in published.text

    second = [*SURVEY[:2], ["text", "age", "Age", "Âge", "", ""], *SURVEY[3:]]
    second.append(["text", "phone", "Phone", "Téléphone", "", ""])
    second = [row for row in second if row[1] != "photo"]
    assert upload(browser, web_project, xlsform(second, version="2")).status_code == 200
    page = browser.get(f"/projects/{web_project}/forms/returnee_visit")
    assert re.search(r'class="added">added: <code>phone</code>', page.text)
    assert re.search(r'class="removed">removed: <code>photo</code>', page.text)
    assert re.search(r'class="retyped">retyped: <code>age</code> integer → text', page.text)
