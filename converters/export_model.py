"""What analysts see of a form's tables: each table's fields in form order with the columns
that hold them, its group nesting, and the names ODK Central gives tables and fields in OData
and CSV. Built from a form version's schema and table plan; shared by OData and the exports."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from dataclasses import field as default

from converters.form_model import DataType, Field, FormSchema
from converters.table_plan import (
    ColumnRole,
    ColumnSpec,
    TableKind,
    TablePlan,
    TableSpec,
    entity_label_fields,
    is_optional,
    planned_fields,
)

_ODATA_START = re.compile(r"^([^A-Za-z_])")
_NOT_ODATA = re.compile(r"[^A-Za-z0-9_]+")


@dataclass(frozen=True, slots=True)
class OutField:
    field: Field
    path: tuple[str, ...]  # group names then the field name, from the table's own node
    columns: dict[ColumnRole, ColumnSpec] = default(default_factory=dict)

    @property
    def has_column(self) -> bool:
        """False for a note or entity label of a form published before they had columns: it
        is exported, always empty, as Central exports it."""
        return ColumnRole.VALUE in self.columns

    @property
    def value(self) -> ColumnSpec:
        return self.columns[ColumnRole.VALUE]

    @property
    def raw(self) -> ColumnSpec | None:
        return self.columns.get(ColumnRole.RAW)


@dataclass(frozen=True, slots=True)
class OutTable:
    spec: TableSpec
    segments: tuple[tuple[str, bool], ...]  # (name, is_repeat) from the root down to this table
    fields: tuple[OutField, ...]
    children: tuple[str, ...] = ()  # names of the child repeat tables
    parent: str | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def is_root(self) -> bool:
        return self.spec.kind is TableKind.ROOT

    @property
    def odata_name(self) -> str:
        """`Submissions`, or `Submissions.hh.members` for a repeat in group hh."""
        return ".".join(["Submissions", *(odata_name(n) for n, _ in self.segments)])

    @property
    def odata_parent_key(self) -> str:
        """The property naming the parent row: `__Submissions-id`, `__Submissions-members-id`."""
        repeats = list(self.segments)
        repeats.pop()
        while repeats and not repeats[-1][1]:
            repeats.pop()  # the groups between this repeat and its parent row
        return "__" + "-".join(["Submissions", *(odata_name(n) for n, _ in repeats)]) + "-id"

    @property
    def repeat_name(self) -> str:
        return self.segments[-1][0] if self.segments else ""


@dataclass(frozen=True, slots=True)
class ExportModel:
    form_id: str
    tables: tuple[OutTable, ...]
    order: Mapping[str, int] = default(default_factory=dict)  # xpath -> position in the form
    hidden: frozenset[str] = frozenset()  # xpaths left out for the caller (sensitive fields)
    scored: bool = False  # submissions carry reintegration scores (OData: `__rss`)

    @property
    def root(self) -> OutTable:
        return self.tables[0]

    def table(self, name: str) -> OutTable:
        return next(t for t in self.tables if t.name == name)

    def by_odata_name(self, name: str) -> OutTable | None:
        return next((t for t in self.tables if t.odata_name == name), None)


def without_fields(model: ExportModel, hidden: frozenset[str]) -> ExportModel:
    """The model without the fields at `hidden` xpaths (sensitive ones, for roles that may not
    read them): their columns, OData properties and files are left out everywhere."""
    if not hidden:
        return model
    tables = tuple(
        replace(table, fields=tuple(f for f in table.fields if f.field.xpath not in hidden))
        for table in model.tables
    )
    return replace(model, tables=tables, hidden=hidden)


def odata_name(name: str) -> str:
    """Central's OData names (sanitizeOdataIdentifier, lib/util/util.js): a leading character
    other than a letter or '_' gets a '_' in front, then each run of characters outside
    [A-Za-z0-9_] becomes one '_' (`_id` stays `_id`, `a-.b` is `a_b`)."""
    return _NOT_ODATA.sub("_", _ODATA_START.sub(r"_\1", name))


def build_export_model(
    schema: FormSchema, plan: TablePlan, extra: TablePlan | None = None
) -> ExportModel:
    """The model of `schema` over the columns `plan` gives it (a version's plan). With
    `extra` (the physical plan), columns of older versions follow each table's own fields."""
    repeats = {r.xpath: r for r in schema.repeats}
    order = _order(schema)
    tables = []
    for spec in plan.tables:
        if spec.kind is TableKind.SELECTION:
            continue
        node = schema.root_path if spec.kind is TableKind.ROOT else spec.path
        fields = [
            OutField(f, tuple(f.xpath[len(node) + 1 :].split("/")), _columns_of(spec, f.xpath))
            for f in planned_fields(schema)
            if f.repeat == (None if spec.kind is TableKind.ROOT else spec.path)
            and (is_optional(f) or spec.column(f.xpath, ColumnRole.VALUE) is not None)
        ]
        fields.sort(key=lambda out: order.get(out.field.xpath, len(order)))
        if extra is not None:
            fields += _older_fields(spec, extra, node, {f.field.xpath for f in fields})
        children = tuple(
            t.name for t in plan.tables if t.parent == spec.name and t.kind is TableKind.REPEAT
        )
        tables.append(
            OutTable(
                spec,
                tuple(_segments(schema, spec.path, repeats))
                if spec.kind is TableKind.REPEAT
                else (),
                tuple(fields),
                children,
                spec.parent,
            )
        )
    return ExportModel(schema.form_id, tuple(tables), order)


def _order(schema: FormSchema) -> dict[str, int]:
    """Each xpath's position in the form. An entity label goes where its `entity` element is,
    or, when the schema does not place that element, first in its parent (`meta`), where
    pyxform writes it."""
    order = list(schema.order)
    for label in entity_label_fields(schema):
        entity = label.xpath.rsplit("/", 1)[0]
        anchor = entity if entity in order else entity.rsplit("/", 1)[0]
        order.insert(order.index(anchor) + 1 if anchor in order else len(order), label.xpath)
    return {path: index for index, path in enumerate(order)}


def _columns_of(spec: TableSpec, xpath: str) -> dict[ColumnRole, ColumnSpec]:
    return {c.role: c for c in spec.columns if c.xpath == xpath}


def _segments(
    schema: FormSchema, path: str, repeats: Mapping[str, object]
) -> Iterator[tuple[str, bool]]:
    names = path[len(schema.root_path) + 1 :].split("/")
    prefix = schema.root_path
    for name in names:
        prefix = f"{prefix}/{name}"
        yield name, prefix in repeats


def _older_fields(
    spec: TableSpec, physical: TablePlan, node: str, current: set[str]
) -> list[OutField]:
    """Columns that fields of older versions left in this table."""
    table = next((t for t in physical.tables if t.name == spec.name), None)
    if table is None:
        return []
    older = []
    for column in table.columns:
        if column.role is not ColumnRole.VALUE or column.xpath in current:
            continue
        name = column.xpath.rsplit("/", 1)[-1]
        ghost = Field(
            xpath=column.xpath,
            name=name,
            kind=column.kind,
            data_type=_DATA_TYPES.get(column.kind, DataType.STRING),
            bind_type="string",
            control=None,
            repeat=None,
        )
        older.append(
            OutField(
                ghost,
                tuple(column.xpath[len(node) + 1 :].split("/")),
                _columns_of(table, column.xpath),
            )
        )
    return older


_DATA_TYPES = {
    "integer": DataType.INT,
    "decimal": DataType.DECIMAL,
    "date": DataType.DATE,
    "dateTime": DataType.DATETIME,
    "start": DataType.DATETIME,
    "end": DataType.DATETIME,
    "time": DataType.TIME,
    "geopoint": DataType.GEOPOINT,
    "geotrace": DataType.GEOTRACE,
    "geoshape": DataType.GEOSHAPE,
    "image": DataType.BINARY,
    "audio": DataType.BINARY,
    "video": DataType.BINARY,
    "file": DataType.BINARY,
    "today": DataType.DATE,
}


@dataclass(frozen=True, slots=True)
class ExportColumn:
    """One column of an exported table: its header, how to type its cells (XLSX, SPSS), and
    the question (and choice, for a split select_multiple) it comes from."""

    header: str
    kind: str  # text, integer, decimal, date, datetime, time, coordinate, flag, system
    field: Field | None = None
    choice: str | None = None


def column_kind(field: Field) -> str:
    return {
        DataType.INT: "integer",
        DataType.DECIMAL: "decimal",
        DataType.DATE: "date",
        DataType.DATETIME: "datetime",
        DataType.TIME: "time",
    }.get(field.data_type, "text")
