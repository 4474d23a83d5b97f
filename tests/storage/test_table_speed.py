"""The submissions table read fast (issues 21 and 22): its pages, sorted by a question or
filtered by a text an answer contains, give what a plain Python computation over the same rows
gives, on SQLite and on PostgreSQL, before and after the indexes the table asks for are made;
on PostgreSQL those indexes are made once and the page's queries can use them."""

from __future__ import annotations

import secrets

import pytest
import sqlalchemy as sa

from converters.xlsform import compile_form
from storage.db import transaction
from storage.forms.versions import publish_form
from storage.projects import create_project
from storage.schema import system as s
from storage.submissions.listing import SORT_PREFIX, ColumnFilter, FormData, TableFilters
from storage.submissions.table_indexes import (
    IndexKind,
    TableIndex,
    create_index,
    missing_indexes,
    request_indexes,
    wanted_indexes,
)
from storage.text_search import fold
from tests.support.devices import make_device
from tests.support.forms import publish
from tests.support.xlsforms import md_form

FORM = b"""| survey |
| | type | name | label |
| | text | name | Name |
| | integer | age | Age |
| settings |
| | form_id | version |
| | speed | 1 |
"""
LONG = "a" * (SORT_PREFIX + 20)
PEOPLE = [  # name, age: accents, case, ties, missing answers, answers past SORT_PREFIX
    ("Traoré", 31),
    ("TRAORE", 22),
    ("Maïga", None),
    ("traore mariam", 45),
    (None, 38),
    ("Ɓa Diallo", 22),
    ("Keïta", 31),
    ("maiga", 60),
    (LONG + "z", 19),
    (LONG + "b", 19),
    ("Traoré", 70),
    (None, None),
    ("Ålvarez", 5),
]
NAME, AGE = "/data/name", "/data/age"


def _xml(n: int, name: str | None, age: int | None) -> bytes:
    answers = (f"<name>{name}</name>" if name is not None else "") + (
        f"<age>{age}</age>" if age is not None else ""
    )
    return (
        f'<data id="speed" version="1">{answers}'
        f"<meta><instanceID>uuid:00000000-0000-4000-8000-{n:012d}</instanceID></meta></data>"
    ).encode()


@pytest.fixture
def rows(client, admin, project, engine):
    """The submissions sent, as (submission id, instanceID, name, age)."""
    publish(client, admin, project, FORM)
    device = make_device(client, admin, project, ("speed",))
    for n, (name, age) in enumerate(PEOPLE, start=1):
        assert device.submit(_xml(n, name, age)).status_code == 201
    with transaction(engine, read_only=True) as connection:
        ids = {
            str(r[0]): int(r[1])
            for r in connection.execute(sa.select(s.submissions.c.instance_id, s.submissions.c.id))
        }
    return [
        (ids[f"uuid:00000000-0000-4000-8000-{n:012d}"], f"uuid:00000000-0000-4000-8000-{n:012d}")
        + person
        for n, person in enumerate(PEOPLE, start=1)
    ]


def _form(connection) -> FormData:
    form_id = connection.execute(
        sa.select(s.forms.c.id).where(s.forms.c.xml_form_id == "speed")
    ).scalar_one()
    return FormData(connection, form_id)


def _expected_order(rows, column: int, descending: bool, postgres: bool) -> list[str]:
    """The table's order: the answer (a text by its first SORT_PREFIX characters), then the
    newest first; a missing answer sorts above every other on PostgreSQL, below on SQLite."""

    def key(row):
        value = row[column]
        if isinstance(value, str):
            value = value[:SORT_PREFIX]
        missing = value is None
        return (missing if postgres else not missing, value if value is not None else 0)

    newest_first = sorted(rows, key=lambda row: -row[0])
    return [row[1] for row in sorted(newest_first, key=key, reverse=descending)]


def _every_page(connection, data: FormData, sort: str, descending: bool, size: int = 4):
    """Every page of the table, one after the other (the last ones read from the end)."""
    found: list[str] = []
    offset = 0
    while True:
        page, total = data.page(
            connection,
            TableFilters(),
            [NAME, AGE],
            sort=sort,
            descending=descending,
            limit=size,
            offset=offset,
        )
        found += [row.instance_id for row in page]
        offset += size
        if offset >= total:
            return found


def _check_sorts(engine, rows) -> None:
    with transaction(engine, read_only=True) as connection:
        data = _form(connection)
        postgres = connection.dialect.name == "postgresql"
        for sort, column in ((f"q:{NAME}", 2), (f"q:{AGE}", 3)):
            for descending in (True, False):
                assert _every_page(connection, data, sort, descending) == _expected_order(
                    rows, column, descending, postgres
                ), (sort, descending)


def _check_contains(engine, rows) -> None:
    with transaction(engine, read_only=True) as connection:
        data = _form(connection)
        for needle in ("traore", "TRAORÉ", "maiga", "ɓa", "alvarez", "aaz", "%", "nobody"):
            wanted = [r[1] for r in sorted(rows, key=lambda r: -r[0]) if fold(needle) in fold(r[2])]
            for filters in (
                TableFilters(question=NAME, answer=needle),
                TableFilters(columns=(ColumnFilter(NAME, contains=needle),)),
            ):
                page, total = data.page(connection, filters, [NAME], limit=50)
                assert ([row.instance_id for row in page], total) == (wanted, len(wanted)), needle


def test_sorted_pages_give_the_order_python_gives(engine, rows):
    _check_sorts(engine, rows)


def test_contains_finds_what_python_finds_whatever_the_accents_and_case(engine, rows):
    _check_contains(engine, rows)


@pytest.mark.postgres
def test_the_indexes_a_page_asks_for_are_made_once_and_used(engine, rows):
    with transaction(engine, read_only=True) as connection:
        data = _form(connection)
    filters = TableFilters(columns=(ColumnFilter(NAME, contains="traore"),))
    wanted = wanted_indexes(data, filters, f"q:{AGE}")
    wanted += wanted_indexes(data, TableFilters(), f"q:{NAME}")
    assert {(i.column, i.kind) for i in wanted} == {
        ("name", IndexKind.CONTAINS),
        ("age", IndexKind.ORDER),
        ("name", IndexKind.ORDER),
    }
    assert request_indexes(engine, wanted) is None  # 13 rows: read whole, no index
    thread = request_indexes(engine, wanted, from_rows=0)
    assert thread is not None
    thread.join()
    assert request_indexes(engine, wanted, from_rows=0) is None  # asked for once
    with transaction(engine) as connection:
        connection.exec_driver_sql("ANALYZE")  # as autovacuum would have
        assert missing_indexes(connection, wanted, from_rows=0) == []
        # A few rows: a scan and a sort would cost less than the index; price them out.
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        connection.exec_driver_sql("SET LOCAL enable_sort = off")
        for sort, filters, index in (
            (f"q:{NAME}", TableFilters(), wanted[2]),
            (f"q:{AGE}", TableFilters(), wanted[0]),
            ("submitted", TableFilters(question=NAME, answer="traore"), wanted[1]),
        ):
            if index.kind is IndexKind.CONTAINS:  # nor walk a whole index for its rows
                connection.exec_driver_sql("SET LOCAL enable_indexscan = off")
            statements: list[str] = []

            def grab(conn, cursor, statement, parameters, context, executemany):
                statements.append((statement, parameters))  # noqa: B023 - used at once

            sa.event.listen(connection, "before_cursor_execute", grab)
            data.page(connection, filters, [NAME], sort=sort)
            sa.event.remove(connection, "before_cursor_execute", grab)
            plans = []
            for statement, parameters in statements:
                with connection.connection.dbapi_connection.cursor() as cursor:
                    cursor.execute("EXPLAIN " + statement, parameters)
                    plans.append("\n".join(row[0] for row in cursor.fetchall()))
            assert any(index.name in plan for plan in plans), (index, "\n".join(plans))
    _check_sorts(engine, rows)
    _check_contains(engine, rows)


@pytest.mark.postgres
def test_a_number_question_widened_to_text_loses_its_plain_index(engine, clock):
    """A B-tree entry holds 2,704 bytes: the index on a number's plain value must not stay
    on a column that now takes whole text answers."""
    survey = "type | name | label\n{kind} | size | Size"

    with transaction(engine) as connection:
        project = create_project(connection, "Mali", clock()).id

    def version(kind: str, name: str):
        source = md_form(survey.format(kind=kind), form_id="intake", version=name)
        with transaction(engine) as connection:
            return publish_form(
                connection, project_id=project, compiled=compile_form(source, ".md"), now=clock()
            )

    form = version("integer", "1").form
    index = TableIndex("intake", "size", IndexKind.ORDER, text=False)
    exists = sa.text("SELECT count(*) FROM pg_indexes WHERE indexname = :name")
    assert create_index(engine, index)
    with transaction(engine, read_only=True) as connection:
        assert connection.execute(exists, {"name": index.name}).scalar_one() == 1
    version("text", "2")
    with transaction(engine) as connection:
        assert connection.execute(exists, {"name": index.name}).scalar_one() == 0
        submission = connection.execute(
            sa.insert(s.submissions)
            .values(form_id=form.id, instance_id="uuid:long", created_at=clock())
            .returning(s.submissions.c.id)
        ).scalar_one()
        connection.execute(
            sa.text("INSERT INTO intake (_submission_id, _version_id, size) VALUES (:s, 1, :size)"),
            {"s": submission, "size": secrets.token_hex(1500)},  # 3,000 bytes, incompressible
        )


@pytest.mark.postgres
def test_without_pg_trgm_contains_reads_the_table_with_the_same_results(engine, rows):
    """A role that may not create pg_trgm (not the database's owner): the trigram index is
    given up, said once in the log, and "contains" reads the table; the sort's index, which
    the tables' owner may make, still is."""
    role = f"baobab_no_extension_{secrets.token_hex(4)}"
    database = engine.url.database
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as admin:
        admin.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
        admin.exec_driver_sql(f"GRANT CONNECT ON DATABASE {database} TO {role}")
        admin.exec_driver_sql(f"GRANT USAGE, CREATE ON SCHEMA public TO {role}")
        admin.exec_driver_sql(f"ALTER TABLE speed OWNER TO {role}")
    restricted = sa.create_engine(engine.url.set(username=role))
    try:
        contains = TableIndex("speed", "name", IndexKind.CONTAINS)
        order = TableIndex("speed", "name", IndexKind.ORDER)
        assert not create_index(restricted, contains)
        assert not create_index(restricted, contains)  # remembered: not tried again
        assert create_index(restricted, order)
        with transaction(engine, read_only=True) as connection:
            assert missing_indexes(connection, [contains, order], from_rows=0) == [contains]
        _check_contains(engine, rows)
        _check_sorts(engine, rows)
    finally:
        restricted.dispose()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as admin:
            admin.exec_driver_sql(f"REASSIGN OWNED BY {role} TO CURRENT_USER")
            admin.exec_driver_sql(f"DROP OWNED BY {role}")
            admin.exec_driver_sql(f"DROP ROLE {role}")
