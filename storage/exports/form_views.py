"""Read-only views with readable names over each form's data tables, plus its choice labels and a
description of its columns, for BI tools and SQL users: in the schema `analytics` on PostgreSQL,
named `analytics__<table>` on SQLite (which has no schemas)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import quoted_name

from converters.form_model import Field, FormSchema
from converters.sql_names import fit, unique_name
from converters.table_plan import SYSTEM_COLUMNS, ColumnSpec, TableKind, TablePlan, TableSpec
from converters.xform_schema import parse_xform
from storage.db import is_postgres
from storage.forms.data_tables import load_plan
from storage.forms.sensitive_fields import sensitive_xpaths
from storage.schema import system as s

log = logging.getLogger(__name__)

SCHEMA = "analytics"
READER_ROLE = "baobab_reader"
# CREATE SCHEMA IF NOT EXISTS and GRANT both race with themselves in PostgreSQL (a unique
# violation, "tuple concurrently updated"), so refreshes of different forms take turns.
_LOCK = 0x6261_6F76  # "baov"

# The readable columns each kind of view starts with; its data columns follow.
_LEADING = {
    TableKind.ROOT: (
        "instance_id",
        "row_id",
        "submission_date",
        "updated_at",
        "submitter",
        "review_state",
        "device_id",
        "form_version",
    ),
    TableKind.REPEAT: ("instance_id", "row_id", "parent_row_id", "position", "key"),
    TableKind.SELECTION: ("instance_id", "parent_row_id", "position"),
}
CHOICE_COLUMNS = ("list_name", "name", "language", "label")
FIELD_COLUMNS = (
    "table_name",
    "column_name",
    "xpath",
    "question",
    "type",
    "list_name",
    "language",
    "label",
)


@dataclass(frozen=True, slots=True)
class ViewColumn:
    name: str  # in the view: the table's name, unless it clashes with a leading column
    column: ColumnSpec


@dataclass(frozen=True, slots=True)
class TableView:
    name: str  # unqualified: the table's name on PostgreSQL, analytics__<table> on SQLite
    table: TableSpec
    columns: tuple[ViewColumn, ...]  # the data columns, after the leading ones


@dataclass(frozen=True, slots=True)
class FormViews:
    tables: tuple[TableView, ...]
    choices: str
    fields: str

    @property
    def names(self) -> tuple[str, ...]:
        return (*(v.name for v in self.tables), self.choices, self.fields)


def refresh_views(connection: Connection, form_id: int, *, reader: str = READER_ROLE) -> None:
    """Drop and create the form's views inside the caller's transaction, then let `reader` (when
    that role exists) select from them. Dropping rather than CREATE OR REPLACE, because a widened
    column changes its type, which CREATE OR REPLACE VIEW refuses. Fields marked sensitive in any
    published version are left out, as they are for analysts everywhere else."""
    postgres = is_postgres(connection)
    if postgres:
        _take_turn(connection)
        connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {_quote(connection, SCHEMA)}")
    current = _current_schema(connection, form_id)
    hidden = sensitive_xpaths(connection, form_id)
    views = plan_views(connection, form_id, hidden=hidden)
    _drop(connection, views.names)
    occupied = _relations(connection, views.names)  # whatever is left is not a view of ours
    created = []
    for view in views.tables:
        if _free(view.name, occupied):
            _create(connection, view.name, _compile(connection, _select(view)))
            created.append(view.name)
    described = {f.xpath: f for f in current.fields} if current else {}
    rows = {
        views.choices: (CHOICE_COLUMNS, _choice_rows(current)),
        views.fields: (FIELD_COLUMNS, _field_rows(views.tables, described)),
    }
    for name, (columns, values) in rows.items():
        if _free(name, occupied):
            _create(connection, name, _values(connection, values, len(columns)), columns)
            created.append(name)
    if postgres:
        _grant(connection, reader, created)


def replace_view(
    connection: Connection, name: str, select: sa.Select[Any], *, reader: str = READER_ROLE
) -> bool:
    """Drop and create one view of ours (an entity list's, say) and let `reader` select from
    it; False when a table holds the name."""
    if is_postgres(connection):
        _take_turn(connection)
        connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {_quote(connection, SCHEMA)}")
    _drop(connection, [name])
    if not _free(name, _relations(connection, [name])):
        return False
    _create(connection, name, _compile(connection, select))
    if is_postgres(connection):
        _grant(connection, reader, [name])
    return True


def drop_views(connection: Connection, form_id: int) -> None:
    """Drop the form's views (and on PostgreSQL any view built on them): publishing calls this
    before it alters the tables, because neither database alters a column a view uses."""
    _drop(connection, plan_views(connection, form_id).names)


def refresh_all_views(connection: Connection, *, reader: str = READER_ROLE) -> None:
    """Views for every form, e.g. for forms published before views existed; a deleted form's
    views are dropped."""
    forms = connection.execute(sa.select(s.forms.c.id, s.forms.c.deleted_at).order_by(s.forms.c.id))
    for form_id, deleted_at in forms.all():
        if deleted_at is None:
            refresh_views(connection, form_id, reader=reader)
        else:
            drop_views(connection, form_id)


def create_reader_role(connection: Connection, role: str = READER_ROLE) -> None:
    """Create `role` as a NOLOGIN group role if it does not exist, and let it read every view in
    the analytics schema (views read the tables with their owner's rights, so it needs no right
    on the tables). Logins join it: CREATE ROLE powerbi LOGIN PASSWORD '...' IN ROLE <role>.
    Needs CREATEROLE. SQLite has no roles: this does nothing there."""
    if not is_postgres(connection):
        return
    _take_turn(connection)
    schema, grantee = _quote(connection, SCHEMA), _quote(connection, role)
    if not _role_exists(connection, role):
        connection.exec_driver_sql(f"CREATE ROLE {grantee} NOLOGIN")
    connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    connection.exec_driver_sql(f"GRANT USAGE ON SCHEMA {schema} TO {grantee}")
    connection.exec_driver_sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {grantee}")


def plan_views(
    connection: Connection, form_id: int, *, hidden: frozenset[str] = frozenset()
) -> FormViews:
    """The form's views as they are named now; columns and selection tables of the XPaths in
    `hidden` are left out."""
    prefix = connection.execute(
        sa.select(s.forms.c.table_prefix).where(s.forms.c.id == form_id)
    ).scalar_one()
    return name_views(
        load_plan(connection, form_id), prefix, hidden, postgres=is_postgres(connection)
    )


def name_views(
    plan: TablePlan, prefix: str, hidden: frozenset[str], *, postgres: bool
) -> FormViews:
    def named(table_name: str) -> str:
        return table_name if postgres else f"{SCHEMA}__{table_name}"

    tables = []
    for spec in plan.tables:
        if spec.kind is TableKind.SELECTION and spec.path in hidden:
            continue
        shown = [c for c in spec.columns if c.xpath not in hidden]
        taken = set(_LEADING[spec.kind]) | {c.name for c in shown}
        columns = []
        for column in shown:
            name = column.name
            if name in _LEADING[spec.kind]:  # a field named `submitter` or `position`
                name = unique_name(name, taken)
                taken.add(name)
            columns.append(ViewColumn(name, column))
        tables.append(TableView(named(spec.name), spec, tuple(columns)))
    # A repeat named `choices` has the table <prefix>__choices: then these take a suffix.
    table_names = {t.name for t in plan.tables}
    choices = unique_name(fit(f"{prefix}__choices"), table_names)
    fields = unique_name(fit(f"{prefix}__fields"), table_names | {choices})
    return FormViews(tuple(tables), named(choices), named(fields))


def view_ref(connection: Connection, name: str) -> str:
    """A view's quoted name, schema-qualified on PostgreSQL, ready to put in a query."""
    quoted = _quote(connection, name)
    return f"{_quote(connection, SCHEMA)}.{quoted}" if is_postgres(connection) else quoted


def _select(view: TableView) -> sa.Select[tuple[object, ...]]:
    spec = view.table
    names = [*SYSTEM_COLUMNS[spec.kind], *(c.name for c in spec.columns)]
    data = sa.table(_name(spec.name), *(sa.column(_name(n)) for n in names)).alias("d")
    submission = s.submissions.alias("s")
    source = data.join(submission, submission.c.id == data.c._submission_id)
    leading: list[sa.ColumnElement[object]] = [submission.c.instance_id]
    if spec.kind is TableKind.ROOT:
        actor = s.actors.alias("a")
        source = source.outerjoin(actor, actor.c.id == submission.c.submitter_id)
        leading += [
            data.c._id,
            submission.c.created_at,
            submission.c.updated_at,
            actor.c.display_name,
            submission.c.review_state,
            submission.c.device_id,
            data.c._form_version,
        ]
    elif spec.kind is TableKind.REPEAT:
        leading += [data.c._id, data.c._parent_id, data.c._ordinal, data.c._key]
    else:
        leading += [data.c._parent_id, data.c._ordinal]
    labelled = [
        *(e.label(_name(n)) for e, n in zip(leading, _LEADING[spec.kind], strict=True)),
        *(data.c[c.column.name].label(_name(c.name)) for c in view.columns),
    ]
    return sa.select(*labelled).select_from(source).where(submission.c.deleted_at.is_(None))


def _choice_rows(current: FormSchema | None) -> list[tuple[str | None, ...]]:
    if current is None:
        return []
    return [
        (choice_list.id, choice.name, language, label)
        for choice_list in current.choice_lists.values()
        for choice in choice_list.choices
        for language, label in _labels(choice.labels)
    ]


def _field_rows(
    tables: Iterable[TableView], described: Mapping[str, Field]
) -> list[tuple[str | None, ...]]:
    rows: list[tuple[str | None, ...]] = []
    for view in tables:
        for column in view.columns:
            field = described.get(column.column.xpath)
            question = field.name if field else column.column.xpath.rsplit("/", 1)[-1]
            kind = field.kind if field else column.column.kind
            list_name = field.choice_list if field else None
            rows += [
                (view.name, column.name, column.column.xpath, question, kind, list_name, *label)
                for label in _labels(field.labels if field else {})
            ]
    return rows


def _labels(labels: Mapping[str, str]) -> list[tuple[str | None, str | None]]:
    """(language, label) pairs; one row without a label keeps an unlabelled item listed."""
    return list(labels.items()) or [(None, None)]


def _current_schema(connection: Connection, form_id: int) -> FormSchema | None:
    xform = connection.execute(
        sa.select(s.form_versions.c.xform)
        .join(s.forms, s.forms.c.current_version_id == s.form_versions.c.id)
        .where(s.forms.c.id == form_id)
    ).scalar()
    return parse_xform(xform.encode("utf-8")) if xform is not None else None


def _values(connection: Connection, rows: Sequence[tuple[str | None, ...]], width: int) -> str:
    """A VALUES list of text literals, rendered by the dialect's own compiler (quotes,
    backslashes and the driver's percent signs), or an empty SELECT when there are no rows."""
    if not rows:
        return "SELECT " + ", ".join(["CAST(NULL AS TEXT)"] * width) + " WHERE 1 = 0"
    compiler = connection.dialect.statement_compiler(connection.dialect, None)
    text = sa.Text()

    def literal(value: str | None) -> str:
        return "NULL" if value is None else compiler.render_literal_value(value, text)

    return "VALUES " + ", ".join("(" + ", ".join(map(literal, row)) + ")" for row in rows)


def _compile(connection: Connection, select: sa.Select[Any]) -> str:
    return str(select.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))


def _create(connection: Connection, name: str, query: str, columns: Sequence[str] = ()) -> None:
    names = f" ({', '.join(_quote(connection, c) for c in columns)})" if columns else ""
    connection.exec_driver_sql(f"CREATE VIEW {view_ref(connection, name)}{names} AS {query}")


def _drop(connection: Connection, names: Iterable[str]) -> None:
    cascade = " CASCADE" if is_postgres(connection) else ""  # SQLite tracks no dependents
    for name, is_view in _relations(connection, names).items():
        if is_view:
            connection.exec_driver_sql(f"DROP VIEW {view_ref(connection, name)}{cascade}")


def _relations(connection: Connection, names: Iterable[str]) -> dict[str, bool]:
    """Which of these names exist where the views go, and whether each is a view."""
    wanted: sa.BindParameter[list[str]] = sa.bindparam("names", list(names), expanding=True)
    if is_postgres(connection):
        query = sa.text(
            "SELECT c.relname, c.relkind = 'v' FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :schema AND c.relname IN :names"
        ).bindparams(wanted, schema=SCHEMA)
    else:
        query = sa.text(
            "SELECT name, type = 'view' FROM sqlite_master WHERE name IN :names"
        ).bindparams(wanted)
    return {name: bool(is_view) for name, is_view in connection.execute(query).all()}


def _free(name: str, occupied: Mapping[str, bool]) -> bool:
    if name in occupied:
        # Someone's table holds the name: publishing must not fail for a view.
        log.warning("view %s not created: a table of that name exists", name)
        return False
    return True


def _grant(connection: Connection, reader: str, names: Sequence[str]) -> None:
    if not names or not _role_exists(connection, reader):
        return
    grantee = _quote(connection, reader)
    views = ", ".join(view_ref(connection, n) for n in names)
    connection.exec_driver_sql(f"GRANT USAGE ON SCHEMA {_quote(connection, SCHEMA)} TO {grantee}")
    connection.exec_driver_sql(f"GRANT SELECT ON {views} TO {grantee}")


def _role_exists(connection: Connection, role: str) -> bool:
    query = sa.text("SELECT 1 FROM pg_roles WHERE rolname = :role")
    return connection.execute(query, {"role": role}).first() is not None


def _take_turn(connection: Connection) -> None:
    connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_LOCK)))


def _quote(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote_identifier(name)


def _name(name: str) -> quoted_name:
    """Always quoted: names come from users and may be SQL keywords (`select`, `order`)."""
    return quoted_name(name, quote=True)
