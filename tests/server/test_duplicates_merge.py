"""The eligibility review fitted to the fraud (issue 17): a re-registration with a new phone and
document is queued; "same person" on a registration that has a case closes it (out of the
device list and the dashboard, its follow-ups moved to the kept case), audited, and a manager
undoes it; `baobab duplicates scan` queues the pairs of a list already filled, once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from server.cli.main import main
from storage.schema import system as s
from tests.support.devices import make_device
from tests.support.entities import E1, E2, E3, instance_id, registration, review_state
from tests.support.forms import XLSX, publish
from tests.support.paths import FORMS
from tests.support.scores import RSS, followup_with

pytestmark = pytest.mark.programme  # the returnee programme's own tests

BASE = "/v1/projects/{}/datasets/returnees"


def _programme(client, admin, project):
    for name in ("returnee_intake", "reintegration_followup"):
        publish(client, admin, project, (FORMS / f"{name}.xlsx").read_bytes(), XLSX)
    return make_device(client, admin, project, ("returnee_intake", "reintegration_followup"))


def _queue(client, admin, project, status="open"):
    found = client.get(f"{BASE.format(project)}/duplicates?status={status}", headers=admin)
    return {(f["uuid"], f["candidateUuid"]): f for f in found.json()}


def _listed(client, admin, project) -> set[str]:
    """The uuids in the list as devices get it (entities.csv)."""
    csv = client.get(f"{BASE.format(project)}/entities.csv", headers=admin).text
    return {line.split(",", 1)[0] for line in csv.splitlines()[1:]}


def test_a_new_phone_and_document_do_not_hide_a_re_registration(client, admin, project):
    device = _programme(client, admin, project)
    first = registration(E1, "Mamadou", "Traoré", "1990-03-15", "76123456", "KAY/1", "ML1234")
    again = registration(E2, "Mamadu", "Traore", "1990-03-15", "66999888", "BKO/2", "ML9876")
    family = registration(E3, "Awa", "Traoré", "1990-03-15", "76123456", "KAY/3")  # a twin
    for xml in (first, again, family):
        assert device.submit(xml).status_code == 201
    assert review_state(client, admin, project, instance_id(again)) == "hasIssues"
    assert review_state(client, admin, project, instance_id(family)) is None
    pair = _queue(client, admin, project)[(E2, E1)]
    assert pair["reasons"] == ["name", "birth date"]
    assert pair["differences"] == ["phone", "document"]
    assert E2 not in _listed(client, admin, project)  # held while it is reviewed


def test_same_person_closes_the_case_moves_its_follow_ups_and_a_manager_undoes_it(
    client, admin, project, engine
):
    device = _programme(client, admin, project)
    assert (
        device.submit(
            registration(E1, "Awa", "Diarra", "1985-06-20", "70000001", "K/1")
        ).status_code
        == 201
    )
    again = registration(E2, "Awa Fatoumata", "Jara", "1987-06-20", "79999999", "K/2")
    assert device.submit(again).status_code == 201
    flag = _queue(client, admin, project)[(E2, E1)]
    url = f"{BASE.format(project)}/duplicates/{flag['id']}"
    # Taken for different people first: the case is created and followed up.
    assert client.post(url, json={"decision": "distinct"}, headers=admin).status_code == 200
    assert E2 in _listed(client, admin, project)
    assert device.submit(followup_with(E2, 1, RSS)).status_code == 201
    # Then found to be the same person.
    merged = client.post(url, json={"decision": "duplicate", "note": "same face"}, headers=admin)
    assert merged.status_code == 200 and merged.json()["status"] == "duplicate"
    assert _listed(client, admin, project) == {E1}
    assert review_state(client, admin, project, instance_id(again)) == "rejected"
    with engine.connect() as connection:
        scored = connection.execute(sa.select(s.rss_scores.c.entity_uuid)).scalars().all()
        merge = connection.execute(sa.select(s.person_merges)).mappings().one()
    assert scored == [E1]  # the follow-up's scores count for the kept case
    assert merge["kept_uuid"] == E1 and merge["merged_uuid"] == E2 and merge["entity_closed"]
    assert len(merge["followups"]) == 1
    # A merged pair is not decided again until a manager undoes it.
    again_decided = client.post(url, json={"decision": "distinct"}, headers=admin)
    assert again_decided.status_code == 400
    assert "undoes the merge first" in again_decided.json()["message"]
    audits = {
        a["action"]
        for a in client.get("/v1/audits?action=entity.duplicate.*", headers=admin).json()
    }
    assert "entity.duplicate.merge" in audits


def test_scan_queues_the_pairs_of_a_list_already_filled_once(
    client, admin, project, settings, monkeypatch, capsys
):
    publish(client, admin, project, (FORMS / "returnee_intake.xlsx").read_bytes(), XLSX)
    people = [
        ("Seydou", "Koné", "1979-02-11", "70112233"),
        ("Seydou", "Kone", "1979-11-02", "65000000"),  # the same, day and month swapped
        ("Adama", "Koné", "1979-02-11", "70112233"),  # a twin: the family's phone
        ("Fatoumata", "Sow", "1990-01-01", "76000000"),
    ]
    for n, (first, last, dob, phone) in enumerate(people):
        created = client.post(
            f"{BASE.format(project)}/entities",
            json={
                "uuid": f"0b0c7a6e-0000-4000-8000-00000000010{n}",
                "label": f"{first} {last}",
                "data": {"first_name": first, "last_name": last, "dob": dob, "phone": phone},
            },
            headers=admin,
        )
        assert created.status_code == 200, created.text
    for name, value in (
        ("BAOBAB_DATABASE_URL", settings.database_url),
        ("BAOBAB_BLOB_URL", settings.blob_url),
        ("BAOBAB_DATA_DIR", str(settings.data_dir)),
        ("BAOBAB_LOG_LEVEL", "warning"),
    ):
        monkeypatch.setenv(name, value)
    assert main(["duplicates", "scan", "--project", str(project), "--batch", "2"]) == 0
    out, err = capsys.readouterr()
    assert "4 registration(s) of 'returnees' compared (4 read from their properties)" in out
    assert "1 pair(s) queued" in out and "compared [" in err
    pairs = _queue(client, admin, project)
    assert set(pairs) == {
        ("0b0c7a6e-0000-4000-8000-000000000101", "0b0c7a6e-0000-4000-8000-000000000100")
    }
    assert main(["duplicates", "scan", "--project", str(project)]) == 0
    assert "0 pair(s) queued" in capsys.readouterr().out
    assert main(["duplicates", "scan", "--project", str(project), "--list", "nope"]) != 0
    assert "has no entity list 'nope'" in capsys.readouterr().err


@pytest.mark.parametrize("threshold", ["0", "1.5"])
def test_scan_says_what_is_wrong_with_a_threshold(settings, monkeypatch, capsys, threshold):
    monkeypatch.setenv("BAOBAB_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("BAOBAB_DATA_DIR", str(settings.data_dir))
    code = main(["duplicates", "scan", "--project", "1", "--threshold", threshold])
    assert code != 0
    assert "--threshold must be above 0 and at most 1" in capsys.readouterr().err
