"""pyodk 1.3's entity calls, unmodified, against a live Baobab: entity lists, their properties,
and entities created, listed, updated with base_version or force, and deleted."""

from __future__ import annotations

import pyodk.errors as pyodk_errors
import pytest


def test_entity_lists_are_created_listed_and_given_properties(client, project):
    made = client.entity_lists.create(entity_list_name="villages", project_id=project)
    assert made.name == "villages" and made.projectId == project
    client.session.post(
        f"projects/{project}/datasets/villages/properties", json={"name": "population"}
    ).raise_for_status()
    assert [e.name for e in client.entity_lists.list()] == ["villages"]
    assert [p.name for p in client.entity_lists.get(entity_list_name="villages").properties] == [
        "population"
    ]


def test_entities_round_trip_through_pyodk(client, project):
    client.entity_lists.create(entity_list_name="returnees", project_id=project)
    for name in ("phone", "region"):
        client.session.post(
            f"projects/{project}/datasets/returnees/properties", json={"name": name}
        ).raise_for_status()
    created = client.entities.create(
        label="Awa Traoré",
        data={"phone": "70000001", "region": "kayes"},
        entity_list_name="returnees",
    )
    assert created.currentVersion.version == 1
    assert created.currentVersion.data == {"phone": "70000001", "region": "kayes"}
    listed = client.entities.list(entity_list_name="returnees")
    assert [e.uuid for e in listed] == [created.uuid]
    updated = client.entities.update(
        created.uuid, data={"phone": "76543210"}, base_version=1, entity_list_name="returnees"
    )
    assert updated.currentVersion.version == 2
    assert updated.currentVersion.data == {"phone": "76543210", "region": "kayes"}
    with pytest.raises(pyodk_errors.PyODKError, match="409"):
        client.entities.update(
            created.uuid, label="stale", base_version=1, entity_list_name="returnees"
        )
    forced = client.entities.update(
        created.uuid, label="Awa T.", force=True, entity_list_name="returnees"
    )
    assert forced.currentVersion.label == "Awa T." and forced.currentVersion.version == 3
    assert client.entities.delete(created.uuid, entity_list_name="returnees") is True
    assert client.entities.list(entity_list_name="returnees") == []


def test_get_table_reads_the_list_as_odata(client, project):
    client.entity_lists.create(entity_list_name="returnees", project_id=project)
    client.session.post(
        f"projects/{project}/datasets/returnees/properties", json={"name": "region"}
    ).raise_for_status()
    for n, region in enumerate(("kayes", "mopti", "gao")):
        client.entities.create(
            label=f"R{n}", data={"region": region}, entity_list_name="returnees", uuid=f"u{n}"
        )
    table = client.entities.get_table(entity_list_name="returnees", top=2, count=True)
    assert table["@odata.count"] == 3
    assert [(r["__id"], r["label"], r["region"]) for r in table["value"]] == [
        ("u0", "R0", "kayes"),
        ("u1", "R1", "mopti"),
    ]
    assert table["value"][0]["__system"]["version"] == 1
    rest = client.entities.get_table(entity_list_name="returnees", skip=2, select="__id,region")
    assert rest["value"] == [{"__id": "u2", "region": "gao"}]
