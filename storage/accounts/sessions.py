"""Sign-in sessions of users, as the people themselves see them: when each was created and
last used, from which address and browser; a session ends when its lifetime is over, when it
has been idle too long, when its user ends it, or when the user is deactivated or deleted.

Tokens are stored as their sha256 only (server/accounts/keys.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from storage.accounts.access import SessionRecord
from storage.db import transaction
from storage.schema import system as s

# A session's last use is written at most this often (not on every request).
TOUCH_EVERY = timedelta(minutes=1)

_sessions = s.sessions


@dataclass(frozen=True, slots=True)
class SessionView:
    token_hash: str  # names the session in the pages; the token itself is never kept
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    ip: str | None
    user_agent: str | None


def open_session(
    connection: Connection,
    *,
    actor_id: int,
    token_hash: str,
    csrf: str,
    now: datetime,
    expires_at: datetime,
    ip: str | None,
    user_agent: str | None,
) -> SessionRecord:
    connection.execute(
        sa.insert(_sessions).values(
            token_hash=token_hash,
            actor_id=actor_id,
            csrf=csrf,
            created_at=now,
            expires_at=expires_at,
            last_used_at=now,
            ip=(ip or "")[:64] or None,
            user_agent=(user_agent or "")[:512] or None,
        )
    )
    return SessionRecord(actor_id, csrf, now, expires_at)


def _live(now: datetime, idle: timedelta) -> sa.ColumnElement[bool]:
    """Not past its lifetime, not idle too long, and of a user who may sign in."""
    return sa.and_(
        _sessions.c.expires_at > now,
        sa.func.coalesce(_sessions.c.last_used_at, _sessions.c.created_at) > now - idle,
        s.users.c.deactivated_at.is_(None),
        s.users.c.deleted_at.is_(None),
    )


def use_session(
    connection: Connection, token_hash: str, now: datetime, idle: timedelta
) -> tuple[SessionRecord, bool] | None:
    """The live session of this token hash, and whether its last use is still to be written
    (at most every TOUCH_EVERY): it is written here when the transaction may write, else the
    caller has `touch_session` do it once its own connection is back in the pool."""
    row = (
        connection.execute(
            sa.select(_sessions)
            .join(s.users, s.users.c.actor_id == _sessions.c.actor_id)
            .where(_sessions.c.token_hash == token_hash, _live(now, idle))
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    last = row["last_used_at"] or row["created_at"]
    pending = now - last >= TOUCH_EVERY
    if pending and not connection.get_execution_options().get("read_only", False):
        connection.execute(_touch(token_hash, now))
        pending = False
    session = SessionRecord(row["actor_id"], row["csrf"], row["created_at"], row["expires_at"])
    return session, pending


def touch_session(engine: Engine, token_hash: str, now: datetime) -> None:
    with transaction(engine) as connection:
        connection.execute(_touch(token_hash, now))


def _touch(token_hash: str, now: datetime) -> sa.Update:
    return (
        sa.update(_sessions)
        .where(
            _sessions.c.token_hash == token_hash,
            sa.or_(_sessions.c.last_used_at.is_(None), _sessions.c.last_used_at < now),
        )
        .values(last_used_at=now)
    )


def list_sessions(
    connection: Connection, actor_id: int, now: datetime, idle: timedelta
) -> list[SessionView]:
    rows = connection.execute(
        sa.select(_sessions)
        .join(s.users, s.users.c.actor_id == _sessions.c.actor_id)
        .where(_sessions.c.actor_id == actor_id, _live(now, idle))
        .order_by(_sessions.c.created_at.desc())
    ).mappings()
    return [
        SessionView(
            token_hash=r["token_hash"],
            created_at=r["created_at"],
            last_used_at=r["last_used_at"] or r["created_at"],
            expires_at=r["expires_at"],
            ip=r["ip"],
            user_agent=r["user_agent"],
        )
        for r in rows
    ]


def session_owner(connection: Connection, token_hash: str) -> int | None:
    return connection.execute(
        sa.select(_sessions.c.actor_id).where(_sessions.c.token_hash == token_hash)
    ).scalar_one_or_none()


def end_session(connection: Connection, token_hash: str, actor_id: int | None = None) -> bool:
    """End one session (only if it is `actor_id`'s, when given)."""
    query = sa.delete(_sessions).where(_sessions.c.token_hash == token_hash)
    if actor_id is not None:
        query = query.where(_sessions.c.actor_id == actor_id)
    return connection.execute(query).rowcount > 0


def end_sessions(connection: Connection, actor_id: int, keep: str | None = None) -> int:
    """End every session of a user, but `keep` (a token hash) when given; how many ended."""
    query = sa.delete(_sessions).where(_sessions.c.actor_id == actor_id)
    if keep is not None:
        query = query.where(_sessions.c.token_hash != keep)
    return int(connection.execute(query).rowcount)


def forget_expired(connection: Connection, now: datetime, idle: timedelta) -> int:
    """Delete the sessions past their lifetime or idle too long (a sign-in does this)."""
    last = sa.func.coalesce(_sessions.c.last_used_at, _sessions.c.created_at)
    return int(
        connection.execute(
            sa.delete(_sessions).where(sa.or_(_sessions.c.expires_at <= now, last <= now - idle))
        ).rowcount
    )
