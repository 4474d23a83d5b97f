"""The trash on the web pages: delete (a button that asks first), the project's trash page,
and its undo."""

from __future__ import annotations

import pytest

from tests.support.browser import Browser
from tests.support.paths import sample

ONE = "uuid:0b0c7a6e-0000-4000-8000-000000000003"


def _browser(client) -> Browser:
    browser = Browser(client)
    assert browser.sign_in().status_code == 200
    return browser


def test_a_submission_deleted_on_its_page_is_in_the_trash_until_restored(
    client, admin, project, device
):
    assert device.submit(sample("nested_repeat.xml")).status_code == 201
    browser = _browser(client)
    base = f"/projects/{project}/forms/household/submissions"
    page = browser.get(f"{base}/{ONE}")
    assert "data-confirm" in page.text and f"{ONE}/delete" in page.text
    deleted = browser.post(f"{base}/{ONE}/delete")
    assert deleted.status_code == 200 and "Submission moved to the trash." in deleted.text
    assert ONE not in deleted.text  # the table it lands on
    assert browser.get(f"{base}/{ONE}").status_code == 404
    trash = browser.get(f"/projects/{project}/trash")
    assert "Moussa Keita" in trash.text
    form_id = trash.text.split('name="form" value="')[1].split('"')[0]
    restored = browser.post(
        f"/projects/{project}/trash", {"kind": "submission", "form": form_id, "instance": ONE}
    )
    assert restored.status_code == 200 and "No submission in the trash." in restored.text
    assert browser.get(f"{base}/{ONE}").status_code == 200


def test_a_form_deleted_on_its_page_comes_back_from_the_trash(client, admin, project, device):
    browser = _browser(client)
    form = f"/projects/{project}/forms/household"
    assert f"{form}/delete" in browser.get(form).text
    deleted = browser.post(f"{form}/delete")
    assert deleted.status_code == 200 and "Form moved to the trash." in deleted.text
    assert browser.get(form).status_code == 404
    form_id = deleted.text.split('name="id" value="')[1].split('"')[0]
    restored = browser.post(f"/projects/{project}/trash", {"kind": "form", "id": form_id})
    assert "No form in the trash." in restored.text
    assert browser.get(form).status_code == 200
    assert b"household" in device.form_list().content


def test_restoring_what_is_not_in_the_trash_is_a_404(client, admin, project, device):
    browser = _browser(client)
    browser.get(f"/projects/{project}/trash")
    missing = browser.post(f"/projects/{project}/trash", {"kind": "form", "id": "999"})
    assert missing.status_code == 404
    junk = browser.post(f"/projects/{project}/trash", {"kind": "form", "id": "x"})
    assert junk.status_code in (400, 404)


def test_the_trash_page_speaks_french(client, admin, project, device):
    browser = _browser(client)
    browser.get(f"/projects/{project}/trash")
    browser.post("/account/language", {"language": "fr", "next": f"/projects/{project}/trash"})
    page = browser.get(f"/projects/{project}/trash")
    assert "Corbeille" in page.text and "Aucun formulaire dans la corbeille." in page.text


@pytest.mark.programme
def test_a_case_page_leaves_out_a_follow_up_in_the_trash(client, admin, project):
    from lxml import etree

    from tests.support.entities import E1, followup, intake, set_up_returnees

    device = set_up_returnees(client, admin, project)
    assert device.submit(intake(E1)).status_code == 201
    visit = followup(E1, 1, phone="70111111")
    assert device.submit(visit).status_code == 201
    instance = etree.fromstring(visit).findtext("meta/instanceID")
    browser = _browser(client)
    case = f"/projects/{project}/entities/returnees/{E1}"
    assert instance in browser.get(case).text
    form = f"/v1/projects/{project}/forms/reintegration_followup"
    assert client.delete(f"{form}/submissions/{instance}", headers=admin).status_code == 200
    page = browser.get(case)
    assert page.status_code == 200 and instance not in page.text
    assert client.delete(form, headers=admin).status_code == 200  # the form too
    assert browser.get(case).status_code == 200


def test_a_project_deleted_on_its_page_is_restored_by_an_administrator(
    client, admin, project, device
):
    browser = _browser(client)
    page = browser.get(f"/projects/{project}")
    assert f"/projects/{project}/delete" in page.text
    deleted = browser.post(f"/projects/{project}/delete")
    assert deleted.status_code == 200 and "Project moved to the trash." in deleted.text
    assert browser.get(f"/projects/{project}").status_code == 404
    assert device.form_list().status_code in (401, 403)
    trash = browser.get("/trash/projects")
    assert "Retours Mali" in trash.text
    restored = browser.post("/trash/projects", {"id": str(project)})
    assert restored.status_code == 200 and "Retours Mali" in restored.text
    assert device.form_list().status_code == 200
    assert b"household" in device.form_list().content


def test_a_deleted_app_user_comes_back_from_the_trash_with_a_new_qr_code(
    client, admin, project, device
):
    assert (
        client.delete(
            f"/v1/projects/{project}/app-users/{device.actor_id}", headers=admin
        ).status_code
        == 200
    )
    browser = _browser(client)
    trash = browser.get(f"/projects/{project}/trash")
    assert "tablet 1" in trash.text and "No app user in the trash." not in trash.text
    restored = browser.post(
        f"/projects/{project}/trash", {"kind": "app_user", "id": str(device.actor_id)}
    )
    assert restored.status_code == 200
    assert "Restored with a new QR code: scan it on the tablet." in restored.text
    assert device.form_list().status_code == 403  # the lost tablet's token stays dead
    tokens = client.get(f"/v1/projects/{project}/app-users", headers=admin).json()
    assert [u["id"] for u in tokens] == [device.actor_id]
    assert tokens[0]["token"] not in (None, device.token)
    again = browser.post(
        f"/projects/{project}/trash", {"kind": "app_user", "id": str(device.actor_id)}
    )
    assert again.status_code == 404  # live now: nothing in the trash to restore
    assert "No app user in the trash." in browser.get(f"/projects/{project}/trash").text
