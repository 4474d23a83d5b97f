"""Forms and their versions: publishing (schema -> tables -> DDL) and reading them back."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.exc import IntegrityError

from converters.form_model import CompiledForm, FormSchema
from converters.sql_names import sql_name, unique_name
from converters.table_plan import (
    PlanChanges,
    TablePlan,
    plan_tables,
)
from converters.xform_schema import parse_xform
from storage.db import is_postgres
from storage.errors import Conflict, InvalidData, NotFound, StorageCode
from storage.exports.entity_views import fill_entity_lists
from storage.exports.form_views import drop_views, refresh_views
from storage.exports.score_view import refresh_scores_view
from storage.forms.attachments import carry_attachments
from storage.forms.data_tables import load_plan, register_tables, taken_table_names
from storage.forms.ddl import apply_changes
from storage.schema import system as s


@dataclass(frozen=True, slots=True)
class FormRecord:
    id: int
    project_id: int
    xml_form_id: str
    name: str | None
    state: str
    table_prefix: str
    current_version_id: int | None
    schema_generation: int
    created_at: datetime
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class FormVersionRecord:
    id: int
    form_id: int
    version: str
    title: str
    xform_md5: str
    xform_sha256: str
    xform_sha1: str | None
    warnings: tuple[str, ...]
    created_at: datetime
    published_at: datetime | None


@dataclass(frozen=True, slots=True)
class PublishResult:
    form: FormRecord
    version: FormVersionRecord
    changes: PlanChanges
    already_published: bool = False


def publish_form(
    connection: Connection,
    *,
    project_id: int,
    compiled: CompiledForm,
    now: datetime,
    source: bytes | None = None,
    actor_id: int | None = None,
) -> PublishResult:
    """Publish a compiled form as the current version of its form, creating or evolving its
    tables in the same transaction. Republishing identical content is a no-op."""
    form_schema = parse_xform(compiled.xform.encode("utf-8"))
    require_project(connection, project_id)
    form = lock_or_create_form(connection, project_id, form_schema, now)
    existing = find_version(connection, form.id, compiled.version)
    if existing is not None:
        if existing.xform_sha256 != hashlib.sha256(compiled.xform.encode("utf-8")).hexdigest():
            raise Conflict(
                StorageCode.VERSION_EXISTS, form_id=form.xml_form_id, version=compiled.version
            )
        return PublishResult(form, existing, PlanChanges(), already_published=True)
    version_id = insert_version(
        connection, form, compiled, now=now, source=source, actor_id=actor_id, draft=False
    )
    changes = activate_version(connection, form, version_id, form_schema, now)
    return PublishResult(
        get_form_by_id(connection, form.id), get_version(connection, version_id), changes
    )


def insert_version(
    connection: Connection,
    form: FormRecord,
    compiled: CompiledForm,
    *,
    now: datetime,
    source: bytes | None,
    actor_id: int | None,
    draft: bool,
) -> int:
    """Store a form definition (published at once, or as the form's draft) and the media files
    it expects, keeping files the current version already has under the same names."""
    xform = compiled.xform.encode("utf-8")
    version_id = int(
        connection.execute(
            sa.insert(s.form_versions)
            .values(
                form_id=form.id,
                version=compiled.version,
                title=compiled.title,
                xform=compiled.xform,
                source=source,
                source_type=compiled.file_type,
                warnings=[w.message for w in compiled.warnings],
                itemsets=compiled.itemsets,
                created_by=actor_id,
                created_at=now,
                published_at=None if draft else now,
                **xform_hashes(xform),
            )
            .returning(s.form_versions.c.id)
        ).scalar_one()
    )
    carry_attachments(
        connection, form.current_version_id, version_id, parse_xform(xform).media_files, now
    )
    return version_id


def xform_hashes(xform: bytes) -> dict[str, str]:
    return {
        "xform_md5": hashlib.md5(xform, usedforsecurity=False).hexdigest(),
        "xform_sha256": hashlib.sha256(xform).hexdigest(),
        "xform_sha1": hashlib.sha1(xform, usedforsecurity=False).hexdigest(),
    }


def activate_version(
    connection: Connection,
    form: FormRecord,
    version_id: int,
    form_schema: FormSchema,
    now: datetime,
) -> PlanChanges:
    """Make a stored definition the form's current version: evolve the tables (DDL in this
    transaction), record its column <-> XPath mapping, and point the form at it."""
    plan = plan_tables(
        form_schema,
        table_prefix=form.table_prefix,
        existing=load_plan(connection, form.id),
        taken_table_names=taken_table_names(connection, form.id),
        add_optional=True,  # notes and entity labels get columns as a version is published
    )
    drop_views(connection, form.id)  # no database alters a column that a view uses
    apply_changes(connection, plan.changes, plan.physical)
    register_tables(connection, form.id, plan.physical, plan.changes)
    mapping = [
        {
            "form_version_id": version_id,
            "table_name": table.name,
            "column_name": column.name,
            "xpath": column.xpath,
            "role": column.role.value,
        }
        for table in plan.version.tables
        for column in table.columns
    ]
    if mapping:
        connection.execute(sa.insert(s.form_version_columns), mapping)
    connection.execute(
        sa.update(s.form_versions)
        .where(s.form_versions.c.id == version_id, s.form_versions.c.published_at.is_(None))
        .values(published_at=now)
    )
    connection.execute(
        sa.update(s.forms)
        .where(s.forms.c.id == form.id)
        .values(
            current_version_id=version_id,
            name=form_schema.title,
            updated_at=now,
            schema_generation=s.forms.c.schema_generation + 1,
        )
    )
    fill_entity_lists(connection, form.project_id, form_schema, now)
    refresh_views(connection, form.id)
    refresh_scores_view(connection)
    return plan.changes


def load_version_plan(connection: Connection, form_version_id: int) -> tuple[FormSchema, TablePlan]:
    """A version's schema and the tables and columns it fills, typed as they physically are
    now. Re-planning on top of the physical tables reuses every name, so nothing is created."""
    row = connection.execute(
        sa.select(s.form_versions.c.xform, s.forms.c.id, s.forms.c.table_prefix)
        .join(s.forms, s.forms.c.id == s.form_versions.c.form_id)
        .where(s.form_versions.c.id == form_version_id)
    ).first()
    if row is None:
        raise NotFound(StorageCode.NOT_FOUND, what=f"form version {form_version_id}")
    form_schema = parse_xform(row.xform.encode("utf-8"))
    plan = plan_tables(
        form_schema, table_prefix=row.table_prefix, existing=load_plan(connection, row.id)
    )
    assert not plan.changes.new_tables and not plan.changes.new_columns, form_version_id
    return form_schema, plan.version


def list_forms(connection: Connection, project_id: int | None = None) -> list[FormRecord]:
    query = sa.select(s.forms).where(s.forms.c.deleted_at.is_(None))
    if project_id is not None:
        query = query.where(s.forms.c.project_id == project_id)
    rows = connection.execute(query.order_by(s.forms.c.project_id, s.forms.c.xml_form_id))
    return [_form(r) for r in rows.mappings()]


def get_form(connection: Connection, project_id: int, xml_form_id: str) -> FormRecord:
    row = (
        connection.execute(
            sa.select(s.forms).where(
                s.forms.c.project_id == project_id,
                s.forms.c.xml_form_id == xml_form_id,
                s.forms.c.deleted_at.is_(None),
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(StorageCode.FORM_NOT_FOUND, form_id=xml_form_id)
    return _form(row)


def find_published_version(
    connection: Connection, project_id: int, xml_form_id: str, version: str
) -> tuple[FormRecord, int | None]:
    """A form and the id of its published version `version` (None if it has none), in one
    query: intake asks this for every submission."""
    row = (
        connection.execute(
            FORM_AND_VERSION,
            {
                "project_id": project_id,
                "xml_form_id": xml_form_id,
                "version": version,
            },
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(StorageCode.FORM_NOT_FOUND, form_id=xml_form_id)
    return published_version_of(row)


def published_version_of(row: RowMapping) -> tuple[FormRecord, int | None]:
    """What find_published_version returns, from a row of FORM_AND_VERSION (which intake's
    pipelined write also sends, storage/submissions/pipelined.py)."""
    return _form(row), row["version_id"]


FORM_AND_VERSION = (
    sa.select(s.forms, s.form_versions.c.id.label("version_id"))
    .outerjoin(
        s.form_versions,
        sa.and_(
            s.form_versions.c.form_id == s.forms.c.id,
            s.form_versions.c.version == sa.bindparam("version"),
            s.form_versions.c.published_at.is_not(None),
        ),
    )
    .where(
        s.forms.c.project_id == sa.bindparam("project_id"),
        s.forms.c.xml_form_id == sa.bindparam("xml_form_id"),
        s.forms.c.deleted_at.is_(None),
    )
)


def get_form_by_id(connection: Connection, form_id: int) -> FormRecord:
    row = connection.execute(sa.select(s.forms).where(s.forms.c.id == form_id)).mappings().first()
    if row is None:
        raise NotFound(StorageCode.FORM_NOT_FOUND, form_id=form_id)
    return _form(row)


def get_version(connection: Connection, form_version_id: int) -> FormVersionRecord:
    row = (
        connection.execute(
            sa.select(*_VERSION_COLUMNS).where(s.form_versions.c.id == form_version_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(StorageCode.NOT_FOUND, what=f"form version {form_version_id}")
    return _version(row)


def find_version(connection: Connection, form_id: int, version: str) -> FormVersionRecord | None:
    row = (
        connection.execute(
            sa.select(*_VERSION_COLUMNS).where(
                s.form_versions.c.form_id == form_id,
                s.form_versions.c.version == version,
                s.form_versions.c.published_at.is_not(None),
            )
        )
        .mappings()
        .first()
    )
    return _version(row) if row else None


def list_versions(connection: Connection, form_id: int) -> list[FormVersionRecord]:
    rows = connection.execute(
        sa.select(*_VERSION_COLUMNS)
        .where(s.form_versions.c.form_id == form_id, s.form_versions.c.published_at.is_not(None))
        .order_by(s.form_versions.c.id.desc())
    ).mappings()
    return [_version(r) for r in rows]


FORM_STATES = ("open", "closing", "closed")


def set_form_state(connection: Connection, form_id: int, state: str, now: datetime) -> None:
    """open: listed and accepting; closing: hidden from devices but accepting what they hold;
    closed: refusing submissions (409)."""
    if state not in FORM_STATES:
        raise InvalidData(
            StorageCode.INVALID_STATE,
            state=state,
            kind="form state",
            expected=", ".join(FORM_STATES),
        )
    connection.execute(
        sa.update(s.forms).where(s.forms.c.id == form_id).values(state=state, updated_at=now)
    )


def get_xform(connection: Connection, form_version_id: int) -> str:
    xform = connection.execute(
        sa.select(s.form_versions.c.xform).where(s.form_versions.c.id == form_version_id)
    ).scalar()
    if xform is None:
        raise NotFound(StorageCode.NOT_FOUND, what=f"form version {form_version_id}")
    return str(xform)


_VERSION_COLUMNS = [c for c in s.form_versions.c if c.name not in ("xform", "source", "itemsets")]


def require_project(connection: Connection, project_id: int) -> None:
    found = connection.execute(
        sa.select(s.projects.c.id).where(
            s.projects.c.id == project_id, s.projects.c.deleted_at.is_(None)
        )
    ).first()
    if found is None:
        raise NotFound(StorageCode.PROJECT_NOT_FOUND, project_id=project_id)


def lock_or_create_form(
    connection: Connection, project_id: int, form_schema: FormSchema, now: datetime
) -> FormRecord:
    query = sa.select(s.forms).where(
        s.forms.c.project_id == project_id, s.forms.c.xml_form_id == form_schema.form_id
    )
    if is_postgres(connection):
        query = query.with_for_update()  # one publisher of a form at a time
    row = connection.execute(query).mappings().first()
    if row is not None:
        return _form(row)
    taken = {r[0] for r in connection.execute(sa.select(s.forms.c.table_prefix))}
    taken |= {r[0] for r in connection.execute(sa.select(s.data_tables.c.name))}
    prefix = unique_name(sql_name([form_schema.form_id]), taken)
    try:
        with connection.begin_nested():
            form_id = connection.execute(
                sa.insert(s.forms)
                .values(
                    project_id=project_id,
                    xml_form_id=form_schema.form_id,
                    name=form_schema.title,
                    state="open",
                    table_prefix=prefix,
                    schema_generation=0,
                    created_at=now,
                )
                .returning(s.forms.c.id)
            ).scalar_one()
    except IntegrityError as error:
        raise Conflict(
            StorageCode.ALREADY_EXISTS, what="form", key=f"id '{form_schema.form_id}'"
        ) from error
    return get_form_by_id(connection, form_id)


def _form(row: RowMapping) -> FormRecord:
    return FormRecord(
        id=row["id"],
        project_id=row["project_id"],
        xml_form_id=row["xml_form_id"],
        name=row["name"],
        state=row["state"],
        table_prefix=row["table_prefix"],
        current_version_id=row["current_version_id"],
        schema_generation=row["schema_generation"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _version(row: RowMapping) -> FormVersionRecord:
    return FormVersionRecord(
        id=row["id"],
        form_id=row["form_id"],
        version=row["version"],
        title=row["title"],
        xform_md5=row["xform_md5"],
        xform_sha256=row["xform_sha256"],
        xform_sha1=row["xform_sha1"],
        warnings=tuple(row["warnings"] or ()),
        created_at=row["created_at"],
        published_at=row["published_at"],
    )
