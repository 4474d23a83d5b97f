"""Project managers in the web interface: the submissions table with its filters and sorting,
one submission with labels, photo, location and history, review and bulk review."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.support.visit_form import device_token, published_form, send, visit_xml

JPEG = b"\xff\xd8\xff\xe0" + b"0" * 100


def _instances(html: str) -> list[str]:
    return re.findall(r'name="instance" value="([^"]+)"', html)


def test_the_table_filters_sorts_and_pages(browser, web_project, client, clock):
    form = published_form(browser, web_project)
    token = device_token(browser, web_project)
    for n in range(1, 5):
        send(
            client,
            web_project,
            token,
            visit_xml(n, region="bamako" if n % 2 else "kayes", age=20 + n),
        )
        clock.advance(minutes=20)  # the browser stays signed in (idle limit)
    base = f"/projects/{web_project}/forms/{form}/submissions"
    page = browser.get(base)
    assert "4 submissions" in page.text
    assert _instances(page.text) == [f"uuid:visit-{n}" for n in (4, 3, 2, 1)]  # newest first
    assert "<td>Kayes</td>" in page.text and "<td>Food, Work</td>" in page.text  # labels
    by_answer = browser.get(base, params={"question": "/data/region", "answer": "kay"})
    assert _instances(by_answer.text) == ["uuid:visit-4", "uuid:visit-2"]
    by_label = browser.get(base, params={"question": "/data/region", "answer": "bamak"})
    assert _instances(by_label.text) == ["uuid:visit-3", "uuid:visit-1"]
    by_french_label = browser.get(base, params={"question": "/data/needs", "answer": "nourri"})
    assert len(_instances(by_french_label.text)) == 4  # "Nourriture" is the label of food
    nothing = browser.get(base, params={"question": "/data/needs", "answer": "zzz"})
    assert "0 submissions" in nothing.text
    by_age = browser.get(base, params={"sort": "q:/data/age", "order": "asc"})
    assert _instances(by_age.text) == [f"uuid:visit-{n}" for n in (1, 2, 3, 4)]
    tomorrow = (clock() + timedelta(days=1)).date().isoformat()
    assert "0 submissions" in browser.get(base, params={"from": tomorrow}).text
    today = clock().date().isoformat()
    assert "4 submissions" in browser.get(base, params={"to": today}).text
    received = browser.get(base, params={"state": "received"})
    assert len(_instances(received.text)) == 4
    bad = browser.get(base, params={"from": "yesterday"})
    assert bad.status_code == 400 and "from" in bad.text


def test_a_submission_page_shows_labels_photo_location_and_review(browser, web_project, client):
    form = published_form(browser, web_project)
    token = device_token(browser, web_project)
    send(client, web_project, token, visit_xml(1), {"p.jpg": JPEG})
    send(client, web_project, token, visit_xml(2, photo="missing.jpg"))
    base = f"/projects/{web_project}/forms/{form}/submissions"
    page = browser.get(f"{base}/uuid:visit-1")
    assert page.status_code == 200, page.text
    assert "<dt>Needs</dt>" in page.text and "Food, Work" in page.text
    assert "<dt>Region</dt>" in page.text and "Kayes" in page.text
    assert re.search(
        r'<img src="/v1/projects/\d+/forms/returnee_visit/submissions/uuid:visit-1'
        r'/attachments/p.jpg"',
        page.text,
    )
    assert '<figure class="map place">' in page.text  # the point on Mali's regions
    assert "<figcaption>Bamako</figcaption>" in page.text
    photo = browser.get(
        f"/v1/projects/{web_project}/forms/{form}/submissions/uuid:visit-1/attachments/p.jpg"
    )
    assert photo.content == JPEG
    missing = browser.get(f"{base}/uuid:visit-2")
    assert "missing.jpg — file not received yet" in missing.text

    reviewed = browser.post(
        f"{base}/uuid:visit-1/review", {"state": "hasIssues", "comment": "Âge à vérifier <b>"}
    )
    assert "Review saved." in reviewed.text
    assert "Âge à vérifier &lt;b&gt;" in reviewed.text
    assert re.search(r'value="hasIssues" checked', reviewed.text)

    bulk = browser.post(
        f"{base}/review", {"state": "approved", "instance": ["uuid:visit-1", "uuid:visit-2"]}
    )
    assert bulk.status_code == 200
    approved = browser.get(base, params={"state": "approved"})
    assert sorted(_instances(approved.text)) == ["uuid:visit-1", "uuid:visit-2"]


def test_a_post_without_the_csrf_token_is_refused(browser, web_project, client):
    response = client.post("/projects", data={"name": "forged"})
    assert response.status_code == 403
    assert "forged" not in browser.get("/projects").text


def test_pages_past_the_middle_are_read_from_the_end_in_the_same_order(
    browser, web_project, client, clock
):
    form = published_form(browser, web_project)
    token = device_token(browser, web_project)
    for n in range(1, 26):
        send(client, web_project, token, visit_xml(n, age=n % 7))
        clock.advance(minutes=1)
    base = f"/projects/{web_project}/forms/{form}/submissions"
    for sort, order, expected in [
        ("submitted", "desc", [f"uuid:visit-{n}" for n in range(25, 0, -1)]),
        ("submitted", "asc", [f"uuid:visit-{n}" for n in range(1, 26)]),
    ]:
        seen = []
        for number in (1, 2, 3):
            page = browser.get(
                base, params={"size": "10", "page": number, "sort": sort, "order": order}
            )
            seen += _instances(page.text)
        assert seen == expected, (sort, order)
    by_age = []
    for number in (1, 2, 3):
        page = browser.get(base, params={"size": "10", "page": number, "sort": "q:/data/age"})
        by_age += _instances(page.text)
    ages = [int(n.rsplit("-", 1)[1]) % 7 for n in by_age]
    assert sorted(by_age) == sorted(f"uuid:visit-{n}" for n in range(1, 26))  # none twice
    assert ages == sorted(ages, reverse=True)
    assert "Page 3 of 3" in page.text
    assert _instances(browser.get(base, params={"size": "10", "page": 9}).text) == []
