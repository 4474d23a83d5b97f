"""Indexes the submissions table asks for on PostgreSQL, made the first time someone sorts by a
question (a B-tree on the sort key) or looks for a text in one (a trigram index over the folded
answer, when pg_trgm can be had). Made once, CONCURRENTLY, on a connection of their own, so
neither the page nor a submission waits; the catalog is the record, so several processes and
servers make each one once. Only these indexes cost every later submission an index entry:
nothing is indexed for a question nobody sorts or searches."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from storage.submissions.listing import SORT_PREFIX_SQL, FormData, TableFilters
from storage.text_search import folded

log = logging.getLogger(__name__)


class IndexKind(Enum):
    ORDER = "order"  # B-tree on (sort key, _submission_id): a page in order without a sort
    CONTAINS = "contains"  # GIN trigram index on the folded answer: "contains" without a scan


@dataclass(frozen=True, slots=True)
class TableIndex:
    table: str
    column: str
    kind: IndexKind
    text: bool = True  # a text column: sorted by its first SORT_PREFIX characters

    @property
    def name(self) -> str:
        """Stable, so that every process looks for the same one; within 63 bytes. A column
        widened to text (storage/forms/ddl.py drops its old index) gets a new name."""
        key = f"{self.table}\0{self.column}\0{'text' if self.text else 'value'}"
        digest = hashlib.sha256(key.encode()).hexdigest()[:24]
        return f"ix_{self.kind.value}_{digest}"


# Below this many rows a table is read whole in milliseconds: no index, and no entry for every
# submission to pay.
INDEX_FROM = 10_000

_lock = threading.Lock()
_known: set[tuple[str, str]] = set()  # (database, index) made or being made, in this process
_no_trigrams: set[str] = set()  # databases (by URL) where pg_trgm cannot be had


def wanted_indexes(data: FormData, filters: TableFilters, sort: str) -> list[TableIndex]:
    """The indexes that would serve this page: the question it is sorted by, the text
    questions it looks into (one question, or a per-column filter; not the search over
    every text question, which would index them all)."""
    if data.root is None:
        return []
    table = data.root.name
    wanted = []
    if sort.startswith("q:") and (column := data.column(sort[2:])) is not None:
        text = isinstance(column.type, sa.Text)
        wanted.append(TableIndex(table, column.name, IndexKind.ORDER, text))
    one = filters.question if filters.answer and filters.choices is None else None
    searched = [one] if one else []
    searched += [f.xpath for f in filters.columns if f.contains and f.choices is None]
    for xpath in searched:
        column = data.column(xpath)
        if column is not None and isinstance(column.type, sa.Text):
            wanted.append(TableIndex(table, column.name, IndexKind.CONTAINS))
    return wanted


def missing_indexes(
    connection: Connection, wanted: Sequence[TableIndex], *, from_rows: int = INDEX_FROM
) -> list[TableIndex]:
    """Those of `wanted` that no valid index of the database is yet, on tables of at least
    `from_rows` rows (as PostgreSQL last counted them: a smaller one is read whole at once)."""
    url = _database(connection.engine)
    names = [index.name for index in wanted if (url, index.name) not in _known]
    if not names or connection.dialect.name != "postgresql":
        return []
    tables = {index.table for index in wanted if index.name in names}
    quote = connection.dialect.identifier_preparer.quote
    size = sa.text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:table)")
    sizes = {  # the table itself, not a view of the same name (storage/exports/views.py)
        table: float(connection.execute(size, {"table": quote(table)}).scalar() or 0)
        for table in tables
    }
    names = [
        i.name for i in wanted if i.name in names and max(sizes.get(i.table, 0), 0) >= from_rows
    ]
    if not names:
        return []
    valid = set(
        connection.execute(
            sa.text(
                "SELECT c.relname FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid"
                " WHERE c.relname = ANY(:names) AND i.indisvalid"
            ),
            {"names": names},
        ).scalars()
    )
    with _lock:
        _known.update((url, name) for name in valid)
    return [index for index in wanted if index.name in names and index.name not in valid]


def _database(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def create_index(engine: Engine, index: TableIndex) -> bool:
    """Make `index` unless another process is making it; False when it cannot be made here
    (pg_trgm unavailable for a trigram index). An invalid one left by an interrupted build
    is dropped first."""
    url = _database(engine)
    if index.kind is IndexKind.CONTAINS and url in _no_trigrams:
        return False
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        lock = sa.text("SELECT pg_try_advisory_lock(hashtext(:name))")
        if not connection.execute(lock, {"name": index.name}).scalar_one():
            return True  # another process is making it
        try:
            state = connection.execute(
                sa.text(
                    "SELECT i.indisvalid FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid"
                    " WHERE c.relname = :name"
                ),
                {"name": index.name},
            ).scalar()
            if state:  # made by another process meanwhile
                return True
            if index.kind is IndexKind.CONTAINS and not _trigrams(connection, url):
                return False
            quote = connection.dialect.identifier_preparer.quote
            if state is not None:  # left invalid by an interrupted build
                connection.exec_driver_sql(f"DROP INDEX CONCURRENTLY {quote(index.name)}")
            connection.exec_driver_sql(
                f"CREATE INDEX CONCURRENTLY {quote(index.name)} ON {quote(index.table)}"
                f" {_definition(connection, index)}"
            )
        finally:
            connection.execute(
                sa.text("SELECT pg_advisory_unlock(hashtext(:name))"), {"name": index.name}
            )
    log.info("index %s made on %s (%s)", index.name, index.table, index.column)
    return True


def _definition(connection: Connection, index: TableIndex) -> str:
    """The indexed expression, compiled by the same code as the page's query (FormData's
    sort_key, contains_folded), so that PostgreSQL recognises it there."""
    column = sa.column(index.column, sa.Text)
    if index.kind is IndexKind.CONTAINS:
        expression = folded(sa.cast(column, sa.Text))
        return f"USING gin (({_sql(connection, expression)}) gin_trgm_ops)"
    key: sa.ColumnElement[Any] = column
    if index.text:
        key = sa.func.substr(column, sa.literal_column("1"), SORT_PREFIX_SQL)
    return f"(({_sql(connection, key)}), _submission_id)"


def _sql(connection: Connection, expression: sa.ColumnElement[Any]) -> str:
    return str(
        expression.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    )


def _trigrams(connection: Connection, url: str) -> bool:
    """pg_trgm is there or can be made (a trusted extension since PostgreSQL 13: the
    database's owner may create it). Without it, "contains" scans the table."""
    try:
        connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError as error:
        log.warning("no pg_trgm (%s): searching answers scans the table", error.orig)
        _no_trigrams.add(url)
        return False
    return True


def request_indexes(
    engine: Engine, wanted: Sequence[TableIndex], *, from_rows: int = INDEX_FROM
) -> threading.Thread | None:
    """Make the missing ones of `wanted` in a thread (a daemon: a server stopping midway
    leaves an invalid index, dropped and made again next time). Each is asked for once per
    process; the thread is returned for whoever wants to wait for it (tests)."""
    if engine.dialect.name != "postgresql" or not wanted:
        return None
    url = _database(engine)
    with _lock:
        wanted = [index for index in wanted if (url, index.name) not in _known]
    if not wanted:  # each asked for once per process: no connection for the pages after
        return None
    with engine.connect() as connection:
        missing = missing_indexes(connection, wanted, from_rows=from_rows)
    with _lock:
        missing = [index for index in missing if (url, index.name) not in _known]
        _known.update((url, index.name) for index in missing)
    if not missing:
        return None

    def make() -> None:
        for index in missing:
            try:
                create_index(engine, index)
            except sa.exc.DBAPIError:  # the page still works, by scanning: say why, go on
                log.exception("index %s on %s could not be made", index.name, index.table)
                with _lock:
                    _known.discard((url, index.name))

    thread = threading.Thread(target=make, name="table-indexes", daemon=True)
    thread.start()
    return thread
