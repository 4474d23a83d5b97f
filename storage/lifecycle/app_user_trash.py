"""App users in the trash. Deleting an app user (Central's DELETE .../app-users/{id}) forgets
its token at once and sets the actor's `deleted_at`, so a lost tablet stops working on its next
request. Until the purge, the app user keeps its forms, its properties and the entities it
created (its ownerOnly caseload), and a manager may restore it: it comes back under the same
actor with a NEW token (a new QR code), so the lost tablet's token never works again. The purge
(after BAOBAB_TRASH_DAYS) removes its key, form assignments and property values; the actor
stays, marked deleted, because the audit log and its submissions name it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.errors import NotFound, StorageCode
from storage.schema import system as s


@dataclass(frozen=True, slots=True)
class TrashedAppUser:
    id: int
    display_name: str
    created_at: datetime
    deleted_at: datetime


def _trashed(project_id: int) -> sa.Select[tuple[int, str, datetime, datetime]]:
    actors, keys = s.actors, s.field_keys
    return (
        sa.select(actors.c.id, actors.c.display_name, actors.c.created_at, actors.c.deleted_at)
        .join(keys, keys.c.actor_id == actors.c.id)
        .where(keys.c.project_id == project_id, actors.c.deleted_at.is_not(None))
    )


def trashed_app_users(connection: Connection, project_id: int) -> list[TrashedAppUser]:
    query = _trashed(project_id).order_by(s.actors.c.deleted_at.desc())
    return [
        TrashedAppUser(r["id"], r["display_name"], r["created_at"], r["deleted_at"])
        for r in connection.execute(query).mappings()
    ]


def restore_app_user(
    connection: Connection,
    project_id: int,
    actor_id: int,
    *,
    token_hash: str,
    token_cipher: str,
    now: datetime,
) -> None:
    """Bring a deleted app user back with a new token; NotFound for a live, purged or unknown
    one, or one of another project."""
    found = connection.execute(_trashed(project_id).where(s.actors.c.id == actor_id)).first()
    if found is None:
        raise NotFound(StorageCode.NOT_FOUND, what=f"app user {actor_id} in the trash")
    connection.execute(
        sa.update(s.field_keys)
        .where(s.field_keys.c.actor_id == actor_id)
        .values(token_hash=token_hash, token_cipher=token_cipher)
    )
    connection.execute(
        sa.update(s.actors).where(s.actors.c.id == actor_id).values(deleted_at=None, updated_at=now)
    )


def purge_app_users(connection: Connection, project_id: int | None, before: datetime | None) -> int:
    """Remove the key, form assignments and property values of app users deleted before
    `before` (every deleted one when None); the actors stay. Returns how many."""
    actors, keys = s.actors, s.field_keys
    query = (
        sa.select(actors.c.id)
        .join(keys, keys.c.actor_id == actors.c.id)
        .where(actors.c.deleted_at.is_not(None))
    )
    if before is not None:
        query = query.where(actors.c.deleted_at < before)
    if project_id is not None:
        query = query.where(keys.c.project_id == project_id)
    ids = list(connection.execute(query).scalars())
    if ids:
        for table in (s.form_assignments, s.actor_property_values, keys):
            connection.execute(sa.delete(table).where(table.c.actor_id.in_(ids)))
    return len(ids)
