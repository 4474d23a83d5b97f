"""A new submission to a form version the server has written to before goes in one round trip
on PostgreSQL (storage/submissions/pipelined.py). What it stores, and every refusal, must be
what the step-by-step way stores and says: each test sends a first submission (step by step,
which fills the cache) and then the case under test. On SQLite both are the step-by-step way,
so the same tests pin the embedded default too."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from converters.submission import parse_submission, submission_rows
from server.accounts.keys import token_hash
from server.services import app_services
from storage.accounts.access import AppUserCheck
from storage.db import is_postgres, own_transaction, transaction
from storage.forms.versions import get_form, set_form_state
from storage.schema import system as s
from storage.submissions.pipelined import AppUserChanged
from storage.submissions.store import Outcome, Submitter, purge_key
from tests.support.database import count, rows
from tests.support.openrosa import PHOTO, message
from tests.support.paths import sample

FIRST = b"uuid:0b0c7a6e-0000-4000-8000-000000000003"
NOW = datetime(2026, 12, 3, tzinfo=UTC)


def _renamed(xml: bytes, n: int) -> bytes:
    """The nested-repeat sample under instanceID n."""
    return xml.replace(FIRST, f"uuid:0b0c7a6e-0000-4000-8000-{n:012d}".encode())


def _pipelined(device, engine) -> bool:
    """Whether the server would take the pipelined way for the household form now."""
    known = app_services(device.client.app).intake.targets.recall(device.project, "household", "1")
    return known is not None and is_postgres(engine)


def _without_ids(table_rows, *ignored):
    skip = {"_id", "_submission_id", "_version_id", "_parent_id", "_key", "_odata_id", *ignored}
    return [{k: v for k, v in r.items() if k not in skip} for r in table_rows]


def test_the_pipelined_way_stores_what_the_step_by_step_way_stores(device, engine):
    xml = sample("nested_repeat.xml")
    assert device.submit(xml).status_code == 201
    assert _pipelined(device, engine) == is_postgres(engine)
    assert device.submit(_renamed(xml, 2)).status_code == 201
    first, second = rows(engine, "household")
    assert first["meta__instanceid"] != second["meta__instanceid"]
    assert _without_ids([first], "meta__instanceid") == _without_ids([second], "meta__instanceid")
    assert second["_version_id"] != first["_version_id"]
    members = rows(engine, "household__members")
    assert _without_ids(members[:3]) == _without_ids(members[3:])
    assert [m["_submission_id"] for m in members] == [first["_submission_id"]] * 3 + [
        second["_submission_id"]
    ] * 3
    assert {m["_parent_id"] for m in members[3:]} == {second["_id"]}
    assert members[4]["_key"] == "uuid:0b0c7a6e-0000-4000-8000-000000000002/members[2]"
    # Each job points at its own member of its own submission.
    by_member = {m["_id"]: (m["_submission_id"], m["m_name"]) for m in members}
    jobs = rows(engine, "household__jobs")
    assert [(by_member[j["_parent_id"]], j["title"]) for j in jobs] == [
        ((first["_submission_id"], "Fatoumata"), "Trader"),
        ((first["_submission_id"], "Fatoumata"), "Tailor"),
        ((first["_submission_id"], "Oumar"), "Farmer"),
        ((second["_submission_id"], "Fatoumata"), "Trader"),
        ((second["_submission_id"], "Fatoumata"), "Tailor"),
        ((second["_submission_id"], "Oumar"), "Farmer"),
    ]
    with engine.connect() as connection:
        versions = connection.execute(
            sa.select(
                s.submission_versions.c.submission_id,
                s.submission_versions.c.instance_id,
                s.submission_versions.c.is_current,
                s.submission_versions.c.device_id,
                s.submission_versions.c.submitter_id,
            ).order_by(s.submission_versions.c.id)
        ).all()
    assert [v.submission_id for v in versions] == [
        first["_submission_id"],
        second["_submission_id"],
    ]
    assert [v.instance_id[-1] for v in versions] == ["3", "2"]
    assert {(v.is_current, v.device_id, v.submitter_id) for v in versions} == {
        (True, "collect:t", device.actor_id)
    }


def test_files_on_the_pipelined_way_are_attached(device, engine, admin):
    xml = sample("with_attachments.xml")
    assert device.submit(xml).status_code == 201
    second = xml.replace(b"000000000004", b"000000000005")
    assert device.submit(second, {"1741079521992.jpg": PHOTO}).status_code == 201
    base = "/v1/projects/1/forms/household/submissions/uuid:0b0c7a6e-0000-4000-8000-000000000005"
    listing = device.client.get(f"{base}/attachments", headers=admin)
    assert listing.json() == [
        {"name": "1741079521992.jpg", "exists": True},
        {"name": "note 1.m4a", "exists": False},
    ]
    assert device.client.get(f"{base}/attachments/1741079521992.jpg", headers=admin).content == (
        PHOTO
    )


def test_a_resend_and_a_conflict_after_the_first_submission_say_what_they_are(device, engine):
    xml = sample("nested_repeat.xml")
    assert device.submit(xml).status_code == 201
    assert device.submit(_renamed(xml, 2)).status_code == 201
    assert device.submit(_renamed(xml, 2)).status_code == 201  # a resend: Collect stops
    changed = _renamed(xml, 2).replace(b"Moussa Keita</name>", b"Moussa Traore</name>")
    refused = device.submit(changed)
    assert refused.status_code == 409
    assert count(engine, "household") == 2 and count(engine, "household__members") == 6
    assert count(engine, "submissions") == 2


def test_a_form_closed_by_another_server_refuses_the_next_submission(device, engine):
    xml = sample("nested_repeat.xml")
    assert device.submit(xml).status_code == 201
    with transaction(engine) as connection:  # as another process would, behind this one's back
        form = get_form(connection, device.project, "household")
        set_form_state(connection, form.id, "closed", datetime.now(UTC))
    refused = device.submit(_renamed(xml, 2))
    assert refused.status_code == 409
    assert "closed" in message(refused)[1]
    assert count(engine, "household") == 1 and count(engine, "submissions") == 1
    with transaction(engine) as connection:
        set_form_state(connection, form.id, "open", datetime.now(UTC))
    assert device.submit(_renamed(xml, 2)).status_code == 201
    assert count(engine, "household") == 2


def test_a_purged_instance_id_is_refused_after_the_first_submission(device, engine):
    xml = sample("nested_repeat.xml")
    assert device.submit(xml).status_code == 201
    with transaction(engine) as connection:
        form = get_form(connection, device.project, "household")
        instance_id = "uuid:0b0c7a6e-0000-4000-8000-000000000002"
        connection.execute(
            sa.insert(s.purged_submissions).values(
                instance_hash=purge_key(form.id, instance_id), purged_at=datetime.now(UTC)
            )
        )
    refused = device.submit(_renamed(xml, 2))
    assert refused.status_code == 409
    assert "deleted" in message(refused)[1]
    assert count(engine, "household") == 1 and count(engine, "submissions") == 1


def test_connections_go_back_to_the_pool_as_they_came(device, engine):
    """The pipelined way begins and ends its own transaction on an autocommit connection: the
    pool must get it back out of autocommit and out of any transaction, after a write and after
    one rolled back (a resend), or the next request's statements would each commit alone."""
    xml = sample("nested_repeat.xml")
    for n in (3, 2, 2):  # the first, a pipelined write, a resend (rolled back, then step by step)
        assert device.submit(_renamed(xml, n)).status_code == 201
    app_engine = app_services(device.client.app).engine
    with app_engine.connect() as connection:
        raw = connection.connection.driver_connection
        if is_postgres(engine):
            assert raw.autocommit is False
            assert raw.info.transaction_status.name == "IDLE"
    with transaction(app_engine) as connection:  # still all or nothing
        connection.execute(sa.text("DELETE FROM household__jobs"))
        connection.rollback()
    assert count(engine, "household__jobs") == 6


def test_the_pipelined_write_itself_goes_ahead_for_a_new_submission(device, engine):
    """The other tests pass whichever way the server took; this one calls the pipelined write
    the server keeps for the household form and checks it wrote the submission itself (on
    SQLite there is no such write: nothing is recalled)."""
    xml = sample("nested_repeat.xml")
    assert device.submit(xml).status_code == 201
    intake = app_services(device.client.app).intake
    known = intake.targets.recall(device.project, "household", "1")
    if not is_postgres(engine):
        assert known is None  # no pipelined write to recall
        return
    assert known is not None
    seen, cached = known
    assert cached.writer is not None
    writer = cached.writer

    def write(n: int, check: AppUserCheck | None = None):
        envelope, root = parse_submission(_renamed(xml, n))
        converted = submission_rows(root, cached.schema, cached.target.version_plan)
        with own_transaction(engine) as connection:
            stored = writer.write(
                connection,
                seen,
                envelope,
                _renamed(xml, n),
                converted,
                {},
                Submitter(None, "t", "t"),
                NOW,
                check,
            )
            if stored is None:  # what intake does: roll back
                connection.connection.driver_connection.rollback()
        return stored

    stored = write(7)
    assert stored is not None
    assert stored.outcome is Outcome.CREATED
    household = rows(engine, "household")
    assert household[-1]["_submission_id"] == stored.submission_id
    assert household[-1]["_version_id"] == stored.version_id
    assert len(rows(engine, "household__jobs")) == 6
    # The same instanceID again is not new: nothing is written.
    assert write(7) is None
    assert count(engine, "household") == 2
    # A device let in from memory: its key is read in the same statement as the form, and the
    # write goes ahead only while it finds the same app user, project and forms.
    with engine.connect() as connection:
        form_id = get_form(connection, device.project, "household").id
    holds = AppUserCheck(token_hash(device.token), device.actor_id, device.project, {form_id})
    assert write(8, holds) is not None
    changed = AppUserCheck(holds.token_hash, device.actor_id, device.project, frozenset())
    with pytest.raises(AppUserChanged):
        write(9, changed)
    unknown = AppUserCheck("0" * 64, device.actor_id, device.project, holds.assigned)
    with pytest.raises(AppUserChanged):
        write(10, unknown)
    assert count(engine, "household") == 3
