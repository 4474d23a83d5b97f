"""Versions on the form designers' pages: a form without a version is uploaded and published
like any other, and a version name already used is no dead end: the form's page says why, next
to the version field, with a free name filled in."""

from __future__ import annotations

import re

from tests.support.visit_form import SURVEY, upload, xlsform

FIELD = re.compile(r'<input id="publish-version" name="version" value="([^"]*)"')


def test_a_form_without_a_version_is_uploaded_and_published(browser, web_project):
    page = upload(browser, web_project, xlsform(version=""))
    assert page.status_code == 200, page.text
    assert "saved as a draft of returnee_visit, without a version name" in page.text
    form = browser.get(f"/projects/{web_project}/forms/returnee_visit")
    assert "Draft: no version" in form.text
    assert FIELD.search(form.text).group(1) == ""
    published = browser.post(f"/projects/{web_project}/forms/returnee_visit/publish", {})
    assert published.status_code == 200, published.text
    assert "Version published" in published.text
    assert "Published version (no version)" in published.text


def test_a_version_name_already_used_brings_the_page_back_with_a_free_name(browser, web_project):
    assert upload(browser, web_project, xlsform(version="1")).status_code == 200
    base = f"/projects/{web_project}/forms/returnee_visit"
    assert browser.post(f"{base}/publish", {"version": "1"}).status_code == 200
    second = [*SURVEY, ["text", "phone", "Phone", "Téléphone", "", ""]]
    uploaded = upload(browser, web_project, xlsform(second, version="2"))
    assert uploaded.status_code == 200

    refused = browser.post(f"{base}/publish", {"version": "1"})
    assert refused.status_code == 409
    assert "The version name «1» is already used by a published version" in refused.text
    assert "settings sheet" not in refused.text.split('id="publish-version-note"')[1][:400]
    assert FIELD.search(refused.text).group(1) == "2"
    assert 'aria-invalid="true"' in refused.text
    published = browser.post(f"{base}/publish", {"version": FIELD.search(refused.text).group(1)})
    assert published.status_code == 200 and "Version published" in published.text
    assert re.search(r"<tr><td>2</td>.*<tr><td>1</td>", published.text, re.S)


def test_a_draft_uploaded_under_a_published_name_is_told_and_given_a_free_one(browser, web_project):
    assert upload(browser, web_project, xlsform(version="2026112301")).status_code == 200
    base = f"/projects/{web_project}/forms/returnee_visit"
    assert browser.post(f"{base}/publish", {}).status_code == 200
    second = [*SURVEY, ["text", "phone", "Phone", "Téléphone", "", ""]]
    uploaded = upload(browser, web_project, xlsform(second, version="2026112301"))
    assert uploaded.status_code == 200
    assert "A published version of this form already has this version name" in uploaded.text
    form = browser.get(base)
    assert "This draft has the version name «2026112301», already used" in form.text
    assert FIELD.search(form.text).group(1) == "2026112302"
    assert browser.post(f"{base}/publish", {"version": "2026112302"}).status_code == 200


def test_the_next_version_of_a_versionless_form_is_given_a_name(browser, web_project, clock):
    assert upload(browser, web_project, xlsform(version="")).status_code == 200
    base = f"/projects/{web_project}/forms/returnee_visit"
    assert browser.post(f"{base}/publish", {}).status_code == 200
    second = [*SURVEY, ["text", "phone", "Phone", "Téléphone", "", ""]]
    assert upload(browser, web_project, xlsform(second, version="")).status_code == 200
    form = browser.get(base)
    assert "This draft has no version name, and a version without one is already published" in (
        form.text
    )
    suggested = f"{clock():%Y%m%d}01"
    assert FIELD.search(form.text).group(1) == suggested
    refused = browser.post(f"{base}/publish", {"version": ""})
    assert refused.status_code == 409
    assert "A version of this form without a version name is already published" in refused.text
    assert FIELD.search(refused.text).group(1) == suggested
    assert browser.post(f"{base}/publish", {"version": suggested}).status_code == 200
