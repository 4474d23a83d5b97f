"""Submission XML -> rows: typed values, repeats, nested repeats, selections, attachments, and
clear errors naming the XPath of a bad value."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest

from converters.errors import ConversionCode, SubmissionError
from converters.submission import parse_submission, submission_rows
from converters.table_plan import plan_tables
from converters.xform_schema import parse_xform
from converters.xlsform import compile_form
from tests.support.paths import DATA


@pytest.fixture(scope="module")
def form():
    compiled = compile_form((DATA / "household.md").read_bytes(), ".md")
    schema = parse_xform(compiled.xform.encode())
    return schema, plan_tables(schema, table_prefix="household").version


def rows_of(form, name_or_xml):
    schema, plan = form
    xml = name_or_xml if isinstance(name_or_xml, bytes) else (DATA / name_or_xml).read_bytes()
    _envelope, root = parse_submission(xml)
    return submission_rows(root, schema, plan)


def by_table(result):
    tables = {}
    for row in result.rows:
        tables.setdefault(row.table, []).append(row)
    return tables


def test_envelope_identifies_form_version_and_instance():
    envelope, _ = parse_submission((DATA / "nested_repeat.xml").read_bytes())
    assert (envelope.form_id, envelope.version, envelope.root_name) == ("household", "1", "data")
    assert envelope.instance_id == "uuid:0b0c7a6e-0000-4000-8000-000000000003"
    assert envelope.instance_name == "Moussa Keita" and envelope.deprecated_id is None


def test_edit_envelope_carries_the_deprecated_id():
    envelope, _ = parse_submission((DATA / "edit_deprecated.xml").read_bytes())
    assert envelope.deprecated_id == "uuid:0b0c7a6e-0000-4000-8000-000000000001"


def test_simple_submission_gives_one_typed_root_row(form):
    tables = by_table(rows_of(form, "simple.xml"))
    (root,) = tables["household"]
    values = root.values
    assert values["respondent__name"] == "Mamadou Diallo"
    assert values["respondent__age"] == 28
    assert values["respondent__income"] == Decimal("450000.5")
    assert values["respondent__dob"] == date(1998, 7, 15)
    assert values["respondent__location_latitude"] == pytest.approx(12.6392)
    assert values["respondent__location_longitude"] == pytest.approx(-8.0029)
    assert values["respondent__location_accuracy"] == pytest.approx(4.5)
    assert values["visit"] == datetime(2026, 3, 4, 10, 15, tzinfo=timezone(timedelta(hours=1)))
    assert values["visit_raw"] == "2026-03-04T10:15:00.000+01:00"
    assert values["start"] == datetime(2026, 3, 4, 9, 12, 5, 123000, tzinfo=UTC)
    assert values["respondent__photo"] is None  # empty element: relevant but unanswered
    assert values["meta__instanceid"] == "uuid:0b0c7a6e-0000-4000-8000-000000000001"
    assert [
        (r.values["value"], r.ordinal, r.parent) for r in tables["household__respondent__needs"]
    ] == [("medical", 1, root.key), ("food", 2, root.key)]


def test_absent_elements_give_null(form):
    (root,) = by_table(rows_of(form, "nested_repeat.xml"))["household"]
    assert root.values["respondent__income"] is None and root.values["visit"] is None
    assert root.values["start"] is None


def test_repeats_become_child_rows_in_order(form):
    tables = by_table(rows_of(form, "with_repeat.xml"))
    root = tables["household"][0]
    members = tables["household__members"]
    assert [(m.values["m_name"], m.values["m_age"], m.ordinal, m.parent) for m in members] == [
        ("Aissatou", 24, 1, root.key),
        ("Ibrahima", 3, 2, root.key),
    ]
    assert "household__jobs" not in tables


def test_nested_repeats_point_at_their_own_parent_row(form):
    tables = by_table(rows_of(form, "nested_repeat.xml"))
    members = {m.key: m.values["m_name"] for m in tables["household__members"]}
    jobs = [
        (members[j.parent], j.ordinal, j.values["title"], j.values["pay"])
        for j in tables["household__jobs"]
    ]
    assert jobs == [
        ("Fatoumata", 1, "Trader", Decimal("120000")),
        ("Fatoumata", 2, "Tailor", None),
        ("Oumar", 1, "Farmer", Decimal("75000.25")),
    ]
    assert all(j.key > j.parent for j in tables["household__jobs"])


def test_attachments_are_the_binary_fields_answered(form):
    result = rows_of(form, "with_attachments.xml")
    assert [(a.name, a.xpath) for a in result.attachments] == [
        ("1741079521992.jpg", "/data/respondent/photo"),
        ("note 1.m4a", "/data/voice"),
    ]
    assert rows_of(form, "simple.xml").attachments == ()


@pytest.mark.parametrize(
    ("element", "value", "expected"),
    [
        ("age", "twenty", "integer"),
        ("income", "lots", "decimal number"),
        ("dob", "15/07/1998", "date (YYYY-MM-DD)"),
        ("location", "north", "geopoint"),
        ("income", "NaN", "decimal number"),
    ],
)
def test_a_bad_value_names_its_xpath(form, element, value, expected):
    xml = (
        f'<data id="household" version="1"><respondent><{element}>{value}</{element}>'
        "</respondent><meta><instanceID>uuid:x</instanceID></meta></data>"
    ).encode()
    with pytest.raises(SubmissionError) as caught:
        rows_of(form, xml)
    error = caught.value
    assert error.code is ConversionCode.SUBMISSION_BAD_VALUE
    assert error.context["xpath"] == f"/data/respondent/{element}"
    assert expected in error.message


def test_time_values_keep_their_offset():
    compiled = compile_form(
        b"| survey |\n| | type | name | label |\n| | time | t | T |\n"
        b"| settings |\n| | form_id | version |\n| | tt | 1 |\n",
        ".md",
    )
    schema = parse_xform(compiled.xform.encode())
    plan = plan_tables(schema, table_prefix="tt").version
    _, root = parse_submission(
        b'<data id="tt" version="1"><t>09:15:00.000+02:00</t>'
        b"<meta><instanceID>uuid:t</instanceID></meta></data>"
    )
    (row,) = submission_rows(root, schema, plan).rows
    assert row.values["t"] == time(9, 15, tzinfo=timezone(timedelta(hours=2)))


@pytest.mark.parametrize(
    ("xml", "code"),
    [
        (
            b'<data version="1"><meta><instanceID>uuid:1</instanceID></meta></data>',
            ConversionCode.SUBMISSION_NO_FORM_ID,
        ),
        (b'<data id="household"><meta/></data>', ConversionCode.SUBMISSION_NO_INSTANCE_ID),
        (b"<data id='household'", ConversionCode.XML_MALFORMED),
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            b'<data id="x">&b;</data>',
            ConversionCode.XML_FORBIDDEN,
        ),
        (
            b'<!DOCTYPE d SYSTEM "http://example.org/evil.dtd"><data id="x"/>',
            ConversionCode.XML_FORBIDDEN,
        ),
        (b"<a>" * 300 + b"</a>" * 300, ConversionCode.XML_MALFORMED),
    ],
)
def test_unusable_or_hostile_xml_is_refused(xml, code):
    with pytest.raises(SubmissionError) as caught:
        parse_submission(xml)
    assert caught.value.code is code


def test_instance_id_may_come_from_the_root_attribute():
    envelope, _ = parse_submission(b'<data id="f" instanceID="uuid:root-attr"/>')
    assert envelope.instance_id == "uuid:root-attr"


def test_repeat_rows_know_their_way_down_from_the_root(form):
    tables = by_table(rows_of(form, "nested_repeat.xml"))
    assert [m.segments for m in tables["household__members"]] == [
        (("members", 0),),
        (("members", 1),),
        (("members", 2),),
    ]
    assert [j.segments for j in tables["household__jobs"]] == [
        (("members", 0), ("jobs", 0)),
        (("members", 0), ("jobs", 1)),
        (("members", 2), ("jobs", 0)),
    ]
