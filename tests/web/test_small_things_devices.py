"""App users on the web pages (issue 21, item 7): a revoked device stays listed, marked "Access
revoked" with the date, after the active ones and with no QR code, as Central shows it; a deleted
one is in the trash only; the forms a device may use are shown by their titles."""

from __future__ import annotations

from lxml import html

from tests.support.accounts import api_headers
from tests.support.forms import publish
from tests.support.paths import DATA


def _rows(page):
    """(name, last cell's text) of each app user in the list."""
    document = html.fromstring(page.text)
    return [
        (row.xpath("string(td[1])").strip(), " ".join(row.xpath("string(td[4])").split()))
        for row in document.xpath("//table//tbody/tr[td[4]]")
    ]


def _create(browser, project, name, forms=()):
    browser.get(f"/projects/{project}/app-users")
    created = browser.post(
        f"/projects/{project}/app-users", {"display_name": name, "forms": list(forms)}
    )
    assert created.status_code == 200, created.text
    return int(str(created.url).rstrip("/").rsplit("/", 1)[1])


def test_a_revoked_device_stays_listed_after_the_active_ones_with_the_date(
    browser, web_project, clock
):
    app_users = f"/projects/{web_project}/app-users"
    lost = _create(browser, web_project, "Tablet lost")
    _create(browser, web_project, "Tablet Kayes")
    clock.advance(minutes=90)  # within the session's idle time
    revoked = browser.post(f"{app_users}/{lost}/revoke")
    assert revoked.status_code == 200 and "Access revoked: that device" in revoked.text

    rows = _rows(browser.get(app_users))
    assert [name for name, _ in rows] == ["Tablet Kayes", "Tablet lost"]
    assert rows[0][1] == "Revoke Tablet Kayes"
    assert rows[1][1].startswith("Access revoked") and "Mar 4, 2026, 10:30" in rows[1][1]
    listed = html.fromstring(browser.get(app_users).text)
    assert not listed.xpath(f'//form[@action="{app_users}/{lost}/revoke"]')  # nothing to revoke

    own = browser.get(f"{app_users}/{lost}")
    assert own.status_code == 200
    assert "access was revoked on Mar 4, 2026, 10:30" in own.text
    page = html.fromstring(own.text)
    assert not page.xpath("//img[contains(@src, '/qr')]") and "/qr.svg" not in own.text


def test_a_revoked_device_is_refused_and_revoking_it_again_changes_nothing(
    browser, web_project, client
):
    admin = api_headers(client)
    lost = _create(browser, web_project, "Tablet lost")
    token = browser.get(f"/v1/projects/{web_project}/app-users/{lost}/qr").json()
    key = token["settings"]["general"]["server_url"].split("/key/")[1].split("/")[0]
    form_list = f"/v1/key/{key}/projects/{web_project}/formList"
    headers = {"X-OpenRosa-Version": "1.0"}
    assert client.get(form_list, headers=headers).status_code == 200
    browser.get(f"/projects/{web_project}/app-users")
    browser.post(f"/projects/{web_project}/app-users/{lost}/revoke")
    assert client.get(form_list, headers=headers).status_code == 403
    again = browser.post(f"/projects/{web_project}/app-users/{lost}/revoke")
    assert again.status_code == 200
    qr = client.get(f"/v1/projects/{web_project}/app-users/{lost}/qr.png", headers=admin)
    assert qr.status_code == 409 and "access was revoked" in qr.json()["message"]
    # Over the API it is listed as Central lists a revoked app user: there, with no token.
    listed = client.get(f"/v1/projects/{web_project}/app-users", headers=admin).json()
    assert [(u["id"], u["token"]) for u in listed] == [(lost, None)]


def test_a_deleted_device_is_in_the_trash_not_in_the_list(browser, web_project, client):
    admin = api_headers(client)
    gone = _create(browser, web_project, "Tablet deleted")
    _create(browser, web_project, "Tablet kept")
    deleted = client.delete(f"/v1/projects/{web_project}/app-users/{gone}", headers=admin)
    assert deleted.status_code == 200, deleted.text
    assert [name for name, _ in _rows(browser.get(f"/projects/{web_project}/app-users"))] == [
        "Tablet kept"
    ]
    assert browser.get(f"/projects/{web_project}/app-users/{gone}").status_code == 404
    assert "Tablet deleted" in browser.get(f"/projects/{web_project}/trash").text


def test_revoked_is_said_in_french_too(browser, web_project):
    lost = _create(browser, web_project, "Tablette perdue")
    browser.get(f"/projects/{web_project}/app-users")
    browser.post(f"/projects/{web_project}/app-users/{lost}/revoke")
    browser.post("/account/language", {"language": "fr", "next": "/projects"})
    rows = _rows(browser.get(f"/projects/{web_project}/app-users"))
    assert rows[0][1].startswith("Accès révoqué")
    own = browser.get(f"/projects/{web_project}/app-users/{lost}").text
    assert "L&#39;accès de cet appareil a été révoqué le" in own or (
        "L'accès de cet appareil a été révoqué le" in own
    )


def test_the_forms_a_device_may_use_are_shown_by_their_titles(browser, web_project, client):
    admin = api_headers(client)
    publish(client, admin, web_project, (DATA / "household.md").read_bytes())
    new = browser.get(f"/projects/{web_project}/app-users")
    label = html.fromstring(new.text).xpath('//label[input[@name="forms"]]')[0]
    assert " ".join(label.text_content().split()) == "Household survey household"
    assert label.xpath("small")[0].text == "household"  # the id, in small type after it

    tablet = _create(browser, web_project, "Tablet", ["household"])  # as the page ticks it
    rows = html.fromstring(browser.get(f"/projects/{web_project}/app-users").text)
    assert rows.xpath("string(//tbody/tr[1]/td[2])").strip() == "Household survey"
    own = html.fromstring(browser.get(f"/projects/{web_project}/app-users/{tablet}").text)
    (box,) = own.xpath('//label[input[@name="forms"]]')
    assert " ".join(box.text_content().split()) == "Household survey household"
    assert box.xpath("input/@checked")
