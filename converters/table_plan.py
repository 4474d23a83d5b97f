"""FormSchema -> the relational tables holding its submissions, evolved additively by version.

One root table per form, one table per repeat (nested repeats point at their parent row), and one
table per select_multiple or rank field holding each chosen value as a row. A field keeps its
column for life; a new field adds one; a changed type widens the column (never narrows it).
Notes and entity labels (`meta/entity/label`) have columns too, as ODK Central exports them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from converters.form_model import DataType, EntityDeclaration, Field, FormSchema
from converters.sql_names import fit, sql_name, unique_name


class SqlType(StrEnum):
    TEXT = "text"
    BIGINT = "bigint"
    DECIMAL = "decimal"
    DOUBLE = "double"
    BOOLEAN = "boolean"
    DATE = "date"
    TIMESTAMP = "timestamp"
    TIME = "time"


class ColumnRole(StrEnum):
    VALUE = "value"  # the answer, typed
    RAW = "raw"  # the answer as sent (dateTime keeps its UTC offset here)
    LATITUDE = "latitude"
    LONGITUDE = "longitude"
    ALTITUDE = "altitude"
    ACCURACY = "accuracy"
    ITEM = "item"  # one chosen value of a select_multiple / rank, in its selection table


class TableKind(StrEnum):
    ROOT = "root"
    REPEAT = "repeat"
    SELECTION = "selection"


# Columns every data table has; field columns never start with '_' so they cannot clash.
SYSTEM_COLUMNS = {
    TableKind.ROOT: ("_id", "_submission_id", "_version_id", "_form_version"),
    TableKind.REPEAT: (
        "_id",
        "_submission_id",
        "_parent_id",
        "_ordinal",
        "_form_version",
        "_key",
        "_odata_id",
    ),
    TableKind.SELECTION: ("_id", "_submission_id", "_parent_id", "_ordinal"),
}

_VALUE_TYPES = {
    DataType.STRING: SqlType.TEXT,
    DataType.INT: SqlType.BIGINT,
    DataType.DECIMAL: SqlType.DECIMAL,
    DataType.BOOLEAN: SqlType.BOOLEAN,
    DataType.DATE: SqlType.DATE,
    DataType.DATETIME: SqlType.TIMESTAMP,
    DataType.TIME: SqlType.TIME,
    DataType.GEOPOINT: SqlType.TEXT,
    DataType.GEOTRACE: SqlType.TEXT,
    DataType.GEOSHAPE: SqlType.TEXT,
    DataType.BINARY: SqlType.TEXT,
}
_GEOPOINT_PARTS = (
    ColumnRole.LATITUDE,
    ColumnRole.LONGITUDE,
    ColumnRole.ALTITUDE,
    ColumnRole.ACCURACY,
)


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    name: str
    xpath: str
    role: ColumnRole
    sql_type: SqlType
    kind: str  # the field's kind when the column was planned


@dataclass(frozen=True, slots=True)
class TableSpec:
    name: str
    kind: TableKind
    path: str  # the root, repeat or select field xpath the table stands for
    parent: str | None  # the parent table's name
    columns: tuple[ColumnSpec, ...] = ()

    def column(self, xpath: str, role: ColumnRole) -> ColumnSpec | None:
        return next((c for c in self.columns if c.xpath == xpath and c.role is role), None)


@dataclass(frozen=True, slots=True)
class TablePlan:
    tables: tuple[TableSpec, ...] = ()

    def table(self, name: str) -> TableSpec:
        return next(t for t in self.tables if t.name == name)

    def find(self, kind: TableKind, path: str) -> TableSpec | None:
        return next((t for t in self.tables if t.kind is kind and t.path == path), None)

    @property
    def root(self) -> TableSpec:
        return next(t for t in self.tables if t.kind is TableKind.ROOT)


@dataclass(frozen=True, slots=True)
class Widening:
    table: str
    column: str
    old: SqlType
    new: SqlType


@dataclass(frozen=True, slots=True)
class PlanChanges:
    new_tables: tuple[TableSpec, ...] = ()
    new_columns: tuple[tuple[str, ColumnSpec], ...] = ()  # added to tables that exist
    widened: tuple[Widening, ...] = ()

    def summary(self) -> str:
        """e.g. '16 new tables (144 columns), 2 columns added, 1 widened'."""
        columns = sum(len(t.columns) for t in self.new_tables)
        return (
            f"{len(self.new_tables)} new tables ({columns} columns), "
            f"{len(self.new_columns)} columns added, {len(self.widened)} widened"
        )


@dataclass(frozen=True, slots=True)
class PlanResult:
    physical: TablePlan  # every table and column that exists once this version is applied
    version: TablePlan  # the tables and columns this version's submissions fill
    changes: PlanChanges  # what must be created or altered to get from the old physical plan


def widen(old: SqlType, new: SqlType) -> SqlType:
    """The narrowest type that holds every value of both: integers widen to decimals, the rest
    to text."""
    if old is new:
        return old
    if {old, new} == {SqlType.BIGINT, SqlType.DECIMAL}:
        return SqlType.DECIMAL
    return SqlType.TEXT


def field_columns(field: Field, base: str) -> list[tuple[str, ColumnRole, SqlType]]:
    """The (name, role, type) columns a field needs in its own table."""
    columns = [(base, ColumnRole.VALUE, _VALUE_TYPES[field.data_type])]
    if field.data_type in (DataType.DATETIME, DataType.TIME):
        # The value as sent keeps its UTC offset, which typed columns cannot all hold.
        columns.append((fit(base + "_raw"), ColumnRole.RAW, SqlType.TEXT))
    if field.data_type is DataType.GEOPOINT:
        columns += [(fit(f"{base}_{role.value}"), role, SqlType.DOUBLE) for role in _GEOPOINT_PARTS]
    return columns


# Kinds whose columns came later than the tables of forms published before them: a table made
# earlier may lack one, and re-planning a published version over it must not ask for it.
OPTIONAL_KINDS = frozenset({"note", "entity_label"})


def is_optional(field: Field) -> bool:
    """A field whose column a table made before such columns existed may lack (a note, an
    entity label, however the schema calls it)."""
    return field.kind in OPTIONAL_KINDS or field.xpath.endswith("/meta/entity/label")


def entity_label_fields(schema: FormSchema) -> tuple[Field, ...]:
    """`meta/entity/label` of each entity the form declares with a label: a string that
    Central exports like any field (CSV `meta-entity-label`, OData `meta/entity/label`), though
    the schema keeps the entity block apart from the fields."""
    known = {f.xpath for f in schema.fields}
    return tuple(
        _label_field(entity)
        for entity in schema.entities
        if entity.label is not None and f"{entity.xpath}/label" not in known
    )


def _label_field(entity: EntityDeclaration) -> Field:
    return Field(
        xpath=f"{entity.xpath}/label",
        name="label",
        kind="entity_label",
        data_type=DataType.STRING,
        bind_type="string",
        control=None,
        repeat=entity.scope,
    )


def planned_fields(schema: FormSchema) -> tuple[Field, ...]:
    """Every field whose value a submission's rows keep: the schema's, notes included (a note
    with a calculation or a default has a value, and Central exports it), and entity labels."""
    return (*schema.fields, *entity_label_fields(schema))


def plan_tables(
    schema: FormSchema,
    *,
    table_prefix: str,
    existing: TablePlan | None = None,
    taken_table_names: Iterable[str] = (),
    add_optional: bool = False,
) -> PlanResult:
    """Plan this version's tables on top of what exists, reusing every existing name.

    Notes and entity labels get a column in a table created now, and in a table that exists
    only with `add_optional` (a version being published): re-planning a version published
    before they had columns must find every column it plans
    (storage.forms.versions.load_version_plan),
    and such a field is then exported empty (converters/export_model.py)."""
    existing = existing or TablePlan()
    return _Planner(schema, table_prefix, existing, set(taken_table_names), add_optional).run()


class _Planner:
    def __init__(
        self,
        schema: FormSchema,
        prefix: str,
        existing: TablePlan,
        taken: set[str],
        add_optional: bool,
    ) -> None:
        self.schema = schema
        self.prefix = sql_name([prefix])
        self.tables: dict[str, TableSpec] = {t.name: t for t in existing.tables}
        self.taken = taken | set(self.tables)
        self.version_columns: dict[str, list[ColumnSpec]] = {}
        self.new_tables: list[str] = []
        self.new_columns: list[tuple[str, ColumnSpec]] = []
        self.widened: list[Widening] = []
        self.existing = set(self.tables)
        self.add_optional = add_optional

    def run(self) -> PlanResult:
        root = self._table(TableKind.ROOT, self.schema.root_path, None, self.prefix)
        owners: dict[str | None, str] = {None: root}
        for repeat in self.schema.repeats:
            parent = owners[repeat.parent]
            owners[repeat.xpath] = self._table(
                TableKind.REPEAT, repeat.xpath, parent, sql_name([self.prefix, repeat.name])
            )
        for field in planned_fields(self.schema):
            table = owners.get(field.repeat)
            if table is None or not self._wanted(field, table):
                continue
            self._add_field(field, table)
        physical = TablePlan(tuple(self.tables.values()))
        version = TablePlan(
            tuple(
                replace(
                    self.tables[name],
                    columns=tuple(self.tables[name].column(c.xpath, c.role) or c for c in columns),
                )
                for name, columns in self.version_columns.items()
            )
        )
        changes = PlanChanges(
            new_tables=tuple(self.tables[name] for name in self.new_tables),
            new_columns=tuple(c for c in self.new_columns if c[0] not in self.new_tables),
            widened=tuple(self.widened),
        )
        return PlanResult(physical, version, changes)

    def _wanted(self, field: Field, table: str) -> bool:
        if not is_optional(field) or self.add_optional or table not in self.existing:
            return True
        return self.tables[table].column(field.xpath, ColumnRole.VALUE) is not None

    def _table(self, kind: TableKind, path: str, parent: str | None, candidate: str) -> str:
        found = next((t for t in self.tables.values() if t.kind is kind and t.path == path), None)
        if found is None:
            name = unique_name(candidate, self.taken)
            self.taken.add(name)
            self.tables[name] = TableSpec(name, kind, path, parent)
            self.new_tables.append(name)
            found = self.tables[name]
        self.version_columns.setdefault(found.name, [])
        return found.name

    def _add_field(self, field: Field, table: str) -> None:
        spec = self.tables[table]
        owner_path = self.schema.root_path if spec.kind is TableKind.ROOT else spec.path
        relative = field.xpath[len(owner_path) + 1 :].split("/")
        base = sql_name(relative)
        for name, role, sql_type in field_columns(field, base):
            column = self._column(table, field, name, role, sql_type)
            self.version_columns[table].append(column)
        if field.is_multiple:
            value_column = self.tables[table].column(field.xpath, ColumnRole.VALUE)
            assert value_column is not None
            selection = self._table(
                TableKind.SELECTION, field.xpath, table, fit(f"{table}__{value_column.name}")
            )
            column = self._column(selection, field, "value", ColumnRole.ITEM, SqlType.TEXT)
            self.version_columns[selection].append(column)

    def _column(
        self, table: str, field: Field, candidate: str, role: ColumnRole, sql_type: SqlType
    ) -> ColumnSpec:
        spec = self.tables[table]
        current = spec.column(field.xpath, role)
        if current is not None:
            wider = widen(current.sql_type, sql_type)
            if wider is not current.sql_type:
                self.widened.append(Widening(table, current.name, current.sql_type, wider))
                updated = replace(current, sql_type=wider)
                self._replace_column(table, current, updated)
                return updated
            return current
        used = {c.name for c in spec.columns} | set(SYSTEM_COLUMNS[spec.kind])
        column = ColumnSpec(unique_name(candidate, used), field.xpath, role, sql_type, field.kind)
        self.tables[table] = replace(spec, columns=(*spec.columns, column))
        self.new_columns.append((table, column))
        return column

    def _replace_column(self, table: str, old: ColumnSpec, new: ColumnSpec) -> None:
        spec = self.tables[table]
        self.tables[table] = replace(
            spec, columns=tuple(new if c is old else c for c in spec.columns)
        )
