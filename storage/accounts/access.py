"""Who is calling: sessions (bearer tokens), app users (device tokens) and form assignments.

Tokens are stored as their sha256 only; an app user's token is also kept encrypted by the server
(see server/accounts/keys.py) so that its QR code can be shown again without re-issuing the token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from storage.db import insert_ignoring_conflicts
from storage.errors import NotFound, StorageCode
from storage.schema import system as s


@dataclass(frozen=True, slots=True)
class ActorRecord:
    id: int
    type: str  # "user" or "field_key"
    display_name: str
    email: str | None
    is_admin: bool
    language: str
    project_id: int | None  # an app user's project
    roles: dict[int, str]  # project id -> role, for users
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AppUserRecord:
    id: int
    project_id: int
    display_name: str
    created_at: datetime
    updated_at: datetime | None
    deleted_at: datetime | None
    token_cipher: str | None  # NULL once revoked


@dataclass(frozen=True, slots=True)
class SessionRecord:
    actor_id: int
    csrf: str
    created_at: datetime
    expires_at: datetime


def create_session(
    connection: Connection,
    *,
    actor_id: int,
    token_hash: str,
    csrf: str,
    now: datetime,
    expires_at: datetime,
) -> SessionRecord:
    connection.execute(
        sa.insert(s.sessions).values(
            token_hash=token_hash,
            actor_id=actor_id,
            csrf=csrf,
            created_at=now,
            expires_at=expires_at,
        )
    )
    return SessionRecord(actor_id, csrf, now, expires_at)


def find_session(connection: Connection, token_hash: str, now: datetime) -> SessionRecord | None:
    row = (
        connection.execute(
            sa.select(s.sessions).where(
                s.sessions.c.token_hash == token_hash, s.sessions.c.expires_at > now
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    return SessionRecord(row["actor_id"], row["csrf"], row["created_at"], row["expires_at"])


def delete_session(connection: Connection, token_hash: str) -> bool:
    result = connection.execute(sa.delete(s.sessions).where(s.sessions.c.token_hash == token_hash))
    return result.rowcount > 0


def load_actor(connection: Connection, actor_id: int) -> ActorRecord | None:
    row = (
        connection.execute(
            sa.select(
                s.actors,
                s.users.c.email,
                s.users.c.is_admin,
                s.users.c.language,
                s.field_keys.c.project_id,
            )
            .outerjoin(s.users, s.users.c.actor_id == s.actors.c.id)
            .outerjoin(s.field_keys, s.field_keys.c.actor_id == s.actors.c.id)
            .where(s.actors.c.id == actor_id, s.actors.c.deleted_at.is_(None))
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    roles = {
        r.project_id: r.role
        for r in connection.execute(
            sa.select(s.project_roles.c.project_id, s.project_roles.c.role).where(
                s.project_roles.c.actor_id == actor_id
            )
        )
    }
    return ActorRecord(
        id=row["id"],
        type=row["type"],
        display_name=row["display_name"],
        email=row["email"],
        is_admin=bool(row["is_admin"]),
        language=row["language"] or "en",
        project_id=row["project_id"],
        roles=roles,
        created_at=row["created_at"],
    )


def insert_actor(connection: Connection, kind: str, display_name: str, now: datetime) -> int:
    """A new actor (a user or an app user): they share one id space, as in Central."""
    return int(
        connection.execute(
            sa.insert(s.actors)
            .values(type=kind, display_name=display_name, created_at=now)
            .returning(s.actors.c.id)
        ).scalar_one()
    )


def find_app_user_by_token(
    connection: Connection, token_hash: str
) -> tuple[ActorRecord, frozenset[int]] | None:
    """The app user holding this token and the forms assigned to it, in one query: this runs
    on every request a device makes."""
    row = connection.execute(APP_USER_BY_TOKEN, {"token_hash": token_hash}).mappings().first()
    if row is None:
        return None
    actor = ActorRecord(
        id=row["id"],
        type="field_key",
        display_name=row["display_name"],
        email=None,
        is_admin=False,
        language="en",
        project_id=row["project_id"],
        roles={},
        created_at=row["created_at"],
    )
    return actor, assigned_forms(row["assigned"])


def assigned_forms(listed: str | None) -> frozenset[int]:
    """The form ids of APP_USER_BY_TOKEN's `assigned` column."""
    return frozenset(int(f) for f in (listed or "").split(",") if f)


@dataclass(frozen=True, slots=True)
class AppUserCheck:
    """What APP_USER_BY_TOKEN must still find for a device let in from memory
    (server/submissions/devices.py): its app user, project and assigned forms."""

    token_hash: str
    actor_id: int
    project_id: int | None
    assigned: frozenset[int]

    def holds(self, actor_id: int | None, project_id: int | None, assigned: str | None) -> bool:
        """Whether APP_USER_BY_TOKEN's `id`, `project_id` and `assigned` (NULL: no row) are
        still what was let in."""
        return (actor_id, project_id, assigned_forms(assigned)) == (
            self.actor_id,
            self.project_id,
            self.assigned,
        )


_ASSIGNED = (
    # The separator as SQL, not a bound value: the statement also runs compiled, in the
    # pipelined write (storage/submissions/pipelined.py).
    sa.select(
        sa.func.aggregate_strings(
            sa.cast(s.form_assignments.c.form_id, sa.Text),
            sa.literal_column("','"),  # type: ignore[arg-type]  # typed str; SQL renders alike
        )
    )
    .where(s.form_assignments.c.actor_id == s.actors.c.id)
    .scalar_subquery()
)
APP_USER_BY_TOKEN = (
    sa.select(
        s.actors.c.id,
        s.actors.c.display_name,
        s.actors.c.created_at,
        s.field_keys.c.project_id,
        _ASSIGNED.label("assigned"),
    )
    .join(s.field_keys, s.field_keys.c.actor_id == s.actors.c.id)
    # A trashed project's devices are refused (storage/lifecycle/trash.py), and work again on
    # restore.
    .join(s.projects, s.projects.c.id == s.field_keys.c.project_id)
    .where(
        s.field_keys.c.token_hash == sa.bindparam("token_hash"),
        s.actors.c.deleted_at.is_(None),
        s.projects.c.deleted_at.is_(None),
    )
)


def create_app_user(
    connection: Connection,
    *,
    project_id: int,
    display_name: str,
    token_hash: str,
    token_cipher: str,
    created_by: int | None,
    now: datetime,
) -> AppUserRecord:
    actor_id = insert_actor(connection, "field_key", display_name.strip(), now)
    connection.execute(
        sa.insert(s.field_keys).values(
            actor_id=actor_id,
            project_id=project_id,
            token_hash=token_hash,
            token_cipher=token_cipher,
            created_by=created_by,
        )
    )
    return get_app_user(connection, project_id, actor_id)


def list_app_users(connection: Connection, project_id: int) -> list[AppUserRecord]:
    rows = connection.execute(
        _APP_USERS.where(
            s.field_keys.c.project_id == project_id, s.actors.c.deleted_at.is_(None)
        ).order_by(s.actors.c.id)
    ).mappings()
    return [_app_user(r) for r in rows]


def get_app_user(connection: Connection, project_id: int, actor_id: int) -> AppUserRecord:
    row = (
        connection.execute(
            _APP_USERS.where(s.field_keys.c.project_id == project_id, s.actors.c.id == actor_id)
        )
        .mappings()
        .first()
    )
    if row is None or row["deleted_at"] is not None:
        raise NotFound(StorageCode.NOT_FOUND, what=f"app user {actor_id}")
    return _app_user(row)


def revoke_app_user(connection: Connection, project_id: int, actor_id: int, now: datetime) -> None:
    """Forget the token at once (a lost tablet stops working on its next request) and delete
    the app user; its submissions keep pointing at it."""
    get_app_user(connection, project_id, actor_id)
    connection.execute(
        sa.update(s.field_keys)
        .where(s.field_keys.c.actor_id == actor_id)
        .values(token_hash=None, token_cipher=None)
    )
    connection.execute(
        sa.update(s.actors).where(s.actors.c.id == actor_id).values(deleted_at=now, updated_at=now)
    )


def revoke_app_user_access(
    connection: Connection, project_id: int, actor_id: int, now: datetime
) -> None:
    """Forget the token only (Central's "Revoke access": DELETE /v1/sessions/{token}): the lost
    tablet stops working on its next request, and the app user stays listed, revoked since
    `updated_at`. Deleting it (revoke_app_user) is what moves it to the trash."""
    get_app_user(connection, project_id, actor_id)
    connection.execute(
        sa.update(s.field_keys)
        .where(s.field_keys.c.actor_id == actor_id)
        .values(token_hash=None, token_cipher=None)
    )
    connection.execute(sa.update(s.actors).where(s.actors.c.id == actor_id).values(updated_at=now))


def assign_form(connection: Connection, form_id: int, actor_id: int, now: datetime) -> None:
    connection.execute(
        insert_ignoring_conflicts(connection, s.form_assignments).values(
            form_id=form_id, actor_id=actor_id, created_at=now
        )
    )


def unassign_form(connection: Connection, form_id: int, actor_id: int) -> bool:
    result = connection.execute(
        sa.delete(s.form_assignments).where(
            s.form_assignments.c.form_id == form_id, s.form_assignments.c.actor_id == actor_id
        )
    )
    return result.rowcount > 0


def assigned_form_ids(connection: Connection, actor_id: int) -> set[int]:
    return {
        r[0]
        for r in connection.execute(
            sa.select(s.form_assignments.c.form_id).where(s.form_assignments.c.actor_id == actor_id)
        )
    }


def form_assignees(connection: Connection, form_id: int) -> list[int]:
    return [
        r[0]
        for r in connection.execute(
            sa.select(s.form_assignments.c.actor_id)
            .where(s.form_assignments.c.form_id == form_id)
            .order_by(s.form_assignments.c.actor_id)
        )
    ]


_APP_USERS = sa.select(
    s.actors.c.id,
    s.actors.c.display_name,
    s.actors.c.created_at,
    s.actors.c.updated_at,
    s.actors.c.deleted_at,
    s.field_keys.c.project_id,
    s.field_keys.c.token_cipher,
).join(s.field_keys, s.field_keys.c.actor_id == s.actors.c.id)


def _app_user(row: RowMapping) -> AppUserRecord:
    return AppUserRecord(
        id=row["id"],
        project_id=row["project_id"],
        display_name=row["display_name"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        deleted_at=row["deleted_at"],
        token_cipher=row["token_cipher"],
    )
