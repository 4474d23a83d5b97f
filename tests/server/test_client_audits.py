"""Client audit logs in the CSV zip, as ODK Central ships them (lib/data/client-audits.js,
lib/resources/submissions.js): `<form id> - audit.csv` with one row per event of every exported
submission's `audit.csv`, led by its instance ID, oldest submission first; the raw logs never in
`media/`; neither without `attachments`. An analyst gets no answer of a sensitive question."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from converters.client_audits import audit_events, text_lines
from tests.support.accounts import project_user
from tests.support.devices import make_device
from tests.support.forms import publish
from tests.support.xlsforms import md_form

FORM = md_form(
    """
    type | name | label | bind::baobab:sensitive | parameters
    audit | audit | | | track-changes=true identify-user=true
    text | name | Name | true |
    text | town | Town | |
    image | photo | Photo | |
    """,
    settings='form_id | version | namespaces\naudited | 1 | baobab="urn:baobab:xforms:1"',
)
# As Collect writes them: its own column order, a location, a user, quotes, a BOM.
FIRST_LOG = (
    "\ufeffevent,node,start,end,latitude,longitude,accuracy,old-value,new-value,user\n"
    "form start,,1700000000000,,,,,,,ana\n"
    'question,/data/name,1700000001000,1700000005000,12.6,-8.0,4.5,,"Traoré, Awa",ana\n'
    "question,/data/town,1700000005000,1700000009000,12.6,-8.0,4.5,,=Kayes,ana\n"
    "form save,,1700000010000,,,,,,,ana\n"
).encode()
SECOND_LOG = (
    b"event,node,start,end,old-value,new-value,change-reason,surprise\r\n"
    b"form resume,,1700000100000,,,,,x\r\n"
    b"\r\n"
    b"question,/data/town,1700000101000,1700000104000,Kayes,Kita,typo,x\r\n"
)
HEADER = [
    "instance ID",
    "event",
    "node",
    "start",
    "end",
    "latitude",
    "longitude",
    "accuracy",
    "old-value",
    "new-value",
    "user",
    "change-reason",
]


def xml(instance_id: str, name: str, town: str, photo: str = "") -> bytes:
    return (
        f'<data id="audited" version="1"><name>{name}</name><town>{town}</town>'
        f"<photo>{photo}</photo><meta><audit>audit.csv</audit>"
        f"<instanceID>{instance_id}</instanceID></meta></data>"
    ).encode()


@pytest.fixture
def audited(client, admin, project, clock):
    publish(client, admin, project, FORM)
    device = make_device(client, admin, project, form_ids=("audited",))
    sends = [
        ("uuid:a-1", "Traoré, Awa", "Kayes", {"audit.csv": FIRST_LOG, "p.jpg": b"\xff\xd8 jpeg"}),
        ("uuid:a-2", "Diallo", "Kita", {"audit.csv": SECOND_LOG}),
        ("uuid:a-3", "Keita", "Kita", {}),  # the log never came
    ]
    for instance_id, name, town, files in sends:
        photo = "p.jpg" if "p.jpg" in files else ""
        assert device.submit(xml(instance_id, name, town, photo), files).status_code == 201
        clock.advance(seconds=1)
    return f"/v1/projects/{project}/forms/audited"


def zip_of(client, headers, url):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    return zipfile.ZipFile(io.BytesIO(response.content))


def table(archive, name):
    return list(csv.reader(io.StringIO(archive.read(name).decode("utf-8"))))


def test_the_zip_holds_every_event_of_every_log_with_its_submission(client, admin, audited):
    archive = zip_of(client, admin, f"{audited}/submissions.csv.zip")
    assert sorted(archive.namelist()) == ["audited - audit.csv", "audited.csv", "media/p.jpg"]
    rows = table(archive, "audited - audit.csv")
    assert rows[0] == HEADER
    assert rows[1:] == [
        ["uuid:a-1", "form start", "", "1700000000000", "", "", "", "", "", "", "ana", ""],
        [
            "uuid:a-1",
            "question",
            "/data/name",
            "1700000001000",
            "1700000005000",
            "12.6",
            "-8.0",
            "4.5",
            "",
            "Traoré, Awa",
            "ana",
            "",
        ],
        # A formula is defused, as in every cell of every export.
        ["uuid:a-1", "question", "/data/town", "1700000005000", "1700000009000"]
        + ["12.6", "-8.0", "4.5", "", "'=Kayes", "ana", ""],
        ["uuid:a-1", "form save", "", "1700000010000", "", "", "", "", "", "", "ana", ""],
        ["uuid:a-2", "form resume", "", "1700000100000", "", "", "", "", "", "", "", ""],
        ["uuid:a-2", "question", "/data/town", "1700000101000", "1700000104000"]
        + ["", "", "", "Kayes", "Kita", "", "typo"],
        ["uuid:a-3", "", "", "", "", "", "", "", "", "", "", ""],  # expected, not received
    ]
    assert table(archive, "audited.csv")[0][1:5] == ["name", "town", "photo", "meta-audit"]


def test_without_attachments_the_zip_is_the_csv_alone(client, admin, audited):
    archive = zip_of(client, admin, f"{audited}/submissions.csv.zip?attachments=false")
    assert archive.namelist() == ["audited.csv"]


def test_filters_choose_the_logs_too(client, admin, audited):
    url = f"{audited}/submissions.csv.zip?$filter=__id eq 'uuid:a-2'"
    rows = table(zip_of(client, admin, url), "audited - audit.csv")
    assert {r[0] for r in rows[1:]} == {"uuid:a-2"}
    none = zip_of(client, admin, f"{audited}/submissions.csv.zip?$filter=__id eq 'uuid:nope'")
    assert "audited - audit.csv" not in none.namelist()


def test_an_analyst_gets_the_events_without_the_answers_of_sensitive_questions(
    client, admin, project, audited
):
    analyst = project_user(client, admin, project, "analyst@example.org", "analyst")
    rows = table(zip_of(client, analyst, f"{audited}/submissions.csv.zip"), "audited - audit.csv")
    assert len(rows) == 8
    name = next(r for r in rows if r[2] == "/data/name")
    assert name[8:10] == ["", ""] and "Traoré" not in str(rows)
    town = next(r for r in rows if r[2] == "/data/town" and r[0] == "uuid:a-2")
    assert town[8:10] == ["Kayes", "Kita"]


def test_a_log_is_read_in_chunks_whatever_their_boundaries():
    whole = list(audit_events(text_lines([FIRST_LOG])))
    for size in (1, 2, 3, 7):
        pieces = [FIRST_LOG[i : i + size] for i in range(0, len(FIRST_LOG), size)]
        assert list(audit_events(text_lines(pieces))) == whole
    assert whole[1][8] == "Traoré, Awa"
