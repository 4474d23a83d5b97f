"""The SELECTs behind the CSV exports: one per table, every cell already formatted as ODK
Central writes it (the answer as sent, geopoints in four columns, Central's system columns) and
neutralised for spreadsheets (`_inert`), so that PostgreSQL can stream it with COPY and SQLite
through the csv module, from one query."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.elements import Cast

from converters.export_model import ExportColumn, ExportModel, OutField, OutTable, column_kind
from converters.form_model import DataType
from converters.table_plan import TableKind
from storage.exports.odata_filter import filter_clause, mentions_deleted
from storage.schema import system as s
from storage.sql_functions import contains_word, neutralised, split_part, utc_iso
from storage.submissions.queries import submission_facts

SYSTEM_HEADERS = (
    "KEY",
    "SubmitterID",
    "SubmitterName",
    "AttachmentsPresent",
    "AttachmentsExpected",
    "Status",
    "ReviewState",
    "DeviceID",
    "Edits",
    "FormVersion",
)
_GEO_HEADERS = ("Latitude", "Longitude", "Altitude", "Accuracy")
# Columns a programme adds after Central's to a form's main table (server/plugins.py): (header,
# cell) pairs for the form's id, whose cells may refer to `submissions`, joined here.
ExportColumns = Callable[[Connection, int], Sequence[tuple[str, ColumnElement[Any]]]]


@dataclass(frozen=True, slots=True)
class CsvOptions:
    group_paths: bool = True
    split_select_multiples: bool = False
    filter: object | None = None  # a parsed $filter on submission metadata


@dataclass(frozen=True, slots=True)
class CsvTable:
    file_name: str
    columns: tuple[ExportColumn, ...]
    statement: sa.Select[Any]
    table: OutTable

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)


def csv_tables(
    connection: Connection,
    model: ExportModel,
    tables: Mapping[str, sa.Table],
    form_id: int,
    options: CsvOptions,
    now: datetime,
    extra_columns: ExportColumns | None = None,
) -> list[CsvTable]:
    """One SELECT per table (root first), with the file names Central gives them."""
    used: set[str] = set()
    result = []
    for table in model.tables:
        name = model.form_id if table.is_root else f"{model.form_id}-{table.repeat_name}"
        file_name = name
        number = 1
        while file_name in used:  # Central: repeats with the same name get ~1, ~2
            file_name = f"{name}~{number}"
            number += 1
        used.add(file_name)
        columns, statement = _select(
            connection, model, table, tables, form_id, options, now, extra_columns
        )
        result.append(CsvTable(f"{file_name}.csv", columns, statement, table))
    return result


def attachment_rows(
    model: ExportModel,
    tables: Mapping[str, sa.Table],
    form_id: int,
    options: CsvOptions,
    now: datetime,
) -> sa.Select[Any]:
    """(name, sha256) of every file received for the exported submissions' current versions,
    but client audit logs, which the zip has parsed instead (Central: `isClientAudit`)."""
    root = tables[model.root.name]
    attachments = s.submission_attachments
    left_out = sorted(model.hidden | {audit_xpath(model)})
    return (
        sa.select(attachments.c.name, attachments.c.blob_sha256)
        .distinct()
        .select_from(
            root.join(s.submissions, s.submissions.c.id == root.c._submission_id).join(
                attachments, attachments.c.submission_version_id == root.c._version_id
            )
        )
        .where(
            attachments.c.blob_sha256.is_not(None),
            *_conditions(form_id, options, now, root),
            sa.or_(attachments.c.xpath.is_(None), attachments.c.xpath.not_in(left_out)),
        )
        .order_by(attachments.c.name)
    )


def audit_xpath(model: ExportModel) -> str:
    """Where a client audit log is: Central takes the file of `/meta/audit` as one, whatever
    its bind says (lib/data/schema.js)."""
    return f"{model.root.spec.path}/meta/audit"


def audit_rows(
    model: ExportModel,
    tables: Mapping[str, sa.Table],
    form_id: int,
    options: CsvOptions,
    now: datetime,
) -> sa.Select[Any]:
    """(instance ID, sha256 or NULL when not received) of the client audit log of each exported
    submission's current version, oldest version first, as Central streams them (none when the
    reader may not see the log)."""
    root = tables[model.root.name]
    attachments, versions = s.submission_attachments, s.submission_versions
    xpath = audit_xpath(model)
    return (
        sa.select(s.submissions.c.instance_id, attachments.c.blob_sha256)
        .select_from(
            root.join(s.submissions, s.submissions.c.id == root.c._submission_id)
            .join(versions, versions.c.id == root.c._version_id)
            .join(attachments, attachments.c.submission_version_id == root.c._version_id)
        )
        .where(
            attachments.c.xpath == xpath,
            *_conditions(form_id, options, now, root),
            *([sa.false()] if xpath in model.hidden else []),
        )
        .order_by(versions.c.created_at, versions.c.id, attachments.c.name)
    )


def stream_rows(connection: Connection, statement: sa.Select[Any]) -> Iterator[tuple[Any, ...]]:
    streamed = connection.execution_options(stream_results=True, yield_per=2000)
    with streamed.execute(statement) as result:  # closed (a server-side cursor) if a row fails
        for row in result:
            yield tuple(row)


def _select(
    connection: Connection,
    model: ExportModel,
    table: OutTable,
    tables: Mapping[str, sa.Table],
    form_id: int,
    options: CsvOptions,
    now: datetime,
    extra_columns: ExportColumns | None,
) -> tuple[tuple[ExportColumn, ...], sa.Select[Any]]:
    row = tables[table.name]
    root = tables[model.root.name]
    subs = s.submissions
    headers: list[ExportColumn] = []
    cells: list[ColumnElement[Any]] = []
    if table.is_root:
        headers.append(ExportColumn("SubmissionDate", "system"))
        cells.append(utc_iso(subs.c.created_at))
    for out in table.fields:
        header = "-".join(out.path) if options.group_paths else out.path[-1]
        for suffix, cell in _cells(out, row):
            kind = "coordinate" if suffix else column_kind(out.field)
            headers.append(ExportColumn(header + suffix, kind, out.field))
            cells.append(cell)
        if options.split_select_multiples and out.field.kind == "select_multiple":
            for value in _values_seen(connection, model, table, out, tables):
                headers.append(ExportColumn(f"{header}/{value}", "flag", out.field, value))
                column = row.c[out.value.name]
                cells.append(
                    sa.case(
                        (column.is_(None), sa.null()),
                        (contains_word(column, value), "1"),
                        else_="0",
                    )
                )
    if table.is_root:
        headers += [ExportColumn(h, "system") for h in SYSTEM_HEADERS]
        cells += _system_cells(row)
        extra = extra_columns(connection, form_id) if extra_columns else ()
        for header, cell in extra:
            headers.append(ExportColumn(header, "system"))
            cells.append(cell)
        joined = row.join(subs, subs.c.id == row.c._submission_id)
    else:
        headers += [ExportColumn("PARENT_KEY", "system"), ExportColumn("KEY", "system")]
        parent = model.table(table.parent) if table.parent else None
        joined = row.join(subs, subs.c.id == row.c._submission_id)
        if parent is not None and not parent.is_root:
            parent_row = tables[parent.name].alias("parent_row")
            joined = joined.join(parent_row, parent_row.c._id == row.c._parent_id)
            cells.append(parent_row.c._key)
        else:
            cells.append(subs.c.instance_id)
        cells.append(row.c._key)
        joined = joined.join(root, root.c._submission_id == subs.c.id)
    statement = (
        sa.select(*[_inert(c) for c in cells])
        .select_from(joined)
        .where(*_conditions(form_id, options, now, root))
        .order_by(subs.c.created_at.desc(), subs.c.id.desc())
    )
    if not table.is_root:
        statement = statement.order_by(row.c._id)
    return tuple(headers), statement


def _cells(out: OutField, row: sa.Table) -> list[tuple[str, ColumnElement[Any]]]:
    if not out.has_column:  # a note or entity label older than its form's tables: empty
        return [("", sa.null())]
    value = row.c[out.value.name]
    data_type = out.field.data_type
    if data_type is DataType.GEOPOINT:
        # The numbers exactly as the device wrote them ("0.857930", "5.0"), as Central does.
        return [
            (f"-{label}", split_part(value, " ", index + 1))
            for index, label in enumerate(_GEO_HEADERS)
        ]
    if out.raw is not None:
        return [("", row.c[out.raw.name])]
    if data_type is DataType.STRING or data_type is DataType.BINARY or out.value.sql_type == "text":
        return [("", value)]
    return [("", sa.cast(value, sa.Text))]


def _system_cells(root: sa.Table) -> list[ColumnElement[Any]]:
    subs = s.submissions
    present, expected, edits, submitter = submission_facts(root)
    return [
        subs.c.instance_id,
        sa.cast(subs.c.submitter_id, sa.Text),
        submitter,
        sa.cast(present, sa.Text),
        sa.cast(expected, sa.Text),
        sa.null(),
        subs.c.review_state,
        subs.c.device_id,
        sa.cast(edits, sa.Text),
        root.c._form_version,
    ]


def _conditions(
    form_id: int, options: CsvOptions, now: datetime, root: sa.Table
) -> list[ColumnElement[bool]]:
    subs = s.submissions
    where: list[ColumnElement[bool]] = [subs.c.form_id == form_id]
    if options.filter is None or not mentions_deleted(options.filter):
        where.append(subs.c.deleted_at.is_(None))
    if options.filter is not None:
        where.append(
            filter_clause(
                options.filter,
                {
                    "__id": subs.c.instance_id,
                    "__system/submissionDate": subs.c.created_at,
                    "__system/updatedAt": subs.c.updated_at,
                    "__system/submitterId": sa.cast(subs.c.submitter_id, sa.Text),
                    "__system/reviewState": subs.c.review_state,
                    "__system/deletedAt": subs.c.deleted_at,
                },
                now,
            )
        )
    return where


def _values_seen(
    connection: Connection,
    model: ExportModel,
    table: OutTable,
    out: OutField,
    tables: Mapping[str, sa.Table],
) -> list[str]:
    """The values chosen anywhere in the data, sorted: Central's split columns."""
    selection = next(
        (
            t
            for t in tables.values()
            if t.info.get("kind") is TableKind.SELECTION and t.info.get("path") == out.field.xpath
        ),
        None,
    )
    if selection is None:
        return []
    return sorted(r[0] for r in connection.execute(sa.select(selection.c.value).distinct()))


def _inert(cell: ColumnElement[Any]) -> ColumnElement[Any]:
    """Every cell of every export passes here, whatever its column (answers, split geopoint
    parts, KEY, PARENT_KEY, system columns): a text is neutralised as a spreadsheet must get it
    (converters/cells.py) in the SELECT itself, so that COPY's output, the csv module's, XLSX
    and GeoJSON all get the same cells; '' becomes NULL (Central writes nothing for either).
    A number, date, time or boolean typed by the database holds no text (its text form cannot
    start a formula), so it is left as it is: a negative number stays a number, and a count or
    a score is not computed twice. (SQLite's columns take any value: there the csv and XLSX
    writers neutralise every text again, converters/cells.py.)"""
    if _holds_text(cell):
        return neutralised(sa.func.nullif(cell, ""))
    return cell


_NOT_TEXT = (sa.Integer, sa.Numeric, sa.Date, sa.DateTime, sa.Time, sa.Boolean, sa.types.NullType)


def _holds_text(cell: ColumnElement[Any]) -> bool:
    """Whether the cell's value can be any text: a text column (or a value cast to text from
    one), as opposed to the text of a typed value."""
    typed = cell.clause if isinstance(cell, Cast) else cell
    affinity = typed.type._type_affinity  # the generic type behind a TypeDecorator
    return affinity is None or not issubclass(affinity, _NOT_TEXT)
