"""Writing one export table as CSV: PostgreSQL streams it with COPY (formatted by the database,
in C), SQLite through the csv module, both from the same SELECT (storage/exports/csv_queries.py),
whose cells are neutralised for spreadsheets; the csv module's writer neutralises every cell
again, the header included (converters/cells.py)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import IO, Any

from sqlalchemy.engine import Connection

from converters.cells import csv_row_writer
from storage.db import is_postgres
from storage.exports.csv_queries import CsvTable, stream_rows

FLUSH_ROWS = 2000
COPY_BLOCK = 256 * 1024


def write_csv(connection: Connection, table: CsvTable, out: IO[bytes]) -> Iterator[None]:
    """Write the header and every row of `table` to `out`, yielding now and then."""
    header = io.StringIO()
    csv_row_writer(header)(table.headers)
    out.write(header.getvalue().encode("utf-8"))
    if is_postgres(connection):
        yield from _copy(connection, table, out)
    else:
        yield from _rows(connection, table, out)


def _copy(connection: Connection, table: CsvTable, out: IO[bytes]) -> Iterator[None]:
    compiled = table.statement.compile(dialect=connection.dialect)
    raw: Any = connection.connection.dbapi_connection
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv)", compiled.params) as copy,
    ):
        # COPY hands over one row at a time: write them to the zip in blocks of ~256 KB.
        blocks: list[bytes] = []
        size = 0
        for block in copy:
            blocks.append(block)
            size += len(block)
            if size >= COPY_BLOCK:
                out.write(b"".join(blocks))
                blocks.clear()
                size = 0
                yield None
        out.write(b"".join(blocks))
        yield None


def _rows(connection: Connection, table: CsvTable, out: IO[bytes]) -> Iterator[None]:
    text = io.StringIO()
    write = csv_row_writer(text)
    for count, row in enumerate(stream_rows(connection, table.statement), start=1):
        write(["" if value is None else value for value in row])
        if count % FLUSH_ROWS == 0:
            out.write(text.getvalue().encode("utf-8"))
            text.seek(0)
            text.truncate()
            yield None
    out.write(text.getvalue().encode("utf-8"))
    yield None
