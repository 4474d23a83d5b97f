"""Where each value sent should come back, format by format, and whether it did: the CSV zip
(Central's file and column names: `form-repeat.csv`, `group-field`, a geopoint in four
columns), the XLSX (one sheet per table, typed cells), GeoJSON (root locations) and OData (groups
as objects, repeats expanded and through their navigation links)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable
from datetime import datetime, time
from decimal import Decimal
from typing import Any

import openpyxl

from converters.form_model import DataType
from tests.compat.generator import SentValue, Submission

GEO_PARTS = ("Latitude", "Longitude", "Altitude", "Accuracy")


def same(sent: SentValue, got: object) -> bool:
    """Whether a cell or property `got` holds the value sent (numbers by value, dates and
    times by instant, locations by coordinates, text exactly)."""
    data_type, text = sent.field.data_type, sent.text
    if got is None:
        return False
    if data_type is DataType.INT:
        return _number(got) == Decimal(text)
    if data_type is DataType.DECIMAL:
        return _number(got) == Decimal(text)
    if data_type is DataType.DATE:
        return (got.date().isoformat() if isinstance(got, datetime) else str(got)) == text
    if data_type is DataType.DATETIME:
        sent_at, got_at = datetime.fromisoformat(text), _instant(got)
        if got_at is not None and got_at.tzinfo is None:  # a spreadsheet: the device's wall time
            return got_at == sent_at.replace(tzinfo=None)
        return got_at == sent_at
    if data_type is DataType.TIME:
        return str(got) == text or (isinstance(got, time) and got.isoformat()[:5] == text[:5])
    if data_type is DataType.GEOPOINT:
        return _coordinates(got) == _coordinates(text)
    if data_type in (DataType.GEOTRACE, DataType.GEOSHAPE):
        return _coordinates(got) == _coordinates(text)
    return str(got) == text


def _number(got: object) -> Decimal | None:
    try:
        number = Decimal(str(got))
    except ArithmeticError:
        return None
    return number.normalize() if number.is_finite() else None


def _instant(got: object) -> datetime | None:
    if isinstance(got, datetime):
        return got
    try:
        return datetime.fromisoformat(str(got).replace("Z", "+00:00"))
    except ValueError:
        return None


def _coordinates(got: object) -> list[tuple[float, ...]]:
    """[(lat, lon, alt?), ...] from an answer's text or a GeoJSON geometry (lon first)."""
    if isinstance(got, dict):
        coordinates = got.get("coordinates")
        if got.get("type") == "Point":
            coordinates = [coordinates]
        elif got.get("type") == "Polygon":
            coordinates = coordinates[0] if coordinates else []
        return [
            (round(c[1], 6), round(c[0], 6), *([round(c[2], 6)] if len(c) > 2 else []))
            for c in coordinates or []
        ]
    points = []
    for point in str(got).strip().rstrip(";").split(";"):
        parts = [float(p) for p in point.split()]
        points.append(
            (
                round(parts[0], 6),
                round(parts[1], 6),
                *([round(parts[2], 6)] if len(parts) > 2 else []),
            )
        )
    return points


class Found:
    """Values looked for in one format: how many were found, and where each missing one is."""

    def __init__(self, name: str) -> None:
        self.name, self.checked, self.missing = name, 0, []

    def check(self, sent: SentValue, got: object, where: str) -> None:
        self.checked += 1
        if not same(sent, got):
            self.missing.append(
                f"{self.name}: {sent.key} {sent.xpath} sent {sent.text!r}, {where} has {got!r}"
            )


def table_file(form_id: str, submission: Submission, key: str) -> str:
    repeat = submission.rows[key]
    return form_id if not repeat else f"{form_id}-{repeat.rsplit('/', 1)[1]}"


def csv_zip(body: bytes, form_id: str, submissions: Iterable[Submission], found: Found) -> None:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        tables = {
            name.removesuffix(".csv"): list(
                csv.DictReader(io.StringIO(archive.read(name).decode("utf-8")))
            )
            for name in archive.namelist()
            if name.endswith(".csv")
        }
    _tables(tables, form_id, submissions, found)


def xlsx(body: bytes, form_id: str, submissions: Iterable[Submission], found: Found) -> None:
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    tables = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        headers = [str(h) for h in rows[0]] if rows else []
        tables[sheet.title] = [dict(zip(headers, row, strict=False)) for row in rows[1:]]
    _tables(tables, form_id, submissions, found, sheet_names=True)


def _tables(tables, form_id, submissions, found: Found, sheet_names: bool = False) -> None:
    for submission in submissions:
        for sent in submission.values:
            name = table_file(form_id, submission, sent.key)
            if sheet_names:
                name = next((t for t in tables if name.endswith(t) or t.endswith(name[-31:])), name)
            rows = {row.get("KEY"): row for row in tables.get(name, [])}
            row = rows.get(sent.key)
            if row is None:
                found.check(sent, None, f"{name} has no row {sent.key}; tables {sorted(tables)}")
                continue
            column = "-".join(sent.path)
            if sent.field.data_type is DataType.GEOPOINT:
                parts = [row.get(f"{column}-{part}") for part in GEO_PARTS]
                got: Any = " ".join(str(p) for p in parts) if None not in parts else None
            else:
                got = row.get(column)
            found.check(sent, _defused(got), f"{name}[{column}]")


def _defused(cell: object) -> object:
    """The value behind a cell made inert for spreadsheets (a text that a spreadsheet would
    take for a formula, such as a trace starting with a negative latitude, gets a "'")."""
    if isinstance(cell, str) and cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        return cell[1:]
    return cell


def geojson(body: bytes, submissions: Iterable[Submission], found: Found) -> None:
    collection = json.loads(body)
    by_key: dict[str, list[dict[str, Any]]] = {}
    for feature in collection["features"]:
        key = (feature.get("properties") or {}).get("KEY") or feature.get("id")
        by_key.setdefault(key, []).append(feature)
    for submission in submissions:
        for sent in submission.values:
            geo = sent.field.data_type in (DataType.GEOPOINT, DataType.GEOTRACE, DataType.GEOSHAPE)
            if not geo or sent.key != submission.instance_id:
                continue
            candidates = [f["geometry"] for f in by_key.get(sent.key, []) if f.get("geometry")]
            match = next(
                (g for g in candidates if same(sent, g)), candidates[0] if candidates else None
            )
            found.check(sent, match, f"the features of {sent.key}")


def odata_record(records: dict[str, dict[str, Any]], sent: SentValue) -> object:
    """The property of an expanded OData record at a value's row key and path."""
    instance, *steps = sent.key.split("/")
    node: Any = records.get(instance)
    for step in steps:
        if node is None:
            return None
        name, _, index = step.partition("[")
        node = node.get(name)
        if index:
            position = int(index.rstrip("]")) - 1
            node = node[position] if isinstance(node, list) and position < len(node) else None
    for name in sent.path:
        node = node.get(name) if isinstance(node, dict) else None
    return node


def odata(records: list[dict[str, Any]], submissions: Iterable[Submission], found: Found) -> None:
    by_id = {r["__id"]: r for r in records}
    for submission in submissions:
        for sent in submission.values:
            found.check(sent, odata_record(by_id, sent), f"OData {sent.key}/{'/'.join(sent.path)}")


def notes_and_labels(body: bytes, form_id: str, schema, submissions, found: Found) -> None:
    """Notes have their (empty) column in the root CSV, as Central gives them."""
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        header = next(csv.reader(io.StringIO(archive.read(f"{form_id}.csv").decode("utf-8"))))
    for f in schema.fields:
        if f.kind == "note" and f.repeat is None:
            found.checked += 1
            column = "-".join(f.xpath.split("/")[2:])
            if column not in header:
                found.missing.append(f"{found.name}: no column {column} for the note {f.xpath}")


def client_audits(body: bytes, form_id: str, submissions, found: Found) -> None:
    """Every event of every log sent is a row of `<form> - audit.csv`, with its instance ID."""
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        name = f"{form_id} - audit.csv"
        rows = list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))
    got = {(r["instance ID"], r["event"], r["node"], r["start"]) for r in rows}
    for submission in submissions:
        for event in submission.audit:
            found.checked += 1
            if (submission.instance_id, event[0], event[1], event[2]) not in got:
                found.missing.append(f"{found.name}: {submission.instance_id} event {event[:3]}")
