"""The CSV zip's `<form id> - audit.csv`, as ODK Central makes it: every event of every exported
submission's client audit log (Collect's `audit.csv`, read from blob storage as it streams),
each row led by the submission's instance ID, oldest submission first."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import partial
from itertools import chain
from typing import IO, Any

from sqlalchemy.engine import Connection

from converters.cells import csv_row_writer
from converters.client_audits import (
    AUDIT_HEADERS,
    EXPORT_HEADER,
    audit_events,
    text_lines,
    without_hidden_values,
)
from server.exports.archive import MemberWriter
from server.exports.form_data import FormData
from storage.blobs.store import BlobStore
from storage.exports.csv_queries import CsvOptions, audit_rows, stream_rows

FLUSH = 256 * 1024


def audit_member(
    connection: Connection,
    blobs: BlobStore,
    data: FormData,
    options: CsvOptions,
    now: datetime,
) -> tuple[str, MemberWriter] | None:
    """The zip member, or None when no exported submission has a log (Central then leaves the
    file out)."""
    query = audit_rows(data.model, data.tables, data.form.id, options, now)
    logs = stream_rows(connection, query)
    first = next(logs, None)
    if first is None:
        return None
    rows = chain([first], logs)
    return f"{data.form.xml_form_id} - audit.csv", partial(_write, blobs, rows, data.model.hidden)


def _write(
    blobs: BlobStore,
    logs: Iterable[tuple[Any, ...]],
    hidden: frozenset[str],
    out: IO[bytes],
) -> Iterator[None]:
    text = io.StringIO()
    write = csv_row_writer(text)
    write(EXPORT_HEADER)
    for instance_id, sha256 in logs:
        if sha256 is None:  # expected, never received: Central gives the submission one row
            write([instance_id, *("" for _ in AUDIT_HEADERS)])
            continue
        for event in audit_events(text_lines(blobs.iter_chunks(sha256))):
            write([instance_id, *without_hidden_values(event, hidden)])
            if text.tell() >= FLUSH:
                out.write(text.getvalue().encode("utf-8"))
                text.seek(0)
                text.truncate()
                yield None
    out.write(text.getvalue().encode("utf-8"))
    yield None
