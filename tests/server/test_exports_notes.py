"""Notes and the entity label in the exports, where ODK Central has them (lib/data/briefcase.js
gives every field a column in form order, notes and `meta/entity/label` included): a note's
cell is empty unless the form computes it; the label is left out for roles that may not read
the answers it is built from. Forms published before these had columns keep working."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import replace

import sqlalchemy as sa

from converters.table_plan import ColumnRole, TablePlan, plan_tables
from storage.db import transaction
from storage.exports.form_views import drop_views
from storage.forms.data_tables import load_plan
from storage.schema import system as s
from tests.support.accounts import project_user
from tests.support.devices import make_device
from tests.support.forms import publish
from tests.support.wide_form import WIDE_IDS, load_wide_form
from tests.support.xlsforms import md_form, schema_of

ROOT_HEADER = [
    "SubmissionDate",
    "intro",
    "_private",
    "q1",
    "q2",
    "q3",
    "g-a1",
    "g-a2",
    "g-h-b1",
    "g-h-b2",
    "calc_note",
    "meta-entity-label",
    "meta-instanceID",
    "KEY",
    "SubmitterID",
    "SubmitterName",
    "AttachmentsPresent",
    "AttachmentsExpected",
    "Status",
    "ReviewState",
    "DeviceID",
    "Edits",
    "FormVersion",
]


def rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def test_notes_and_the_entity_label_have_their_columns_in_form_order(client, admin, project):
    load_wide_form(client, admin, project, 3, 2, 2)
    base = f"/v1/projects/{project}/forms/survey"
    archive = zipfile.ZipFile(
        io.BytesIO(client.get(f"{base}/submissions.csv.zip", headers=admin).content)
    )
    assert sorted(archive.namelist()) == ["survey-inner.csv", "survey-r.csv", "survey.csv"]
    root = rows(archive.read("survey.csv"))
    assert root[0] == ROOT_HEADER
    first = dict(zip(root[0], root[2], strict=True))  # newest first: the first sent is last
    assert first["KEY"] == WIDE_IDS[0]
    assert (first["intro"], first["calc_note"]) == ("", "x1001")
    assert first["meta-entity-label"] == "a1-1 a2-1"
    assert rows(archive.read("survey-r.csv"))[0] == ["name", "PARENT_KEY", "KEY"]
    assert rows(archive.read("survey-inner.csv"))[0] == ["n", "PARENT_KEY", "KEY"]
    plain = rows(client.get(f"{base}/submissions.csv", headers=admin).content)
    assert plain[0] == ROOT_HEADER


def test_the_label_is_left_out_for_those_who_may_not_read_its_answers(
    client,
    admin,
    project,
    programme,
):
    analyst = project_user(client, admin, project, "analyst@example.org", "analyst")
    officer = project_user(client, admin, project, "officer@example.org", "protection_officer")
    base = f"/v1/projects/{project}/forms/returnee_intake"
    seen = rows(client.get(f"{base}/submissions.csv", headers=officer).content)
    label = seen[0].index("meta-entity-label")
    assert seen[0][label + 1] == "meta-instanceID"
    assert seen[1][label] == "Awa Traoré (KAY/2026/001)"
    for headers in (analyst,):
        header = rows(client.get(f"{base}/submissions.csv", headers=headers).content)[0]
        assert "meta-entity-label" not in header and "meta-instanceID" in header
        row = client.get(f"{base}.svc/Submissions", headers=headers).json()["value"][0]
        assert "entity" not in row["meta"]
        metadata = client.get(f"{base}.svc/$metadata", headers=headers).text
        assert 'Name="meta.entity"' not in metadata
    officer_row = client.get(f"{base}.svc/Submissions", headers=officer).json()["value"][0]
    assert officer_row["meta"]["entity"] == {"label": "Awa Traoré (KAY/2026/001)"}


NOTES = """
type | name | label | calculation
note | intro | Hello |
text | name | Name |
note | echo | Echo | ${name}
"""


def test_a_version_published_before_notes_had_columns_is_read_as_it_is():
    """Re-planning a published version over tables made before notes had columns plans
    nothing new (storage.forms.versions.load_version_plan checks it); publishing a new version adds
    them; a table made now has them from the start."""
    schema = schema_of(NOTES)
    fresh = plan_tables(schema, table_prefix="f")
    assert [c.xpath for c in fresh.physical.root.columns if c.role is ColumnRole.VALUE] == [
        "/data/intro",
        "/data/name",
        "/data/echo",
        "/data/meta/instanceID",
    ]
    root = fresh.physical.root
    older = TablePlan((replace(root, columns=tuple(c for c in root.columns if c.kind != "note")),))
    again = plan_tables(schema, table_prefix="f", existing=older)
    assert not again.changes.new_columns and not again.changes.new_tables
    assert {c.xpath for c in again.version.root.columns} == {"/data/name", "/data/meta/instanceID"}
    published = plan_tables(schema, table_prefix="f", existing=older, add_optional=True)
    assert [c.xpath for _, c in published.changes.new_columns] == ["/data/intro", "/data/echo"]


def forget_note_columns(engine, xml_form_id: str) -> None:
    """Make the form's tables as a server before this one made them: no column for notes."""
    with transaction(engine) as connection:
        form_id = connection.execute(
            sa.select(s.forms.c.id).where(s.forms.c.xml_form_id == xml_form_id)
        ).scalar_one()
        drop_views(connection, form_id)  # no database drops a column that a view uses
        for table in load_plan(connection, form_id).tables:
            for column in table.columns:
                if column.kind != "note":
                    continue
                connection.execute(
                    sa.text(f'ALTER TABLE "{table.name}" DROP COLUMN "{column.name}"')
                )
                for registry in (s.form_version_columns, s.data_columns):
                    connection.execute(
                        sa.delete(registry).where(
                            registry.c.table_name == table.name,
                            registry.c.column_name == column.name
                            if registry is s.form_version_columns
                            else registry.c.name == column.name,
                        )
                    )


def test_a_form_whose_tables_predate_note_columns_keeps_working(client, admin, project, engine):
    """Submissions still arrive, its notes export empty; its next version adds the columns."""
    publish(client, admin, project, md_form(NOTES, form_id="notes", version="1"))
    forget_note_columns(engine, "notes")
    device = make_device(client, admin, project, form_ids=("notes",))
    sent = device.submit(
        b'<data id="notes" version="1"><intro/><name>Awa</name><echo>Awa</echo>'
        b"<meta><instanceID>uuid:n-1</instanceID></meta></data>"
    )
    assert sent.status_code == 201, sent.text
    base = f"/v1/projects/{project}/forms/notes"
    table = rows(client.get(f"{base}/submissions.csv", headers=admin).content)
    assert table[0][1:5] == ["intro", "name", "echo", "meta-instanceID"]
    assert table[1][1:4] == ["", "Awa", ""]
    row = client.get(f"{base}.svc/Submissions", headers=admin).json()["value"][0]
    assert (row["intro"], row["name"], row["echo"]) == (None, "Awa", None)
    draft = client.post(
        f"{base}/draft",
        content=md_form(NOTES, form_id="notes", version="2"),
        headers={**admin, "Content-Type": "text/markdown"},
    )
    assert draft.status_code == 200, draft.text
    assert client.post(f"{base}/draft/publish", headers=admin).status_code == 200
    sent = device.submit(
        b'<data id="notes" version="2"><intro/><name>Ali</name><echo>Ali</echo>'
        b"<meta><instanceID>uuid:n-2</instanceID></meta></data>"
    )
    assert sent.status_code == 201, sent.text
    table = rows(client.get(f"{base}/submissions.csv", headers=admin).content)
    assert [r[1:4] for r in table[1:]] == [["", "Ali", "Ali"], ["", "Awa", ""]]
