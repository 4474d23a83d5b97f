"""The stored XML is the record: converting it again (`baobab forms rebuild`) gives exactly the
rows the tables hold, with repeats, nested repeats, select-multiple rows and edits."""

from __future__ import annotations

import sqlalchemy as sa

from server.forms.rebuild import rebuild_tables
from tests.reliability.tables import table_contents
from tests.support.paths import sample


def test_rebuilding_from_the_stored_xml_gives_the_same_rows(device, engine):
    for name in ("simple.xml", "with_repeat.xml", "nested_repeat.xml", "with_attachments.xml"):
        assert device.submit(sample(name)).status_code == 201, name
    assert device.submit(sample("edit_deprecated.xml")).status_code == 201
    before = table_contents(engine, device.project, "household")
    assert sum(len(rows) for rows in before.values()) > 10  # repeats and selections too
    with engine.begin() as connection:  # what a bug or a bad restore would leave
        connection.execute(sa.text("DELETE FROM household__jobs"))
        connection.execute(sa.text("UPDATE household SET respondent__name = 'damaged'"))
    assert table_contents(engine, device.project, "household") != before
    assert rebuild_tables(engine, device.project, "household") == 4
    assert table_contents(engine, device.project, "household") == before


def test_the_rebuild_command_reports_what_it_did(device, engine, monkeypatch, settings, capsys):
    from server.cli.main import main

    assert device.submit(sample("with_repeat.xml")).status_code == 201
    for name, value in (
        ("BAOBAB_DATABASE_URL", settings.database_url),
        ("BAOBAB_BLOB_URL", settings.blob_url),
        ("BAOBAB_DATA_DIR", str(settings.data_dir)),
        ("BAOBAB_LOG_LEVEL", "warning"),
    ):
        monkeypatch.setenv(name, value)
    assert main(["forms", "rebuild", "household", "--project", str(device.project)]) == 0
    assert "from 1 submissions" in capsys.readouterr().out
    assert main(["forms", "rebuild", "nope", "--project", str(device.project)]) == 1
    assert "nope" in capsys.readouterr().err


def test_each_submission_is_rebuilt_with_its_own_form_version(client, admin, device, engine):
    """Version 2 drops a question and adds one; rows of both versions come back as stored."""
    assert device.submit(sample("with_repeat.xml")).status_code == 201
    base = f"/v1/projects/{device.project}/forms/household"
    version_2 = (
        sample("household.md")
        .decode()
        .replace("| | integer | age | Age |\n", "")
        .replace("| | dateTime | visit | Visit time |", "| | text | visit_note | Note |")
        .replace("| | household | 1 |", "| | household | 2 |")
    )
    drafted = client.post(
        f"{base}/draft?ignoreWarnings=true",
        content=version_2,
        headers={**admin, "Content-Type": "text/markdown"},
    )
    assert drafted.status_code == 200, drafted.text
    assert client.post(f"{base}/draft/publish", headers=admin).status_code == 200
    second = (
        sample("simple.xml")
        .replace(b'version="1"', b'version="2"')
        .replace(b"<age>28</age>", b"")
        .replace(b"<visit>2026-03-04T10:15:00.000+01:00</visit>", b"<visit_note>ok</visit_note>")
        .replace(b"000000000001", b"000000000077")
    )
    assert device.submit(second).status_code == 201
    before = table_contents(engine, device.project, "household")
    rows = sorted(before["household"], key=repr)
    assert len(rows) == 2 and {dict(r)["_form_version"] for r in rows} == {"'1'", "'2'"}
    assert rebuild_tables(engine, device.project, "household") == 2
    assert table_contents(engine, device.project, "household") == before
