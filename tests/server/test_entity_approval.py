"""approvalRequired, as Central has it: a registration waits for its submission's approval (REST
review or the web page) while its list requires it, rejection and "has issues" create nothing,
updates apply on receipt, and convert=true creates what waits. With the duplicate review: a
likely duplicate never reaches the list devices get until a person decides "different people"
(and, where the list requires it, approves it); the flag keeps naming it once it exists."""

from __future__ import annotations

import pytest

from storage.db import transaction
from storage.entities.approval import create_pending, pending_registrations
from storage.entities.lists import find_list
from tests.support.browser import Browser
from tests.support.entities import E1, E2, E3, E4, E9, list_csv, registration, set_up_returnees
from tests.support.offline_entities import BRANCH, audits, held, placed, sent, update

SAME = ("Awa", "Traoré", "1998-04-12", "70000001")
RESPELT = ("TRAORE", "Awa", "1998-12-04", "+223 70 00 00 01")  # the same woman, again
OTHER = ("Moussa", "Keita", "1985-02-02", "71000000")
DATASET = "/v1/projects/{}/datasets/returnees"


def require_approval(client, admin, project, value=True, convert=None):
    """The list setting, as Central sets it: PATCH .../datasets/returnees."""
    query = "" if convert is None else f"?convert={convert}"
    return client.patch(
        f"{DATASET.format(project)}{query}", json={"approvalRequired": value}, headers=admin
    )


def instance(xml: bytes) -> str:
    return xml.split(b"<instanceID>")[1].split(b"</instanceID>")[0].decode()


def review(client, admin, project, xml, state, form="returnee_intake"):
    url = f"/v1/projects/{project}/forms/{form}/submissions/{instance(xml)}"
    response = client.patch(url, json={"reviewState": state}, headers=admin)
    assert response.status_code == 200, response.text
    return response.json()["reviewState"]


def exists(client, admin, project, uuid) -> bool:
    response = client.get(f"{DATASET.format(project)}/entities/{uuid}", headers=admin)
    return response.status_code == 200


def pending(engine, project) -> int:
    with transaction(engine, read_only=True) as connection:
        return pending_registrations(connection, find_list(connection, project, "returnees"))


def on_devices(device) -> set[str]:
    return {row["name"] for row in list_csv(device)[1]}


def test_a_registration_waits_for_approval_while_updates_apply_on_receipt(
    client, admin, project, engine
):
    device = set_up_returnees(client, admin, project)
    assert require_approval(client, admin, project).status_code == 200
    intake = registration(E1, *SAME, "KAY/1")
    sent(device, intake)
    assert not exists(client, admin, project, E1) and on_devices(device) == set()
    assert pending(engine, project) == 1
    assert review(client, admin, project, intake, "hasIssues") == "hasIssues"
    assert review(client, admin, project, intake, "rejected") == "rejected"
    assert not exists(client, admin, project, E1) and pending(engine, project) == 0
    review(client, admin, project, intake, "approved")
    assert exists(client, admin, project, E1) and on_devices(device) == {E1}
    (created,) = audits(client, admin, "entity.create")
    assert created["actorId"] == device.actor_id  # the submitter, as in Central
    sent(device, update(E1, 1, count=1))  # no approval for an update
    assert (
        placed(client.get(f"{DATASET.format(project)}/entities/{E1}", headers=admin).json())[0] == 2
    )
    review(client, admin, project, intake, "approved")  # again: nothing more
    assert len(audits(client, admin, "entity.create")) == 1


def test_an_update_held_behind_a_create_awaiting_approval_follows_it(
    client, admin, project, engine
):
    """Central: "should wait for approval of create submission in offline branch"."""
    device = set_up_returnees(client, admin, project)
    assert require_approval(client, admin, project).status_code == 200
    intake = registration(E9, *SAME, "KAY/9")
    sent(device, intake, update(E9, 1, branch=BRANCH, count=1))
    assert held(engine) == 1 and audits(client, admin, "entity.error") == []
    review(client, admin, project, intake, "approved")
    now = client.get(f"{DATASET.format(project)}/entities/{E9}", headers=admin).json()
    assert placed(now) == (2, 1, 1, None) and held(engine) == 0


def test_convert_creates_what_waits_but_not_what_was_rejected(
    client, admin, project, engine, clock
):
    device = set_up_returnees(client, admin, project)
    assert require_approval(client, admin, project).status_code == 200
    waiting = registration(E1, *SAME, "KAY/1")
    troubled = registration(E2, *OTHER, "SIK/2")
    refused = registration(E3, "Fatoumata", "Diallo", "1990-01-01", "76000000", "KAY/3")
    sent(device, waiting, troubled, refused)
    review(client, admin, project, troubled, "hasIssues")
    review(client, admin, project, refused, "rejected")
    assert pending(engine, project) == 2
    warned = require_approval(client, admin, project, False)
    assert warned.status_code == 400 and warned.json()["code"] == 400.29
    assert "2 pending submissions" in warned.json()["message"]
    assert require_approval(client, admin, project, False, convert="true").status_code == 200
    assert on_devices(device) == {E1, E2}
    assert pending(engine, project) == 0
    with transaction(engine) as connection:  # what the PATCH route calls, once more: nothing
        entity_list = find_list(connection, project, "returnees")
        assert create_pending(connection, entity_list, clock(), None) == 0


def test_approval_on_the_web_page_creates_the_entity(client, admin, project, engine):
    device = set_up_returnees(client, admin, project)
    assert require_approval(client, admin, project).status_code == 200
    intake = registration(E1, *SAME, "KAY/1")
    sent(device, intake)
    browser = Browser(client)
    browser.sign_in()
    page = f"/projects/{project}/forms/returnee_intake/submissions/{instance(intake)}"
    assert browser.get(page).status_code == 200
    assert browser.post(f"{page}/review", {"state": "approved"}).status_code == 200
    assert exists(client, admin, project, E1)


@pytest.mark.programme
def test_a_likely_duplicate_waits_for_a_decision_and_the_approval(client, admin, project, engine):
    """With approvalRequired nothing exists before approval: the second registration is
    compared with the first one's data, flagged before anyone approves it, and created only
    once decided "different people" and approved; the flag names it afterwards."""
    device = set_up_returnees(client, admin, project)
    assert require_approval(client, admin, project).status_code == 200
    first = registration(E1, *SAME, "KAY/1")
    again = registration(E2, *RESPELT, "BKO/7")
    sent(device, first, again)
    queue = client.get(f"{DATASET.format(project)}/duplicates", headers=admin).json()
    assert [(f["uuid"], f["candidateUuid"]) for f in queue] == [(E2, E1)]
    assert queue[0]["label"] == "TRAORE Awa (BKO/7)"  # the registration's, before any entity
    assert review(client, admin, project, again, "approved") == "approved"
    assert not exists(client, admin, project, E2)  # the open flag holds it
    review(client, admin, project, first, "approved")
    assert on_devices(device) == {E1}
    decided = client.post(
        f"{DATASET.format(project)}/duplicates/{queue[0]['id']}",
        json={"decision": "distinct"},
        headers=admin,
    )
    assert decided.status_code == 200
    assert on_devices(device) == {E1, E2}  # decided and approved: created
    (flag,) = client.get(
        f"{DATASET.format(project)}/duplicates?status=distinct", headers=admin
    ).json()
    assert (flag["uuid"], flag["label"]) == (E2, "TRAORE Awa (BKO/7)")


@pytest.mark.programme
def test_decided_different_people_first_then_approved(client, admin, project, engine):
    device = set_up_returnees(client, admin, project)
    assert require_approval(client, admin, project).status_code == 200
    first, again = registration(E1, *SAME, "KAY/1"), registration(E2, *RESPELT, "BKO/7")
    sent(device, first, again)
    (flag,) = client.get(f"{DATASET.format(project)}/duplicates", headers=admin).json()
    url = f"{DATASET.format(project)}/duplicates/{flag['id']}"
    client.post(url, json={"decision": "distinct"}, headers=admin)
    state = client.get(
        f"/v1/projects/{project}/forms/returnee_intake/submissions/{instance(again)}",
        headers=admin,
    ).json()["reviewState"]
    assert state is None and not exists(client, admin, project, E2)  # the approval is still due
    review(client, admin, project, again, "approved")
    assert exists(client, admin, project, E2)


@pytest.mark.programme
def test_a_duplicate_is_never_created_even_if_approved(client, admin, project, engine):
    device = set_up_returnees(client, admin, project)
    first, again = registration(E1, *SAME, "KAY/1"), registration(E2, *RESPELT, "BKO/7")
    sent(device, first, again)  # no approval needed in this list
    assert on_devices(device) == {E1}  # the flagged one is held all the same
    (flag,) = client.get(f"{DATASET.format(project)}/duplicates", headers=admin).json()
    url = f"{DATASET.format(project)}/duplicates/{flag['id']}"
    client.post(url, json={"decision": "duplicate"}, headers=admin)
    review(client, admin, project, again, "approved")
    assert on_devices(device) == {E1} and not exists(client, admin, project, E2)


@pytest.mark.programme
def test_without_approval_different_people_are_created_at_the_decision(
    client, admin, project, engine
):
    device = set_up_returnees(client, admin, project)
    sent(device, registration(E1, *SAME, "KAY/1"), registration(E4, *RESPELT, "BKO/8"))
    assert on_devices(device) == {E1}
    (flag,) = client.get(f"{DATASET.format(project)}/duplicates", headers=admin).json()
    url = f"{DATASET.format(project)}/duplicates/{flag['id']}"
    client.post(url, json={"decision": "distinct"}, headers=admin)
    assert on_devices(device) == {E1, E4}
    assert audits(client, admin, "entity.error") == []


def test_an_edit_of_a_waiting_registration_is_what_the_approval_creates(
    client, admin, project, engine
):
    """Central: an edit creates nothing while approval is required; approving creates the
    entity from the current version."""
    device = set_up_returnees(client, admin, project)
    assert require_approval(client, admin, project).status_code == 200
    first = registration(E1, *SAME, "KAY/1")
    sent(device, first)
    edit = registration(E1, *SAME, "KAY/1-corrected").replace(
        b"<instanceID>", f"<deprecatedID>{instance(first)}</deprecatedID><instanceID>".encode()
    )
    sent(device, edit)
    assert not exists(client, admin, project, E1) and pending(engine, project) == 1
    review(client, admin, project, first, "approved")
    data = client.get(f"{DATASET.format(project)}/entities/{E1}", headers=admin).json()
    assert data["currentVersion"]["data"]["case_number"] == "KAY/1-corrected"
