"""The analytics views: readable columns over the data tables, deleted submissions left out,
refreshed by every publish, choice labels and column descriptions per language, sensitive fields
hidden, and (PostgreSQL) a reader role that sees the views and nothing else."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from lxml import etree

from converters.table_plan import ColumnRole, ColumnSpec, SqlType, TableKind, TablePlan, TableSpec
from converters.xlsform import compile_form
from server.auth import Caller
from server.submissions.intake import IntakeContext, receive_submission
from server.submissions.targets import FormTargets
from storage.accounts.access import load_actor
from storage.accounts.users import create_user
from storage.db import is_postgres, transaction
from storage.exports.form_views import (
    SCHEMA,
    create_reader_role,
    drop_views,
    name_views,
    refresh_all_views,
    refresh_views,
    view_ref,
)
from storage.forms.versions import publish_form
from storage.projects import create_project
from storage.schema import system as s
from tests.support.xlsforms import md_form

NOW = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
EN, FR = "English (en)", "French (fr)"

SURVEY = """
type | name | label::English (en) | label::French (fr) | bind::baobab:sensitive
begin_group | identity | Identity | Identité |
text | full_name | Full name | Nom complet | true
integer | age | Age | Âge |
end_group | | | |
select_one sex | sex | Sex | Sexe |
select_multiple needs | select | Needs | Besoins |
integer | order | Order | Ordre |
text | submitter | Who sends | Qui envoie |
begin_repeat | members | Members | Membres |
text | m_name | Name | Nom |
integer | position | Rank | Rang |
begin_repeat | jobs | Jobs | Emplois |
text | title | Title | Titre |
end_repeat | | | |
end_repeat | | | |
"""
CHOICES = """
list_name | name | label::English (en) | label::French (fr)
sex | male | Male | Homme
sex | female | Female | Femme
needs | food | Food 'n' 100% | Nourriture
needs | shelter | Shelter \\ roof | Abri
"""
V2_SURVEY = SURVEY.replace(
    "integer | age | Age | Âge |",
    "decimal | age | Age | Âge |\ntext | village | Village | Village |",
)
ROOT_LEADING = [
    "instance_id",
    "row_id",
    "submission_date",
    "updated_at",
    "submitter",
    "review_state",
    "device_id",
    "form_version",
]


def compiled(survey, version):
    settings = f'form_id | version | namespaces\nintake | {version} | baobab="urn:baobab:xforms:1"'
    return compile_form(md_form(survey, choices=CHOICES, settings=settings), ".md")


@pytest.fixture
def setup(engine, blob_store):
    with transaction(engine) as connection:
        user = create_user(
            connection,
            email="awa@example.org",
            password_hash=None,
            now=NOW,
            display_name="Awa Traoré",
            is_admin=True,
        )
        caller = Caller(load_actor(connection, user.id), "bearer")
        project = create_project(connection, "Mali", NOW)
        result = publish_form(
            connection, project_id=project.id, compiled=compiled(SURVEY, "1"), now=NOW
        )
    context = IntakeContext(engine, blob_store, FormTargets(), lambda: NOW)
    return context, project.id, caller, result.form.id


def submit(setup, instance_id, *, version="1", age="34", extra=None, members=()):
    context, project_id, caller, _ = setup
    root = etree.Element("data", id="intake", version=version)
    identity = etree.SubElement(root, "identity")
    etree.SubElement(identity, "full_name").text = "Moussa Keita"
    etree.SubElement(identity, "age").text = age
    if extra is not None:
        etree.SubElement(identity, "village").text = extra
    for name, text in (("sex", "male"), ("select", "food shelter"), ("order", "3")):
        etree.SubElement(root, name).text = text
    etree.SubElement(root, "submitter").text = "the neighbour"
    for m_name, position, titles in members:
        member = etree.SubElement(root, "members")
        etree.SubElement(member, "m_name").text = m_name
        etree.SubElement(member, "position").text = str(position)
        for title in titles:
            etree.SubElement(etree.SubElement(member, "jobs"), "title").text = title
    etree.SubElement(etree.SubElement(root, "meta"), "instanceID").text = instance_id
    receive_submission(
        context,
        project_id=project_id,
        xml=etree.tostring(root),
        files=[],
        identify=lambda _connection: caller,
    )


def rows(engine, view, order="instance_id"):
    with engine.connect() as connection:
        query = f"SELECT * FROM {view_ref(connection, name(connection, view))} ORDER BY {order}"
        return [dict(r) for r in connection.exec_driver_sql(query).mappings()]


def name(connection, table):
    return table if is_postgres(connection) else f"{SCHEMA}__{table}"


def columns(engine, view):
    with engine.connect() as connection:
        inspector = sa.inspect(connection)
        schema = SCHEMA if is_postgres(connection) else None
        found = inspector.get_columns(name(connection, view), schema=schema)
    return {c["name"]: c["type"] for c in found}


def test_root_view_starts_with_readable_submission_metadata_then_the_data(engine, setup):
    submit(setup, "uuid:a", members=[("Fanta", 1, ["driver"])])
    assert list(columns(engine, "intake"))[: len(ROOT_LEADING)] == ROOT_LEADING
    [row] = rows(engine, "intake")
    assert row["instance_id"] == "uuid:a"
    assert row["submitter"] == "Awa Traoré"
    assert row["form_version"] == "1"
    assert row["submission_date"] is not None
    assert row["identity__age"] == 34
    # Fields named like SQL keywords or like a leading column keep working.
    assert (row["select"], row["order"], row["submitter_2"]) == ("food shelter", 3, "the neighbour")
    assert not any(k.startswith("_") for k in row)


def test_repeat_and_selection_views_link_to_their_parent_rows(engine, setup):
    submit(setup, "uuid:a", members=[("Fanta", 1, ["driver", "cook"]), ("Ali", 2, [])])
    [root] = rows(engine, "intake")
    members = rows(engine, "intake__members", order='"position"')
    assert [list(m)[:5] for m in members][0] == [
        "instance_id",
        "row_id",
        "parent_row_id",
        "position",
        "key",
    ]
    assert [(m["m_name"], m["position"], m["position_2"]) for m in members] == [
        ("Fanta", 1, 1),
        ("Ali", 2, 2),
    ]
    assert {m["parent_row_id"] for m in members} == {root["row_id"]}
    assert members[1]["key"] == "uuid:a/members[2]"
    jobs = rows(engine, "intake__jobs", order='"position"')
    assert [(j["title"], j["parent_row_id"]) for j in jobs] == [
        ("driver", members[0]["row_id"]),
        ("cook", members[0]["row_id"]),
    ]
    chosen = rows(engine, "intake__select", order='"position"')
    assert [list(c) for c in chosen][0] == ["instance_id", "parent_row_id", "position", "value"]
    assert [(c["value"], c["parent_row_id"]) for c in chosen] == [
        ("food", root["row_id"]),
        ("shelter", root["row_id"]),
    ]


def test_deleted_submissions_disappear_from_every_view(engine, setup):
    submit(setup, "uuid:a", members=[("Fanta", 1, ["driver"])])
    submit(setup, "uuid:b", members=[("Ali", 1, ["cook"])])
    with transaction(engine) as connection:
        connection.execute(
            sa.update(s.submissions)
            .where(s.submissions.c.instance_id == "uuid:a")
            .values(deleted_at=NOW)
        )
    for view in ("intake", "intake__members", "intake__jobs", "intake__select"):
        assert {r["instance_id"] for r in rows(engine, view)} == {"uuid:b"}, view


def test_sensitive_fields_are_left_out_of_the_views(engine, setup):
    submit(setup, "uuid:a")
    [row] = rows(engine, "intake")
    assert "identity__full_name" not in row
    described = {r["column_name"] for r in rows(engine, "intake__fields", order="column_name")}
    assert "identity__full_name" not in described
    assert "identity__age" in described


def test_a_sensitive_field_removed_from_the_form_stays_hidden(engine, setup):
    submit(setup, "uuid:a")
    without = SURVEY.replace("text | full_name | Full name | Nom complet | true\n", "")
    with transaction(engine) as connection:
        publish_form(connection, project_id=setup[1], compiled=compiled(without, "2"), now=NOW)
    assert "identity__full_name" not in columns(engine, "intake")


def test_a_new_version_refreshes_the_views_with_added_and_widened_columns(engine, setup):
    submit(setup, "uuid:a")
    assert isinstance(columns(engine, "intake")["identity__age"], sa.Integer)
    _, project_id, _, _ = setup
    with transaction(engine) as connection:
        result = publish_form(
            connection, project_id=project_id, compiled=compiled(V2_SURVEY, "2"), now=NOW
        )
    assert {w.column for w in result.changes.widened} == {"identity__age"}
    submit(setup, "uuid:b", version="2", age="1.5", extra="Kayes")
    found = columns(engine, "intake")
    assert isinstance(found["identity__age"], (sa.Numeric, sa.Float))
    assert list(found)[-1] == "identity__village"
    by_instance = {r["instance_id"]: r for r in rows(engine, "intake")}
    assert Decimal(str(by_instance["uuid:a"]["identity__age"])) == 34
    assert Decimal(str(by_instance["uuid:b"]["identity__age"])) == Decimal("1.5")
    assert (by_instance["uuid:a"]["form_version"], by_instance["uuid:b"]["form_version"]) == (
        "1",
        "2",
    )
    assert by_instance["uuid:b"]["identity__village"] == "Kayes"
    village = [
        r
        for r in rows(engine, "intake__fields", order="label")
        if r["column_name"] == "identity__village"
    ]
    assert {(r["language"], r["label"]) for r in village} == {(EN, "Village"), (FR, "Village")}


def test_choices_view_lists_every_label_per_language(engine, setup):
    found = {
        (r["list_name"], r["name"], r["language"], r["label"])
        for r in rows(engine, "intake__choices", order="list_name")
    }
    assert found == {
        ("sex", "male", EN, "Male"),
        ("sex", "male", FR, "Homme"),
        ("sex", "female", EN, "Female"),
        ("sex", "female", FR, "Femme"),
        ("needs", "food", EN, "Food 'n' 100%"),
        ("needs", "food", FR, "Nourriture"),
        ("needs", "shelter", EN, "Shelter \\ roof"),
        ("needs", "shelter", FR, "Abri"),
    }


def test_fields_view_says_what_each_column_is(engine, setup):
    described = rows(engine, "intake__fields", order="table_name, column_name, language")
    assert list(described[0]) == [
        "table_name",
        "column_name",
        "xpath",
        "question",
        "type",
        "list_name",
        "language",
        "label",
    ]
    with engine.connect() as connection:
        root, members, chosen = (
            name(connection, t) for t in ("intake", "intake__members", "intake__select")
        )
    by_key = {(r["table_name"], r["column_name"], r["language"]): r for r in described}
    age = by_key[(root, "identity__age", FR)]
    assert (age["xpath"], age["question"], age["type"], age["label"]) == (
        "/data/identity/age",
        "age",
        "integer",
        "Âge",
    )
    assert by_key[(root, "select", EN)]["list_name"] == "needs"
    assert by_key[(root, "submitter_2", EN)]["label"] == "Who sends"
    assert by_key[(members, "position_2", EN)]["label"] == "Rank"
    assert by_key[(chosen, "value", EN)]["type"] == "select_multiple"


def test_views_can_be_dropped_and_rebuilt_for_every_form(engine, setup):
    submit(setup, "uuid:a")
    form_id = setup[3]
    with transaction(engine) as connection:
        drop_views(connection, form_id)
        left = sa.inspect(connection).get_view_names(
            schema=SCHEMA if is_postgres(connection) else None
        )
        assert not [v for v in left if "rss_scores" not in v]  # that one is every form's
        refresh_all_views(connection)
    assert [r["instance_id"] for r in rows(engine, "intake")] == ["uuid:a"]


def test_a_form_without_choices_has_an_empty_choices_view(engine, setup):
    plain = md_form("type | name | label\ntext | note_text | Note", form_id="plain")
    with transaction(engine) as connection:
        publish_form(connection, project_id=setup[1], compiled=compile_form(plain, ".md"), now=NOW)
    assert rows(engine, "plain__choices", order="name") == []
    described = rows(engine, "plain__fields", order="column_name")
    assert [r["column_name"] for r in described] == ["meta__instanceid", "note_text"]


def test_choices_view_takes_a_suffix_when_a_repeat_is_named_choices():
    plan = TablePlan(
        (
            TableSpec("f", TableKind.ROOT, "/data", None),
            TableSpec("f__choices", TableKind.REPEAT, "/data/choices", "f"),
            TableSpec(
                "f__fields",
                TableKind.SELECTION,
                "/data/fields",
                "f",
                (ColumnSpec("value", "/data/fields", ColumnRole.ITEM, SqlType.TEXT, "rank"),),
            ),
        )
    )
    views = name_views(plan, "f", frozenset(), postgres=True)
    assert (views.choices, views.fields) == ("f__choices_2", "f__fields_2")
    hidden = name_views(plan, "f", frozenset({"/data/fields"}), postgres=False)
    assert [v.name for v in hidden.tables] == ["analytics__f", "analytics__f__choices"]


@pytest.fixture
def reader(engine):
    """A group role like baobab_reader and a login in it, unique to the test: roles belong to
    the whole PostgreSQL cluster, which other test runs share."""
    suffix = uuid.uuid4().hex[:10]
    group, login = f"baobab_reader_{suffix}", f"powerbi_{suffix}"
    yield group, login
    with engine.connect() as connection, connection.begin():
        for role in (login, group):
            if connection.execute(
                sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}
            ).first():
                connection.exec_driver_sql(f'DROP OWNED BY "{role}"')
                connection.exec_driver_sql(f'DROP ROLE "{role}"')


def select_as(engine, role, query):
    with engine.connect() as connection, connection.begin():
        connection.exec_driver_sql(f'SET LOCAL ROLE "{role}"')
        return connection.exec_driver_sql(query).all()


@pytest.mark.postgres
def test_a_login_in_the_reader_role_reads_the_views_and_no_table(engine, setup, reader):
    group, login = reader
    submit(setup, "uuid:a", members=[("Fanta", 1, ["driver"])])
    with transaction(engine) as connection:
        create_reader_role(connection, group)
        create_reader_role(connection, group)  # idempotent
        connection.exec_driver_sql(f'CREATE ROLE "{login}" NOLOGIN IN ROLE "{group}"')
    assert select_as(engine, login, 'SELECT instance_id FROM analytics."intake"') == [("uuid:a",)]
    # A refresh drops and recreates the views: the role is granted the new ones.
    with transaction(engine) as connection:
        refresh_views(connection, setup[3], reader=group)
    for view in ("intake", "intake__members", "intake__jobs", "intake__choices", "intake__fields"):
        assert select_as(engine, login, f'SELECT count(*) FROM analytics."{view}"')[0][0] > 0
    for table in ("intake", "intake__members", "submissions", "actors"):
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            select_as(engine, login, f'SELECT * FROM public."{table}"')


@pytest.mark.postgres
def test_refreshing_without_the_reader_role_grants_nothing_and_does_not_fail(engine, setup):
    with transaction(engine) as connection:
        refresh_views(connection, setup[3], reader=f"missing_{uuid.uuid4().hex[:8]}")
    assert rows(engine, "intake") == []
