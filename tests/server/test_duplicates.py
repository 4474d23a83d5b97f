"""Duplicate registrations through the real intake: a second registration of the same person
(respelled, reordered, birth date swapped) is flagged, its intake waits in "has issues", and a
person's decision in the review queue settles it."""

from __future__ import annotations

from tests.server.conftest import make_device, publish
from tests.server.test_entities import E1, E2, E3, E4, E5, FORMS, XLSX, build

INTAKE_VERSION = "2026120201"


def registration(uuid, first, last, dob, phone, case, document=None) -> bytes:
    values = {
        "/data/registration/case_number": case,
        "/data/consent/consent_ok": "yes",
        "/data/identity/first_name": first,
        "/data/identity/last_name": last,
        "/data/identity/dob": dob,
        "/data/identity/phone": phone,
    }
    if document:
        values["/data/identity/id_number"] = document
    entity = {"dataset": "returnees", "id": uuid, "create": "1"}
    return build("returnee_intake", INTAKE_VERSION, values, entity, f"{first} {last} ({case})")


def _state(client, admin, project, instance):
    return client.get(
        f"/v1/projects/{project}/forms/returnee_intake/submissions/{instance}", headers=admin
    ).json()["reviewState"]


def _instance(xml: bytes) -> str:
    return xml.split(b"<instanceID>")[1].split(b"</instanceID>")[0].decode()


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
    assert _state(client, admin, project, _instance(first)) is None
    assert _state(client, admin, project, _instance(again)) == "hasIssues"
    assert _state(client, admin, project, _instance(other)) is None
    assert _state(client, admin, project, _instance(same_doc)) == "hasIssues"

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
    assert _state(client, admin, project, _instance(again)) == "rejected"
    apart = client.post(
        f"{base}/{pairs[(E5, E4)]['id']}",
        json={"decision": "distinct", "note": "brothers sharing a document? checked"},
        headers=admin,
    )
    assert apart.json()["status"] == "distinct"
    assert _state(client, admin, project, _instance(same_doc)) is None
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
