"""Single sign-on attempts in progress (server/accounts/oidc.py): what the callback checks, kept
under
the hash of the state sent to the provider, taken once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.schema import system as s

_attempts = s.oidc_attempts


@dataclass(frozen=True, slots=True)
class Attempt:
    nonce: str
    code_verifier: str
    next_path: str
    created_at: datetime


def save_attempt(
    connection: Connection,
    *,
    state_hash: str,
    nonce: str,
    code_verifier: str,
    next_path: str,
    now: datetime,
    forget_before: datetime,
) -> None:
    connection.execute(_attempts.delete().where(_attempts.c.created_at < forget_before))
    connection.execute(
        _attempts.insert().values(
            state_hash=state_hash,
            nonce=nonce,
            code_verifier=code_verifier,
            next_path=next_path,
            created_at=now,
        )
    )


def take_attempt(connection: Connection, state_hash: str, since: datetime) -> Attempt | None:
    """The attempt of this state if it began after `since`; it is deleted either way, so a
    state works once."""
    row = (
        connection.execute(
            sa.select(_attempts).where(_attempts.c.state_hash == state_hash).with_for_update()
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    taken = connection.execute(
        _attempts.delete().where(_attempts.c.state_hash == state_hash)
    ).rowcount
    if not taken or row["created_at"] <= since:
        return None
    return Attempt(row["nonce"], row["code_verifier"], row["next_path"], row["created_at"])
