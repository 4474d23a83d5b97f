"""A consistent copy of the database for backups: SQLite through its online backup API, PostgreSQL
through `pg_dump` (custom format) on a snapshot that the backup also reads its blob list from, so
the dump and the blobs copied agree however many submissions arrive meanwhile."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from storage.db import is_postgres

Progress = Callable[[int, int], None]  # (done, total) in pages for SQLite
SQLITE_DUMP = "database.sqlite"
POSTGRES_DUMP = "database.pgdump"


def dump_name(engine: Engine) -> str:
    return POSTGRES_DUMP if is_postgres(engine) else SQLITE_DUMP


@contextmanager
def database_snapshot(engine: Engine, out: Path, progress: Progress) -> Iterator[Connection]:
    """Write the database to `out` and yield a read-only connection that sees exactly what was
    written (the copy itself for SQLite; the exported snapshot for PostgreSQL)."""
    if not is_postgres(engine):
        _sqlite_backup(_sqlite_path(engine), out, progress)
        # A plain engine: storage.db's would turn the copy to WAL mode as it opens it.
        copy = sa.create_engine(f"sqlite:///{out}")
        try:
            with copy.connect() as connection:
                yield connection
        finally:
            copy.dispose()
        return
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            connection.execute(sa.text("SET TRANSACTION READ ONLY"))
            snapshot = connection.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
            _pg_run(
                engine, ["pg_dump", "--format=custom", f"--snapshot={snapshot}", "-f", str(out)]
            )
            yield connection


def restore_database(engine: Engine, dump: Path, progress: Progress) -> None:
    """Load a dump written by `database_snapshot` into the (empty) database of `engine`."""
    if not is_postgres(engine):
        target = _sqlite_path(engine)
        engine.dispose()  # no connection of ours holds the file while it is replaced
        _sqlite_backup(dump, target, progress)
        return
    _pg_run(engine, ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", str(dump)])


def is_empty(engine: Engine) -> bool:
    """No table at all, not even the migrations' version table."""
    return not sa.inspect(engine).get_table_names()


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise ValueError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _sqlite_backup(source: Path, target: Path, progress: Progress) -> None:
    """SQLite's online backup: a consistent copy while others write (WAL included)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        _closing(sqlite3.connect(source)) as src,
        _closing(sqlite3.connect(target)) as dst,
    ):
        # One step, in one read transaction: copied page by page, the backup would start over
        # each time the server commits, and might never end on a busy server. In WAL mode the
        # server keeps writing meanwhile.
        src.backup(dst, pages=-1, progress=lambda _s, left, total: progress(total - left, total))
        # The copy keeps the source's journal mode (WAL): go back to one self-contained file.
        dst.execute("PRAGMA journal_mode=DELETE")


@contextmanager
def _closing(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    try:
        yield connection
    finally:
        connection.close()


def _pg_run(engine: Engine, argv: list[str]) -> None:
    """Run pg_dump or pg_restore against the engine's database, named by a libpq URL (with its
    host, port, user and options such as sslmode); the password travels in the environment,
    never on the command line (where `ps` shows it)."""
    program = shutil.which(argv[0])
    if program is None:
        raise ValueError(f"{argv[0]} is not installed (Debian: apt install postgresql-client)")
    env = dict(os.environ)
    if engine.url.password:
        env["PGPASSWORD"] = str(engine.url.password)
    libpq = engine.url.set(drivername="postgresql", password=None)
    target = libpq.render_as_string(hide_password=False)
    result = subprocess.run(  # noqa: S603 (a fixed program and our own arguments)
        [program, "--no-password", f"--dbname={target}", *argv[1:]],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ValueError(f"{argv[0]} failed: {result.stderr.strip()[:500]}")
