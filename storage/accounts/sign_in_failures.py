"""Failed sign-ins, counted per account and per client over a sliding window (the policy is in
server/accounts/sign_in.py). Old rows are pruned as new ones arrive, so the table stays small."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.db import is_postgres
from storage.schema import system as s

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


@dataclass(frozen=True, slots=True)
class RecentFailures:
    """When sign-ins failed since some moment, oldest first."""

    account: list[datetime]  # for this account, from anywhere
    account_here: list[datetime]  # for this account, from this client
    client: list[datetime]  # from this client, for any account


def failures_since(
    connection: Connection, *, account: str, client: str, since: datetime
) -> RecentFailures:
    recent = _failures.c.failed_at > since
    of_account = connection.execute(
        sa.select(_failures.c.failed_at, _failures.c.client)
        .where(_failures.c.account == account, recent)
        .order_by(_failures.c.failed_at)
    ).all()
    from_client = connection.execute(
        sa.select(_failures.c.failed_at)
        .where(_failures.c.client == client, recent)
        .order_by(_failures.c.failed_at)
    ).scalars()
    return RecentFailures(
        account=[row.failed_at for row in of_account],
        account_here=[row.failed_at for row in of_account if row.client == client],
        client=list(from_client),
    )


def record_failure(
    connection: Connection, *, account: str, client: str, now: datetime, forget_before: datetime
) -> None:
    connection.execute(_failures.delete().where(_failures.c.failed_at < forget_before))
    connection.execute(_failures.insert().values(account=account, client=client, failed_at=now))


def forget_account(connection: Connection, account: str) -> None:
    """A successful sign-in clears the account's failures (not the client's)."""
    connection.execute(_failures.delete().where(_failures.c.account == account))
