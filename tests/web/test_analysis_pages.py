"""Analysts in the web interface: the export page leads to the API's export with the chosen
options and filters; the dashboard counts and draws what was collected."""

from __future__ import annotations

import csv
import io
import re
import zipfile

from tests.support.visit_form import device_token, published_form, send, visit_xml


def _send_three(browser, web_project, client):
    form = published_form(browser, web_project)
    token = device_token(browser, web_project)
    send(client, web_project, token, visit_xml(1, region="kayes", lat=14.4))
    send(client, web_project, token, visit_xml(2, region="kayes", needs="food", lat=13.2))
    send(client, web_project, token, visit_xml(3, region="bamako", needs="work", consent="no"))
    return form


def test_the_export_page_downloads_what_was_chosen(browser, web_project, client):
    form = _send_three(browser, web_project, client)
    base = f"/projects/{web_project}/forms/{form}"
    page = browser.get(f"{base}/export")
    assert "3 submissions in all." in page.text
    browser.post(f"{base}/submissions/uuid:visit-2/review", {"state": "approved"})
    response = browser.get(
        f"{base}/export/download",
        params={"format": "csv", "state": "approved", "labels": "1", "groupPaths": "1"},
    )
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["full_name"] for r in rows] == ["Returnee 2"]
    assert rows[0]["region"] == "kayes"  # CSV keeps choice names; labels are for Excel
    whole = browser.get(f"{base}/export/download", params={"format": "csv.zip", "attachments": "1"})
    names = zipfile.ZipFile(io.BytesIO(whole.content)).namelist()
    assert "returnee_visit.csv" in names, names
    audit = browser.get("/audit", params={"action": "submission.export"})
    assert audit.text.count("submission.export") >= 2
    assert "reviewState eq &#39;approved&#39;" in audit.text


def test_a_bad_export_choice_is_a_400_page(browser, web_project, client):
    form = _send_three(browser, web_project, client)
    response = browser.get(
        f"/projects/{web_project}/forms/{form}/export/download", params={"format": "pdf"}
    )
    assert response.status_code == 400 and "pdf" in response.text


def test_the_dashboard_counts_per_day_enumerator_answer_and_maps_points(
    browser, web_project, client
):
    form = _send_three(browser, web_project, client)
    page = browser.get(f"/projects/{web_project}/forms/{form}/dashboard")
    assert page.status_code == 200, page.text
    assert "3 submissions" in page.text
    assert re.search(r"<title>Tablet Awa: 3</title>", page.text)
    assert re.search(r"<title>Kayes: 2</title>", page.text)
    assert re.search(r"<title>Bamako: 1</title>", page.text)
    assert re.search(r"<title>Food: 2</title>", page.text)
    assert re.search(r"<title>Work: 2</title>", page.text)
    assert re.search(r"<title>Yes: 2</title>", page.text) and re.search(
        r"<title>No: 1</title>", page.text
    )
    # The map is a picture of its own (tests/web/test_map_pages.py), drawn in another request.
    picture = browser.get(f"/projects/{web_project}/forms/{form}/map.svg")
    assert picture.headers["content-type"].startswith("image/svg+xml")
    assert picture.text.count("<circle") >= 2
