"""Actor properties as Central 2026.2 has them: names declared per project
(`POST|GET /v1/projects/{id}/actor-properties`, values with X-Extended-Metadata), set on app
users (`POST|PATCH .../app-users/{id}` `{"properties": {...}}`, null or "" unsets), shown in
app users' JSON, audited (`actor_property.create`, `field_key.property.set`), and only by
project managers."""

from __future__ import annotations

from tests.support.accounts import project_user
from tests.support.devices import make_device


def properties_url(project) -> str:
    return f"/v1/projects/{project}/actor-properties"


def test_properties_are_declared_once_per_project_whatever_their_case(client, admin, project):
    for name in ("zone", "team"):
        made = client.post(properties_url(project), json={"name": name}, headers=admin)
        assert made.status_code == 200 and made.json() == {"success": True}
    again = client.post(properties_url(project), json={"name": "ZONE"}, headers=admin)
    assert again.status_code == 409 and again.json()["code"] == 409.3
    for bad in ("displayName", "label", "__x", "a b", "", "1st"):
        refused = client.post(properties_url(project), json={"name": bad}, headers=admin)
        assert refused.status_code == 400, bad
    listed = client.get(properties_url(project), headers=admin)
    assert listed.json() == [{"name": "team"}, {"name": "zone"}]
    other = client.post("/v1/projects", json={"name": "Other"}, headers=admin).json()["id"]
    assert client.get(properties_url(other), headers=admin).json() == []
    created = client.get("/v1/audits?action=actor_property.create", headers=admin).json()
    assert sorted(a["details"]["name"] for a in created) == ["team", "zone"]


def test_app_users_get_set_and_unset_values(client, admin, project):
    client.post(properties_url(project), json={"name": "zone"}, headers=admin)
    client.post(properties_url(project), json={"name": "team"}, headers=admin)
    kayes = make_device(client, admin, project, (), name="Kayes")
    mopti = make_device(client, admin, project, (), name="Mopti")
    url = f"/v1/projects/{project}/app-users/{kayes.actor_id}"
    set_ = client.post(url, json={"properties": {"zone": " kayes ", "team": "A"}}, headers=admin)
    assert set_.status_code == 200, set_.text
    assert set_.json()["properties"] == {"team": "A", "zone": "kayes"}
    assert set_.json()["id"] == kayes.actor_id and set_.json()["token"] == kayes.token
    client.patch(
        f"/v1/projects/{project}/app-users/{mopti.actor_id}",
        json={"properties": {"zone": "mopti"}},
        headers=admin,
    )
    unset = client.patch(url, json={"properties": {"team": None, "zone": ""}}, headers=admin)
    assert unset.json()["properties"] == {}
    client.patch(url, json={"properties": {"zone": "kayes"}}, headers=admin)
    listed = client.get(f"/v1/projects/{project}/app-users", headers=admin).json()
    assert {u["displayName"]: u["properties"] for u in listed} == {
        "Kayes": {"zone": "kayes"},
        "Mopti": {"zone": "mopti"},
    }
    values = client.get(
        properties_url(project), headers={**admin, "X-Extended-Metadata": "true"}
    ).json()
    assert values == [
        {"name": "team", "values": []},
        {"name": "zone", "values": ["kayes", "mopti"]},
    ]
    logged = client.get("/v1/audits?action=field_key.property.set", headers=admin).json()
    assert logged[0]["acteeId"] == str(kayes.actor_id)
    assert logged[0]["details"] == {"properties": {"zone": "kayes"}}
    assert len(logged) == 4


def test_a_new_app_user_may_come_with_its_values(client, admin, project):
    client.post(properties_url(project), json={"name": "zone"}, headers=admin)
    made = client.post(
        f"/v1/projects/{project}/app-users",
        json={"displayName": "Gao", "properties": {"zone": "gao"}},
        headers=admin,
    )
    assert made.status_code == 200, made.text
    assert made.json()["properties"] == {"zone": "gao"}


def test_unknown_names_and_values_that_are_not_text_change_nothing(client, admin, project):
    client.post(properties_url(project), json={"name": "zone"}, headers=admin)
    device = make_device(client, admin, project, (), name="Kayes")
    url = f"/v1/projects/{project}/app-users/{device.actor_id}"
    for body in (
        {"properties": {"zone": "kayes", "nope": "x"}},
        {"properties": {"zone": 3}},
        {"properties": ["zone"]},
        {"properties": {"zone": "x" * 1001}},
    ):
        refused = client.patch(url, json=body, headers=admin)
        assert refused.status_code == 400, (body, refused.text)
    assert (
        client.get(f"/v1/projects/{project}/app-users", headers=admin).json()[0]["properties"] == {}
    )
    gone = client.patch(
        f"/v1/projects/{project}/app-users/999999", json={"properties": {}}, headers=admin
    )
    assert gone.status_code == 404


def test_only_managers_see_or_set_properties(client, admin, project):
    client.post(properties_url(project), json={"name": "zone"}, headers=admin)
    device = make_device(client, admin, project, (), name="Kayes")
    viewer = project_user(client, admin, project, "viewer@example.org", "viewer")
    assert client.get(properties_url(project), headers=viewer).status_code == 403
    assert (
        client.post(properties_url(project), json={"name": "team"}, headers=viewer).status_code
        == 403
    )
    refused = client.patch(
        f"/v1/projects/{project}/app-users/{device.actor_id}",
        json={"properties": {"zone": "kayes"}},
        headers=viewer,
    )
    assert refused.status_code == 403
