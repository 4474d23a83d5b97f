"""Keeping entities in sync over REST, in Central's paths and shapes: the trash (delete,
`?deleted=true`, restore, bulk delete and restore, each audited as Central), what each version
changed (`/diffs`), an entity's audit log, who created a list's entities, `$filter` and
`$orderby` on the OData feed, and maps (`entities.geojson`). Roles that may not read sensitive
data see no name, no sensitive property and no free text from the audit log through any of
them."""

from __future__ import annotations

from uuid import uuid4

from tests.support.accounts import project_user
from tests.support.entity_lists import regional_registration, set_up_tablets

ENTITIES = "/v1/projects/{p}/datasets/{name}/entities"
SINGLE = ("entity.delete", "entity.restore")


def made_list(client, admin, project, name: str, properties: tuple[str, ...]) -> str:
    created = client.post(f"/v1/projects/{project}/datasets", json={"name": name}, headers=admin)
    assert created.status_code == 200, created.text
    for prop in properties:
        added = client.post(
            f"/v1/projects/{project}/datasets/{name}/properties", json={"name": prop}, headers=admin
        )
        assert added.status_code == 200, added.text
    return ENTITIES.format(p=project, name=name)


def make(client, admin, base: str, label: str, **data) -> str:
    uuid = str(uuid4())
    made = client.post(base, json={"uuid": uuid, "label": label, "data": data}, headers=admin)
    assert made.status_code == 200, made.text
    return uuid


def audits(client, admin, action: str) -> list[dict]:
    return client.get(f"/v1/audits?action={action}", headers=admin).json()


def test_the_trash_lists_restores_and_bulk_changes_entities(client, admin, project):
    base = made_list(client, admin, project, "villages", ("population",))
    a, b, c = (make(client, admin, base, n, population="1") for n in ("A", "B", "C"))
    assert client.delete(f"{base}/{a}", headers=admin).status_code == 200
    trash = client.get(f"{base}?deleted=true", headers=admin).json()
    assert [e["uuid"] for e in trash] == [a] and trash[0]["deletedAt"]
    assert [e["uuid"] for e in client.get(base, headers=admin).json()] == [b, c]
    # A live entity is not in the trash: restoring it is 404, as in Central.
    assert client.post(f"{base}/{b}/restore", headers=admin).status_code == 404
    assert client.post(f"{base}/{a}/restore", headers=admin).status_code == 200
    assert client.get(f"{base}/{a}", headers=admin).json()["updatedAt"]
    assert client.get(f"{base}?deleted=true", headers=admin).json() == []

    # One unknown id: 404, and nothing changes.
    unknown = client.post(f"{base}/bulk-delete", json={"ids": [a, str(uuid4())]}, headers=admin)
    assert unknown.status_code == 404
    assert len(client.get(base, headers=admin).json()) == 3
    deleted = client.post(f"{base}/bulk-delete", json={"ids": [a, b]}, headers=admin)
    assert deleted.status_code == 200 and deleted.json() == {"success": True}
    assert [e["uuid"] for e in client.get(base, headers=admin).json()] == [c]
    again = client.post(f"{base}/bulk-delete", json={"ids": [a, b, c]}, headers=admin)
    assert again.status_code == 200  # only c changes
    restored = client.post(f"{base}/bulk-restore", json={"ids": [a, b, c]}, headers=admin)
    assert restored.status_code == 200
    assert len(client.get(base, headers=admin).json()) == 3
    for body in ({}, {"ids": []}, {"ids": "a"}, {"ids": [1]}):
        refused = client.post(f"{base}/bulk-delete", json=body, headers=admin)
        assert refused.status_code == 400 and refused.json()["code"] == 400.8, body

    bulk = audits(client, admin, "entity.bulk.*")
    assert [(x["action"], x["acteeId"], x["details"]["entityUuids"]) for x in bulk] == [
        ("entity.bulk.restore", "villages", [a, b, c]),
        ("entity.bulk.delete", "villages", [a, b]),
    ]
    one = [x for x in audits(client, admin, "entity.*") if x["action"] in SINGLE]
    assert [(x["action"], x["acteeId"]) for x in one] == [
        ("entity.delete", c),  # one entity changed by a bulk call: its own event, as Central
        ("entity.restore", a),
        ("entity.delete", a),
    ]
    assert one[0]["details"]["entity"] == {"uuid": c}


def test_only_managers_empty_or_restore_the_trash(client, admin, project):
    base = made_list(client, admin, project, "villages", ())
    a = make(client, admin, base, "A")
    client.delete(f"{base}/{a}", headers=admin)
    viewer = project_user(client, admin, project, "viewer@example.org", "viewer")
    assert client.post(f"{base}/{a}/restore", headers=viewer).status_code == 403
    assert client.post(f"{base}/bulk-restore", json={"ids": [a]}, headers=viewer).status_code == 403
    assert client.get(f"{base}?deleted=true", headers=viewer).json()[0]["uuid"] == a


def test_diffs_say_what_each_version_changed(client, admin, project):
    base = made_list(client, admin, project, "villages", ("population", "chief"))
    a = make(client, admin, base, "Kita", population="900")
    client.patch(f"{base}/{a}?baseVersion=1", json={"data": {"population": "950"}}, headers=admin)
    client.patch(
        f"{base}/{a}?baseVersion=2",
        json={"label": "Kita town", "data": {"chief": "Diarra"}},
        headers=admin,
    )
    diffs = client.get(f"{base}/{a}/diffs", headers=admin).json()
    assert diffs == [
        [{"old": "900", "new": "950", "propertyName": "population"}],
        [
            {"old": "Kita", "new": "Kita town", "propertyName": "label"},
            {"old": None, "new": "Diarra", "propertyName": "chief"},
        ],
    ]


def test_an_analyst_sees_no_name_through_diffs_audits_or_the_trash(client, admin, project):
    (tablet,) = set_up_tablets(client, admin, project, "Kayes 1")
    uuid = str(uuid4())
    assert tablet.submit(regional_registration(uuid, "kayes", "KAY/7")).status_code == 201
    base = ENTITIES.format(p=project, name="returnees")
    client.patch(
        f"{base}/{uuid}?force=true",
        json={"label": "Awa T. (KAY/7)", "data": {"first_name": "Awaa", "region": "mopti"}},
        headers=admin,
    )
    analyst = project_user(client, admin, project, "analyst@example.org", "analyst")
    diffs = client.get(f"{base}/{uuid}/diffs", headers=analyst).json()
    assert diffs == [[{"old": "kayes", "new": "mopti", "propertyName": "region"}]]
    seen = client.get(f"{base}/{uuid}/diffs", headers=admin).json()
    assert {d["propertyName"] for d in seen[0]} == {"label", "first_name", "region"}
    events = client.get(f"{base}/{uuid}/audits", headers=analyst).json()
    assert [e["action"] for e in events][-1] == "entity.create"
    names = client.get(f"{base}/{uuid}/versions", headers=admin).json()[0]["data"]
    assert names["last_name"] and names["last_name"] not in str(events) + str(diffs)
    client.delete(f"{base}/{uuid}", headers=admin)
    trash = client.get(f"{base}?deleted=true", headers=analyst).json()
    assert trash[0]["currentVersion"]["label"] == "KAY/7"  # the case number, not the name


def test_an_entitys_audits_come_newest_first_with_their_actors(client, admin, project):
    base = made_list(client, admin, project, "villages", ("population",))
    a = make(client, admin, base, "Kita", population="900")
    other = make(client, admin, base, "Kayes")
    client.patch(f"{base}/{a}?baseVersion=1", json={"data": {"population": "9"}}, headers=admin)
    client.post(f"{base}/bulk-delete", json={"ids": [a, other]}, headers=admin)
    events = client.get(f"{base}/{a}/audits", headers={**admin, "X-Extended-Metadata": "true"})
    assert events.status_code == 404  # deleted: as Central, its audits go with it
    client.post(f"{base}/{a}/restore", headers=admin)
    events = client.get(f"{base}/{a}/audits", headers={**admin, "X-Extended-Metadata": "true"})
    actions = [e["action"] for e in events.json()]
    assert actions == [
        "entity.restore",
        "entity.bulk.delete",
        "entity.update.version",
        "entity.create",
    ]
    assert all(e["actor"]["displayName"] for e in events.json())


def test_creators_are_listed_by_name(client, admin, project):
    first, second = set_up_tablets(client, admin, project, "Zinder tablet", "Ansongo tablet")
    for device in (first, second, first):
        assert device.submit(regional_registration(str(uuid4()), "kayes", "K")).status_code == 201
    url = f"/v1/projects/{project}/datasets/returnees/entities/creators"
    creators = client.get(url, headers=admin).json()
    assert [c["displayName"] for c in creators] == ["Ansongo tablet", "Zinder tablet"]
    assert {c["id"] for c in creators} == {first.actor_id, second.actor_id}


def test_odata_filters_and_orders_entities_as_central(client, admin, project, clock):
    base = made_list(client, admin, project, "villages", ("population",))
    a = make(client, admin, base, "A", population="1")
    clock.advance(hours=1)
    b = make(client, admin, base, "B", population="2")
    clock.advance(hours=1)
    c = make(client, admin, base, "C", population="3")
    client.delete(f"{base}/{c}", headers=admin)
    feed = f"/v1/projects/{project}/datasets/villages.svc/Entities"

    def ids(query: str) -> list[str]:
        response = client.get(f"{feed}?{query}", headers=admin)
        assert response.status_code == 200, response.text
        return [row["__id"] for row in response.json()["value"]]

    created_b = client.get(f"{base}/{b}", headers=admin).json()["createdAt"]
    assert ids(f"$filter=__system/createdAt ge {created_b}") == [b]
    assert ids(f"$filter=__id eq '{a}'") == [a]
    assert ids("$filter=__system/conflict eq null") == [a, b]
    assert ids("$filter=__system/deletedAt ne null") == [c]  # deleted only when asked about
    assert ids("$filter=__system/deletedAt eq null or __system/deletedAt ne null") == [a, b, c]
    assert ids("$orderby=__system/createdAt desc") == [b, a]
    counted = client.get(f"{feed}?$filter=__id ne '{a}'&$count=true", headers=admin).json()
    assert counted["@odata.count"] == 1
    assert counted["value"][0]["__system"]["deletedAt"] is None
    me = client.get(f"{base}/{a}", headers=admin).json()["creatorId"]
    assert ids(f"$filter=__system/creatorId eq {me} and year(__system/createdAt) ge 2000") == [a, b]
    assert client.get(f"{feed}?$search=A", headers=admin).status_code == 501  # said, not ignored
    for query in ("$filter=population eq '1'", "$filter=label eq 'A'", "$orderby=label"):
        refused = client.get(f"{feed}?{query}", headers=admin)
        assert refused.status_code == 400, (query, refused.text)


def test_entities_with_a_geometry_make_a_map(client, admin, project):
    base = made_list(client, admin, project, "wells", ("geometry", "depth"))
    point = make(client, admin, base, "Well 1", geometry="12.65 -8.0 350 5", depth="30")
    trace = make(client, admin, base, "Track", geometry="12.6 -8.0 0 0;12.7 -8.1 0 0")
    shape = make(
        client,
        admin,
        base,
        "Field",
        geometry="12.6 -8.0 0 0;12.7 -8.0 0 0;12.7 -8.1 0 0;12.6 -8.0 0 0",
    )
    make(client, admin, base, "No place", depth="4")
    make(client, admin, base, "Bad place", geometry="somewhere")
    response = client.get(f"/v1/projects/{project}/datasets/wells/entities.geojson", headers=admin)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    features = response.json()["features"]
    assert response.json()["type"] == "FeatureCollection"
    assert [(f["id"], f["geometry"]["type"]) for f in features] == [
        (point, "Point"),
        (trace, "LineString"),
        (shape, "Polygon"),
    ]
    assert features[0] == {
        "type": "Feature",
        "id": point,
        "properties": None,
        "geometry": {"type": "Point", "coordinates": [-8.0, 12.65, 350.0]},
    }
    one = client.get(f"{base}/{point}/geojson", headers=admin).json()
    assert one == features[0]
    limited = client.get(
        f"/v1/projects/{project}/datasets/wells/entities.geojson?limit=1", headers=admin
    )
    assert [f["id"] for f in limited.json()["features"]] == [point]
