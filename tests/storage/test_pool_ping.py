"""A pooled PostgreSQL connection is checked on checkout without a round trip when it was used a
moment ago, and pinged when it sat idle (issue 22): SQLAlchemy's pool_pre_ping cost a round trip
on every request. A connection the server ended is replaced before the request sees it."""

from __future__ import annotations

import time

import psycopg
import pytest
import sqlalchemy as sa

import storage.db
from storage.db import make_engine

pytestmark = pytest.mark.postgres

LAST_QUERY = "SELECT query FROM pg_stat_activity WHERE pid = %s"


def _backend_pid(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())


def _admin(db_url: str) -> psycopg.Connection:
    return psycopg.connect(
        db_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    )


def _wait_until_gone(admin: psycopg.Connection, pid: int) -> None:
    """pg_terminate_backend only signals the backend: wait until it has exited, and so has
    said goodbye and closed its socket."""
    deadline = time.monotonic() + 10
    while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
        assert time.monotonic() < deadline, f"backend {pid} still there"
        time.sleep(0.01)


def test_a_connection_the_server_ended_is_replaced_without_a_ping(db_url, monkeypatch):
    monkeypatch.setattr(storage.db, "PING_AFTER_IDLE", 3600.0)  # never pinged
    engine = make_engine(db_url, pool_size=1)
    try:
        first = _backend_pid(engine)
        with _admin(db_url) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (first,))
            _wait_until_gone(admin, first)
        # The server's goodbye sits unread on the pooled socket: checkout sees it and reconnects.
        second = _backend_pid(engine)
        assert second != first
    finally:
        engine.dispose()


@pytest.mark.parametrize(("idle_after", "pinged"), [(0.0, True), (3600.0, False)])
def test_only_a_connection_idle_for_longer_than_the_limit_is_pinged(
    db_url, monkeypatch, idle_after, pinged
):
    monkeypatch.setattr(storage.db, "PING_AFTER_IDLE", idle_after)
    engine = make_engine(db_url, pool_size=1)
    try:
        pid = _backend_pid(engine)
        with _admin(db_url) as admin:
            before = admin.execute(LAST_QUERY, (pid,)).fetchone()  # the pool's ROLLBACK on checkin
            with engine.connect():
                pass  # a checkout, and no statement of ours
            after = admin.execute(LAST_QUERY, (pid,)).fetchone()
        assert before is not None and after is not None
        assert (after != before) is pinged, (before, after)
    finally:
        engine.dispose()
