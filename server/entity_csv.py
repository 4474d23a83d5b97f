"""An entity list written out as the CSV ODK Collect reads (name, label, __version, then the
properties), streamed in blocks from one read-only transaction."""

from __future__ import annotations

import io
from collections.abc import Iterator

from sqlalchemy.engine import Engine

from converters.cells import csv_row_writer
from storage.db import transaction
from storage.entity_lists import EntityListRecord, csv_rows

BLOCK_ROWS = 1000


def entity_list_csv(engine: Engine, entity_list: EntityListRecord) -> Iterator[bytes]:
    buffer = io.StringIO()
    write = csv_row_writer(buffer)
    with transaction(engine, read_only=True) as connection:
        for count, row in enumerate(csv_rows(connection, entity_list), start=1):
            write(row)
            if count % BLOCK_ROWS == 0:
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue().encode("utf-8")
