"""Counters for what strangers can reach without signing in (password resets, the single
sign-on callback): events per bucket over a sliding window, in the database so every worker
process sees the same counts. Old events are pruned as new ones arrive."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.accounts.sign_in_failures import lock_keys
from storage.schema import system as s

_events = s.rate_events


def count_and_add(
    connection: Connection, buckets: list[str], now: datetime, since: datetime
) -> dict[str, list[datetime]]:
    """The events of each bucket since `since` (oldest first), before this one is added to
    each. Attempts on the same buckets are serialised until the transaction ends."""
    lock_keys(connection, *buckets)
    connection.execute(_events.delete().where(_events.c.at <= since))
    found: dict[str, list[datetime]] = {}
    for bucket in buckets:
        found[bucket] = list(
            connection.execute(
                sa.select(_events.c.at)
                .where(_events.c.bucket == bucket, _events.c.at > since)
                .order_by(_events.c.at)
            ).scalars()
        )
        connection.execute(_events.insert().values(bucket=bucket[:96], at=now))
    return found
