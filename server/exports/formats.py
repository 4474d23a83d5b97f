"""Every export format as a stream of bytes, independent of HTTP: the routes and the
`baobab export` command both call `export_chunks`."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import IO, cast

from sqlalchemy.engine import Connection, Engine

from converters.spss import spss_syntax
from server.exports.archive import MemberWriter, zip_stream
from server.exports.audits import audit_member
from server.exports.csv_files import write_csv
from server.exports.form_data import FormData
from server.exports.geojson import geojson_chunks
from server.exports.xlsx import write_xlsx
from storage.blobs.store import BlobStore
from storage.db import transaction
from storage.exports.csv_queries import (
    CsvOptions,
    CsvTable,
    attachment_rows,
    csv_tables,
    stream_rows,
)

FORMATS = {
    "csv.zip": "application/zip",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "sps": "text/plain; charset=utf-8",
}
Progress = Callable[[int], None]  # told how many more root rows (submissions) were written


@dataclass(frozen=True, slots=True)
class ExportSpec:
    format: str
    options: CsvOptions = field(default_factory=CsvOptions)
    media: bool = True
    spss: bool = False
    language: str | None = None
    labels: bool = False
    geometry: str | None = None

    def file_name(self, form_id: str) -> str:
        return f"{form_id}.zip" if self.format == "csv.zip" else f"{form_id}.{self.format}"


def export_chunks(
    engine: Engine,
    blobs: BlobStore,
    data: FormData,
    spec: ExportSpec,
    now: datetime,
    progress: Progress | None = None,
) -> Iterator[bytes]:
    """The export's bytes, made as they are read: memory does not grow with the data."""
    with transaction(engine, read_only=True) as connection:
        tables = csv_tables(
            connection, data.model, data.tables, data.form.id, spec.options, now, data.extra_columns
        )
        if spec.format == "csv.zip":
            yield from zip_stream(_members(connection, blobs, data, spec, tables, now, progress))
        elif spec.format == "csv":
            yield from _single(partial(_write_counted, connection, tables[0], progress))
        elif spec.format == "xlsx":
            yield from _xlsx(connection, data, spec, tables)
        elif spec.format == "geojson":
            yield from geojson_chunks(connection, tables[0], spec.geometry)
        elif spec.format == "sps":
            yield _syntax(data, spec, tables[0]).encode("utf-8")
        else:
            raise ValueError(f"unknown export format {spec.format!r}; one of {', '.join(FORMATS)}")


def _members(
    connection: Connection,
    blobs: BlobStore,
    data: FormData,
    spec: ExportSpec,
    tables: list[CsvTable],
    now: datetime,
    progress: Progress | None,
) -> Iterator[tuple[str, MemberWriter]]:
    """The archive's members, made one at a time (a form may have a million files)."""
    for index, table in enumerate(tables):
        # Progress counts submissions: the rows of the first (root) table.
        counted = progress if index == 0 else None
        yield table.file_name, partial(_write_counted, connection, table, counted)
        if spec.spss:
            syntax = _syntax(data, spec, table)
            yield table.file_name.removesuffix(".csv") + ".sps", partial(_write_text, syntax)
    # Central's zip without `attachments` is its CSVs alone: neither files nor audit logs.
    if spec.media:
        previous = None
        for name, sha256 in stream_rows(
            connection, attachment_rows(data.model, data.tables, data.form.id, spec.options, now)
        ):
            if name != previous:  # ordered by name: one file per name, as Central's zip
                previous = name
                yield f"media/{name}", partial(_copy_blob, blobs, sha256)
        audits = audit_member(connection, blobs, data, spec.options, now)
        if audits is not None:
            yield audits


def _write_counted(
    connection: Connection, table: CsvTable, progress: Progress | None, out: IO[bytes]
) -> Iterator[None]:
    """write_csv, telling `progress` how many rows went out (counted from the lines)."""
    if progress is None:
        yield from write_csv(connection, table, out)
        return
    counter = _LineCounter(out)
    for _ in write_csv(connection, table, cast(IO[bytes], counter)):
        progress(counter.take())
        yield None
    progress(counter.take())


class _LineCounter:
    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.lines = 0
        self.reported = 0

    def write(self, data: bytes) -> int:
        self.lines += bytes(data).count(b"\n")
        return self.out.write(data)

    def take(self) -> int:
        rows = max(self.lines - 1, 0) - self.reported  # the first line is the header
        self.reported += rows
        return rows


def _single(write: Callable[[IO[bytes]], Iterable[None]]) -> Iterator[bytes]:
    buffer = _Buffer()
    for _ in write(cast(IO[bytes], buffer)):
        yield buffer.take()
    yield buffer.take()


def _xlsx(
    connection: Connection, data: FormData, spec: ExportSpec, tables: list[CsvTable]
) -> Iterator[bytes]:
    handle, name = tempfile.mkstemp(prefix="baobab-export-", suffix=".xlsx")
    os.close(handle)
    path = Path(name)
    try:
        write_xlsx(
            path,
            connection,
            tables,
            data.schema.choice_lists,
            language=spec.language,
            labels=spec.labels,
        )
        with path.open("rb") as workbook:
            while chunk := workbook.read(256 * 1024):
                yield chunk
    finally:
        path.unlink(missing_ok=True)


def _syntax(data: FormData, spec: ExportSpec, table: CsvTable) -> str:
    return spss_syntax(
        table.file_name, table.columns, data.schema.choice_lists, spec.language, data.title
    )


def _write_text(text: str, out: IO[bytes]) -> Iterable[None]:
    out.write(text.encode("utf-8"))
    yield None


def _copy_blob(blobs: BlobStore, sha256: str, out: IO[bytes]) -> Iterable[None]:
    for chunk in blobs.iter_chunks(sha256):
        out.write(chunk)
        yield None


class _Buffer:
    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data
