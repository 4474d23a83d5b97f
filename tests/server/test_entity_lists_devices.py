"""What each tablet gets of an entity list, through OpenRosa exactly as ODK Collect asks for it
(the manifest, the list's CSV with If-None-Match, the integrity check with ?id=): the whole
list, or with Central's ownerOnly the returnees the device's app user registered, or with an
access filter those whose property matches the app user's (rules ORed, none without a value).
A lost tablet then carries one caseload, not the programme's; it learns no other entity's id
from the integrity check either. The list's settings (PATCH .../datasets/{name}) and their JSON."""

from __future__ import annotations

from uuid import uuid4

from tests.support.entities import followup
from tests.support.entity_lists import (
    FOLLOWUP,
    Copy,
    device_copy,
    integrity,
    patch_list,
    regional_registration,
    set_up_tablets,
)
from tests.support.openrosa import OPENROSA


def person_copy(client, project, headers) -> Copy:
    return Copy(client, f"/v1/projects/{project}", {**OPENROSA, **headers})


def give(client, admin, project, device, **values):
    response = client.patch(
        f"/v1/projects/{project}/app-users/{device.actor_id}",
        json={"properties": values},
        headers=admin,
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_an_unfiltered_list_goes_whole_to_every_device_with_its_integrity_url(
    client, admin, project
):
    (tablet,) = set_up_tablets(client, admin, project, "Kayes 1")
    e1, e2 = str(uuid4()), str(uuid4())
    for uuid, region in ((e1, "kayes"), (e2, "sikasso")):
        assert tablet.submit(regional_registration(uuid, region, uuid[:8])).status_code == 201
    copy = device_copy(tablet)
    assert copy.kind == "entityList"
    assert copy.names == sorted([e1, e2])
    assert copy.etag == f'"{copy.hash}"'  # the manifest's hash names Collect's exact copy
    assert copy.integrity == f"{tablet.base}/datasets/returnees/integrity"  # keeps the key
    managers = person_copy(client, project, admin)
    assert managers.hash == copy.hash and managers.names == copy.names


def test_an_access_filter_gives_each_tablet_its_own_caseload(client, admin, project):
    kayes, sikasso, nowhere = set_up_tablets(client, admin, project, "Kayes", "Sikasso", "Unset")
    made = client.post(
        f"/v1/projects/{project}/actor-properties", json={"name": "zone"}, headers=admin
    )
    assert made.status_code == 200, made.text
    assert give(client, admin, project, kayes, zone="kayes")["properties"] == {"zone": "kayes"}
    give(client, admin, project, sikasso, zone="sikasso")
    ids = {n: str(uuid4()) for n in ("k1", "k2", "s1")}
    for name, uuid in ids.items():
        region = "kayes" if name.startswith("k") else "sikasso"
        assert kayes.submit(regional_registration(uuid, region, name)).status_code == 201
    whole = device_copy(kayes)

    rules = [{"datasetProperty": "region", "actorProperty": "zone"}]
    patched = patch_list(
        client, admin, project, {"accessFilter": {"type": "property", "rules": rules}}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["accessFilter"] == {"type": "property", "rules": rules}
    assert patched.json()["ownerOnly"] is False

    in_kayes, in_sikasso, unset = (device_copy(t) for t in (kayes, sikasso, nowhere))
    assert in_kayes.names == sorted([ids["k1"], ids["k2"]])
    assert in_sikasso.names == [ids["s1"]]
    assert unset.rows == []  # fail-closed: no value, no returnee
    assert len({whole.hash, in_kayes.hash, in_sikasso.hash, unset.hash}) == 4
    assert all(c.etag == f'"{c.hash}"' for c in (in_kayes, in_sikasso, unset))
    # The integrity check says nothing about another caseload: unknown ids are left out.
    asked = list(ids.values())
    assert integrity(client, in_kayes.integrity, asked) == {ids["k1"]: False, ids["k2"]: False}
    assert integrity(client, unset.integrity) == {}
    # People with the project-level right still get everything.
    assert person_copy(client, project, admin).names == sorted(ids.values())

    # A returnee who moves leaves one caseload for the other, and both tablets notice.
    assert sikasso.submit(followup(ids["k2"], 1, region="sikasso")).status_code == 201
    moved_k, moved_s = device_copy(kayes), device_copy(sikasso)
    assert moved_k.names == [ids["k1"]] and moved_k.hash != in_kayes.hash
    assert moved_s.names == sorted([ids["k2"], ids["s1"]]) and moved_s.hash != in_sikasso.hash
    # A tablet given a value gets that caseload; one whose value is unset gets nothing again.
    give(client, admin, project, nowhere, zone="kayes")
    assert device_copy(nowhere).names == [ids["k1"]]
    give(client, admin, project, nowhere, zone=None)
    assert device_copy(nowhere).rows == []


def test_rules_are_ored_and_a_second_property_widens_a_caseload(client, admin, project):
    (tablet,) = set_up_tablets(client, admin, project, "Supervisor")
    for name in ("zone", "team"):
        client.post(f"/v1/projects/{project}/actor-properties", json={"name": name}, headers=admin)
    give(client, admin, project, tablet, zone="kayes", team="KAY/2")
    e1, e2, e3 = str(uuid4()), str(uuid4()), str(uuid4())
    for uuid, region, case in ((e1, "kayes", "KAY/1"), (e2, "mopti", "KAY/2"), (e3, "mopti", "M")):
        assert tablet.submit(regional_registration(uuid, region, case)).status_code == 201
    rules = [
        {"datasetProperty": "region", "actorProperty": "zone"},
        {"datasetProperty": "case_number", "actorProperty": "team"},
    ]
    assert (
        patch_list(
            client, admin, project, {"accessFilter": {"type": "property", "rules": rules}}
        ).status_code
        == 200
    )
    assert device_copy(tablet).names == sorted([e1, e2])


def test_owner_only_gives_each_tablet_the_returnees_it_registered(client, admin, project, clock):
    first, second = set_up_tablets(client, admin, project, "First", "Second")
    collector = data_collector(client, admin, project)
    patched = patch_list(client, admin, project, {"ownerOnly": True})
    assert patched.status_code == 200, patched.text
    assert patched.json()["ownerOnly"] is True
    assert patched.json()["accessFilter"] == {"type": "ownerOnly"}
    e1, e2 = str(uuid4()), str(uuid4())
    assert first.submit(regional_registration(e1, "kayes", "A")).status_code == 201
    assert second.submit(regional_registration(e2, "kayes", "B")).status_code == 201
    mine, theirs = device_copy(first), device_copy(second)
    assert mine.names == [e1] and theirs.names == [e2]
    assert person_copy(client, project, collector).rows == []  # registered nobody
    assert person_copy(client, project, admin).names == sorted([e1, e2])
    assert integrity(client, mine.integrity, [e1, e2]) == {e1: False}

    # Deleted on the server: the tablet hears it through integrity and its hash; restored, too.
    base = f"/v1/projects/{first.project}/datasets/returnees/entities"
    assert client.delete(f"{base}/{e1}", headers=admin).status_code == 200
    assert integrity(client, mine.integrity, [e1, e2]) == {e1: True}
    gone = device_copy(first)
    assert gone.rows == [] and gone.hash != mine.hash
    clock.advance(minutes=1)  # restoring updates the entity: the hash changes (as Central's)
    assert client.post(f"{base}/{e1}/restore", headers=admin).status_code == 200
    back = device_copy(first)
    assert back.names == [e1] and back.hash not in (gone.hash, mine.hash)
    assert integrity(client, mine.integrity, [e1]) == {e1: False}
    assert device_copy(second).hash == theirs.hash  # the other tablet's subset never changed


def data_collector(client, admin, project) -> dict[str, str]:
    """Bearer headers of a web user with the data collector role."""
    email = f"dc{uuid4().hex[:6]}@example.org"
    user = client.post(
        "/v1/users", json={"email": email, "password": "collector pass 1"}, headers=admin
    ).json()
    assigned = client.post(
        f"/v1/projects/{project}/assignments/data_collector/{user['id']}", headers=admin
    )
    assert assigned.status_code == 200, assigned.text
    session = client.post("/v1/sessions", json={"email": email, "password": "collector pass 1"})
    return {"Authorization": f"Bearer {session.json()['token']}"}


def test_integrity_answers_collect_for_the_ids_it_holds(client, admin, project):
    tablet, other = set_up_tablets(client, admin, project, "Kayes 1", "Kayes 2")
    e1, e2 = str(uuid4()), str(uuid4())
    for uuid in (e1, e2):
        assert tablet.submit(regional_registration(uuid, "kayes", uuid[:6])).status_code == 201
    base = f"/v1/projects/{project}/datasets/returnees/entities"
    assert client.delete(f"{base}/{e2}", headers=admin).status_code == 200
    url = device_copy(tablet).integrity
    nobody = str(uuid4())
    assert integrity(client, url, [e1, e2, nobody]) == {e1: False, e2: True}
    assert integrity(client, url) == {e1: False, e2: True}
    assert integrity(client, url, []) == {}
    # repeated id parameters, as some clients send them
    repeated = client.get(f"{url}?id={e1}&id={e2}", headers=OPENROSA)
    assert repeated.status_code == 200 and repeated.content.count(b"<entity ") == 2
    # Only whoever may read a form that takes the list to devices may ask (or list entities).
    allowed = client.get(f"{other.base}/datasets/returnees/integrity", headers=OPENROSA)
    assert allowed.status_code == 200
    client.delete(
        f"/v1/projects/{project}/forms/{FOLLOWUP}/assignments/app-user/{other.actor_id}",
        headers=admin,
    )
    refused = client.get(f"{other.base}/datasets/returnees/integrity", headers=OPENROSA)
    assert refused.status_code == 403
    assert b"OpenRosaResponse" in refused.content  # Collect shows the message
    missing = client.get(f"{tablet.base}/datasets/nothing/integrity", headers=OPENROSA)
    assert missing.status_code == 404


def test_a_list_needing_approval_is_marked_for_collect(client, admin, project):
    (tablet,) = set_up_tablets(client, admin, project, "Kayes 1")
    patched = patch_list(client, admin, project, {"approvalRequired": True})
    assert patched.status_code == 200, patched.text
    assert patched.json()["approvalRequired"] is True
    assert device_copy(tablet).kind == "approvalEntityList"
    listed = client.get(f"/v1/projects/{project}/datasets", headers=admin).json()
    assert [(d["name"], d["approvalRequired"], d["ownerOnly"]) for d in listed] == [
        ("returnees", True, False)
    ]
    assert "accessFilter" not in listed[0]
    back = patch_list(client, admin, project, {"approvalRequired": False})
    assert back.status_code == 200, back.text
    assert device_copy(tablet).kind == "entityList"


def test_registrations_under_review_reach_no_tablet_until_converted(client, admin, project):
    (tablet,) = set_up_tablets(client, admin, project, "Kayes 1")
    assert patch_list(client, admin, project, {"approvalRequired": True}).status_code == 200
    e1, e2 = str(uuid4()), str(uuid4())
    for uuid in (e1, e2):
        assert tablet.submit(regional_registration(uuid, "kayes", uuid[:6])).status_code == 201
    assert device_copy(tablet).rows == []  # waiting for eligibility review
    assert integrity(client, device_copy(tablet).integrity, [e1, e2]) == {}

    waiting = patch_list(client, admin, project, {"approvalRequired": False})
    assert waiting.status_code == 400
    assert waiting.json()["code"] == 400.29
    assert waiting.json()["message"].startswith("There are 2 pending submissions")
    assert device_copy(tablet).kind == "approvalEntityList"  # nothing changed
    converted = patch_list(client, admin, project, {"approvalRequired": False}, "?convert=true")
    assert converted.status_code == 200, converted.text
    assert converted.json()["approvalRequired"] is False
    copy = device_copy(tablet)
    assert copy.kind == "entityList" and copy.names == sorted([e1, e2])
    (audit,) = client.get("/v1/audits?action=dataset.update", headers=admin).json()[:1]
    assert audit["details"]["data"] == {"approvalRequired": False}
    assert audit["details"]["autoConvert"] is True


def test_switching_approval_off_may_leave_waiting_registrations_out(client, admin, project):
    (tablet,) = set_up_tablets(client, admin, project, "Kayes 1")
    patch_list(client, admin, project, {"approvalRequired": True})
    assert tablet.submit(regional_registration(str(uuid4()), "kayes", "K1")).status_code == 201
    left = patch_list(client, admin, project, {"approvalRequired": False}, "?convert=false")
    assert left.status_code == 200, left.text
    assert device_copy(tablet).rows == []
    (audit,) = client.get("/v1/audits?action=dataset.update", headers=admin).json()[:1]
    assert audit["details"]["autoConvert"] is False


def test_the_list_metadata_names_its_forms_and_properties(client, admin, project):
    set_up_tablets(client, admin, project)
    body = client.get(f"/v1/projects/{project}/datasets/returnees", headers=admin).json()
    assert body["name"] == "returnees" and body["projectId"] == project
    assert body["approvalRequired"] is False and body["ownerOnly"] is False
    # The intake creates returnees, the follow-up updates them (and reads them, as a CSV).
    assert [f["xmlFormId"] for f in body["sourceForms"]] == [FOLLOWUP, "returnee_intake"]
    assert [f["xmlFormId"] for f in body["linkedForms"]] == [FOLLOWUP]
    region = next(p for p in body["properties"] if p["name"] == "region")
    assert {f["xmlFormId"] for f in region["forms"]} == {"returnee_intake", FOLLOWUP}
    assert region["odataName"] == "region" and region["publishedAt"]
    assert "lastUpdate" in body


def test_settings_are_checked_and_audited(client, admin, project):
    set_up_tablets(client, admin, project)
    client.post(f"/v1/projects/{project}/actor-properties", json={"name": "zone"}, headers=admin)
    rule = {"datasetProperty": "region", "actorProperty": "zone"}
    cases = [
        ({"approvalRequired": "yes"}, "approvalRequired"),
        ({"accessFilter": {"type": "everyone"}}, "accessFilter"),
        ({"accessFilter": {"type": "property", "rules": []}}, "accessFilter.rules"),
        (
            {"accessFilter": {"type": "property", "rules": [{**rule, "datasetProperty": "x"}]}},
            "datasetProperty",
        ),
        (
            {"accessFilter": {"type": "property", "rules": [{**rule, "actorProperty": "x"}]}},
            "actorProperty",
        ),
        ({"ownerOnly": True, "accessFilter": {"type": "property", "rules": [rule]}}, "ownerOnly"),
        ({"ownerOnly": False, "accessFilter": {"type": "ownerOnly"}}, "ownerOnly"),
    ]
    for body, field in cases:
        refused = patch_list(client, admin, project, body)
        assert refused.status_code == 400, (body, refused.text)
        assert refused.json()["code"] == 400.8 and refused.json()["details"]["field"] == field
    wrong = patch_list(client, admin, project, {}, "?convert=maybe")
    assert wrong.status_code == 400 and wrong.json()["code"] == 400.8
    # ownerOnly and a property filter exclude each other: one replaces the other.
    ruled = patch_list(
        client, admin, project, {"accessFilter": {"type": "property", "rules": [rule]}}
    )
    assert ruled.json()["accessFilter"]["type"] == "property"
    owner = patch_list(client, admin, project, {"ownerOnly": True})
    assert owner.json()["accessFilter"] == {"type": "ownerOnly"}
    cleared = patch_list(client, admin, project, {"accessFilter": None})
    assert cleared.json()["ownerOnly"] is False and "accessFilter" not in cleared.json()
    audits = client.get("/v1/audits?action=dataset.update", headers=admin).json()
    assert [a["details"]["data"] for a in reversed(audits)] == [
        {"accessFilter": {"type": "property", "rules": [rule]}},
        {"ownerOnly": True},
        {"accessFilter": None},
    ]
    assert all(a["acteeId"] == "returnees" for a in audits)


def test_only_managers_change_a_list_and_before_the_body_is_read(client, admin, project):
    set_up_tablets(client, admin, project)
    collector = data_collector(client, admin, project)
    refused = patch_list(client, collector, project, {"ownerOnly": True})
    assert refused.status_code == 403
    assert (
        client.get(f"/v1/projects/{project}/datasets/returnees", headers=admin).json()["ownerOnly"]
        is False
    )


def test_a_list_made_by_hand_takes_its_settings(client, admin, project):
    made = client.post(
        f"/v1/projects/{project}/datasets",
        json={"name": "households", "approvalRequired": True, "ownerOnly": True},
        headers=admin,
    )
    assert made.status_code == 200, made.text
    assert made.json()["approvalRequired"] is True and made.json()["ownerOnly"] is True
    assert made.json()["sourceForms"] == [] and made.json()["properties"] == []
