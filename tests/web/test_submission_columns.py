"""The submissions table's columns (issue 21): every question may be a column, the choice is
kept per person and form on the server (it follows the person to another device), per-column
filters combine with the others, and the photo gallery links each photo to its submission."""

from __future__ import annotations

import re
from html import unescape

from starlette.testclient import TestClient

from tests.support.browser import Browser, signed_in_member
from tests.support.visit_form import device_token, published_form, send, visit_xml

JPEG = b"\xff\xd8\xff\xe0" + b"0" * 100


def _instances(html: str) -> list[str]:
    return re.findall(r'name="instance" value="([^"]+)"', html)


def _headers(html: str) -> list[str]:
    head = html.split('<table class="submissions-table">', 1)[1].split("</tr>", 1)[0]
    return [
        re.sub(r"<[^>]+>|[▼▲]", "", h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", head)
    ]


def _visits(browser, client, project) -> str:
    form = published_form(browser, project)
    token = device_token(browser, project)
    send(client, project, token, visit_xml(1, region="kayes", age=19), {"p.jpg": JPEG})
    send(client, project, token, visit_xml(2, region="bamako", needs="work", age=45))
    send(client, project, token, visit_xml(3, region="kayes", needs="food", age=31, photo=""))
    xml = visit_xml(4, region="bamako", age=60).replace(b"Returnee 4", "Kadiatou Traoré".encode())
    send(client, project, token, xml)
    return f"/projects/{project}/forms/{form}"


def test_the_default_columns_leave_out_metadata_and_files(browser, web_project, client):
    base = _visits(browser, client, web_project)
    page = browser.get(f"{base}/submissions")
    assert page.status_code == 200, page.text
    # Answers first, the yes/no question last; the photo and the instanceID are choosable only.
    headers = _headers(page.text)
    assert headers[3:] == ["Full name", "Age", "Region", "Needs", "Location", "Consent given"]
    chooser = page.text.split('class="column-chooser"', 1)[1].split("</details>", 1)[0]
    assert 'value="/data/photo"' in chooser and 'value="/data/meta/instanceID"' in chooser
    assert "<td>Kayes</td>" in page.text  # choice labels, not names


def test_chosen_columns_follow_the_person_to_another_device(browser, web_project, client):
    base = _visits(browser, client, web_project)
    saved = browser.post(
        f"{base}/submissions/columns",
        {"column": ["/data/consent", "/data/meta/instanceID", "/data/age"], "back": "?size=10"},
    )
    assert saved.status_code == 200, saved.text
    assert str(saved.url).endswith("/submissions?size=10") and "Columns saved." in saved.text
    # In the form's order, whatever the order ticked.
    assert _headers(saved.text)[3:] == ["Age", "Consent given", "instanceID"]
    assert "<td>uuid:visit-1</td>" in saved.text
    other = Browser(TestClient(client.app, base_url="http://testserver"))
    assert other.sign_in().status_code == 200
    assert _headers(other.get(f"{base}/submissions").text)[3:] == [
        "Age",
        "Consent given",
        "instanceID",
    ]
    reset = other.post(f"{base}/submissions/columns", {"column": ["/data/age"], "reset": "1"})
    assert _headers(reset.text)[3] == "Full name"
    assert _headers(browser.get(f"{base}/submissions").text)[3] == "Full name"


def test_a_column_the_form_does_not_have_is_refused_with_its_name(browser, web_project, client):
    base = _visits(browser, client, web_project)
    refused = browser.post(f"{base}/submissions/columns", {"column": ["/data/nope"]})
    assert refused.status_code == 400 and "/data/nope" in unescape(refused.text)
    unknown = browser.get(f"{base}/submissions", params={"has:/data/nope": "x"})
    assert unknown.status_code == 400 and "/data/nope" in unknown.text


def test_per_column_filters_combine_with_each_other_and_the_table(browser, web_project, client):
    base = _visits(browser, client, web_project) + "/submissions"

    def found(**params) -> list[str]:
        page = browser.get(base, params=params)
        assert page.status_code == 200, page.text
        return _instances(page.text)

    # Text contains, case and accents aside.
    assert found(**{"has:/data/full_name": "TRAORE"}) == ["uuid:visit-4"]
    # A select: one choice (by name; the page offers labels).
    assert found(**{"has:/data/region": "kayes"}) == ["uuid:visit-3", "uuid:visit-1"]
    assert found(**{"has:/data/needs": "work"}) == ["uuid:visit-4", "uuid:visit-2", "uuid:visit-1"]
    # Number ranges, inclusive, and with sorting and another column's filter.
    assert found(**{"min:/data/age": "31", "max:/data/age": "60"}) == [
        "uuid:visit-4",
        "uuid:visit-3",
        "uuid:visit-2",
    ]
    assert found(
        **{"min:/data/age": "31", "has:/data/needs": "work", "sort": "q:/data/age", "order": "asc"}
    ) == ["uuid:visit-2", "uuid:visit-4"]
    assert found(**{"min:/data/age": "31", "state": "approved"}) == []
    page = browser.get(base, params={"has:/data/region": "bamako", "size": "10"})
    assert '<option value="bamako" selected>Bamako</option>' in page.text
    assert "2 submissions" in page.text


def test_a_filter_value_the_column_cannot_take_is_refused(browser, web_project, client):
    base = _visits(browser, client, web_project) + "/submissions"
    words = browser.get(base, params={"min:/data/age": "twenty"})
    assert words.status_code == 400 and "twenty" in words.text and "/data/age" in words.text
    choice = browser.get(base, params={"has:/data/region": "paris"})
    assert choice.status_code == 400 and "paris" in choice.text


def test_the_gallery_shows_each_photo_linked_to_its_submission(browser, web_project, client):
    base = _visits(browser, client, web_project)
    assert f'href="{base}/gallery' in browser.get(f"{base}/submissions").text
    gallery = browser.get(f"{base}/gallery")
    assert gallery.status_code == 200, gallery.text
    # visit 3 sent no photo; the others name one (visit 2 and 4 not received yet: still listed).
    assert "3 submissions with photos" in gallery.text
    image = f'<img src="/v1{base}/submissions/uuid:visit-1/attachments/p.jpg"'
    assert image in gallery.text
    assert f'<a href="{base}/submissions/uuid:visit-1">' in gallery.text
    assert "uuid:visit-3" not in gallery.text
    filtered = browser.get(f"{base}/gallery", params={"has:/data/region": "bamako"})
    assert "2 submissions with photos" in filtered.text and "uuid:visit-1/" not in filtered.text
    # A photo opens its submission with the filter carried, so Next/Previous stay within it.
    opened = re.search(r'<a href="([^"]*/submissions/uuid:visit-[0-9]\?[^"]+)"', filtered.text)
    assert opened and "has%3A%2Fdata%2Fregion=bamako" in opened.group(1), filtered.text
    submission = browser.get(unescape(opened.group(1)))
    assert submission.status_code == 200
    neighbours = re.findall(r'href="([^"]+)" rel="(?:prev|next)"', submission.text)
    assert neighbours and all("bamako" in link for link in neighbours), neighbours
    photo = browser.get(f"/v1{base}/submissions/uuid:visit-1/attachments/p.jpg")
    assert photo.content == JPEG
    assert photo.headers["x-content-type-options"] == "nosniff"


def test_the_intake_shows_the_person_by_default_not_empty_metadata(client, admin, intake_project):
    manager = signed_in_member(client, admin, intake_project, "pm@example.org", "manager")
    page = manager.get(f"/projects/{intake_project}/forms/returnee_intake/submissions")
    headers = _headers(page.text)
    assert {"First name(s)", "Family name", "Sex"} <= set(headers), headers
    assert not {"username", "deviceid", "start", "end"} & set(headers), headers
    manager.post("/account/language", {"language": "fr", "next": "/projects"})
    french = manager.get(f"/projects/{intake_project}/forms/returnee_intake/submissions")
    assert "Prénom(s)" in _headers(french.text), _headers(french.text)


def test_a_role_without_sensitive_fields_can_neither_choose_nor_filter_them(
    client, admin, intake_project
):
    base = f"/projects/{intake_project}/forms/returnee_intake"
    manager = signed_in_member(client, admin, intake_project, "pm@example.org", "manager")
    chooser = manager.get(f"{base}/submissions").text
    first_name = re.search(r'name="column" value="(/[^"]*/first_name)"', chooser).group(1)
    dob = re.search(r'name="column" value="(/[^"]*/dob)"', chooser).group(1)
    assert f'href="{base}/gallery' in chooser  # the photo, for a role that may see it
    analyst = signed_in_member(client, admin, intake_project, "analyst@example.org", "analyst")
    page = analyst.get(f"{base}/submissions")
    assert page.status_code == 200
    assert f'"{first_name}"' not in page.text and f'"{dob}"' not in page.text
    assert f":{first_name}" not in page.text and f":{dob}" not in page.text  # no filter input
    assert f'href="{base}/gallery' not in page.text  # every photo question is sensitive
    chose = analyst.post(f"{base}/submissions/columns", {"column": [first_name]})
    assert chose.status_code == 400 and f"no question '{first_name}'" in unescape(chose.text)
    for key, value in ((f"has:{first_name}", "a"), (f"min:{dob}", "2000-01-01")):
        refused = analyst.get(f"{base}/submissions", params={key: value})
        assert refused.status_code == 400, key
        assert f"no question '{key.split(':', 1)[1]}'" in unescape(refused.text)
    assert "no photo question" in analyst.get(f"{base}/gallery").text
    # A choice kept from before the role changed is left out, not shown.
    manager.post(f"{base}/submissions/columns", {"column": [first_name, dob]})
    assert f'"{first_name}"' not in analyst.get(f"{base}/submissions").text
