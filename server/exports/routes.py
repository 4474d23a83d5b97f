"""Export downloads, streamed while they are made: Central's submissions.csv.zip and
submissions.csv, plus XLSX, GeoJSON and SPSS syntax. Every export is written to the audit log
with who asked, for what, and with which filters."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import IO, cast
from urllib.parse import quote

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse
from starlette.routing import Route

from converters.spss import spss_syntax
from server.exports.archive import MemberWriter, zip_stream
from server.exports.csv_files import write_csv
from server.exports.geojson import geojson_chunks
from server.exports.xlsx import write_xlsx
from server.form_data import FormData, load_form_data, submission_filter
from server.rest.http import flag
from storage.audit import record
from storage.db import transaction
from storage.export_queries import CsvOptions, attachment_rows, csv_tables, stream_rows

FILTERS = (
    "attachments",
    "groupPaths",
    "splitSelectMultiples",
    "deletedFields",
    "$filter",
    "language",
    "labels",
    "geometry",
    "spss",
)


def options_of(request: Request) -> CsvOptions:
    return CsvOptions(
        group_paths=flag(request, "groupPaths", default=True),
        split_select_multiples=flag(request, "splitSelectMultiples"),
        filter=submission_filter(request.query_params.get("$filter")),
    )


def audit_export(request: Request, data: FormData, export: str) -> None:
    state = request.app.state
    with transaction(state.engine) as connection:
        record(
            connection,
            actor_id=data.caller.actor.id if data.caller.actor else None,
            action="submission.export",
            actee_type="form",
            actee_id=data.form.xml_form_id,
            now=state.clock(),
            details={
                "format": export,
                "project": data.form.project_id,
                "filters": {k: v for k, v in request.query_params.items() if k in FILTERS},
            },
        )


def attachment_header(file_name: str) -> dict[str, str]:
    encoded = quote(file_name)
    return {
        "Content-Disposition": f"attachment; filename=\"{file_name}\"; filename*=UTF-8''{encoded}"
    }


async def csv_zip(request: Request) -> Response:
    options = options_of(request)
    data = await run_in_threadpool(
        load_form_data, request, deleted_fields=flag(request, "deletedFields")
    )
    await run_in_threadpool(audit_export, request, data, "csv.zip")
    media = flag(request, "attachments", default=True)
    return StreamingResponse(
        _zip(request, data, options, media),
        media_type="application/zip",
        headers=attachment_header(f"{data.form.xml_form_id}.zip"),
    )


def _zip(request: Request, data: FormData, options: CsvOptions, media: bool) -> Iterator[bytes]:
    state = request.app.state
    with transaction(state.engine, read_only=True) as connection:
        tables = csv_tables(
            connection, data.model, data.tables, data.form.id, options, state.clock()
        )
        members: list[tuple[str, MemberWriter]] = [
            (table.file_name, partial(write_csv, connection, table)) for table in tables
        ]
        if flag(request, "spss"):
            for table in tables:
                syntax = spss_syntax(
                    table.file_name,
                    table.columns,
                    data.schema.choice_lists,
                    request.query_params.get("language") or None,
                    data.title,
                )
                members.append(
                    (table.file_name.removesuffix(".csv") + ".sps", partial(_write_text, syntax))
                )
        if media:
            files = list(
                stream_rows(
                    connection,
                    attachment_rows(data.model, data.tables, data.form.id, options, state.clock()),
                )
            )
            seen: set[str] = set()
            for name, sha256 in files:
                if name not in seen:
                    seen.add(name)
                    members.append((f"media/{name}", partial(_copy_blob, request, sha256)))
        yield from zip_stream(members)


def _write_text(text: str, out: IO[bytes]) -> Iterable[None]:
    out.write(text.encode("utf-8"))
    yield None


def _copy_blob(request: Request, sha256: str, out: IO[bytes]) -> Iterable[None]:
    for chunk in request.app.state.blobs.iter_chunks(sha256):
        out.write(chunk)
        yield None


async def root_csv(request: Request) -> Response:
    options = options_of(request)
    data = await run_in_threadpool(
        load_form_data, request, deleted_fields=flag(request, "deletedFields")
    )
    await run_in_threadpool(audit_export, request, data, "csv")
    return StreamingResponse(
        _root_csv(request, data, options),
        media_type="text/csv; charset=utf-8",
        headers=attachment_header(f"{data.form.xml_form_id}.csv"),
    )


def _root_csv(request: Request, data: FormData, options: CsvOptions) -> Iterator[bytes]:
    state = request.app.state
    with transaction(state.engine, read_only=True) as connection:
        root = csv_tables(
            connection, data.model, data.tables, data.form.id, options, state.clock()
        )[0]
        buffer = _Buffer()
        for _ in write_csv(connection, root, cast(IO[bytes], buffer)):
            yield buffer.take()
        yield buffer.take()


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


async def xlsx(request: Request) -> Response:
    options = options_of(request)
    data = await run_in_threadpool(
        load_form_data, request, deleted_fields=flag(request, "deletedFields")
    )
    await run_in_threadpool(audit_export, request, data, "xlsx")
    path = await run_in_threadpool(_xlsx, request, data, options)
    return FileResponse(
        path,
        filename=f"{data.form.xml_form_id}.xlsx",
        media_type=XLSX_TYPE,
        background=BackgroundTask(path.unlink),
    )


def _xlsx(request: Request, data: FormData, options: CsvOptions) -> Path:
    state = request.app.state
    handle, name = tempfile.mkstemp(prefix="baobab-export-", suffix=".xlsx")
    os.close(handle)
    path = Path(name)
    try:
        with transaction(state.engine, read_only=True) as connection:
            tables = csv_tables(
                connection, data.model, data.tables, data.form.id, options, state.clock()
            )
            write_xlsx(
                path,
                connection,
                tables,
                data.schema.choice_lists,
                language=request.query_params.get("language") or None,
                labels=flag(request, "labels"),
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


async def geojson(request: Request) -> Response:
    options = options_of(request)
    data = await run_in_threadpool(load_form_data, request)
    await run_in_threadpool(audit_export, request, data, "geojson")
    return StreamingResponse(
        _geojson(request, data, options),
        media_type="application/geo+json",
        headers=attachment_header(f"{data.form.xml_form_id}.geojson"),
    )


def _geojson(request: Request, data: FormData, options: CsvOptions) -> Iterator[bytes]:
    state = request.app.state
    with transaction(state.engine, read_only=True) as connection:
        root = csv_tables(
            connection, data.model, data.tables, data.form.id, options, state.clock()
        )[0]
        yield from geojson_chunks(connection, root, request.query_params.get("geometry"))


async def spss(request: Request) -> Response:
    """SPSS syntax that reads submissions.csv (the same options) with labels applied."""
    options = options_of(request)
    data = await run_in_threadpool(
        load_form_data, request, deleted_fields=flag(request, "deletedFields")
    )
    text = await run_in_threadpool(_spss, request, data, options)
    return Response(
        text.encode("utf-8"),
        media_type="text/plain; charset=utf-8",
        headers=attachment_header(f"{data.form.xml_form_id}.sps"),
    )


def _spss(request: Request, data: FormData, options: CsvOptions) -> str:
    state = request.app.state
    with transaction(state.engine, read_only=True) as connection:
        root = csv_tables(
            connection, data.model, data.tables, data.form.id, options, state.clock()
        )[0]
    return spss_syntax(
        root.file_name,
        root.columns,
        data.schema.choice_lists,
        request.query_params.get("language") or None,
        data.title,
    )


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORM = "/v1/projects/{project_id:int}/forms/{form_id}"
ROUTES = [
    Route(_FORM + "/submissions.csv.zip", csv_zip, methods=["GET", "POST"]),
    Route(_FORM + "/submissions.csv", root_csv, methods=["GET", "POST"]),
    Route(_FORM + "/submissions.xlsx", xlsx, methods=["GET", "POST"]),
    Route(_FORM + "/submissions.geojson", geojson, methods=["GET", "POST"]),
    Route(_FORM + "/submissions.sps", spss, methods=["GET"]),
]
