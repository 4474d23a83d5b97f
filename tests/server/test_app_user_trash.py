"""App users in the trash: a deleted app user's token dies at once; restored, it keeps its forms
and properties under a new token (the lost tablet's stays dead); purged, it cannot come back,
while its name stays in the audit log."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import sqlalchemy as sa

from storage.db import transaction
from storage.lifecycle.purge import PurgeScope, purge
from tests.support.accounts import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.support.paths import sample

APP_USERS = "/v1/projects/{p}/app-users"


def sign_in(client) -> dict[str, str]:
    response = client.post("/v1/sessions", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.text
    return [u["id"] for u in response.json()]


def test_a_restored_app_user_keeps_its_forms_and_properties_under_a_new_token(
    client, admin, project, device
):
    base = APP_USERS.format(p=project)
    one = f"{base}/{device.actor_id}"
    declared = client.post(
        f"/v1/projects/{project}/actor-properties", json={"name": "region"}, headers=admin
    )
    assert declared.status_code == 200, declared.text
    assert (
        client.patch(one, json={"properties": {"region": "kayes"}}, headers=admin).status_code
        == 200
    )
    assert client.delete(one, headers=admin).status_code == 200
    assert device.form_list().status_code == 403  # the lost tablet stops at once
    assert _ids(client.get(base, headers=admin)) == []
    trash = client.get(base, params={"deleted": "true"}, headers=admin).json()
    assert [(u["id"], u["token"]) for u in trash] == [(device.actor_id, None)]
    assert trash[0]["deletedAt"] is not None

    restored = client.post(f"{one}/restore", headers=admin)
    assert restored.status_code == 200, restored.text
    body = restored.json()
    assert body["id"] == device.actor_id and body["deletedAt"] is None
    assert body["token"] and body["token"] != device.token
    assert body["properties"] == {"region": "kayes"}
    assert device.form_list().status_code == 403  # the old token never works again
    new_tablet = replace(device, token=body["token"])
    assert "household" in new_tablet.form_list().text  # its form assignment stayed
    assert new_tablet.submit(sample("simple.xml")).status_code == 201
    assert _ids(client.get(base, params={"deleted": "true"}, headers=admin)) == []
    assert client.post(f"{one}/restore", headers=admin).status_code == 404  # live: nothing to do


def test_a_purged_app_user_cannot_come_back_and_keeps_its_name_in_the_audit(
    client, admin, project, device, engine, blob_store, clock
):
    base = APP_USERS.format(p=project)
    one = f"{base}/{device.actor_id}"
    assert client.delete(one, headers=admin).status_code == 200
    clock.advance(days=29)
    assert (
        purge(
            engine, blob_store, PurgeScope(before=clock() - timedelta(days=30)), clock()
        ).app_users
        == 0
    )
    clock.advance(days=2)
    counts = purge(engine, blob_store, PurgeScope(before=clock() - timedelta(days=30)), clock())
    assert counts.app_users == 1
    admin = sign_in(client)  # a month later: a new session
    assert client.post(f"{one}/restore", headers=admin).status_code == 404
    assert _ids(client.get(base, params={"deleted": "true"}, headers=admin)) == []
    with transaction(engine, read_only=True) as connection:
        keys = connection.execute(
            sa.text("SELECT count(*) FROM field_keys WHERE actor_id = :a"), {"a": device.actor_id}
        ).scalar_one()
        assignments = connection.execute(
            sa.text("SELECT count(*) FROM form_assignments WHERE actor_id = :a"),
            {"a": device.actor_id},
        ).scalar_one()
        name = connection.execute(
            sa.text("SELECT display_name FROM actors WHERE id = :a"), {"a": device.actor_id}
        ).scalar_one()
    assert (keys, assignments, name) == (0, 0, "tablet 1")
    audit = client.get("/v1/audits?action=field_key.delete", headers=admin).json()
    assert [a["acteeId"] for a in audit] == [str(device.actor_id)]


def test_another_projects_manager_cannot_restore(client, admin, project, device):
    other = client.post("/v1/projects", json={"name": "Mopti"}, headers=admin).json()["id"]
    one = f"{APP_USERS.format(p=project)}/{device.actor_id}"
    assert client.delete(one, headers=admin).status_code == 200
    wrong = client.post(f"{APP_USERS.format(p=other)}/{device.actor_id}/restore", headers=admin)
    assert wrong.status_code == 404


def test_the_command_line_revokes_as_the_web_does_and_deletes_as_the_api_does(
    client, admin, project, device, baobab
):
    """`baobab app-users revoke` ends the device's access and keeps the app user listed as
    revoked; `baobab app-users delete` moves it to the trash. Both are audited."""
    base = APP_USERS.format(p=project)
    assert device.form_list().status_code == 200
    code, out, err = baobab("app-users", "revoke", str(device.actor_id), "--project", str(project))
    assert code == 0, err
    assert "stays listed as revoked" in out
    listed = client.get(base, headers=admin).json()
    assert [(u["id"], u["token"]) for u in listed] == [(device.actor_id, None)]
    assert device.form_list().status_code == 403
    code, out, err = baobab("app-users", "delete", str(device.actor_id), "--project", str(project))
    assert code == 0, err
    assert _ids(client.get(base, headers=admin)) == []
    assert _ids(client.get(base + "?deleted=true", headers=admin)) == [device.actor_id]
    audits = client.get("/v1/audits", headers=admin).json()
    actions = [(a["action"], a["acteeId"]) for a in audits if a["action"].startswith("field_key")]
    assert ("field_key.session.end", str(device.actor_id)) in actions
    assert ("field_key.delete", str(device.actor_id)) in actions
