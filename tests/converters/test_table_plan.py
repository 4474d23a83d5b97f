"""Table planning: readable, unique, SQL-safe names; typed columns; additive evolution."""

from __future__ import annotations

import pytest

from converters.sql_names import MAX_BYTES, sql_name, sql_part, unique_name
from converters.table_plan import (
    SYSTEM_COLUMNS,
    ColumnRole,
    SqlType,
    TableKind,
    plan_tables,
    widen,
)
from tests.support.xlsforms import schema_of


def _columns(table):
    return {c.name: (c.role, c.sql_type) for c in table.columns}


def test_each_type_gets_its_columns():
    schema = schema_of(
        """
        type | name | label
        integer | n | N
        decimal | d | D
        date | day | Day
        dateTime | at | At
        time | clock | Clock
        geopoint | where | Where
        geotrace | route | Route
        image | photo | Photo
        select_multiple abc | many | Many
        select_one abc | one | One
        """,
        choices="list_name | name | label\nabc | a | A\nabc | b | B",
    )
    plan = plan_tables(schema, table_prefix="t").physical
    root = plan.root
    assert root.name == "t"
    assert _columns(root) == {
        "n": (ColumnRole.VALUE, SqlType.BIGINT),
        "d": (ColumnRole.VALUE, SqlType.DECIMAL),
        "day": (ColumnRole.VALUE, SqlType.DATE),
        "at": (ColumnRole.VALUE, SqlType.TIMESTAMP),
        "at_raw": (ColumnRole.RAW, SqlType.TEXT),
        "clock": (ColumnRole.VALUE, SqlType.TIME),
        "clock_raw": (ColumnRole.RAW, SqlType.TEXT),
        "where": (ColumnRole.VALUE, SqlType.TEXT),
        "where_latitude": (ColumnRole.LATITUDE, SqlType.DOUBLE),
        "where_longitude": (ColumnRole.LONGITUDE, SqlType.DOUBLE),
        "where_altitude": (ColumnRole.ALTITUDE, SqlType.DOUBLE),
        "where_accuracy": (ColumnRole.ACCURACY, SqlType.DOUBLE),
        "route": (ColumnRole.VALUE, SqlType.TEXT),
        "photo": (ColumnRole.VALUE, SqlType.TEXT),
        "many": (ColumnRole.VALUE, SqlType.TEXT),
        "one": (ColumnRole.VALUE, SqlType.TEXT),
        "meta__instanceid": (ColumnRole.VALUE, SqlType.TEXT),
    }
    selection = plan.find(TableKind.SELECTION, "/data/many")
    assert (selection.name, selection.parent) == ("t__many", "t")
    assert _columns(selection) == {"value": (ColumnRole.ITEM, SqlType.TEXT)}


def test_repeat_inside_repeat_is_a_grandchild_table():
    schema = schema_of(
        """
        type | name | label
        begin_repeat | members | Members
        text | m_name | Name
        begin_repeat | jobs | Jobs
        text | title | Title
        select_multiple abc | tools | Tools
        end_repeat | |
        end_repeat | |
        """,
        choices="list_name | name | label\nabc | a | A",
    )
    plan = plan_tables(schema, table_prefix="hh").physical
    members = plan.find(TableKind.REPEAT, "/data/members")
    jobs = plan.find(TableKind.REPEAT, "/data/members/jobs")
    tools = plan.find(TableKind.SELECTION, "/data/members/jobs/tools")
    assert (members.name, members.parent) == ("hh__members", "hh")
    assert (jobs.name, jobs.parent) == ("hh__jobs", "hh__members")
    assert (tools.name, tools.parent) == ("hh__jobs__tools", "hh__jobs")
    assert set(_columns(jobs)) == {"title", "tools"}


def test_same_name_in_two_groups_gets_two_columns():
    schema = schema_of("""
        type | name | label
        begin_group | a | A
        integer | age | Age
        end_group | |
        begin_group | b | B
        integer | age | Age
        end_group | |
        """)
    root = plan_tables(schema, table_prefix="t").physical.root
    assert {c.name: c.xpath for c in root.columns if "age" in c.name} == {
        "a__age": "/data/a/age",
        "b__age": "/data/b/age",
    }


@pytest.mark.parametrize("word", ["select", "order", "group", "table", "from", "user"])
def test_sql_keywords_are_kept_readable(word):
    schema = schema_of(f"type | name | label\ntext | {word} | Word")
    assert word in _columns(plan_tables(schema, table_prefix="t").physical.root)


def test_seventy_character_names_are_cut_to_63_bytes_with_a_hash_and_stay_unique():
    long_a = "a_very_long_question_name_that_goes_on_and_on_about_the_household_x1"
    long_b = "a_very_long_question_name_that_goes_on_and_on_about_the_household_x2"
    assert len(long_a) >= 68
    schema = schema_of(f"type | name | label\ntext | {long_a} | A\ntext | {long_b} | B")
    root = plan_tables(schema, table_prefix="t").physical.root
    names = [c.name for c in root.columns if c.name.startswith("a_very")]
    assert len(names) == 2 and len(set(names)) == 2
    assert all(len(n.encode()) <= MAX_BYTES for n in names)
    again = plan_tables(schema, table_prefix="t").physical.root
    assert [c.name for c in again.columns] == [c.name for c in root.columns]


def test_names_that_clean_to_the_same_text_are_made_unique():
    schema = schema_of("type | name | label\ntext | Age | A\ntext | age | B\ntext | _age | C")
    root = plan_tables(schema, table_prefix="t").physical.root
    assert [c.name for c in root.columns][:3] == ["age", "age_2", "age_3"]


def test_field_names_never_clash_with_system_columns():
    schema = schema_of("type | name | label\ntext | _id | A\ntext | _submission_id | B")
    root = plan_tables(schema, table_prefix="t").physical.root
    assert not {c.name for c in root.columns} & set(SYSTEM_COLUMNS[TableKind.ROOT])


def test_taken_table_names_are_avoided():
    schema = schema_of("type | name | label\ntext | a | A")
    plan = plan_tables(schema, table_prefix="t", taken_table_names={"t"}).physical
    assert plan.root.name == "t_2"


def test_three_hundred_questions_plan_quickly_into_one_table():
    rows = "\n".join(f"integer | q{i:03d} | Question {i}" for i in range(300))
    schema = schema_of("type | name | label\n" + rows)
    root = plan_tables(schema, table_prefix="big").physical.root
    assert len([c for c in root.columns if c.name.startswith("q")]) == 300


V1 = """
type | name | label
text | keep | Keep
integer | retype | Retype
integer | to_decimal | To decimal
text | dropped | Dropped
dateTime | when | When
"""
V2 = """
type | name | label
text | keep | Keep
text | retype | Retype
decimal | to_decimal | To decimal
text | added | Added
text | when | When
"""


def test_a_new_version_adds_keeps_and_widens_columns():
    v1 = plan_tables(schema_of(V1, version="1"), table_prefix="t")
    v2 = plan_tables(schema_of(V2, version="2"), table_prefix="t", existing=v1.physical)
    root = v2.physical.root
    assert _columns(root)["dropped"] == (ColumnRole.VALUE, SqlType.TEXT)  # kept
    assert _columns(root)["added"] == (ColumnRole.VALUE, SqlType.TEXT)
    assert _columns(root)["retype"] == (ColumnRole.VALUE, SqlType.TEXT)
    assert _columns(root)["to_decimal"] == (ColumnRole.VALUE, SqlType.DECIMAL)
    assert _columns(root)["when"] == (ColumnRole.VALUE, SqlType.TEXT)
    assert [(c.name, c.role) for _, c in v2.changes.new_columns] == [("added", ColumnRole.VALUE)]
    assert {(w.column, w.old, w.new) for w in v2.changes.widened} == {
        ("retype", SqlType.BIGINT, SqlType.TEXT),
        ("to_decimal", SqlType.BIGINT, SqlType.DECIMAL),
        ("when", SqlType.TIMESTAMP, SqlType.TEXT),
    }
    version_columns = {c.name for c in v2.version.root.columns}
    assert "dropped" not in version_columns and "when_raw" not in version_columns
    assert {"keep", "added", "retype"} <= version_columns


def test_an_older_version_is_planned_with_the_widened_types():
    v1 = plan_tables(schema_of(V1, version="1"), table_prefix="t")
    v2 = plan_tables(schema_of(V2, version="2"), table_prefix="t", existing=v1.physical)
    again = plan_tables(schema_of(V1, version="1"), table_prefix="t", existing=v2.physical)
    assert again.changes.new_columns == () and again.changes.widened == ()
    assert _columns(again.version.root)["retype"] == (ColumnRole.VALUE, SqlType.TEXT)


def test_widening_is_a_lattice_towards_text():
    assert widen(SqlType.BIGINT, SqlType.DECIMAL) is SqlType.DECIMAL
    assert widen(SqlType.DECIMAL, SqlType.BIGINT) is SqlType.DECIMAL
    assert widen(SqlType.DATE, SqlType.TIMESTAMP) is SqlType.TEXT
    assert widen(SqlType.TEXT, SqlType.BIGINT) is SqlType.TEXT
    assert widen(SqlType.DATE, SqlType.DATE) is SqlType.DATE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Full Name", "full_name"),
        ("Âge-du_chef", "age_du_chef"),
        ("1st_visit", "f_1st_visit"),
        ("__x__", "x"),
        ("a..b", "a_b"),
    ],
)
def test_sql_part_is_ascii_lower_case_and_never_starts_with_a_digit(text, expected):
    assert sql_part(text) == expected


def test_names_without_any_latin_letter_get_a_stable_hash():
    assert sql_part("الاسم") == sql_part("الاسم")
    assert sql_part("الاسم").startswith("f_") and sql_part("الاسم") != sql_part("اسم")


def test_unique_names_stay_within_63_bytes():
    base = sql_name(["x" * 80])
    assert len(base) == MAX_BYTES
    second = unique_name(base, {base})
    assert len(second) <= MAX_BYTES and second.endswith("_2")
