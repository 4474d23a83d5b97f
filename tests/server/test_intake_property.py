"""Property: any valid submission of the household form goes through the pipeline (without HTTP)
and every value comes back out of the tables equal: types, repeats, nested repeats, selections,
and empty or absent elements as NULL."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from converters.xlsform import compile_form
from server.auth import Caller
from server.submissions.intake import IntakeContext, receive_submission
from server.submissions.targets import FormTargets
from storage.accounts.access import load_actor
from storage.accounts.users import create_user
from storage.db import transaction
from storage.forms.versions import publish_form
from storage.projects import create_project
from tests.support.paths import DATA

ABSENT = object()

text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r"),
    min_size=1,
    max_size=40,
).filter(lambda t: t.strip())
integers = st.integers(min_value=-(10**12), max_value=10**12)
decimals = st.decimals(min_value=-(10**8), max_value=10**8, places=3, allow_nan=False)
dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1))
offsets = st.integers(min_value=-12 * 4, max_value=14 * 4).map(
    lambda q: timezone(timedelta(minutes=15 * q))
)
moments = st.builds(
    lambda d, tz: d.replace(tzinfo=tz),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1)),
    offsets,
).map(lambda m: m.replace(microsecond=m.microsecond // 1000 * 1000))
coordinate = st.floats(min_value=-90, max_value=90, allow_nan=False).map(lambda f: round(f, 6))
points = st.tuples(
    coordinate,
    coordinate,
    st.floats(0, 5000).map(lambda f: round(f, 1)),
    st.floats(0, 100).map(lambda f: round(f, 1)),
)
needs = st.lists(st.sampled_from(["medical", "food", "shelter"]), unique=True, max_size=3)


def maybe(strategy):
    """A value, an empty element, or no element at all."""
    return st.one_of(strategy, st.just(None), st.just(ABSENT))


jobs = st.fixed_dictionaries({"title": maybe(text), "pay": maybe(decimals)})
members = st.fixed_dictionaries(
    {"m_name": maybe(text), "m_age": maybe(integers), "jobs": st.lists(jobs, max_size=2)}
)
submissions = st.fixed_dictionaries(
    {
        "name": maybe(text),
        "age": maybe(integers),
        "income": maybe(decimals),
        "dob": maybe(dates),
        "sex": maybe(st.sampled_from(["male", "female"])),
        "needs": maybe(needs),
        "location": maybe(points),
        "visit": maybe(moments),
        "members": st.lists(members, max_size=3),
    }
)


def wire(value):
    if isinstance(value, list):
        return " ".join(value)
    if isinstance(value, tuple):
        return " ".join(str(v) for v in value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds")
    return str(value)


def leaf(parent, name, value):
    if value is not ABSENT:
        etree.SubElement(parent, name).text = None if value is None else wire(value)


def build_xml(answers, instance_id):
    root = etree.Element("data", id="household", version="1")
    respondent = etree.SubElement(root, "respondent")
    for name in ("name", "age", "income", "dob", "sex", "needs", "location"):
        leaf(respondent, name, answers[name])
    for member in answers["members"]:
        element = etree.SubElement(root, "members")
        leaf(element, "m_name", member["m_name"])
        leaf(element, "m_age", member["m_age"])
        for job in member["jobs"]:
            job_element = etree.SubElement(element, "jobs")
            leaf(job_element, "title", job["title"])
            leaf(job_element, "pay", job["pay"])
    leaf(root, "visit", answers["visit"])
    etree.SubElement(etree.SubElement(root, "meta"), "instanceID").text = instance_id
    return etree.tostring(root)


def value(answer):
    return None if answer is None or answer is ABSENT else answer


@pytest.fixture
def intake(engine, blob_store):
    compiled = compile_form((DATA / "household.md").read_bytes(), ".md")
    with transaction(engine) as connection:
        user = create_user(
            connection,
            email="admin@example.org",
            password_hash=None,
            now=datetime(2026, 1, 1, tzinfo=UTC),
            is_admin=True,
        )
        admin = Caller(load_actor(connection, user.id), "bearer")
        project = create_project(connection, "P", datetime(2026, 1, 1, tzinfo=UTC))
        publish_form(
            connection,
            project_id=project.id,
            compiled=compiled,
            now=datetime(2026, 1, 1, tzinfo=UTC),
        )
    context = IntakeContext(
        engine, blob_store, FormTargets(), lambda: datetime(2026, 3, 4, tzinfo=UTC)
    )
    return context, project.id, admin


def same_decimal(stored, expected):
    return Decimal(str(stored)) == expected if stored is not None else expected is None


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(answers=submissions)
def test_every_value_comes_back_out_of_the_tables(intake, engine, answers):
    context, project_id, admin = intake
    instance_id = f"uuid:{uuid.uuid4()}"
    stored = receive_submission(
        context,
        project_id=project_id,
        files=[],
        identify=lambda _connection: admin,
        xml=build_xml(answers, instance_id),
    )
    with engine.connect() as connection:
        root = (
            connection.execute(
                sa.text("SELECT * FROM household WHERE _submission_id = :s"),
                {"s": stored.submission_id},
            )
            .mappings()
            .one()
        )
        member_rows = (
            connection.execute(
                sa.text("SELECT * FROM household__members WHERE _submission_id = :s ORDER BY _id"),
                {"s": stored.submission_id},
            )
            .mappings()
            .all()
        )
        job_rows = (
            connection.execute(
                sa.text("SELECT * FROM household__jobs WHERE _submission_id = :s ORDER BY _id"),
                {"s": stored.submission_id},
            )
            .mappings()
            .all()
        )
        chosen = (
            connection.execute(
                sa.text(
                    "SELECT value FROM household__respondent__needs WHERE _submission_id = :s "
                    "ORDER BY _ordinal"
                ),
                {"s": stored.submission_id},
            )
            .scalars()
            .all()
        )
    assert root["respondent__name"] == value(answers["name"])
    assert root["respondent__age"] == value(answers["age"])
    assert same_decimal(root["respondent__income"], value(answers["income"]))
    assert _date(root["respondent__dob"]) == value(answers["dob"])
    assert root["respondent__sex"] == value(answers["sex"])
    assert chosen == (value(answers["needs"]) or [])
    point = value(answers["location"])
    stored_point = tuple(
        root[f"respondent__location_{part}"]
        for part in ("latitude", "longitude", "altitude", "accuracy")
    )
    assert stored_point == (point if point else (None, None, None, None))
    visit = value(answers["visit"])
    assert _moment(root["visit"]) == visit
    assert root["visit_raw"] == (wire(visit) if visit else None)
    assert [(m["m_name"], m["m_age"], m["_ordinal"]) for m in member_rows] == [
        (value(m["m_name"]), value(m["m_age"]), i + 1) for i, m in enumerate(answers["members"])
    ]
    expected_jobs = [
        (i, value(j["title"]), value(j["pay"]))
        for i, m in enumerate(answers["members"])
        for j in m["jobs"]
    ]
    parents = {row["_id"]: index for index, row in enumerate(member_rows)}
    assert [(parents[j["_parent_id"]], j["title"]) for j in job_rows] == [
        (i, title) for i, title, _pay in expected_jobs
    ]
    assert all(
        same_decimal(j["pay"], pay)
        for j, (_i, _t, pay) in zip(job_rows, expected_jobs, strict=True)
    )


def _date(stored):
    return date.fromisoformat(stored) if isinstance(stored, str) else stored


def _moment(stored):
    if stored is None:
        return None
    if isinstance(stored, str):  # SQLite through a raw text query: UTC without offset
        stored = datetime.fromisoformat(stored).replace(tzinfo=UTC)
    return stored if stored.tzinfo else stored.replace(tzinfo=UTC)
