"""Reviewing where the eyes are: a submission's page knows the table it was opened from (its
filters and sort) for previous and next, saving comes back to the same place or goes on to
the next submission, and the activity feed shows each review state with its comment, each
edit with what changed, and each comment, newest first."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from storage.db import transaction
from storage.forms.versions import get_form
from storage.submissions.listing import FormData, TableFilters
from storage.submissions.neighbours import neighbours
from tests.support.accounts import api_headers, project_user
from tests.support.browser import Browser
from tests.support.visit_form import device_token, published_form, send, visit_xml

BASE = "/projects/{project}/forms/returnee_visit/submissions"


def _sent(browser, client, clock, project, ages, *, same_time=()):
    """Submissions visit-1.. with these ages; those numbered in `same_time` arrive at the same
    instant as the one before them."""
    published_form(browser, project)
    token = device_token(browser, project)
    for n, age in enumerate(ages, start=1):
        if n not in same_time:
            clock.advance(minutes=5)
        region = "bamako" if n % 2 else "kayes"
        send(client, project, token, visit_xml(n, age=age, region=region))
    return BASE.format(project=project), token


def _links(html):
    found = {}
    for rel in ("prev", "next"):
        link = re.search(rf'<a href="([^"]+)" rel="{rel}" id="\w+-submission"', html)
        found[rel] = link.group(1).replace("&amp;", "&") if link else None
    return found


def _instance(url):
    return urlsplit(url).path.rsplit("/", 1)[1] if url else None


def test_previous_and_next_follow_the_filter_and_sort_of_the_table(
    browser, web_project, client, clock
):
    base, token = _sent(browser, client, clock, web_project, [31, 25, 40, 25, 19])
    # The whole table, newest first (the default): visit-5 at the top.
    plain = _links(browser.get(f"{base}/uuid:visit-3").text)
    assert (_instance(plain["prev"]), _instance(plain["next"])) == ("uuid:visit-4", "uuid:visit-2")
    top = _links(browser.get(f"{base}/uuid:visit-5").text)
    assert top["prev"] is None and _instance(top["next"]) == "uuid:visit-4"

    # Sorted by age, youngest first; ties (visit-2 and visit-4 are both 25) newest first.
    query = "?sort=q%3A%2Fdata%2Fage&order=asc"
    page = browser.get(f"{base}/uuid:visit-4{query}")
    links = _links(page.text)
    assert _instance(links["prev"]) == "uuid:visit-5"
    assert _instance(links["next"]) == "uuid:visit-2"
    assert links["next"].endswith(query) and links["prev"].endswith(query)  # carried on
    assert f'href="{base}{query.replace("&", "&amp;")}">Back to the table' in page.text

    # Filtered on a region (kayes: visit-2 and visit-4): the neighbours are in the filter.
    kayes = "?question=%2Fdata%2Fregion&answer=kay"
    links = _links(browser.get(f"{base}/uuid:visit-4{kayes}").text)
    assert links["prev"] is None and _instance(links["next"]) == "uuid:visit-2"
    assert dict(parse_qsl(urlsplit(links["next"]).query)) == {
        "question": "/data/region",
        "answer": "kay",
    }


@pytest.mark.parametrize(
    ("sort", "descending"),
    [
        ("submitted", True),
        ("submitted", False),
        ("state", True),
        ("state", False),
        ("q:/data/age", True),
        ("q:/data/age", False),
        ("submitter", True),
    ],
)
def test_walking_next_visits_the_tables_rows_in_its_order_ties_and_empty_values_included(
    browser, web_project, client, clock, engine, sort, descending
):
    """States are mostly empty (received), ages tie and some arrive at the same instant: the
    keyset walk must give exactly the table's order, on SQLite and PostgreSQL alike."""
    base, token = _sent(
        browser, client, clock, web_project, [30, 30, 22, 30, 41, 22, 30], same_time=(2, 3, 6)
    )
    browser.post(f"{base}/uuid:visit-3/review", {"state": "approved"})
    browser.post(f"{base}/uuid:visit-6/review", {"state": "rejected"})
    browser.post(f"{base}/uuid:visit-1/review", {"state": "approved"})
    with transaction(engine, read_only=True) as connection:
        form = get_form(connection, web_project, "returnee_visit")
        data = FormData(connection, form.id)
        rows, total = data.page(connection, TableFilters(), [], sort=sort, descending=descending)
        order = [row.instance_id for row in rows]
        assert total == 7
        walked, here = [order[0]], order[0]
        while True:
            found = neighbours(
                connection, data, TableFilters(), here, sort=sort, descending=descending
            )
            if found.next is None:
                break
            walked.append(found.next)
            here = found.next
        assert walked == order
        back, here = [order[-1]], order[-1]
        while (
            found := neighbours(
                connection, data, TableFilters(), here, sort=sort, descending=descending
            )
        ).previous is not None:
            back.append(found.previous)
            here = found.previous
        assert back == order[::-1]


def test_saving_comes_back_to_the_same_submission_and_place_with_the_tables_query(
    browser, web_project, client, clock
):
    base, token = _sent(browser, client, clock, web_project, [30, 31, 32])
    query = "?state=received&sort=submitted&order=desc"
    page = browser.get(f"{base}/uuid:visit-2{query}")
    assert f'action="{base}/uuid:visit-2/review{query.replace("&", "&amp;")}"' in page.text
    saved = browser.post(
        f"{base}/uuid:visit-2/review{query}",
        {"state": "hasIssues", "comment": "Âge ?"},
        follow=False,
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"{base}/uuid:visit-2{query}#review"
    shown = browser.get(saved.headers["location"])
    assert "Review saved." in shown.text
    assert re.search(r'value="hasIssues" checked', shown.text)


def test_save_and_next_goes_on_to_the_next_submission_of_the_filter(
    browser, web_project, client, clock
):
    base, token = _sent(browser, client, clock, web_project, [30, 31, 32, 33])
    query = "?state=received"
    page = browser.get(f"{base}/uuid:visit-4{query}")
    assert 'name="then" value="next"' in page.text
    # Approving visit-4 takes it out of the "received" filter: the next is still visit-3.
    saved = browser.post(
        f"{base}/uuid:visit-4/review{query}", {"state": "approved", "then": "next"}, follow=False
    )
    assert saved.headers["location"] == f"{base}/uuid:visit-3{query}"
    browser.post(f"{base}/uuid:visit-2/review{query}", {"state": "rejected"})
    # From visit-3 the next received one is visit-1 (visit-2 was reviewed meanwhile).
    saved = browser.post(
        f"{base}/uuid:visit-3/review{query}", {"state": "approved", "then": "next"}, follow=False
    )
    assert saved.headers["location"] == f"{base}/uuid:visit-1{query}"
    last = browser.post(f"{base}/uuid:visit-1/review{query}", {"state": "approved", "then": "next"})
    assert last.status_code == 200
    assert "This was the last submission of the table." in last.text
    assert str(last.url).endswith(f"/uuid:visit-1{query}#review")
    table = browser.get(base, params={"state": "approved"})
    assert table.text.count('name="instance" value=') == 3


def test_the_activity_feed_has_each_state_with_its_comment_edits_and_comments(
    browser, web_project, client, clock
):
    base, token = _sent(browser, client, clock, web_project, [30])
    clock.advance(minutes=5)
    browser.post(f"{base}/uuid:visit-1/review", {"state": "hasIssues", "comment": "Âge à vérifier"})
    clock.advance(minutes=5)
    edit = visit_xml(1, age=34).replace(
        b"<instanceID>uuid:visit-1</instanceID>",
        b"<instanceID>uuid:visit-1-b</instanceID><deprecatedID>uuid:visit-1</deprecatedID>",
    )
    send(client, web_project, token, edit)
    clock.advance(minutes=5)
    browser.post(f"{base}/uuid:visit-1/review", {"comment": "Corrigé par l'enquêtrice <b>"})
    clock.advance(minutes=5)
    browser.post(f"{base}/uuid:visit-1/review", {"state": "approved", "comment": "Bon"})
    # Saving with the state unchanged and a comment is a comment, not a second approval.
    clock.advance(minutes=5)
    browser.post(f"{base}/uuid:visit-1/review", {"state": "approved", "comment": "Vu"})

    html = browser.get(f"{base}/uuid:visit-1").text
    feed = html[html.index('<ol class="feed">') : html.index("</ol>", html.index('class="feed"'))]
    entries = re.findall(r'<li class="feed-(\w+)">(.*?)</li>\s*(?=<li class="feed-|$)', feed, re.S)
    kinds = [kind for kind, _ in entries]
    assert kinds == ["comment", "review", "comment", "edit", "review", "created"]
    texts = [re.sub(r"<[^>]+>", " ", body) for _, body in entries]
    assert "Vu" in texts[0]
    assert "Approved" in texts[1] and "Bon" in texts[1]  # the state with its comment
    assert "Corrigé par l&#39;enquêtrice &lt;b&gt;" in entries[2][1]  # escaped, never markup
    assert "Age" in texts[3] and "30" in texts[3] and "34" in texts[3]  # what the edit changed
    assert "Tablet Awa" in texts[3]
    assert "Has issues" in texts[4] and "Âge à vérifier" in texts[4]
    assert "Tablet Awa" in texts[5]
    audits = browser.get("/v1/audits", params={"action": "submission.update"}).json()
    assert [a["details"]["reviewState"] for a in audits] == ["approved", "hasIssues"]
    assert all(a["details"]["formId"] == "returnee_visit" for a in audits)


def test_a_link_with_a_filter_that_no_longer_applies_still_opens_the_submission(
    browser, web_project, client, clock
):
    base, token = _sent(browser, client, clock, web_project, [30, 31])
    page = browser.get(f"{base}/uuid:visit-1?question=%2Fdata%2Fgone&answer=x&evil=%22%3E")
    assert page.status_code == 200
    links = _links(page.text)
    assert _instance(links["prev"]) == "uuid:visit-2"  # the whole table's neighbour
    assert "evil" not in page.text  # only the table's own parameters are carried on


def test_a_reader_sees_the_neighbours_and_feed_but_no_review_form(
    browser, web_project, client, clock
):
    base, token = _sent(browser, client, clock, web_project, [30, 31])
    browser.post(f"{base}/uuid:visit-1/review", {"state": "approved", "comment": "OK"})
    project_user(client, api_headers(client), web_project, "viewer@example.org", "viewer")
    viewer = Browser(client)
    viewer.sign_in("viewer@example.org", "a long password 1")
    page = viewer.get(f"{base}/uuid:visit-1")
    assert page.status_code == 200
    assert 'id="review-form"' not in page.text
    assert _instance(_links(page.text)["prev"]) == "uuid:visit-2"
    assert "Set the review state to" in page.text and "OK" in page.text


def test_the_tables_rows_link_to_their_submission_with_the_tables_query(
    browser, web_project, client, clock
):
    base, _token = _sent(browser, client, clock, web_project, [30, 31, 32])
    plain = browser.get(base).text
    assert f'href="{base}/uuid:visit-2">' in plain  # no query, none added
    table = browser.get(base, params={"state": "received", "sort": "q:/data/age", "order": "asc"})
    link = re.search(rf'href="({re.escape(base)}/uuid:visit-2\?[^"]+)"', table.text)
    assert link, table.text
    page = browser.get(link.group(1).replace("&amp;", "&"))
    links = _links(page.text)
    assert (_instance(links["prev"]), _instance(links["next"])) == ("uuid:visit-1", "uuid:visit-3")
    assert dict(parse_qsl(urlsplit(links["next"]).query)) == {
        "state": "received",
        "sort": "q:/data/age",
        "order": "asc",
        "page": "1",
    }
