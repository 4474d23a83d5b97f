"""Entity actions from devices have ranges (ids are UUIDs, versions 1 to 2^31-1 and not ahead of
the entity, labels and values of a bounded length, the form's own list): out of range, the
submission is still stored (201) and the action is audited as entity.error with its code and
reason, never a 5xx, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from lxml import etree

from storage.entities.lists import find_list
from storage.entities.records import create_entity
from tests.support.entities import (
    E1,
    FOLLOWUP_VERSION,
    INTAKE_VERSION,
    build,
    intake,
    set_up_returnees,
)

BRANCH = "6f1a2b3c-0000-4000-8000-00000000b001"
FOLLOWUP = {"/data/returnee": E1, "/data/identity_confirmed": "yes", "/data/cur_phone": "1"}


def followup(**entity: str) -> bytes:
    attributes = {"dataset": "returnees", "id": E1, "update": "1", "baseVersion": "1", **entity}
    return build("reintegration_followup", FOLLOWUP_VERSION, FOLLOWUP, attributes)


def registration(entity_id: str, *, label="Awa Traoré (KAY/1)", phone="70000001") -> bytes:
    values = {
        "/data/registration/case_number": "KAY/1",
        "/data/consent/consent_ok": "yes",
        "/data/identity/first_name": "Awa",
        "/data/identity/phone": phone,
    }
    entity = {"dataset": "returnees", "id": entity_id, "create": "1"}
    return build("returnee_intake", INTAKE_VERSION, values, entity, label)


def instance_of(xml: bytes) -> str:
    return etree.fromstring(xml).findtext("meta/instanceID")


REFUSED = {
    "baseVersion of 2^31": (followup(baseVersion="2147483648"), "ENTITY_BAD_VERSION"),
    "baseVersion of 0": (followup(baseVersion="0"), "ENTITY_BAD_VERSION"),
    "negative baseVersion": (followup(baseVersion="-1"), "ENTITY_BAD_VERSION"),
    "fractional baseVersion": (followup(baseVersion="1.5"), "ENTITY_BAD_VERSION"),
    "superscript digit": (followup(baseVersion="²"), "ENTITY_BAD_VERSION"),
    "5000 digits": (followup(baseVersion="9" * 5000), "ENTITY_BAD_VERSION"),
    "trunkVersion of 2^31": (
        followup(trunkVersion="2147483648", branchId=BRANCH),
        "ENTITY_BAD_VERSION",
    ),
    "branchId not a uuid": (followup(trunkVersion="1", branchId="b1"), "ENTITY_BAD_BRANCH"),
    "trunkVersion without branchId": (followup(trunkVersion="1"), "ENTITY_BAD_BRANCH"),
    "update without baseVersion": (followup(baseVersion=""), "ENTITY_NO_BASE_VERSION"),
    "baseVersion ahead": (followup(baseVersion="5"), "ENTITY_VERSION_NOT_FOUND"),
    "trunkVersion ahead": (
        followup(trunkVersion="3", branchId=BRANCH),
        "ENTITY_VERSION_NOT_FOUND",
    ),
    "another list": (followup(dataset="users"), "ENTITY_WRONG_LIST"),
    "update of a name": (followup(id="e1"), "ENTITY_BAD_ID"),
    "id of 65 characters": (registration("x" * 65), "ENTITY_BAD_ID"),
    "id of 5000 characters": (registration(E1[:-1] + "0" * 5000), "ENTITY_BAD_ID"),
    "uuid with a path": (registration(f"{E1}/../x"), "ENTITY_BAD_ID"),
    "no id": (registration(""), "ENTITY_NO_ID"),
    "label too long": (registration(BRANCH, label="A" * 1001), "ENTITY_TOO_LONG"),
    "value too long": (registration(BRANCH, phone="7" * 10_001), "ENTITY_TOO_LONG"),
}


@pytest.fixture
def returnee(client, admin, project):
    """The returnee E1 at version 1, and the device that registered it."""
    device = set_up_returnees(client, admin, project)
    assert device.submit(intake(E1)).status_code == 201
    return device


@pytest.mark.parametrize("case", REFUSED)
def test_an_entity_action_out_of_range_keeps_the_submission_and_is_audited(
    client, admin, project, returnee, case
):
    xml, code = REFUSED[case]
    response = returnee.submit(xml)
    assert response.status_code == 201, response.text
    form = "reintegration_followup" if b"reintegration_followup" in xml else "returnee_intake"
    stored = client.get(
        f"/v1/projects/{project}/forms/{form}/submissions/{instance_of(xml)}", headers=admin
    )
    assert stored.status_code == 200
    (error,) = client.get("/v1/audits?action=entity.error", headers=admin).json()
    assert error["details"]["code"] == code
    assert error["details"]["outcome"].startswith("not applied: ")
    lists = f"/v1/projects/{project}/datasets/returnees/entities"
    entities = client.get(lists, headers=admin).json()
    assert [(e["uuid"], e["currentVersion"]["version"]) for e in entities] == [(E1, 1)]


def test_a_base_version_ahead_says_which_versions(client, admin, returnee):
    assert returnee.submit(followup(baseVersion="5")).status_code == 201
    (error,) = client.get("/v1/audits?action=entity.error", headers=admin).json()
    assert error["details"]["outcome"] == (
        f"not applied: The baseVersion 5 does not exist for the entity {E1}, which is at version 1."
    )


def test_the_uuid_prefix_is_taken_as_central_takes_it(client, admin, project, returnee):
    assert returnee.submit(followup(id=f"uuid:{E1}", baseVersion="1")).status_code == 201
    entity = client.get(
        f"/v1/projects/{project}/datasets/returnees/entities/{E1}", headers=admin
    ).json()
    assert entity["currentVersion"]["version"] == 2
    assert client.get("/v1/audits?action=entity.error", headers=admin).json() == []


def test_limits_are_inclusive(client, admin, project, returnee):
    created = returnee.submit(registration(BRANCH, label="A" * 1000, phone="7" * 10_000))
    assert created.status_code == 201
    created = client.get(
        f"/v1/projects/{project}/datasets/returnees/entities/{BRANCH}", headers=admin
    )
    assert created.status_code == 200
    assert created.json()["currentVersion"]["label"] == "A" * 1000


@pytest.mark.postgres
def test_a_create_that_loses_a_race_keeps_its_submission(client, admin, project, returnee, engine):
    """The savepoint: two creates of one id at once on PostgreSQL (the second waits on the
    unique key, then fails): the loser's submission is stored all the same."""
    racer = "6f1a2b3c-0000-4000-8000-00000000cafe"
    outcome: list[int] = []
    with engine.connect() as connection, connection.begin():
        create_entity(
            connection,
            find_list(connection, project, "returnees"),
            uuid=racer,
            label="first",
            data={},
            creator_id=None,
            now=datetime(2026, 3, 4, tzinfo=UTC),
        )
        sender = threading.Thread(
            # Another person than the fixture's returnee: no duplicate review holds it.
            target=lambda: outcome.append(
                returnee.submit(registration(racer, phone="79999999")).status_code
            )
        )
        sender.start()
        deadline = time.monotonic() + 20
        while not _waiting_on_a_lock(engine):
            assert time.monotonic() < deadline, "the submission never waited on the unique key"
            time.sleep(0.05)
    sender.join(20)
    assert outcome == [201]
    (error,) = client.get("/v1/audits?action=entity.error", headers=admin).json()
    assert (
        error["details"]["code"] == "DATABASE" and "UniqueViolation" in error["details"]["outcome"]
    )
    entity = client.get(
        f"/v1/projects/{project}/datasets/returnees/entities/{racer}", headers=admin
    ).json()
    assert entity["currentVersion"]["label"] == "first"


def _waiting_on_a_lock(engine) -> bool:
    with engine.connect() as connection:
        return bool(
            connection.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
            ).scalar_one()
        )
