"""Purge: what has been in the trash long enough (or what an administrator names) goes for
good, in batches of a bounded number of submissions so memory stays flat: the submission rows,
every version's XML, the rows of the form's tables (root and repeats), scores, comments,
duplicate flags and profiles, held entity actions, and the blobs no row refers to any more.
Each purged instanceID is kept as a hash (storage/submissions/store.py refuses its resend)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from storage.audit import record
from storage.blobs.store import BlobStore
from storage.db import transaction
from storage.exports.form_views import drop_views
from storage.forms.data_tables import load_plan
from storage.forms.ddl import build_tables
from storage.lifecycle.app_user_trash import purge_app_users
from storage.lifecycle.purge_rows import (
    BATCH,
    PurgeCounts,
    delete_blobs,
    delete_entity,
    purge_submissions_where,
    unreferenced_blobs,
)
from storage.schema import system as s

log = logging.getLogger(__name__)
__all__ = ["PurgeCounts", "PurgeScope", "purge"]


@dataclass(frozen=True, slots=True)
class PurgeScope:
    """Which trashed things: those deleted before `before` (None: every one, `--force`), of
    one project or one form (numeric id) when given."""

    before: datetime | None
    project_id: int | None = None
    form_id: int | None = None


def purge(
    engine: Engine,
    blobs: BlobStore,
    scope: PurgeScope,
    now: datetime,
    *,
    actor_id: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> PurgeCounts:
    """Trashed submissions (on their own), then trashed forms (with every submission they
    have), then trashed entities and app users, then one audit entry with the counts. Each
    batch is its own transaction: an interrupted purge leaves whole submissions, and the next
    run finishes it."""
    counts = PurgeCounts()
    subs = s.submissions
    eligible: list[sa.ColumnElement[bool]] = [
        subs.c.deleted_at.is_not(None),
        subs.c.trashed_with.is_(None),
    ]
    eligible += _when(subs.c.deleted_at, scope.before)
    if scope.form_id is not None:
        eligible.append(subs.c.form_id == scope.form_id)
    if scope.project_id is not None:
        eligible.append(subs.c.form_id.in_(_project_forms(scope.project_id)))
    purge_submissions_where(engine, blobs, sa.and_(*eligible), now, counts, progress)
    for form_id in _trashed_forms(engine, scope):
        purge_form(engine, blobs, form_id, now, counts, progress)
    purge_entities(engine, scope, counts, now)
    if scope.form_id is None:  # app users belong to the project, not to a form
        with transaction(engine) as connection:
            counts.app_users += purge_app_users(connection, scope.project_id, scope.before)
    for project_id in _trashed_projects(engine, scope):
        purge_project(engine, blobs, project_id, now, counts)
    log.info("purge: %s", counts.details())
    with transaction(engine) as connection:
        record(
            connection,
            actor_id=actor_id,
            action="purge",
            now=now,
            details={
                **counts.details(),
                "force": scope.before is None,
                "projectId": scope.project_id,
                "formId": scope.form_id,
            },
        )
    return counts


def purge_form(
    engine: Engine,
    store: BlobStore,
    form_id: int,
    now: datetime,
    counts: PurgeCounts,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Every submission of the form, then its tables, views, versions, media and drafts."""
    subs = s.submissions
    purge_submissions_where(engine, store, subs.c.form_id == form_id, now, counts, progress)
    with transaction(engine) as connection:
        freed = _drop_form(connection, form_id)
    counts.forms += 1
    counts.blobs += delete_blobs(engine, store, freed)


def _drop_form(connection: Connection, form_id: int) -> list[str]:
    versions = s.form_versions
    version_ids = sa.select(versions.c.id).where(versions.c.form_id == form_id)
    candidates = set(
        connection.execute(
            sa.select(s.form_attachments.c.blob_sha256).where(
                s.form_attachments.c.form_version_id.in_(version_ids),
                s.form_attachments.c.blob_sha256.is_not(None),
            )
        ).scalars()
    )
    for files in connection.execute(
        sa.select(s.draft_submissions.c.files).where(
            s.draft_submissions.c.form_version_id.in_(version_ids)
        )
    ).scalars():
        candidates |= {str(v) for v in (files or {}).values() if v}
    drop_views(connection, form_id)
    plan = load_plan(connection, form_id)
    tables = build_tables(plan)
    for spec in reversed(plan.tables):
        tables[spec.name].drop(connection, checkfirst=True)
    table_names = sa.select(s.data_tables.c.name).where(s.data_tables.c.form_id == form_id)
    connection.execute(
        sa.delete(s.form_version_columns).where(
            s.form_version_columns.c.form_version_id.in_(version_ids)
        )
    )
    connection.execute(
        sa.delete(s.data_columns).where(s.data_columns.c.table_name.in_(table_names))
    )
    connection.execute(sa.delete(s.data_tables).where(s.data_tables.c.form_id == form_id))
    for table in (s.form_attachments, s.draft_submissions):
        connection.execute(sa.delete(table).where(table.c.form_version_id.in_(version_ids)))
    for table in (s.form_assignments, s.public_links, s.rss_scores):
        connection.execute(sa.delete(table).where(table.c.form_id == form_id))
    connection.execute(
        sa.update(s.forms).where(s.forms.c.id == form_id).values(current_version_id=None)
    )
    connection.execute(sa.delete(versions).where(versions.c.form_id == form_id))
    connection.execute(sa.delete(s.forms).where(s.forms.c.id == form_id))
    return unreferenced_blobs(connection, candidates)


def purge_entities(engine: Engine, scope: PurgeScope, counts: PurgeCounts, now: datetime) -> None:
    """Trashed entities with their versions, held actions and duplicate review rows."""
    e, lists = s.entities, s.entity_lists
    condition: list[sa.ColumnElement[bool]] = [
        e.c.deleted_at.is_not(None),
        *_when(e.c.deleted_at, scope.before),
    ]
    if scope.project_id is not None:
        condition.append(
            e.c.list_id.in_(sa.select(lists.c.id).where(lists.c.project_id == scope.project_id))
        )
    if scope.form_id is not None:
        return  # a form owns no entities: its lists belong to the project
    _delete_entities(engine, condition, counts, now)


def _delete_entities(
    engine: Engine, condition: list[sa.ColumnElement[bool]], counts: PurgeCounts, now: datetime
) -> None:
    """Every entity matching `condition`, BATCH at a time, each batch its own transaction."""
    e = s.entities
    while True:
        with transaction(engine) as connection:
            rows = connection.execute(
                sa.select(e.c.id, e.c.list_id, e.c.uuid)
                .where(*condition)
                .order_by(e.c.id)
                .limit(BATCH)
            ).all()
            for entity_id, list_id, uuid in rows:
                delete_entity(connection, entity_id, list_id, uuid, now)
        counts.entities += len(rows)
        if len(rows) < BATCH:
            return


def purge_project(
    engine: Engine, store: BlobStore, project_id: int, now: datetime, counts: PurgeCounts
) -> None:
    """Whatever its forms (purged first) left: its entity lists with every entity, its app
    users' keys, roles and properties, then the project. The actors stay, marked deleted: the
    audit log names them."""
    forms = s.forms
    with transaction(engine, read_only=True) as connection:
        left = list(
            connection.execute(
                sa.select(forms.c.id).where(forms.c.project_id == project_id)
            ).scalars()
        )
    for form_id in left:
        purge_form(engine, store, form_id, now, counts)
    lists = sa.select(s.entity_lists.c.id).where(s.entity_lists.c.project_id == project_id)
    _delete_entities(engine, [s.entities.c.list_id.in_(lists)], counts, now)
    with transaction(engine) as connection:
        keys = s.field_keys
        actors = sa.select(keys.c.actor_id).where(keys.c.project_id == project_id)
        connection.execute(
            sa.update(s.actors)
            .where(s.actors.c.id.in_(actors), s.actors.c.deleted_at.is_(None))
            .values(deleted_at=now)
        )
        properties = sa.select(s.actor_properties.c.id).where(
            s.actor_properties.c.project_id == project_id
        )
        values = s.actor_property_values
        connection.execute(sa.delete(values).where(values.c.property_id.in_(properties)))
        for table in (
            s.person_merges,
            s.duplicate_flags,
            s.person_keys,
            s.person_profiles,
            s.entity_backlog,
            s.entity_pending,
        ):
            connection.execute(sa.delete(table).where(table.c.list_id.in_(lists)))
        for table in (s.entity_lists, s.actor_properties, s.project_roles, keys):
            connection.execute(sa.delete(table).where(table.c.project_id == project_id))
        connection.execute(sa.delete(s.projects).where(s.projects.c.id == project_id))
    counts.projects += 1


def _trashed_projects(engine: Engine, scope: PurgeScope) -> list[int]:
    if scope.form_id is not None:
        return []
    projects = s.projects
    condition: list[sa.ColumnElement[bool]] = [
        projects.c.deleted_at.is_not(None),
        *_when(projects.c.deleted_at, scope.before),
    ]
    if scope.project_id is not None:
        condition.append(projects.c.id == scope.project_id)
    with transaction(engine, read_only=True) as connection:
        return list(connection.execute(sa.select(projects.c.id).where(*condition)).scalars())


def _when(
    column: sa.ColumnElement[datetime], before: datetime | None
) -> list[sa.ColumnElement[bool]]:
    return [] if before is None else [column < before]


def _project_forms(project_id: int) -> sa.Select[tuple[int]]:
    return sa.select(s.forms.c.id).where(s.forms.c.project_id == project_id)


def _trashed_forms(engine: Engine, scope: PurgeScope) -> list[int]:
    forms = s.forms
    condition: list[sa.ColumnElement[bool]] = [
        forms.c.deleted_at.is_not(None),
        *_when(forms.c.deleted_at, scope.before),
    ]
    if scope.project_id is not None:
        condition.append(forms.c.project_id == scope.project_id)
    if scope.form_id is not None:
        condition.append(forms.c.id == scope.form_id)
    with transaction(engine, read_only=True) as connection:
        return list(connection.execute(sa.select(forms.c.id).where(*condition)).scalars())
