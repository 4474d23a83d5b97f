"""Publishing forms creates and evolves real tables, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from converters.xlsform import compile_form
from storage.db import transaction
from storage.errors import Conflict, NotFound, StorageCode
from storage.forms.data_tables import load_plan
from storage.forms.ddl import build_tables
from storage.forms.versions import (
    find_version,
    get_form,
    list_forms,
    list_versions,
    load_version_plan,
    publish_form,
)
from storage.projects import create_project
from storage.schema import system as s
from storage.submissions.rows import repeat_keys
from tests.support.xlsforms import md_form

NOW = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def project_id(engine):
    with transaction(engine) as connection:
        return create_project(connection, "Mali", NOW).id


def publish(engine, project_id, survey, *, version="1", form_id="intake", choices=""):
    compiled = compile_form(
        md_form(survey, form_id=form_id, version=version, choices=choices), ".md"
    )
    with transaction(engine) as connection:
        return publish_form(connection, project_id=project_id, compiled=compiled, now=NOW)


def columns_of(engine, table):
    return {c["name"]: c["type"] for c in sa.inspect(engine).get_columns(table)}


def add_submission(engine, form_id, version_id, values, table="intake", instance="uuid:1"):
    """Rows as the submission pipeline writes them, to test how publishing treats data."""
    with transaction(engine) as connection:
        plan = load_plan(connection, form_id)
        tables = build_tables(plan)
        submission = connection.execute(
            sa.insert(s.submissions)
            .values(form_id=form_id, instance_id=instance, created_at=NOW)
            .returning(s.submissions.c.id)
        ).scalar_one()
        connection.execute(
            sa.insert(tables[table]).values(
                _submission_id=submission, _version_id=version_id, _form_version="1", **values
            )
        )
    return submission


def test_publishing_creates_typed_tables_and_records_the_mapping(engine, project_id):
    result = publish(
        engine,
        project_id,
        """
        type | name | label
        integer | age | Age
        decimal | income | Income
        date | dob | Birth
        dateTime | arrived | Arrived
        geopoint | location | Where
        select_multiple needs | needs | Needs
        begin_repeat | members | Members
        text | m_name | Name
        end_repeat | |
        """,
        choices="list_name | name | label\nneeds | medical | Medical",
    )
    assert result.form.table_prefix == "intake"
    root = columns_of(engine, "intake")
    assert isinstance(root["age"], sa.BigInteger | sa.Integer)
    assert isinstance(root["dob"], sa.Date)
    assert isinstance(root["location_latitude"], sa.Float | sa.Double)
    assert {
        "_id",
        "_submission_id",
        "_version_id",
        "_form_version",
        "arrived",
        "arrived_raw",
    } <= set(root)
    assert {"_id", "_parent_id", "_ordinal", "_submission_id", "m_name"} <= set(
        columns_of(engine, "intake__members")
    )
    assert {"_parent_id", "value"} <= set(columns_of(engine, "intake__needs"))
    with transaction(engine, read_only=True) as connection:
        mapping = connection.execute(
            sa.select(s.form_version_columns.c.column_name, s.form_version_columns.c.xpath).where(
                s.form_version_columns.c.form_version_id == result.version.id
            )
        ).all()
    assert ("age", "/data/age") in mapping and ("value", "/data/needs") in mapping


def test_publishing_the_same_version_again_is_a_no_op(engine, project_id):
    survey = "type | name | label\ntext | a | A"
    first = publish(engine, project_id, survey)
    again = publish(engine, project_id, survey)
    assert again.already_published and again.version.id == first.version.id


def test_the_same_version_with_other_content_is_refused(engine, project_id):
    publish(engine, project_id, "type | name | label\ntext | a | A")
    with pytest.raises(Conflict) as caught:
        publish(engine, project_id, "type | name | label\ntext | b | B")
    assert caught.value.code is StorageCode.VERSION_EXISTS
    assert "Change the 'version'" in caught.value.message


def test_publishing_into_a_missing_project_fails(engine):
    with pytest.raises(NotFound):
        publish(engine, 999, "type | name | label\ntext | a | A")


def test_the_same_form_id_in_two_projects_gets_two_sets_of_tables(engine, project_id):
    with transaction(engine) as connection:
        other = create_project(connection, "Other", NOW).id
    first = publish(engine, project_id, "type | name | label\ntext | a | A")
    second = publish(engine, other, "type | name | label\ntext | a | A")
    assert (first.form.table_prefix, second.form.table_prefix) == ("intake", "intake_2")
    assert "a" in columns_of(engine, "intake_2")


def test_sql_keywords_and_long_names_make_working_tables(engine, project_id):
    long = "how_many_people_in_the_household_were_working_for_money_last_month_x"
    publish(
        engine,
        project_id,
        f"""
        type | name | label
        text | select | S
        integer | order | O
        text | {long} | L
        begin_repeat | group | G
        text | table | T
        end_repeat | |
        """,
        form_id="from",
    )
    columns = columns_of(engine, "from")
    assert {"select", "order"} <= set(columns)
    assert any(c.startswith("how_many") and len(c) <= 63 for c in columns)
    assert "table" in columns_of(engine, "from__group")


def test_three_hundred_questions_fit_in_one_table(engine, project_id):
    rows = "\n".join(f"integer | q{i:03d} | Question {i}" for i in range(300))
    publish(engine, project_id, "type | name | label\n" + rows, form_id="big")
    assert len([c for c in columns_of(engine, "big") if c.startswith("q")]) == 300


def test_a_new_version_evolves_tables_without_losing_data(engine, project_id):
    v1 = publish(
        engine,
        project_id,
        """
        type | name | label
        text | keep | Keep
        integer | retype | Retype
        integer | to_decimal | To decimal
        text | dropped | Dropped
        dateTime | when | When
        date | day | Day
        """,
        version="1",
    )
    add_submission(
        engine,
        v1.form.id,
        v1.version.id,
        {
            "keep": "k",
            "retype": 42,
            "to_decimal": 7,
            "dropped": "still here",
            "when": datetime(2025, 3, 4, 8, 15, tzinfo=UTC),
            "when_raw": "2025-03-04T09:15:00+01:00",
            "day": date(2025, 3, 4),
        },
    )
    v2 = publish(
        engine,
        project_id,
        """
        type | name | label
        text | keep | Keep
        text | retype | Retype
        decimal | to_decimal | To decimal
        text | added | Added
        text | when | When
        text | day | Day
        """,
        version="2",
    )
    assert {w.column for w in v2.changes.widened} == {"retype", "to_decimal", "when", "day"}
    with transaction(engine, read_only=True) as connection:
        row = connection.execute(
            sa.text('SELECT keep, retype, to_decimal, dropped, "when", day, added FROM intake')
        ).one()
    assert row.keep == "k" and row.retype == "42" and row.dropped == "still here"
    assert Decimal(str(row.to_decimal)) == 7
    assert row.when == "2025-03-04T09:15:00+01:00"  # the text as sent, offset kept
    assert row.day == "2025-03-04" and row.added is None
    # New rows of the new type go into the widened columns.
    add_submission(
        engine,
        v1.form.id,
        v2.version.id,
        {"retype": "forty-two", "to_decimal": Decimal("1.5")},
        instance="uuid:2",
    )
    with transaction(engine, read_only=True) as connection:
        values = connection.execute(
            sa.text("SELECT retype, to_decimal FROM intake ORDER BY _id")
        ).all()
    assert [v.retype for v in values] == ["42", "forty-two"]
    assert [Decimal(str(v.to_decimal)) for v in values] == [7, Decimal("1.5")]


def test_repeat_rows_survive_a_widening_of_their_parent(engine, project_id):
    survey = """
        type | name | label
        {kind} | size | Size
        begin_repeat | members | Members
        text | m_name | Name
        end_repeat | |
        """
    v1 = publish(engine, project_id, survey.format(kind="integer"), version="1")
    submission = add_submission(engine, v1.form.id, v1.version.id, {"size": 1})
    with transaction(engine) as connection:
        tables = build_tables(load_plan(connection, v1.form.id))
        parent = connection.execute(sa.select(tables["intake"].c._id)).scalar_one()
        connection.execute(
            sa.insert(tables["intake__members"]).values(
                _submission_id=submission, _parent_id=parent, _ordinal=1, m_name="Awa"
            )
        )
    publish(engine, project_id, survey.format(kind="text"), version="2")
    with transaction(engine, read_only=True) as connection:
        assert connection.execute(sa.text("SELECT m_name FROM intake__members")).scalar() == "Awa"
        assert connection.execute(sa.text("SELECT size FROM intake")).scalar() == "1"


def test_versions_are_listed_and_each_keeps_its_own_plan(engine, project_id):
    publish(engine, project_id, "type | name | label\ntext | a | A", version="1")
    publish(engine, project_id, "type | name | label\ntext | b | B", version="2")
    with transaction(engine, read_only=True) as connection:
        form = get_form(connection, project_id, "intake")
        versions = list_versions(connection, form.id)
        assert [v.version for v in versions] == ["2", "1"]
        assert form.current_version_id == versions[0].id
        _schema, plan_v1 = load_version_plan(connection, find_version(connection, form.id, "1").id)
        assert {c.name for c in plan_v1.root.columns} == {"a", "meta__instanceid"}
        assert [f.xml_form_id for f in list_forms(connection, project_id)] == ["intake"]


def test_form_media_named_in_the_xform_are_expected_attachments(engine, project_id):
    result = publish(
        engine,
        project_id,
        """
        type | name | label | media::image
        note | logo | Hello | logo.png
        select_one_from_file villages.csv | village | Village |
        """,
    )
    with transaction(engine, read_only=True) as connection:
        names = connection.execute(
            sa.select(s.form_attachments.c.name, s.form_attachments.c.type)
            .where(s.form_attachments.c.form_version_id == result.version.id)
            .order_by(s.form_attachments.c.name)
        ).all()
    assert [tuple(n) for n in names] == [("logo.png", "image"), ("villages.csv", "file")]


def test_repeat_keys_are_centrals():
    # Values from ODK Central's own OData and CSV export of the reference submissions.
    key, odata_id = repeat_keys("uuid:9c57e925-66bf-4e25-923f-d2494e067e65", [("members", 0)])
    assert key == "uuid:9c57e925-66bf-4e25-923f-d2494e067e65/members[1]"
    assert odata_id == "4e13d0adbc0c23232692a77941f5a8dc252e0cf7"
    _key, second = repeat_keys("uuid:a1ab7715-fd92-4fed-8b24-8e5294dda22c", [("members", 1)])
    assert second == "3b33c3f308b9f81a8a74e5afaa5d9f6b66a93b9b"
    nested, _id = repeat_keys("uuid:x", [("hh", None), ("member", 1), ("jobs", 0)])
    assert nested == "uuid:x/hh/member[2]/jobs[1]"
