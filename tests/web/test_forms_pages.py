"""Form designers in the web interface: errors by sheet and row before anything is published,
the draft, publication, versions with what changed, media."""

from __future__ import annotations

import re

from tests.support.visit_form import SURVEY, published_form, upload, xlsform


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


def test_the_preview_shows_questions_choices_languages_and_skip_logic_as_text(browser, web_project):
    upload(browser, web_project, xlsform())
    page = browser.get(f"/projects/{web_project}/forms/returnee_visit/preview?draft=1")
    assert page.status_code == 200, page.text
    assert "<strong>Full name</strong>" in page.text
    assert "French (fr): Nom complet" in page.text
    assert "Shown only when: «Age» ≥ 18" in page.text
    assert "<td><code>bamako</code></td><td>Bamako</td><td>Bamako</td>" in page.text
    assert browser.get(f"/projects/{web_project}/forms/returnee_visit/preview").status_code == 404


def test_media_uploaded_on_the_form_page_is_what_devices_download(browser, web_project):
    survey = [
        *SURVEY,
        ["select_one_from_file villages.csv", "village", "Village", "Village", "", ""],
    ]
    upload(browser, web_project, xlsform(survey))
    page = browser.get(f"/projects/{web_project}/forms/returnee_visit")
    assert "<code>villages.csv</code></td><td>missing</td>" in page.text
    villages = b"name,label\nkati,Kati\n"
    done = browser.post(
        f"/projects/{web_project}/forms/returnee_visit/media",
        {"target": "draft", "name": "villages.csv"},
        files={"file": ("villages.csv", villages, "text/csv")},
    )
    assert "Media file uploaded." in done.text
    assert "<code>villages.csv</code></td><td>yes</td>" in done.text
    browser.post(f"/projects/{web_project}/forms/returnee_visit/publish", {"version": "1"})
    listed = browser.get(
        f"/v1/projects/{web_project}/forms/returnee_visit/attachments/villages.csv"
    )
    assert listed.content == villages


def test_only_admins_see_the_audit_log_and_it_records_sign_ins(browser, client, web_project):
    page = browser.get("/audit", params={"action": "user.session.create"})
    assert page.text.count("<code>user.session.create</code>") == 1
    assert "project.create" not in page.text


def test_pages_and_static_files_are_compressed_and_the_api_is_not(browser, web_project):
    page = browser.get("/projects", headers={"Accept-Encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip" and "<h1>Projects</h1>" in page.text
    css = browser.get("/static/baobab.css", headers={"Accept-Encoding": "gzip"})
    assert css.headers["content-encoding"] == "gzip"
    published_form(browser, web_project)
    api = browser.get(
        f"/v1/projects/{web_project}/forms/returnee_visit.xml", headers={"Accept-Encoding": "gzip"}
    )
    assert len(api.content) > 1000 and "content-encoding" not in api.headers
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert page.headers["x-frame-options"] == "DENY"


def test_a_post_too_large_or_unreadable_is_a_page_not_a_crash(browser, web_project):
    url = f"/projects/{web_project}/forms/upload"
    boundary = "b" * 20

    def huge():
        yield f"--{boundary}\r\n".encode()
        yield b'Content-Disposition: form-data; name="xlsform"; filename="x.xlsx"\r\n\r\n'
        for _ in range(112):
            yield b"0" * 1_000_000

    too_large = browser.client.post(
        url, content=huge(), headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    assert too_large.status_code == 413
    assert "110000000 bytes" in too_large.text and "<html" in too_large.text
    broken = browser.client.post(
        url, content=b"--x\r\nnonsense", headers={"Content-Type": "multipart/form-data"}
    )
    assert broken.status_code == 400 and "<html" in broken.text
    assert "No form yet." in browser.get(f"/projects/{web_project}").text
