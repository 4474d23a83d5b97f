"""Failed sign-ins, counted per account and per client over a sliding window (the policy is in
server/sign_in.py). Old rows are pruned as new ones arrive, so the table stays small."""

from __future__ import annotations

import hashlib
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage import schema as s
from storage.db import is_postgres

_failures = s.sign_in_failures


def lock_keys(connection: Connection, *keys: str) -> None:
    """Serialise attempts on the same account or client until the transaction ends: PostgreSQL
    advisory locks, taken in one global order; SQLite's writers are serialised already."""
    if not is_postgres(connection):
        return
    for key in sorted(
        int.from_bytes(hashlib.sha256(k.encode()).digest()[:8], "big", signed=True) for k in keys
    ):
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def failures_since(
    connection: Connection, *, account: str, client: str, since: datetime
) -> tuple[list[datetime], list[datetime]]:
    """When the account and when the client failed since `since`, oldest first."""

    def times(column: sa.Column[str], value: str) -> list[datetime]:
        query = (
            sa.select(_failures.c.failed_at)
            .where(column == value, _failures.c.failed_at > since)
            .order_by(_failures.c.failed_at)
        )
        return list(connection.execute(query).scalars())

    return times(_failures.c.account, account), times(_failures.c.client, client)


def record_failure(
    connection: Connection, *, account: str, client: str, now: datetime, forget_before: datetime
) -> None:
    connection.execute(_failures.delete().where(_failures.c.failed_at < forget_before))
    connection.execute(_failures.insert().values(account=account, client=client, failed_at=now))


def forget_account(connection: Connection, account: str) -> None:
    """A successful sign-in clears the account's failures (not the client's)."""
    connection.execute(_failures.delete().where(_failures.c.account == account))
