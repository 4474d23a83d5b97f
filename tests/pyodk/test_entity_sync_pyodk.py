"""pyodk 1.3, unmodified, against a live Baobab for what it has of entities in the field: the
list's settings as `entity_lists.get` reads them, `entities.get_table(filter=...)` on the
system columns, deleted entities leaving `entities.list` and coming back, and app users made
by pyodk then given properties (the calls pyodk lacks go through its own session)."""

from __future__ import annotations


def test_settings_filters_and_the_trash_through_pyodk(client, project):
    client.entity_lists.create(entity_list_name="villages", project_id=project)
    client.session.post(
        f"projects/{project}/datasets/villages/properties", json={"name": "region"}
    ).raise_for_status()
    patched = client.session.patch(
        f"projects/{project}/datasets/villages", json={"approvalRequired": True}
    )
    patched.raise_for_status()
    assert client.entity_lists.get(entity_list_name="villages").approvalRequired is True
    made = [
        client.entities.create(label=f"V{n}", data={"region": r}, entity_list_name="villages")
        for n, r in enumerate(("kayes", "mopti", "gao"))
    ]
    first = made[0].uuid
    table = client.entities.get_table(
        entity_list_name="villages", filter=f"__id eq '{first}'", count=True
    )
    assert [r["__id"] for r in table["value"]] == [first] and table["@odata.count"] == 1
    everyone = client.entities.get_table(
        entity_list_name="villages", filter="__system/conflict eq null"
    )
    assert len(everyone["value"]) == 3
    assert client.entities.delete(first, entity_list_name="villages") is True
    assert {e.uuid for e in client.entities.list(entity_list_name="villages")} == {
        m.uuid for m in made[1:]
    }
    gone = client.entities.get_table(
        entity_list_name="villages", filter="__system/deletedAt ne null"
    )
    assert [r["__id"] for r in gone["value"]] == [first]
    client.session.post(
        f"projects/{project}/datasets/villages/entities/{first}/restore"
    ).raise_for_status()
    assert len(client.entities.list(entity_list_name="villages")) == 3


def test_app_users_made_by_pyodk_get_properties(client, project):
    client.session.post(
        f"projects/{project}/actor-properties", json={"name": "zone"}
    ).raise_for_status()
    made = client.projects.create_app_users(display_names=["Kayes 1"], project_id=project)
    (app_user,) = made
    set_ = client.session.patch(
        f"projects/{project}/app-users/{app_user.id}", json={"properties": {"zone": "kayes"}}
    )
    set_.raise_for_status()
    assert set_.json()["properties"] == {"zone": "kayes"}
    listed = client.session.get(f"projects/{project}/app-users").json()
    assert [(u["displayName"], u["properties"]) for u in listed] == [("Kayes 1", {"zone": "kayes"})]
