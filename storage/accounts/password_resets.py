"""Password reset tokens: kept as their sha256 only, usable once before they expire; a newer
token for the same user replaces the older ones, and a used one ends them all."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.schema import system as s

_resets = s.password_resets


def create_reset(
    connection: Connection,
    *,
    actor_id: int,
    token_hash: str,
    now: datetime,
    expires_at: datetime,
    created_by: int | None,
) -> None:
    connection.execute(sa.delete(_resets).where(_resets.c.actor_id == actor_id))
    connection.execute(
        sa.insert(_resets).values(
            token_hash=token_hash,
            actor_id=actor_id,
            created_by=created_by,
            created_at=now,
            expires_at=expires_at,
        )
    )


def use_reset(connection: Connection, token_hash: str, now: datetime) -> int | None:
    """The user whose unused, unexpired token this is, the token used up (with every other of
    theirs); None when there is no such token. The row is locked, so it is used once."""
    row = connection.execute(
        sa.select(_resets.c.actor_id)
        .join(s.users, s.users.c.actor_id == _resets.c.actor_id)
        .where(
            _resets.c.token_hash == token_hash,
            _resets.c.used_at.is_(None),
            _resets.c.expires_at > now,
            s.users.c.deleted_at.is_(None),
        )
        .with_for_update()
    ).first()
    if row is None:
        return None
    used = connection.execute(
        sa.update(_resets)
        .where(_resets.c.token_hash == token_hash, _resets.c.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if not used:
        return None
    connection.execute(
        sa.delete(_resets).where(
            _resets.c.actor_id == row.actor_id, _resets.c.token_hash != token_hash
        )
    )
    return int(row.actor_id)


def reset_is_usable(connection: Connection, token_hash: str, now: datetime) -> bool:
    return (
        connection.execute(
            sa.select(_resets.c.actor_id).where(
                _resets.c.token_hash == token_hash,
                _resets.c.used_at.is_(None),
                _resets.c.expires_at > now,
            )
        ).first()
        is not None
    )
