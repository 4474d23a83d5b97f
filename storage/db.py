"""Database engines (SQLite for the embedded default, PostgreSQL in production) and migrations."""

from __future__ import annotations

import contextlib
import functools
import logging
import select
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.sql.dml import Insert

if TYPE_CHECKING:
    from alembic.config import Config

from storage.errors import StorageCode, StorageUnavailable
from storage.sql_functions import register_sqlite_functions

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATION_LOCK = 0x6261_6F62  # "baob": one migrator at a time when workers start together


def normalise_url(url: str) -> str:
    """Accept the usual spellings of a PostgreSQL URL and use psycopg 3 for all of them."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    engine = sa.create_engine(
        url,
        pool_size=pool_size,
        max_overflow=2 * pool_size,
        pool_recycle=1800,
        pool_use_lifo=True,
        connect_args={"connect_timeout": 5, "options": "-c timezone=UTC"},
    )
    _ping_when_idle(engine)
    return engine


# A pooled connection back from the pool after this long is pinged before use (issue 22).
PING_AFTER_IDLE = 1.0  # seconds


def _ping_when_idle(engine: Engine) -> None:
    """After PostgreSQL restarts, every pooled connection is dead: without a check the next
    request on each one would fail (503) although the database is back. SQLAlchemy's
    `pool_pre_ping` pings on every checkout, a round trip per request (9% of an ingest's time,
    docs/research/ingest-profile.md). Instead, on checkout:
    - the connection's socket is polled, which costs no round trip: a server that shut down or
      ended the session has sent its goodbye and closed it, so the socket reads as ready;
    - a connection idle for longer than PING_AFTER_IDLE is also pinged (the dialect's own ping,
      as pool_pre_ping does), for the deaths that send nothing (a network cut, a crashed host).
    A dead connection is replaced before the request sees it. The pool hands out the connection
    used last (LIFO), so under load the same few stay busy and the rest go idle."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record):  # type: ignore[no-untyped-def]
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy):  # type: ignore[no-untyped-def]
        idle_since = record.info.get("idle_since")
        if idle_since is None:  # just opened
            return
        if _has_unread_data(dbapi_connection):
            raise sa.exc.DisconnectionError("the server closed the connection while it was idle")
        if time.monotonic() - idle_since < PING_AFTER_IDLE:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # whatever the driver raises, the connection is no use
            raise sa.exc.DisconnectionError(str(error)) from error
        if not alive:
            raise sa.exc.DisconnectionError("the ping found the connection closed")


def _has_unread_data(dbapi_connection: Any) -> bool:
    """Whether an idle connection's socket has something to read: between transactions the
    server sends nothing unless it is ending the session (or the socket is already closed)."""
    try:
        ready, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except Exception:  # the driver's "connection is closed", a bad descriptor
        return True
    return bool(ready)


def _sqlite_engine(url: str) -> Engine:
    database = sa.make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # pysqlite opens transactions lazily and never for DDL; take control of BEGIN so that
        # a form's DDL and its rows commit or roll back together (SQLAlchemy's documented recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "synchronous=FULL",
            "foreign_keys=ON",
            "busy_timeout=30000",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()
        register_sqlite_functions(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # Writers take the write lock up front: a deferred transaction that upgrades to a
        # writer cannot wait for the lock and fails at once with SQLITE_BUSY.
        read_only = connection.get_execution_options().get("read_only", False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


@contextmanager
def transaction(engine: Engine, *, read_only: bool = False) -> Iterator[Connection]:
    """A connection in a transaction that commits on success; an unreachable database becomes
    StorageUnavailable so the server can answer 503 instead of 500."""
    with _unavailable_as_error(), engine.connect() as connection:
        if read_only:
            connection = connection.execution_options(read_only=True)
        with connection.begin():
            yield connection


@contextmanager
def lookups(engine: Engine) -> Iterator[Connection]:
    """A connection for a few reads that need no common snapshot (who is calling, which form):
    on PostgreSQL each statement commits by itself, which saves the BEGIN/COMMIT round trips
    on the hot path of every submission."""
    if not is_postgres(engine):
        with transaction(engine, read_only=True) as connection:
            yield connection
        return
    with _unavailable_as_error(), engine.connect() as connection:
        yield connection.execution_options(isolation_level="AUTOCOMMIT")


@contextmanager
def own_transaction(engine: Engine) -> Iterator[Connection]:
    """A PostgreSQL transaction that the caller begins itself, with BEGIN as the first statement
    of a pipeline (storage/submissions/pipelined.py): psycopg would otherwise send its BEGIN
    with a Sync of its own and wait for the answer, one more round trip. Commits on success,
    rolls back on any error. The connection is in autocommit for psycopg and SQLAlchemy, which
    send no BEGIN of their own: every statement on it runs in the caller's transaction, and
    SQLAlchemy restores the connection's mode when it goes back to the pool."""
    import psycopg

    with _unavailable_as_error(), engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        raw = connection.connection.driver_connection
        assert raw is not None  # a live connection, just checked out
        try:
            yield connection
        except BaseException:
            with contextlib.suppress(psycopg.Error):  # the error raised says more
                raw.rollback()  # ROLLBACK, if a transaction was begun
            raise
        try:
            raw.commit()
        except psycopg.OperationalError as error:
            raise StorageUnavailable(
                StorageCode.UNAVAILABLE, service="database", reason=_reason(error)
            ) from error


@contextmanager
def _unavailable_as_error() -> Iterator[None]:
    try:
        yield
    except (OperationalError, PoolTimeout) as error:  # down, or every connection is busy
        raise StorageUnavailable(
            StorageCode.UNAVAILABLE, service="database", reason=_reason(error)
        ) from error
    except DBAPIError as error:
        if error.connection_invalidated:
            raise StorageUnavailable(
                StorageCode.UNAVAILABLE, service="database", reason=_reason(error)
            ) from error
        raise


def is_postgres(connection: Connection | Engine) -> bool:
    return connection.dialect.name == "postgresql"


def insert_ignoring_conflicts(
    connection: Connection, table: sa.Table, returning: sa.Column[Any] | None = None
) -> Insert:
    """INSERT ... ON CONFLICT DO NOTHING: with RETURNING, no row back means the key existed.
    Built once per dialect and table; execute it with a dict of values."""
    return _insert_ignoring(connection.dialect.name, table, returning)


@functools.cache
def _insert_ignoring(dialect: str, table: sa.Table, returning: sa.Column[Any] | None) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).on_conflict_do_nothing()
    return statement.returning(returning) if returning is not None else statement


def alembic_config() -> Config:
    from alembic.config import Config  # alembic adds ~11 MB; only migrations need it

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the system tables to the latest migration (safe to run from several processes)."""
    from alembic import command

    config = alembic_config()
    with transaction(engine) as connection:
        if is_postgres(connection):
            connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_MIGRATION_LOCK)))
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    with transaction(engine, read_only=True) as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _reason(error: Exception) -> str:
    """Why the database cannot serve, in words fit for any caller: what the database said (it
    can name a host, a table or a piece of SQL) goes to the log only."""
    log.warning("the database is unavailable: %s", _short(error))
    return "every connection is busy" if isinstance(error, PoolTimeout) else "it is down or busy"


def _short(error: Exception) -> str:
    return str(getattr(error, "orig", error)).strip().splitlines()[0][:200]
