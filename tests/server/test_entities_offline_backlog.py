"""Held offline updates whose base never came: applied anyway once older than
BAOBAB_ENTITY_BACKLOG_DAYS (by the next submission that feeds entities, or by `baobab entities
process-backlog [--force]`), as Central's processBacklog does (expected values from its tests,
test/integration/api/offline-entities.js, "force-processing held submissions"); and two
tablets' updates of one returnee racing on PostgreSQL."""

from __future__ import annotations

import threading

import httpx
import pytest

from tests.support.accounts import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.support.devices import make_device
from tests.support.entities import E1, E2, E9, intake, registration, set_up_returnees
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
from tests.support.openrosa import OPENROSA


def test_an_update_held_past_the_backlog_age_is_applied_by_the_next_submission(
    client, admin, project, engine, clock
):
    """Central: "should process a submission from over 7 days ago": of two held updates only
    the old one is forced, on the latest version; the next one stays held (forcing releases
    nothing)."""
    device = set_up_returnees(client, admin, project)
    sent(device, intake(E1), update(E1, 2, trunk=1, branch=BRANCH, count=2))
    clock.advance(days=4, hours=23)
    sent(device, registration(E2, "Moussa", "Keita", "1985-02-02", "71000000", "SIK/4"))
    assert held(engine) == 1  # not old enough yet
    clock.advance(hours=2)
    sent(device, update(E1, 3, trunk=1, branch=BRANCH, count=3))  # held, then the old one goes
    admin = _signed_in(client)  # the first session expired meanwhile
    now = entity(client, admin, project)
    assert placed(now) == (2, 1, 2, 1) and now["currentVersion"]["data"]["followup_count"] == "2"
    assert now["conflict"] is None
    assert held(engine) == 1
    forced = audits(client, admin, "submission.backlog.force")
    assert len(forced) == 1 and forced[0]["acteeId"] == "reintegration_followup"
    assert versions(client, admin, project)[-1]["source"]["forceProcessed"] is True


def _signed_in(client):
    response = client.post("/v1/sessions", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_the_command_forces_every_held_update(client, admin, project, engine, baobab):
    """Central: "should apply two updates when first upate is missing": the second finds the
    first, forced, as its base."""
    device = set_up_returnees(client, admin, project)
    sent(device, intake(E1))
    sent(device, update(E1, 2, trunk=1, branch=BRANCH, count=2))
    sent(device, update(E1, 3, trunk=1, branch=BRANCH, count=3))
    assert held(engine) == 2
    code, out, _err = baobab("entities", "process-backlog", "--force")
    assert (code, out) == (0, "2 held update(s) applied, 0 still held\n")
    now = entity(client, admin, project)
    assert placed(now) == (3, 2, 3, 1) and now["currentVersion"]["data"]["followup_count"] == "3"


def test_a_forced_update_of_an_unknown_entity_creates_it_and_its_create_comes_as_an_update(
    client,
    admin,
    project,
    engine,
    baobab,
):
    """Central: "should apply an entity update as a create followed by another update", then
    the real create, late, applied as an update of it and shown as a conflict."""
    device = set_up_returnees(client, admin, project)
    sent(device, update(E9, 1, branch=BRANCH, count=1), update(E9, 2, branch=BRANCH, count=2))
    assert baobab("entities", "process-backlog", "--force")[0] == 0
    now = entity(client, admin, project, E9)
    assert placed(now) == (2, 1, 2, None)
    assert now["currentVersion"]["label"] == "auto generated"
    assert now["currentVersion"]["branchId"] == BRANCH
    first = versions(client, admin, project, E9)[0]
    assert (first["baseVersion"], first["branchBaseVersion"], first["trunkVersion"]) == (
        None,
        None,
        None,
    )
    sent(device, update(E9, 10, branch=BRANCH, count=10))
    assert baobab("entities", "process-backlog", "--force")[0] == 0
    assert placed(entity(client, admin, project, E9)) == (3, 2, 10, None)
    sent(device, intake(E9))  # the registration, at last
    history = versions(client, admin, project, E9)
    assert [v["version"] for v in history] == [1, 2, 3, 4]
    late = history[-1]
    assert late["source"]["action"] == "create" and late["conflict"] == "hard"
    assert "label" in late["conflictingProperties"]
    assert entity(client, admin, project, E9)["currentVersion"]["label"].startswith("Awa")
    assert audits(client, admin, "entity.error") == [] and held(engine) == 0


@pytest.mark.postgres
def test_updates_racing_on_two_workers_end_in_branch_order(live, admin, project, client, engine):
    """Each of the branch's updates arrives on its own connection at once, many times over:
    the entity lock makes each see the others' versions, so nothing stays held and the result
    is the in-order one."""
    device = set_up_returnees(client, admin, project)
    other = make_device(client, admin, project, ("reintegration_followup",), name="tablet 2")
    for round_ in range(6):
        uuid = f"6f1a2b3c-0000-4000-8000-0000000c{round_:04d}"
        first, last = ("Oumar", "Fatou", "Ibrahim", "Aminata", "Seydou", "Kadiatou")[round_], "Sow"
        sent(device, registration(uuid, first, last, f"198{round_}-01-0{round_ + 1}", "", "K"))
        bodies = [update(uuid, n, trunk=1, branch=BRANCH, count=n) for n in (3, 2, 1)]
        statuses: list[int] = []

        def send(body, token, statuses=statuses):
            with httpx.Client(base_url=live, timeout=30) as http:
                answer = http.post(
                    f"/v1/key/{token}/projects/{project}/submission",
                    files={"xml_submission_file": ("s.xml", body, "text/xml")},
                    headers=OPENROSA,
                )
            statuses.append(answer.status_code)

        threads = [
            threading.Thread(target=send, args=(b, (device, other)[i % 2].token))
            for i, b in enumerate(bodies)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert statuses == [201, 201, 201]
        now = entity(client, admin, project, uuid)
        assert placed(now) == (4, 3, 3, 1), round_
        assert now["conflict"] is None
    assert held(engine) == 0
