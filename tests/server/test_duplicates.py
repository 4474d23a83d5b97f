"""Duplicate registrations through the real intake: a second registration of the same person
(respelled, reordered, birth date swapped) is flagged, its intake waits in "has issues", and a
person's decision in the review queue settles it."""

from __future__ import annotations

import pytest

from tests.support.devices import make_device
from tests.support.entities import (
    E1,
    E2,
    E3,
    E4,
    E5,
    instance_id,
    registration,
    review_state,
)
from tests.support.forms import XLSX, publish
from tests.support.paths import FORMS

pytestmark = pytest.mark.programme  # the returnee programme's own tests

INTAKE_VERSION = "2026120202"


def test_a_second_registration_of_one_person_waits_for_a_decision(client, admin, project):
    publish(client, admin, project, (FORMS / "returnee_intake.xlsx").read_bytes(), XLSX)
    device = make_device(client, admin, project, ("returnee_intake",))
    first = registration(E1, "Awa", "Traoré", "1998-04-12", "70000001", "KAY/1")
    again = registration(E2, "TRAORE", "Awa", "1998-12-04", "+223 70 00 00 01", "BKO/7")
    other = registration(E3, "Fatoumata", "Diallo", "1990-01-01", "76000000", "KAY/2")
    forged = registration(E4, "Musa", "Kanté", "1985-01-01", "79000000", "KAY/3", "ML-0012")
    same_doc = registration(E5, "Moussa", "Keita", "1985-02-02", "71000000", "SIK/4", "ml 0012")
    for xml in (first, again, other, forged, same_doc):
        assert device.submit(xml).status_code == 201
    assert review_state(client, admin, project, instance_id(first)) is None
    assert review_state(client, admin, project, instance_id(again)) == "hasIssues"
    assert review_state(client, admin, project, instance_id(other)) is None
    assert review_state(client, admin, project, instance_id(same_doc)) == "hasIssues"

    queue = client.get(
        f"/v1/projects/{project}/datasets/returnees/duplicates", headers=admin
    ).json()
    pairs = {(f["uuid"], f["candidateUuid"]): f for f in queue}
    assert set(pairs) == {(E2, E1), (E5, E4)}
    assert pairs[(E2, E1)]["reasons"] == ["name", "birth date", "phone"]
    assert pairs[(E5, E4)]["reasons"] == ["document"]

    base = f"/v1/projects/{project}/datasets/returnees/duplicates"
    same = client.post(
        f"{base}/{pairs[(E2, E1)]['id']}", json={"decision": "duplicate"}, headers=admin
    )
    assert same.status_code == 200 and same.json()["status"] == "duplicate"
    assert review_state(client, admin, project, instance_id(again)) == "rejected"
    apart = client.post(
        f"{base}/{pairs[(E5, E4)]['id']}",
        json={"decision": "distinct", "note": "brothers sharing a document? checked"},
        headers=admin,
    )
    assert apart.json()["status"] == "distinct"
    assert review_state(client, admin, project, instance_id(same_doc)) is None
    assert client.get(base, headers=admin).json() == []
    wrong = client.post(
        f"{base}/{pairs[(E5, E4)]['id']}", json={"decision": "maybe"}, headers=admin
    )
    assert wrong.status_code == 400
    actions = {
        a["action"]
        for a in client.get("/v1/audits?action=entity.duplicate.*", headers=admin).json()
    }
    assert actions == {"entity.duplicate.flag", "entity.duplicate.decide", "entity.duplicate.merge"}
