"""ODK Entities end to end, with the shipped forms, as ODK Collect and pyodk use them: the intake
registers a returnee, the follow-up downloads the list as its returnees.csv and updates the
returnee with baseVersion; a stale update is kept and flagged, never dropped."""

from __future__ import annotations

from tests.support.entities import E1, E2, followup, intake, list_csv, set_up_returnees

NOBODY = "0b0c7a6e-0000-4000-8000-000000000000"


def test_intake_registers_and_follow_up_updates_through_the_list(client, admin, project):
    device = set_up_returnees(client, admin, project)
    lists = client.get(f"/v1/projects/{project}/datasets", headers=admin).json()
    assert [entry["name"] for entry in lists] == ["returnees"]
    one = client.get(f"/v1/projects/{project}/datasets/returnees", headers=admin).json()
    names = {p["name"] for p in one["properties"]}  # every form's save_to, follow-up first
    assert names >= {"first_name", "last_name", "phone", "followup_count", "last_visit_outcome"}
    empty_hash, rows = list_csv(device)
    assert rows == []

    assert device.submit(intake(E1)).status_code == 201
    assert device.submit(intake(E2, consent="no", case="KAY/2026/002")).status_code == 201
    first_hash, rows = list_csv(device)
    assert first_hash != empty_hash
    assert [(r["name"], r["label"], r["__version"], r["phone"]) for r in rows] == [
        (E1, "Awa Traoré (KAY/2026/001)", "1", "70000001")
    ]

    assert device.submit(followup(E1, 1, phone="76543210", region="koulikoro")).status_code == 201
    entity = client.get(
        f"/v1/projects/{project}/datasets/returnees/entities/{E1}", headers=admin
    ).json()
    assert entity["currentVersion"]["version"] == 2
    assert entity["currentVersion"]["data"]["phone"] == "76543210"
    assert entity["currentVersion"]["data"]["first_name"] == "Awa"  # untouched
    assert entity["conflict"] is None
    second_hash, rows = list_csv(device)
    assert second_hash != first_hash and rows[0]["__version"] == "2"


def test_a_stale_update_is_applied_and_flagged_for_a_person(client, admin, project):
    device = set_up_returnees(client, admin, project)
    device.submit(intake(E1))
    # Two enumerators downloaded version 1; both go out.
    assert device.submit(followup(E1, 1, phone="76000001", n=1)).status_code == 201
    assert device.submit(followup(E1, 1, region="sikasso", n=2)).status_code == 201
    soft = client.get(
        f"/v1/projects/{project}/datasets/returnees/entities/{E1}", headers=admin
    ).json()
    assert soft["conflict"] == "hard"  # both set followup_count since version 1
    versions = client.get(
        f"/v1/projects/{project}/datasets/returnees/entities/{E1}/versions", headers=admin
    ).json()
    assert [v["version"] for v in versions] == [1, 2, 3]
    assert versions[2]["baseVersion"] == 1 and versions[2]["conflict"] == "hard"
    assert versions[2]["conflictingProperties"] == ["followup_count"]
    assert versions[2]["data"]["region"] == "sikasso" and versions[2]["data"]["phone"] == "76000001"
    resolved = client.patch(
        f"/v1/projects/{project}/datasets/returnees/entities/{E1}?resolve=true&baseVersion=3",
        json={},
        headers=admin,
    )
    assert resolved.status_code == 200 and resolved.json()["conflict"] is None
    audit = client.get("/v1/audits?action=entity.*", headers=admin).json()
    assert {a["action"] for a in audit} >= {  # Central's names
        "entity.create",
        "entity.update.version",
        "entity.update.resolve",
    }
    updates = client.get("/v1/audits?action=entity.update.version", headers=admin).json()
    assert sorted((a["details"]["version"], a["details"]["conflict"]) for a in updates) == [
        (2, None),
        (3, "hard"),
    ]


def test_updates_that_cannot_apply_keep_the_submission_and_say_why(client, admin, project):
    device = set_up_returnees(client, admin, project)
    assert device.submit(followup(NOBODY, 1)).status_code == 201
    assert device.submit(intake(E1)).status_code == 201
    again = intake(E1, case="KAY/2026/009")  # another intake reusing the uuid
    assert device.submit(again).status_code == 201
    audit = client.get("/v1/audits?action=entity.error", headers=admin).json()
    reasons = sorted((a["details"]["code"], a["details"]["outcome"]) for a in audit)
    assert reasons == [
        ("ENTITY_EXISTS", f"not applied: The entity {E1} exists already in the list 'returnees'."),
        ("NOT_FOUND", f"not applied: Could not find the entity {NOBODY} to update."),
    ]


def test_the_api_creates_updates_and_refuses_stale_versions(client, admin, project):
    set_up_returnees(client, admin, project)
    base = f"/v1/projects/{project}/datasets/returnees/entities"
    created = client.post(
        base, json={"uuid": "api-1", "label": "Moussa", "data": {"phone": "1"}}, headers=admin
    )
    assert created.status_code == 200, created.text
    unknown = client.post(base, json={"label": "X", "data": {"shoe_size": "42"}}, headers=admin)
    assert unknown.status_code == 400 and "shoe_size" in unknown.text
    stale = client.patch(
        f"{base}/api-1?baseVersion=7", json={"data": {"phone": "2"}}, headers=admin
    )
    assert stale.status_code == 409 and "version 1, not 7" in stale.text
    fresh = client.patch(
        f"{base}/api-1?baseVersion=1", json={"data": {"phone": "2"}}, headers=admin
    )
    assert fresh.json()["currentVersion"]["version"] == 2
    forced = client.patch(f"{base}/api-1?force=true", json={"label": "Moussa K."}, headers=admin)
    assert forced.json()["currentVersion"]["label"] == "Moussa K."
    listed = client.get(base, headers=admin).json()
    assert [e["uuid"] for e in listed] == ["api-1"]
    assert client.delete(f"{base}/api-1", headers=admin).json() == {"success": True}
    assert client.get(f"{base}/api-1", headers=admin).status_code == 404
    as_csv = client.get(f"/v1/projects/{project}/datasets/returnees/entities.csv", headers=admin)
    assert as_csv.text.splitlines() == [as_csv.text.splitlines()[0]]  # the header only


def test_the_list_is_a_relational_view_without_its_sensitive_properties(
    client, admin, project, engine
):
    import sqlalchemy as sa

    from storage.db import is_postgres

    device = set_up_returnees(client, admin, project)
    device.submit(intake(E1))
    device.submit(followup(E1, 1, region="sikasso"))
    with engine.connect() as connection:
        name = (
            'analytics."entities__returnees"'
            if is_postgres(connection)
            else '"analytics__entities__returnees"'
        )
        rows = connection.execute(sa.text(f"SELECT * FROM {name}")).mappings().all()
    assert len(rows) == 1
    row = rows[0]
    assert row["uuid"] == E1 and row["version"] == 2 and row["region"] == "sikasso"
    assert row["case_number"] == "KAY/2026/001" and row["followup_count"] == "1"
    assert "phone" not in row and "dob" not in row  # marked sensitive in the intake form
    # The label is built from the names: the case number stands in for it.
    assert row["label"] == "KAY/2026/001"
    assert "first_name" not in row and "last_name" not in row
