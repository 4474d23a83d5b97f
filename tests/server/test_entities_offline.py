"""Offline entity updates sent the way ODK Collect 2024.3+ sends them (entities-version 2024.1.0:
baseVersion, trunkVersion, branchId on every update), through OpenRosa, out of order and
resent, with the values ODK Central's own tests expect (test/integration/api/offline-entities.js,
summarised in docs/research/central-entities.md section 1)."""

from __future__ import annotations

from tests.support.entities import (
    E1,
    E2,
    E9,
    intake,
    registration,
    set_up_returnees,
)
from tests.support.offline_entities import (
    BRANCH,
    audits,
    entity,
    held,
    placed,
    sent,
    update,
    versions,
)

OTHER = "6f1a2b3c-0000-4000-8000-00000000b002"  # another tablet's


def test_the_second_follow_up_arriving_first_waits_and_both_apply_in_order(
    client, admin, project, engine
):
    """The issue's seed story: scores 10 then 20 on one tablet offline, the second first.
    Central ends with version 3, score 20 and no conflict; so does Baobab."""
    device = set_up_returnees(client, admin, project)
    sent(device, intake(E1))
    first = update(E1, 1, trunk=1, branch=BRANCH, count=10)
    second = update(E1, 2, trunk=1, branch=BRANCH, count=20)
    sent(device, second)
    assert placed(entity(client, admin, project)) == (1, None, None, None)
    assert held(engine) == 1
    assert audits(client, admin, "entity.error") == []  # held, not refused
    assert [a["action"] for a in audits(client, admin, "submission.backlog.*")] == [
        "submission.backlog.hold"
    ]
    sent(device, first)
    now = entity(client, admin, project)
    assert placed(now) == (3, 2, 2, 1)
    assert now["conflict"] is None and now["currentVersion"]["branchId"] == BRANCH
    history = versions(client, admin, project)
    assert [placed(v) for v in history] == [(1, None, None, None), (2, 1, 1, 1), (3, 2, 2, 1)]
    assert [v["data"]["followup_count"] for v in history[1:]] == ["10", "20"]
    assert [v["conflict"] for v in history] == [None, None, None]
    assert held(engine) == 0
    assert {a["action"] for a in audits(client, admin, "submission.backlog.*")} == {
        "submission.backlog.hold",
        "submission.backlog.reprocess",
    }
    assert len(audits(client, admin, "entity.update.version")) == 2


def test_a_branch_in_order_applies_without_conflict(client, admin, project):
    """Central: "should let multiple updates in the same branch get applied in order"."""
    device = set_up_returnees(client, admin, project)
    sent(device, intake(E1), update(E1, 1, trunk=1, branch=BRANCH, count=1))
    sent(device, update(E1, 2, trunk=1, branch=BRANCH, count=2))
    assert placed(entity(client, admin, project)) == (3, 2, 2, 1)
    assert entity(client, admin, project)["conflict"] is None


def test_a_branch_interrupted_by_the_server_is_stored_as_central_stores_it(client, admin, project):
    """Central: "should handle updating a branch in order, but with an interruption": the
    branch update with client baseVersion=2 is version 5, baseVersion 3, branchBaseVersion 2,
    trunkVersion 1. Only other properties changed meanwhile: a soft conflict."""
    device = set_up_returnees(client, admin, project)
    sent(device, intake(E1))
    url = f"/v1/projects/{project}/datasets/returnees/entities/{E1}"
    assert client.patch(f"{url}?baseVersion=1", json={"label": "A"}, headers=admin).is_success
    sent(device, update(E1, 1, trunk=1, branch=BRANCH, count=1))
    assert placed(entity(client, admin, project)) == (3, 1, 1, 1)
    assert client.patch(f"{url}?baseVersion=3", json={"label": "B"}, headers=admin).is_success
    sent(device, update(E1, 2, trunk=1, branch=BRANCH, count=2))
    now = entity(client, admin, project)
    assert placed(now) == (5, 3, 2, 1)
    assert now["currentVersion"]["data"]["followup_count"] == "2"
    assert now["conflict"] == "soft"
    history = versions(client, admin, project)
    assert [v["conflict"] for v in history] == [None, None, "soft", None, "soft"]
    assert [v["conflictingProperties"] for v in history[2::2]] == [[], []]


def test_another_tablet_changing_the_same_answer_meanwhile_is_a_hard_conflict(
    client, admin, project
):
    """Two tablets visited the returnee from version 1: the second to arrive set the answer the
    first changed, to another value (Central's conflictingProperties)."""
    device = set_up_returnees(client, admin, project)
    sent(device, intake(E1), update(E1, 1, trunk=1, branch=OTHER, count=5))
    sent(device, update(E1, 1, trunk=1, branch=BRANCH, count=10, outcome="met"))
    now = entity(client, admin, project)
    assert placed(now) == (3, 1, 1, 1) and now["conflict"] == "hard"
    (last,) = versions(client, admin, project, query="?relevantToConflict=true")[-1:]
    assert last["conflictingProperties"] == ["followup_count"]
    # The rest of this branch follows it: applied on it, flagged soft (interrupted), and the
    # hard conflict stays: an update never clears one.
    sent(device, update(E1, 2, trunk=1, branch=BRANCH, count=11))
    now = entity(client, admin, project)
    assert placed(now) == (4, 3, 2, 1) and now["conflict"] == "hard"


def test_the_same_answer_set_twice_is_no_conflict_and_a_resolved_one_stays_resolved(
    client, admin, project
):
    device = set_up_returnees(client, admin, project)
    sent(device, intake(E1), update(E1, 1, trunk=1, branch=OTHER, count=5))
    sent(device, update(E1, 1, trunk=1, branch=BRANCH, count=5))
    assert entity(client, admin, project)["conflict"] == "soft"  # the base moved, no clash
    url = f"/v1/projects/{project}/datasets/returnees/entities/{E1}"
    assert client.patch(f"{url}?resolve=true&baseVersion=3", json={}, headers=admin).is_success
    history = versions(client, admin, project)
    assert [(v["conflict"], v["resolved"]) for v in history] == [
        (None, False),
        (None, False),
        ("soft", True),
    ]
    assert history[-1]["lastGoodVersion"] and not any(v["relevantToConflict"] for v in history)
    sent(device, update(E1, 3, count=6))  # online, on the resolved version: nothing new
    assert entity(client, admin, project)["conflict"] is None
    sent(device, update(E1, 2, trunk=1, branch=BRANCH, count=7))
    # The branch's next update was made on its version 3: the online one changed the count
    # to 6 meanwhile, and this one sets it to 7.
    assert entity(client, admin, project)["conflict"] == "hard"
    assert versions(client, admin, project)[-1]["conflictingProperties"] == ["followup_count"]


def test_shuffled_resent_updates_apply_once_each_in_branch_order(client, admin, project, engine):
    device = set_up_returnees(client, admin, project)
    sent(device, intake(E1))
    runs = [update(E1, n, trunk=1, branch=BRANCH, count=n * 10) for n in (1, 2, 3)]
    sent(device, runs[2], runs[2], runs[0], runs[2], runs[1], runs[0], runs[1])
    history = versions(client, admin, project)
    assert [placed(v) for v in history] == [
        (1, None, None, None),
        (2, 1, 1, 1),
        (3, 2, 2, 1),
        (4, 3, 3, 1),
    ]
    assert [v["data"].get("followup_count") for v in history] == [None, "10", "20", "30"]
    assert entity(client, admin, project)["conflict"] is None and held(engine) == 0
    assert len(audits(client, admin, "entity.update.version")) == 3


def test_an_update_before_its_create_waits_for_it(client, admin, project, engine):
    """Central: "should handle offline update that comes before a create": the tablet
    registered and then visited the returnee offline; the visit arrived first."""
    device = set_up_returnees(client, admin, project)
    sent(device, update(E9, 1, branch=BRANCH, count=1))
    assert held(engine) == 1 and audits(client, admin, "entity.error") == []
    response = client.get(f"/v1/projects/{project}/datasets/returnees/entities/{E9}", headers=admin)
    assert response.status_code == 404
    sent(device, intake(E9))
    now = entity(client, admin, project, E9)
    assert placed(now) == (2, 1, 1, None) and now["currentVersion"]["branchId"] == BRANCH
    assert now["currentVersion"]["data"]["followup_count"] == "1"
    assert now["conflict"] is None and held(engine) == 0


def test_a_create_and_two_updates_arriving_backwards(client, admin, project, engine):
    """Central: "should handle offline create/update that comes in backwards"."""
    device = set_up_returnees(client, admin, project)
    sent(device, update(E9, 2, branch=BRANCH, count=2), update(E9, 1, branch=BRANCH, count=1))
    assert held(engine) == 2
    sent(device, intake(E9))
    assert placed(entity(client, admin, project, E9)) == (3, 2, 2, None)
    assert entity(client, admin, project, E9)["currentVersion"]["data"]["followup_count"] == "2"
    assert held(engine) == 0


def test_what_cannot_be_held_is_refused_at_once(client, admin, project, engine):
    """Online (no branch) a missing base is Central's 404.9, and a trunkVersion past the
    server's version is one too, never held."""
    device = set_up_returnees(client, admin, project)
    sent(device, intake(E1), update(E1, 4, count=1), update(E1, 1, trunk=2, branch=BRANCH))
    errors = audits(client, admin, "entity.error")
    assert [e["details"]["problem"]["problemCode"] for e in errors] == [404.9, 404.9]
    assert held(engine) == 0 and placed(entity(client, admin, project)) == (1, None, None, None)


def test_an_update_of_another_returnee_does_not_release_a_branch(client, admin, project, engine):
    device = set_up_returnees(client, admin, project)
    other = registration(E2, "Moussa", "Keita", "1985-02-02", "71000000", "SIK/4")
    sent(device, intake(E1), other)
    sent(device, update(E1, 2, trunk=1, branch=BRANCH, count=2))
    sent(device, update(E2, 1, trunk=1, branch=BRANCH, count=1))
    assert held(engine) == 1 and entity(client, admin, project)["currentVersion"]["version"] == 1


CENTRAL_VERSION_KEYS = {
    "label",
    "current",
    "createdAt",
    "creatorId",
    "userAgent",
    "version",
    "baseVersion",
    "branchId",
    "trunkVersion",
    "branchBaseVersion",
    "conflictingProperties",
    "data",
    "dataReceived",
    "conflict",
    "resolved",
    "lastGoodVersion",
    "relevantToConflict",
    "baseDiff",
    "serverDiff",
    "source",
}


def test_versions_come_in_central_shape_with_what_matters_to_a_conflict(client, admin, project):
    device = set_up_returnees(client, admin, project)
    sent(device, intake(E1), update(E1, 1, trunk=1, branch=OTHER, count=5))
    sent(device, update(E1, 1, trunk=1, branch=BRANCH, count=10))
    history = versions(client, admin, project)
    assert [set(v) for v in history] == [CENTRAL_VERSION_KEYS] * 3
    assert [(v["current"], v["lastGoodVersion"], v["relevantToConflict"]) for v in history] == [
        (False, False, True),  # the base of the conflicting version
        (False, True, True),  # the last good one
        (True, False, True),
    ]
    last = history[-1]
    assert (last["conflict"], last["resolved"]) == ("hard", False)
    assert last["baseDiff"] == ["followup_count"] and last["serverDiff"] == ["followup_count"]
    assert last["dataReceived"] == {"followup_count": "10"}
    assert last["source"]["submission"]["instanceId"].startswith("uuid:")
    assert last["userAgent"] == history[1]["userAgent"]
    relevant = versions(client, admin, project, query="?relevantToConflict=true")
    assert [v["version"] for v in relevant] == [1, 2, 3]
    url = f"/v1/projects/{project}/datasets/returnees/entities/{E1}"
    assert client.patch(f"{url}?resolve=true&baseVersion=3", json={}, headers=admin).is_success
    history = versions(client, admin, project)
    assert history[-1]["resolved"] and history[-1]["lastGoodVersion"]
    assert versions(client, admin, project, query="?relevantToConflict=true") == []
    current = entity(client, admin, project)["currentVersion"]
    assert (current["baseVersion"], current["branchId"]) == (1, BRANCH)
