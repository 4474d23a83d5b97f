"""No dead ends (issue 21, item 4): a refusal brings back the page the person was on, with the
message next to the field concerned and what to do; an error page always links back (to the
page they came from, to the project) and, for want of a role, says which roles may."""

from __future__ import annotations

import re

import pytest

from tests.support.accounts import api_headers, project_user
from tests.support.browser import Browser
from tests.support.no_dead_ends import before, main_of
from tests.support.visit_form import (
    SURVEY,
    device_token,
    published_form,
    send,
    upload,
    visit_xml,
    xlsform,
)

BASE = "http://baobab.test"


def test_a_broken_xlsform_lists_every_problem_and_offers_the_upload_again(browser, web_project):
    broken = [
        *SURVEY[:2],
        ["integer", "age", "Age", "Âge", "${agee} > 0", "yes"],  # row 3: no question 'agee'
        ["select_one regions", "region", "Region", "Région", "", ""],  # 4: no list 'regions'
        ["integer", "age", "Age", "Âge", "", ""],  # 5: 'age' twice
        ["text", "note", "Note ${nobody}", "Note", "", ""],  # 6: label, no 'nobody'
    ]
    response = upload(browser, web_project, xlsform(broken))
    assert response.status_code == 400
    rows = re.findall(
        r'<tr class="error"><td>(\w*)</td><td>(\d*)</td><td>([^<]*)</td>', response.text
    )
    assert rows == [
        ("survey", "3", "relevant"),
        ("survey", "4", "type"),
        ("survey", "5", "name"),
        ("survey", "6", "label::English (en)"),
    ]
    assert "This form has 4 problems to fix" in response.text
    assert 'name="xlsform"' in main_of(response.text)  # the corrected file goes here


def test_the_first_draft_of_a_new_form_says_first_version(browser, web_project):
    assert upload(browser, web_project, xlsform()).status_code == 200
    page = browser.get(f"/projects/{web_project}/forms/returnee_visit")
    assert 'id="first-version"' in page.text
    assert "Changes from the published version" not in page.text
    assert "added" not in main_of(page.text).split('id="first-version"')[1].split("<h3")[0]
    published_form(browser, web_project)
    second = [*SURVEY, ["text", "comment", "Comment", "Commentaire", "", ""]]
    assert upload(browser, web_project, xlsform(second, version="2")).status_code == 200
    page = browser.get(f"/projects/{web_project}/forms/returnee_visit")
    assert (
        "Changes from the published version" in page.text and 'id="first-version"' not in page.text
    )
    assert "<code>comment</code>" in page.text


def test_a_version_name_in_use_brings_back_the_form_page_with_the_message_by_the_field(
    browser, web_project
):
    published_form(browser, web_project)
    assert upload(browser, web_project, xlsform(version="2")).status_code == 200
    url = f"/projects/{web_project}/forms/returnee_visit"
    response = browser.post(f"{url}/publish", {"version": "1"})
    assert response.status_code == 409 and str(response.url).endswith(url + "/publish")
    assert before(response.text, 'id="publish-version-note"', 'id="publish-version"')
    assert "«1»" in response.text and 'aria-invalid="true"' in response.text


def test_a_role_for_an_unknown_address_brings_back_the_members_page(browser, web_project):
    url = f"/projects/{web_project}/members"
    browser.get(url)
    response = browser.post(url, {"email": "nobody@example.org", "role": "analyst"})
    assert response.status_code == 404
    html = main_of(response.text)
    assert before(html, 'id="member-email-error"', 'id="member-email"')
    assert "No account has the e-mail address nobody@example.org" in html
    assert 'value="nobody@example.org"' in html  # what was typed is kept
    assert '<option value="analyst" selected>' in html
    assert 'href="/users"' in html  # where the account is made
    missing_role = browser.post(url, {"email": "nobody@example.org", "role": "king"})
    assert missing_role.status_code == 400
    assert before(missing_role.text, 'id="member-role-error"', 'id="member-role"')


def test_an_empty_review_brings_back_the_submission_with_the_message_by_the_review(
    browser, client, web_project
):
    published_form(browser, web_project)
    send(client, web_project, device_token(browser, web_project), visit_xml(1))
    url = f"/projects/{web_project}/forms/returnee_visit/submissions/uuid:visit-1"
    browser.get(url)
    response = browser.post(url + "/review", {"state": "", "comment": ""})
    assert response.status_code == 400
    html = main_of(response.text)
    assert before(html, 'id="review-error"', 'id="review-comment"')
    assert "choose a review state or write a comment" in html
    assert "Returnee 1" in html  # the submission itself, not an error page
    odd = browser.post(url + "/review", {"state": "crowned", "comment": "Checked by phone"})
    assert odd.status_code == 400 and "Checked by phone</textarea>" in odd.text


def test_a_page_a_role_may_not_open_says_which_roles_may_and_links_to_the_project(
    browser, client, web_project
):
    project_user(client, api_headers(client), web_project, "analyst@example.org", "analyst")
    analyst = Browser(client)
    analyst.sign_in("analyst@example.org", "a long password 1")
    response = analyst.client.get(
        f"/projects/{web_project}/members", headers={"Referer": f"{BASE}/projects/{web_project}"}
    )
    assert response.status_code == 403
    html = main_of(response.text)
    assert "This page is for these roles in the project: Project manager." in html
    assert "Your role there is Analyst." in html
    assert f'href="/projects/{web_project}"' in html and 'href="/projects"' in html
    assert 'id="way-back"' in html


def test_an_error_page_links_back_to_the_page_it_came_from_only_when_it_is_ours(
    browser, web_project
):
    url = f"/projects/{web_project}/forms/no_such_form"
    ours = browser.client.get(url, headers={"Referer": f"{BASE}/projects/{web_project}?tab=1"})
    assert ours.status_code == 404
    assert 'id="way-back"' in ours.text
    assert f'href="/projects/{web_project}?tab=1" id="way-back"' in ours.text
    theirs = browser.client.get(url, headers={"Referer": "https://evil.example/projects/1"})
    assert 'id="way-back"' not in theirs.text and "evil.example" not in theirs.text
    assert f'href="/projects/{web_project}"' in main_of(theirs.text)


def test_an_upload_without_a_file_or_too_large_brings_back_the_upload_form(browser, web_project):
    url = f"/projects/{web_project}/forms/upload"
    browser.get(f"/projects/{web_project}")
    empty = browser.post(url, {})
    assert empty.status_code == 400
    assert before(empty.text, 'id="xlsform-error"', 'id="xlsform"')
    assert "Choose the XLSForm (or XForm) file to upload." in empty.text
    large = browser.post(url, files={"xlsform": ("big.xlsx", b"0" * 20_000_001, "text/plain")})
    assert large.status_code == 413
    assert before(large.text, 'id="xlsform-error"', 'id="xlsform"')
    assert "larger than 20 MB" in large.text


@pytest.mark.programme  # the duplicate queue is the returnee programme's page
def test_an_analyst_following_a_link_to_the_duplicate_queue_is_told_who_may_open_it(
    browser, client, web_project
):
    project_user(client, api_headers(client), web_project, "analyst@example.org", "analyst")
    analyst = Browser(client)
    analyst.sign_in("analyst@example.org", "a long password 1")
    queue = f"/projects/{web_project}/entities/returnees/duplicates"
    response = analyst.client.get(queue)
    assert response.status_code == 403
    html = main_of(response.text)
    assert "for these roles in the project: Project manager, Protection officer." in html
    assert "Your role there is Analyst." in html
    assert f'href="/projects/{web_project}"' in html  # the project's page and its forms
    assert 'id="way-back"' not in html  # no Referer: nowhere to go back to
