"""Entity reads and changes beyond storage/entities/records.py, in Central's terms: the trash
(restore,
bulk delete and restore), OData's $filter and $orderby, creators, an entity's audits, its
geometry, and the forms that fill or read a list. What each device gets of a list is
storage/entities/scope.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.sql import ColumnElement

from converters.errors import ConversionCode, ConversionError
from converters.odata_filter import Expression
from converters.odata_filter import properties as filter_properties
from converters.xform_schema import parse_xform
from storage.audit import AuditRecord
from storage.db import is_postgres
from storage.entities.lists import EntityListRecord
from storage.entities.records import EntityRecord
from storage.errors import NotFound, StorageCode
from storage.exports.odata_filter import filter_clause
from storage.forms.versions import get_xform, list_forms
from storage.schema import system as s

_ENTITY_FIELDS = tuple(f.name for f in fields(EntityRecord))
ID_CHUNK = 500  # ids per IN (...): well under every database's limit on parameters

# What $filter and $orderby may name on an entity list, as Central (lib/data/entity.js
# odataToColumnMap): system columns only, never a property or the label, so that neither
# can tell a role anything about values it may not read.
ODATA_COLUMNS: Mapping[str, Any] = {
    "__id": s.entities.c.uuid,
    "__system/createdAt": s.entities.c.created_at,
    "__system/updatedAt": s.entities.c.updated_at,
    "__system/deletedAt": s.entities.c.deleted_at,
    "__system/creatorId": s.entities.c.creator_id,
    "__system/conflict": s.entities.c.conflict,
}


def property_text(connection: Connection, name: str) -> ColumnElement[Any]:
    """An entity's property as text (names are checked when a list gets them: no quotes)."""
    if is_postgres(connection):
        return s.entities.c.data.op("->>")(sa.literal(name, sa.Text))
    return sa.func.json_extract(s.entities.c.data, f'$."{name}"')


def list_deleted(
    connection: Connection, list_id: int, *, limit: int | None = None, offset: int = 0
) -> list[EntityRecord]:
    """The list's trash (GET .../entities?deleted=true), most recently deleted first."""
    return query_entities(
        connection,
        list_id,
        where=s.entities.c.deleted_at.is_not(None),
        deleted=True,
        order=[("__system/deletedAt", True)],
        limit=limit,
        offset=offset,
    )


def set_deleted(
    connection: Connection,
    entity_list: EntityListRecord,
    uuids: Sequence[str],
    now: datetime,
    *,
    deleted: bool,
) -> list[str]:
    """Delete (or restore) the entities named; every one must be in the list. Those already
    deleted (or live) are left alone; the others are returned. A restored entity is updated
    now, so the hash of every subset it is in changes (as Central does for ownerOnly)."""
    wanted = list(dict.fromkeys(uuids))
    present: dict[str, bool] = {}
    for i in range(0, len(wanted), ID_CHUNK):
        present.update(
            (u, d is not None)
            for u, d in connection.execute(
                sa.select(s.entities.c.uuid, s.entities.c.deleted_at).where(
                    s.entities.c.list_id == entity_list.id,
                    s.entities.c.uuid.in_(wanted[i : i + ID_CHUNK]),
                )
            )
        )
    missing = [u for u in wanted if u not in present]
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise NotFound(StorageCode.NOT_FOUND, what=f"the entities {shown}")
    changing = [u for u in wanted if present[u] != deleted]
    values = {"deleted_at": now} if deleted else {"deleted_at": None, "updated_at": now}
    for i in range(0, len(changing), ID_CHUNK):
        connection.execute(
            sa.update(s.entities)
            .where(
                s.entities.c.list_id == entity_list.id,
                s.entities.c.uuid.in_(changing[i : i + ID_CHUNK]),
            )
            .values(**values)
        )
    return changing


def odata_condition(expression: Expression, now: datetime) -> ColumnElement[bool]:
    """A parsed $filter (converters/odata_filter.py) on an entity list, refused before anything
    runs when it names what Central does not filter entities on."""
    for path in filter_properties(expression):
        if "/".join(path) not in ODATA_COLUMNS:
            raise ConversionError(
                ConversionCode.ODATA_FILTER_INVALID,
                reason=f"cannot filter on '{'/'.join(path)}': entity lists, as in ODK Central, "
                f"filter on {', '.join(ODATA_COLUMNS)}",
            )
    return filter_clause(expression, ODATA_COLUMNS, now)


def query_entities(
    connection: Connection,
    list_id: int,
    *,
    where: ColumnElement[bool] | None = None,
    deleted: bool = False,
    order: Sequence[tuple[str, bool]] = (),
    limit: int | None = None,
    offset: int = 0,
) -> list[EntityRecord]:
    """Entities of the list matching `where` (deleted ones only when `deleted`), ordered by
    (ODATA_COLUMNS name, descending) pairs, then by age."""
    query = _matching(list_id, where, deleted)
    columns = [ODATA_COLUMNS[name].desc() if desc else ODATA_COLUMNS[name] for name, desc in order]
    query = query.order_by(*columns, s.entities.c.created_at, s.entities.c.id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [record(r) for r in connection.execute(query).mappings()]


def count_matching(
    connection: Connection,
    list_id: int,
    *,
    where: ColumnElement[bool] | None = None,
    deleted: bool = False,
) -> int:
    query = _matching(list_id, where, deleted).subquery()
    return int(connection.execute(sa.select(sa.func.count()).select_from(query)).scalar_one())


def _matching(list_id: int, where: ColumnElement[bool] | None, deleted: bool) -> sa.Select[Any]:
    query = sa.select(s.entities).where(s.entities.c.list_id == list_id)
    if not deleted:
        query = query.where(s.entities.c.deleted_at.is_(None))
    return query if where is None else query.where(where)


def last_update(connection: Connection, entity_list: EntityListRecord) -> datetime | None:
    """When an entity of the list was last created, updated or deleted."""
    table = s.entities
    moments = connection.execute(
        sa.select(
            sa.func.max(table.c.created_at),
            sa.func.max(table.c.updated_at),
            sa.func.max(table.c.deleted_at),
        ).where(table.c.list_id == entity_list.id)
    ).one()
    found = [m for m in moments if m is not None]
    return max(found) if found else None


def creator_ids(connection: Connection, list_id: int) -> list[int]:
    """Who created the list's live entities (GET .../entities/creators)."""
    return list(
        connection.execute(
            sa.select(s.entities.c.creator_id)
            .where(
                s.entities.c.list_id == list_id,
                s.entities.c.deleted_at.is_(None),
                s.entities.c.creator_id.is_not(None),
            )
            .distinct()
        ).scalars()
    )


# Events about an entity that another actee holds (its list, its submission, its form), found
# by the uuid in their details: bulk changes, refusals, offline updates held and released.
_NAMING_ENTITIES = (
    "entity.bulk.delete",
    "entity.bulk.restore",
    "entity.error",
    "submission.backlog.hold",
    "submission.backlog.reprocess",
    "submission.backlog.force",
)


def entity_audits(
    connection: Connection, entity_list: EntityListRecord, uuid: str
) -> list[AuditRecord]:
    """The audit log of one entity, newest first: events about the entity itself, and the
    events of its list, submissions and forms that name it."""
    audits = s.audits
    about_entity = sa.and_(audits.c.actee_type == "entity", audits.c.actee_id == uuid)
    naming = sa.and_(
        audits.c.action.in_(_NAMING_ENTITIES),
        sa.cast(audits.c.details, sa.Text).contains(uuid, autoescape=True),
    )
    rows = connection.execute(
        sa.select(audits)
        .where(sa.or_(about_entity, naming))
        .order_by(audits.c.logged_at.desc(), audits.c.id.desc())
    )
    found = []
    for r in rows:
        details = r.details if isinstance(r.details, dict) else {}
        entity = details.get("entity")
        named = details.get("list") or (entity.get("dataset") if isinstance(entity, dict) else None)
        if named is not None and named != entity_list.name:
            continue  # the same uuid in another list
        if r.actee_type == "dataset" and r.actee_id != entity_list.name:
            continue
        found.append(
            AuditRecord(r.id, r.actor_id, r.action, r.actee_type, r.actee_id, details, r.logged_at)
        )
    return found


def geometries(
    connection: Connection, list_id: int, *, uuid: str | None = None, limit: int | None = None
) -> list[tuple[str, str | None]]:
    """(uuid, the `geometry` property) of the live entities that have one, oldest first."""
    geometry = property_text(connection, "geometry")
    query = sa.select(s.entities.c.uuid, geometry).where(
        s.entities.c.list_id == list_id,
        s.entities.c.deleted_at.is_(None),
        geometry.is_not(None),
        geometry != "",
    )
    if uuid is not None:
        query = query.where(s.entities.c.uuid == uuid)
    query = query.order_by(s.entities.c.created_at, s.entities.c.id)
    if limit is not None:
        query = query.limit(limit)
    return [(u, None if g is None else str(g)) for u, g in connection.execute(query)]


def reading_forms(connection: Connection, entity_list: EntityListRecord) -> list[tuple[int, str]]:
    """(id, state) of the forms whose published version takes the list to devices as its
    `<list>.csv` attachment (Central's linked forms)."""
    rows = connection.execute(
        sa.select(s.forms.c.id, s.forms.c.state)
        .join(
            s.form_attachments, s.form_attachments.c.form_version_id == s.forms.c.current_version_id
        )
        .where(
            s.forms.c.project_id == entity_list.project_id,
            s.forms.c.deleted_at.is_(None),
            s.form_attachments.c.name == f"{entity_list.name}.csv",
        )
        .order_by(s.forms.c.id)
    )
    return [(form_id, state) for form_id, state in rows]


@dataclass(frozen=True, slots=True)
class FormRef:
    xml_form_id: str
    name: str


@dataclass(frozen=True, slots=True)
class ListForms:
    """The published forms that fill the list (sourceForms), those that read it as a CSV
    attachment (linkedForms), and which forms save to each property."""

    source: tuple[FormRef, ...]
    linked: tuple[FormRef, ...]
    by_property: Mapping[str, tuple[FormRef, ...]]


def forms_of(connection: Connection, entity_list: EntityListRecord) -> ListForms:
    source: list[FormRef] = []
    linked: list[FormRef] = []
    by_property: dict[str, list[FormRef]] = {}
    attachment = f"{entity_list.name}.csv"
    for form in list_forms(connection, entity_list.project_id):
        if form.current_version_id is None:
            continue
        ref = FormRef(form.xml_form_id, form.name or form.xml_form_id)
        uses = connection.execute(
            sa.select(sa.func.count()).where(
                s.form_attachments.c.form_version_id == form.current_version_id,
                s.form_attachments.c.name == attachment,
            )
        ).scalar_one()
        if uses:
            linked.append(ref)
        schema = parse_xform(get_xform(connection, form.current_version_id).encode("utf-8"))
        declared = [d for d in schema.entities if d.dataset == entity_list.name]
        if declared:
            source.append(ref)
        for name in dict.fromkeys(p.name for d in declared for p in d.properties):
            by_property.setdefault(name, []).append(ref)
    return ListForms(tuple(source), tuple(linked), {k: tuple(v) for k, v in by_property.items()})


def record(row: RowMapping | Any) -> EntityRecord:
    """An entities row as storage/entities/records.py's record, whatever fields it grows."""
    values = {name: row[name] for name in _ENTITY_FIELDS}
    values["data"] = dict(values["data"] or {})
    return EntityRecord(**values)
