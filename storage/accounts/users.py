"""Web users (people who sign in) and their roles per project."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.exc import IntegrityError

from storage.accounts.access import insert_actor
from storage.errors import Conflict, InvalidData, NotFound, StorageCode
from storage.schema import system as s

ROLES = ("manager", "protection_officer", "analyst", "viewer", "data_collector")


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int  # the actor id
    email: str
    display_name: str
    is_admin: bool
    language: str
    password_hash: str | None
    created_at: datetime
    updated_at: datetime | None
    deactivated_at: datetime | None = None  # set: cannot sign in by any route

    @property
    def active(self) -> bool:
        return self.deactivated_at is None


def is_email(text: str) -> bool:
    """something@domain.tld, no more: one "@", no white space, a "." inside the domain, in one
    pass over the text. (It replaces a regular expression that backtracked: quadratic in the
    length of an address full of dots.)"""
    local, _, domain = text.partition("@")
    no_space = text.split() == [text]  # str.split() cuts at what the regex's \s matched
    return bool(local) and "@" not in domain and "." in domain[1:-1] and no_space


def create_user(
    connection: Connection,
    *,
    email: str,
    password_hash: str | None,
    now: datetime,
    display_name: str | None = None,
    is_admin: bool = False,
    language: str = "en",
) -> UserRecord:
    email = email.strip().lower()
    if not is_email(email):
        raise InvalidData(StorageCode.INVALID_EMAIL, email=email)
    try:
        with connection.begin_nested():
            actor_id = insert_actor(connection, "user", display_name or email, now)
            connection.execute(
                sa.insert(s.users).values(
                    actor_id=actor_id,
                    email=email,
                    password_hash=password_hash,
                    is_admin=is_admin,
                    language=language,
                )
            )
    except IntegrityError as error:
        raise Conflict(StorageCode.ALREADY_EXISTS, what="user", key=f"email {email}") from error
    return get_user(connection, actor_id)


def get_user(connection: Connection, actor_id: int) -> UserRecord:
    row = connection.execute(_USERS.where(s.actors.c.id == actor_id)).mappings().first()
    if row is None:
        raise NotFound(StorageCode.USER_NOT_FOUND, user=actor_id)
    return _user(row)


def find_user_by_email(connection: Connection, email: str) -> UserRecord | None:
    row = (
        connection.execute(_USERS.where(s.users.c.email == email.strip().lower()))
        .mappings()
        .first()
    )
    return _user(row) if row else None


def list_users(connection: Connection) -> list[UserRecord]:
    return [_user(r) for r in connection.execute(_USERS.order_by(s.actors.c.id)).mappings()]


def count_users(connection: Connection) -> int:
    return int(connection.execute(sa.select(sa.func.count()).select_from(s.users)).scalar_one())


def set_project_role(
    connection: Connection, project_id: int, actor_id: int, role: str, now: datetime
) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    table = s.project_roles
    connection.execute(
        sa.delete(table).where(table.c.project_id == project_id, table.c.actor_id == actor_id)
    )
    connection.execute(
        sa.insert(table).values(project_id=project_id, actor_id=actor_id, role=role, created_at=now)
    )


def project_roles(connection: Connection, actor_id: int) -> dict[int, str]:
    rows = connection.execute(
        sa.select(s.project_roles.c.project_id, s.project_roles.c.role).where(
            s.project_roles.c.actor_id == actor_id
        )
    )
    return {r.project_id: r.role for r in rows}


_USERS = (
    sa.select(
        s.actors.c.id,
        s.actors.c.display_name,
        s.actors.c.created_at,
        s.actors.c.updated_at,
        s.users.c.email,
        s.users.c.is_admin,
        s.users.c.language,
        s.users.c.password_hash,
        s.users.c.deactivated_at,
    )
    .join(s.users, s.users.c.actor_id == s.actors.c.id)
    .where(s.actors.c.deleted_at.is_(None), s.users.c.deleted_at.is_(None))
)


def _user(row: RowMapping) -> UserRecord:
    return UserRecord(
        id=row["id"],
        email=row["email"],
        display_name=row["display_name"],
        is_admin=row["is_admin"],
        language=row["language"],
        password_hash=row["password_hash"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        deactivated_at=row["deactivated_at"],
    )


def set_language(connection: Connection, actor_id: int, language: str) -> None:
    connection.execute(
        sa.update(s.users).where(s.users.c.actor_id == actor_id).values(language=language)
    )


def remove_project_role(connection: Connection, project_id: int, actor_id: int, role: str) -> bool:
    table = s.project_roles
    removed = connection.execute(
        sa.delete(table).where(
            table.c.project_id == project_id, table.c.actor_id == actor_id, table.c.role == role
        )
    ).rowcount
    return bool(removed)


def update_user(
    connection: Connection,
    actor_id: int,
    *,
    now: datetime,
    display_name: str | None = None,
    email: str | None = None,
) -> UserRecord:
    """A new name and/or address (Central's PATCH /users/{id}); the address is checked and
    must be nobody else's."""
    get_user(connection, actor_id)
    if display_name is not None:
        connection.execute(
            sa.update(s.actors)
            .where(s.actors.c.id == actor_id)
            .values(display_name=display_name, updated_at=now)
        )
    if email is not None:
        email = email.strip().lower()
        if not is_email(email):
            raise InvalidData(StorageCode.INVALID_EMAIL, email=email)
        try:
            with connection.begin_nested():
                connection.execute(
                    sa.update(s.users).where(s.users.c.actor_id == actor_id).values(email=email)
                )
                connection.execute(
                    sa.update(s.actors).where(s.actors.c.id == actor_id).values(updated_at=now)
                )
        except IntegrityError as error:
            raise Conflict(StorageCode.ALREADY_EXISTS, what="user", key=f"email {email}") from error
    return get_user(connection, actor_id)


def set_password_hash(connection: Connection, actor_id: int, password_hash: str | None) -> None:
    """A new password (None: none, the user cannot sign in with a password until a reset)."""
    connection.execute(
        sa.update(s.users).where(s.users.c.actor_id == actor_id).values(password_hash=password_hash)
    )


def set_deactivated(connection: Connection, actor_id: int, at: datetime | None) -> UserRecord:
    """Deactivate (at a moment) or reactivate (None) a user; the caller ends their sessions."""
    get_user(connection, actor_id)
    connection.execute(
        sa.update(s.users).where(s.users.c.actor_id == actor_id).values(deactivated_at=at)
    )
    return get_user(connection, actor_id)


def delete_user(connection: Connection, actor_id: int, now: datetime) -> UserRecord:
    """Central's user deletion: the user is marked deleted, gone from every list and unable to
    sign in; the actor stays, so its name stays on what it did (submissions, reviews, the audit
    log). Every project role, form assignment and reset token goes, and the password with them;
    the caller ends the sessions. The address may go to a new account (one live user per
    address: migration 0018)."""
    user = get_user(connection, actor_id)
    connection.execute(
        sa.update(s.users)
        .where(s.users.c.actor_id == actor_id)
        .values(password_hash=None, deactivated_at=user.deactivated_at or now, deleted_at=now)
    )
    connection.execute(sa.delete(s.project_roles).where(s.project_roles.c.actor_id == actor_id))
    connection.execute(
        sa.delete(s.form_assignments).where(s.form_assignments.c.actor_id == actor_id)
    )
    connection.execute(sa.delete(s.password_resets).where(s.password_resets.c.actor_id == actor_id))
    return user
