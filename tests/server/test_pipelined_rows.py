"""On PostgreSQL a new submission to a form version the server has written to before goes in one
pipeline (storage/submissions/pipelined.py): each row finds its parent by `currval` of the
parent table's sequence, so a row must follow its parent before the next row of the parent's
table, whatever the nesting and however many rows each table gets. These tests send a first
submission (step by step, which fills the cache) and then the cases under test; on SQLite both
go step by step, and the same checks hold."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from converters.submission import parse_submission, submission_rows
from server.services import app_services
from server.submissions.intake import IncomingFile, store_file
from storage.db import is_postgres, own_transaction
from storage.submissions.store import Submitter
from tests.support.database import count, rows
from tests.support.devices import make_device
from tests.support.forms import publish
from tests.support.openrosa import PHOTO
from tests.support.paths import sample

VISITS = b"""\
| survey |
| | type | name | label |
| | text | village | Village |
| | select_multiple needs | needs | Needs |
| | begin_repeat | people | People |
| | text | p_name | Name |
| | select_multiple needs | p_needs | Needs |
| | begin_repeat | visits | Visits |
| | date | v_date | Date |
| | select_multiple needs | v_needs | Needs met |
| | end_repeat | | |
| | end_repeat | | |
| choices |
| | list_name | name | label |
| | needs | medical | Medical |
| | needs | food | Food |
| | needs | shelter | Shelter |
| settings |
| | form_id | version | form_title |
| | visits | 1 | Visits |
"""


def _visits(n: int) -> bytes:
    return f"""<?xml version="1.0"?>
<data id="visits" version="1"><village>Kayes</village><needs>food shelter</needs>
<people><p_name>Awa</p_name><p_needs>medical</p_needs>
 <visits><v_date>2026-11-02</v_date><v_needs>food medical</v_needs></visits>
 <visits><v_date>2026-11-09</v_date><v_needs/></visits></people>
<people><p_name>Bakary</p_name><p_needs/></people>
<people><p_name>Kadia</p_name><p_needs>shelter food</p_needs>
 <visits><v_date>2026-11-03</v_date><v_needs>shelter</v_needs></visits></people>
<meta><instanceID>uuid:6b1f0c2e-0000-4000-8000-{n:012d}</instanceID></meta></data>""".encode()


def _recalled(client, project: int, form_id: str, version: str):
    return app_services(client.app).intake.targets.recall(project, form_id, version)


def _write(engine, known, xml: bytes, files=None):
    """The pipelined write the server keeps for a form, called as intake calls it (rolled back
    when it says None)."""
    seen, cached = known
    envelope, root = parse_submission(xml)
    converted = submission_rows(root, cached.schema, cached.target.version_plan)
    with own_transaction(engine) as connection:
        stored = cached.writer.write(
            connection,
            seen,
            envelope,
            xml,
            converted,
            files or {},
            Submitter(None, "t", "t"),
            datetime(2026, 12, 3, tzinfo=UTC),
        )
        if stored is None:
            connection.connection.driver_connection.rollback()
    return stored


def _by_submission(engine, table: str, parents: dict[int, tuple]) -> list[tuple]:
    """Each row of `table` as (its submission, its parent's description, its own values)."""
    described = []
    for row in rows(engine, table):
        parent = parents.get(row["_parent_id"]) if "_parent_id" in row else None
        own = tuple(
            v for k, v in sorted(row.items()) if not k.startswith("_") and k != "meta__instanceid"
        )
        described.append((row["_submission_id"], parent, own))
    return described


def _needs_met(engine, submission_id: int) -> list[tuple[str, str]]:
    """A submission's needs met at visits, as (the visit's date, the need), sorted."""
    visits = {r["_id"]: r for r in rows(engine, "visits__visits")}
    return sorted(
        (str(visits[r["_parent_id"]]["v_date"]), r["value"])
        for r in rows(engine, "visits__visits__v_needs")
        if r["_submission_id"] == submission_id
    )


def test_rows_in_nested_repeats_and_choices_find_their_own_parents(client, admin, project, engine):
    publish(client, admin, project, VISITS)
    device = make_device(client, admin, project, form_ids=("visits",))
    assert device.submit(_visits(1)).status_code == 201
    recalled = _recalled(client, project, "visits", "1")
    assert (recalled is not None) == is_postgres(engine)
    assert device.submit(_visits(2)).status_code == 201

    root = {r["_id"]: ("root", r["_submission_id"]) for r in rows(engine, "visits")}
    assert len({submission for _, submission in root.values()}) == 2
    people = {
        r["_id"]: ("person", r["_submission_id"], r["p_name"])
        for r in rows(engine, "visits__people")
    }
    visits = {
        r["_id"]: ("visit", r["_submission_id"], str(r["v_date"]))
        for r in rows(engine, "visits__visits")
    }
    for table, parents in (
        ("visits__people", root),
        ("visits__needs", root),
        ("visits__people__p_needs", people),
        ("visits__visits", people),
        ("visits__visits__v_needs", visits),
    ):
        described = _by_submission(engine, table, parents)
        first = [(parent[:1] + parent[2:], own) for s, parent, own in described if s == min(root)]
        second = [(parent[:1] + parent[2:], own) for s, parent, own in described if s != min(root)]
        assert first, table
        assert first == second, table
        # Every row's parent is a row of its own submission.
        assert all(parent[1] == s for s, parent, _ in described), table
    assert sorted(
        (parent[2], own)
        for _, parent, own in _by_submission(engine, "visits__visits__v_needs", visits)
    ) == sorted(
        [
            ("2026-11-02", ("food",)),
            ("2026-11-02", ("medical",)),
            ("2026-11-03", ("shelter",)),
        ]
        * 2
    )


def test_thousands_of_repeat_rows_are_stored_whole_and_in_order(device, engine):
    """4,500 members: one multi-row INSERT for the repeat."""
    members = 4_500
    head = b'<?xml version="1.0"?><data id="household" version="1"><respondent><name>Awa</name>'
    first = head + (
        b"</respondent><meta><instanceID>uuid:0b0c7a6e-0000-4000-8000-000000000101</instanceID>"
        b"</meta></data>"
    )
    assert device.submit(first).status_code == 201
    many = b"".join(
        b"<members><m_name>m%d</m_name><m_age>%d</m_age></members>" % (i, i % 90)
        for i in range(members)
    )
    xml = (
        head
        + b"</respondent>"
        + many
        + (
            b"<meta><instanceID>uuid:0b0c7a6e-0000-4000-8000-000000000102</instanceID></meta></data>"
        )
    )
    assert device.submit(xml).status_code == 201
    assert count(engine, "household") == 2
    second = rows(engine, "household")[-1]
    stored = [m for m in rows(engine, "household__members") if m["_parent_id"] == second["_id"]]
    assert [(m["m_name"], m["m_age"], m["_ordinal"]) for m in stored] == [
        (f"m{i}", i % 90, i + 1) for i in range(members)
    ]
    assert stored[-1]["_key"] == "uuid:0b0c7a6e-0000-4000-8000-000000000102/members[4500]"


def test_the_pipelined_write_itself_writes_nested_rows(client, admin, project, engine):
    """The test above passes whichever way the server took: this one calls the write itself."""
    publish(client, admin, project, VISITS)
    device = make_device(client, admin, project, form_ids=("visits",))
    assert device.submit(_visits(1)).status_code == 201
    known = _recalled(client, project, "visits", "1")
    if not is_postgres(engine):
        assert known is None  # the embedded default has no pipelined write
        return
    assert known[1].writer is not None
    stored = _write(engine, known, _visits(2))
    assert stored is not None
    assert count(engine, "visits") == 2
    assert _needs_met(engine, stored.submission_id) == [
        ("2026-11-02", "food"),
        ("2026-11-02", "medical"),
        ("2026-11-03", "shelter"),
    ]
    # Other counts of people, visits and choices.
    other = _visits(3).replace(
        b"<people><p_name>Bakary</p_name><p_needs/></people>",
        b"<people><p_name>Bakary</p_name><p_needs>food</p_needs>"
        b"<visits><v_date>2026-11-04</v_date><v_needs>medical food shelter</v_needs></visits>"
        b"</people><people><p_name>Sira</p_name><p_needs/></people>",
    )
    third = _write(engine, known, other)
    assert third is not None
    people = {r["_id"]: r["p_name"] for r in rows(engine, "visits__people")}
    visits = {r["_id"]: r for r in rows(engine, "visits__visits")}
    theirs = [
        (people[v["_parent_id"]], str(v["v_date"]), v["_ordinal"])
        for v in visits.values()
        if v["_submission_id"] == third.submission_id
    ]
    assert theirs == [
        ("Awa", "2026-11-02", 1),
        ("Awa", "2026-11-09", 2),
        ("Bakary", "2026-11-04", 1),
        ("Kadia", "2026-11-03", 1),
    ]
    assert _needs_met(engine, third.submission_id) == [
        ("2026-11-02", "food"),
        ("2026-11-02", "medical"),
        ("2026-11-03", "shelter"),
        ("2026-11-04", "food"),
        ("2026-11-04", "medical"),
        ("2026-11-04", "shelter"),
    ]


def test_a_resend_with_a_file_on_a_fresh_connection_is_no_outage(device, engine):
    """A resend comes to a connection that may never have inserted a submission: its rows'
    `currval` then meets PostgreSQL's "not yet defined in this session", which psycopg raises
    as an OperationalError. It was taken for the database being down: a 503 to the device
    (tests/server/test_live_server.py's eight identical POSTs, 1 run in 6)."""
    xml = sample("with_attachments.xml")
    assert device.submit(xml).status_code == 201
    intake = app_services(device.client.app).intake
    known = intake.targets.recall(device.project, "household", "1")
    if not is_postgres(engine):
        assert known is None  # the embedded default has no pipelined write
        return
    assert known[1].writer is not None
    photo = store_file(intake.blobs, IncomingFile("1741079521992.jpg", io.BytesIO(PHOTO), None))

    def write(xml: bytes):
        return _write(engine, known, xml, {photo.name: photo})

    second = xml.replace(b"000000000004", b"000000000005")
    stored = write(second)
    assert stored is not None
    assert (stored.attachments_present, stored.attachments_expected) == (1, 2)
    attached = rows(engine, "submission_attachments", order="id")
    assert [
        (a["submission_version_id"], a["name"], a["blob_sha256"] is not None) for a in attached
    ][-2:] == [
        (stored.version_id, "1741079521992.jpg", True),
        (stored.version_id, "note 1.m4a", False),
    ]
    engine.dispose()  # the resend comes on a connection that has inserted nothing yet
    assert write(second) is None
    assert count(engine, "submissions") == 2
