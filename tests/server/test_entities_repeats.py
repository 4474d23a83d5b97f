"""Entities from repeats through OpenRosa (entities-version 2025.1.0): each repeat instance
creates or updates its own entity in the submission's transaction; when several cannot all
apply, none does and one entity.error says why (Central's 400.43), and the submission is stored
all the same; an instance waiting for its base does not hold back the others."""

from __future__ import annotations

from uuid import uuid4

from tests.support.devices import make_device
from tests.support.entity_repeats import HOUSEHOLD, member
from tests.support.forms import publish
from tests.support.offline_entities import audits, held

A, B, C = (f"0b0c7a6e-0000-4000-8000-0000000000a{n}" for n in (1, 2, 3))
NOBODY = "0b0c7a6e-0000-4000-8000-00000000dead"
BRANCH = "6f1a2b3c-0000-4000-8000-00000000b001"


def household(*members: str) -> tuple[bytes, str]:
    instance_id = f"uuid:{uuid4()}"
    xml = (
        f'<data id="household" version="1"><village>Kita</village>{"".join(members)}'
        f"<meta><instanceID>{instance_id}</instanceID></meta></data>"
    )
    return xml.encode(), instance_id


def people(client, admin, project) -> dict[str, tuple[int, str, str]]:
    listed = client.get(f"/v1/projects/{project}/datasets/people/entities", headers=admin).json()
    found = {}
    for e in listed:
        one = client.get(
            f"/v1/projects/{project}/datasets/people/entities/{e['uuid']}", headers=admin
        ).json()["currentVersion"]
        found[e["uuid"]] = (one["version"], one["label"], one["data"]["age"])
    return found


def set_up(client, admin, project):
    publish(client, admin, project, HOUSEHOLD)
    return make_device(client, admin, project, ("household",))


def test_each_member_creates_then_updates_its_entity(client, admin, project):
    device = set_up(client, admin, project)
    xml, _ = household(
        member(A, "Awa", "31", create="1"),
        member(B, "Ali", "9", create="1"),
        member(C, "Sira", "4", create="1"),
    )
    assert device.submit(xml).status_code == 201
    assert people(client, admin, project) == {
        A: (1, "Awa", "31"),
        B: (1, "Ali", "9"),
        C: (1, "Sira", "4"),
    }
    xml, _ = household(
        member(A, "Awa", "32", update="1", baseVersion="1"),
        member(B, "Ali", "10", update="1", baseVersion="1"),
    )
    assert device.submit(xml).status_code == 201
    assert people(client, admin, project) == {
        A: (2, "Awa", "32"),
        B: (2, "Ali", "10"),
        C: (1, "Sira", "4"),
    }
    assert len(audits(client, admin, "entity.create")) == 3
    assert len(audits(client, admin, "entity.update.version")) == 2
    assert device.submit(xml).status_code == 201  # a resend: nothing twice
    assert len(audits(client, admin, "entity.update.version")) == 2


def test_one_member_that_cannot_apply_stops_them_all_but_not_the_submission(client, admin, project):
    device = set_up(client, admin, project)
    xml, instance_id = household(
        member(A, "Awa", "31", create="1"),
        member(NOBODY, "Ghost", "50", update="1", baseVersion="1"),
        member(B, "Ali", "9", create="1"),
    )
    assert device.submit(xml).status_code == 201
    stored = client.get(
        f"/v1/projects/{project}/forms/household/submissions/{instance_id}", headers=admin
    )
    assert stored.status_code == 200
    assert people(client, admin, project) == {}
    (error,) = audits(client, admin, "entity.error")
    details = error["details"]
    assert details["code"] == "ENTITY_MULTI" and details["problem"]["problemCode"] == 400.43
    assert details["errorMessage"].startswith("Failed to process 1 of 3 entities")
    assert [(e["index"], e["code"]) for e in details["problem"]["problemDetails"]["errors"]] == [
        (1, "NOT_FOUND")
    ]
    assert audits(client, admin, "entity.create") == []


def test_a_single_member_that_cannot_apply_is_its_own_error(client, admin, project):
    device = set_up(client, admin, project)
    xml, _ = household(member(NOBODY, "Ghost", "50", update="1", baseVersion="1"))
    assert device.submit(xml).status_code == 201
    (error,) = audits(client, admin, "entity.error")
    assert error["details"]["code"] == "NOT_FOUND"
    assert error["details"]["entity"] == {"uuid": NOBODY, "dataset": "people"}


def test_a_member_waiting_for_its_base_does_not_hold_back_the_others(
    client, admin, project, engine
):
    device = set_up(client, admin, project)
    xml, _ = household(member(A, "Awa", "31", create="1"))
    device.submit(xml)
    xml, _ = household(
        member(A, "Awa", "33", update="1", baseVersion="2", trunkVersion="1", branchId=BRANCH),
        member(B, "Ali", "9", create="1"),
    )
    assert device.submit(xml).status_code == 201
    assert people(client, admin, project) == {A: (1, "Awa", "31"), B: (1, "Ali", "9")}
    assert held(engine) == 1 and audits(client, admin, "entity.error") == []
    xml, _ = household(
        member(A, "Awa", "32", update="1", baseVersion="1", trunkVersion="1", branchId=BRANCH)
    )
    device.submit(xml)
    assert people(client, admin, project)[A] == (3, "Awa", "33") and held(engine) == 0
