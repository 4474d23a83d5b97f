"""The ceiling for ingest figures: the bare stack of bench/ceiling_app.py, started on the same
database and S3 as the Baobab server it is compared with, in the same run (absolute figures on
these machines move by 30-50% from run to run; ratios measured side by side do not).

    python scripts/test_services.py -- python bench/ceiling.py [--count 2000] [--workers 2]

On its own it prints the bare stack's figures; bench/ingest.py imports it to print Baobab's
next to them as ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from lxml import etree  # noqa: E402

from bench.ingest import TEMPLATE, blob_url, database_url, request_bytes, send_all  # noqa: E402
from scripts.test_services import free_port  # noqa: E402

PATH = "/submission"


@dataclass(frozen=True)
class Tables:
    """The bare stack's two tables, one text column per value of the template submission."""

    columns: list[str]
    repeat: str
    repeat_columns: list[str]

    @classmethod
    def of(cls, xml: bytes) -> Tables:
        root = etree.fromstring(xml)
        repeat = next(
            child.tag
            for element in root.iter()
            for child in element
            if len(element.findall(child.tag)) > 1
        )
        columns = [
            e.tag
            for e in root.iter()
            if len(e) == 0 and e is not root and repeat not in {a.tag for a in e.iterancestors()}
        ]
        first = root.find(repeat)
        assert first is not None
        return cls(columns, repeat, [child.tag for child in first])

    def ddl(self, serial: str) -> list[str]:
        root = ", ".join(f'"{c}" TEXT' for c in self.columns)
        repeat = ", ".join(f'"{c}" TEXT' for c in self.repeat_columns)
        return [
            f"CREATE TABLE ceiling_root (id {serial}, instance_id TEXT UNIQUE NOT NULL,"
            f" xml TEXT NOT NULL, {root})",
            f"CREATE TABLE ceiling_repeat (id {serial}, parent_id BIGINT NOT NULL"
            f" REFERENCES ceiling_root (id), position INTEGER NOT NULL, {repeat})",
        ]


def ceiling_database(workdir: Path) -> str:
    """The bare stack's own database: on the PostgreSQL server of TEST_DATABASE_URL when set,
    else a SQLite file next to the bench's."""
    if os.environ.get("TEST_DATABASE_URL"):
        return database_url(workdir, "ceiling")
    return f"sqlite:///{workdir}/ceiling.db"


def create_tables(url: str, tables: Tables) -> str:
    """Create the tables in the database of `url` (SQLAlchemy form); return the URL the bare
    stack connects with (libpq form, or the SQLite file's path)."""
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            for statement in tables.ddl("INTEGER PRIMARY KEY"):
                connection.execute(statement)
        return path
    libpq = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(libpq, autocommit=True) as connection:
        for statement in tables.ddl("BIGSERIAL PRIMARY KEY"):
            connection.execute(statement)
    return libpq


def start_ceiling(
    database: str, tables: Tables, files: str | None, workers: int
) -> tuple[subprocess.Popen[bytes], int]:
    """Start the bare stack on a free port of 127.0.0.1; the caller stops it by its PID.
    `files`: an s3:// URL or a directory the files go to, None to drop them."""
    port = free_port()
    env = {
        **os.environ,
        "CEILING_DATABASE_URL": database,
        "CEILING_COLUMNS": ",".join(tables.columns),
        "CEILING_REPEAT": tables.repeat,
        "CEILING_REPEAT_COLUMNS": ",".join(tables.repeat_columns),
    }
    env.pop("CEILING_S3_URL", None)
    env.pop("CEILING_FILE_DIR", None)
    if files and files.startswith("s3://"):
        env["CEILING_S3_URL"] = files
    elif files:
        Path(files).mkdir(parents=True, exist_ok=True)
        env["CEILING_FILE_DIR"] = files
    process = subprocess.Popen(
        [
            sys.executable, "-m", "uvicorn", "bench.ceiling_app:app",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
            "--http", "httptools", "--loop", "uvloop", "--no-access-log",
            "--log-level", "warning",
        ],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    import socket

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process, port
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("the bare stack did not start")


def rate(port: int, path: str, photo: bool, count: int, concurrency: int) -> float:
    """Submissions per second for `count` fresh submissions; every one must get its 201."""
    requests = [request_bytes(path, photo) for _ in range(count)]
    started = time.perf_counter()
    results = asyncio.run(send_all(port, requests, concurrency))
    elapsed = time.perf_counter() - started
    statuses = {status for status, _ in results}
    if statuses != {201}:
        raise RuntimeError(f"{path}: statuses {statuses}")
    return len(results) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    tables = Tables.of(TEMPLATE)
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        database = create_tables(ceiling_database(workdir), tables)
        store = ceiling_files(workdir)
        print(f"bare stack: {args.workers} workers, {args.count} submissions per figure")
        sent = 0
        into = "files into S3" if store.startswith("s3://") else "files into a directory"
        for label, files in (("files dropped", None), (into, store)):
            process, port = start_ceiling(database, tables, files, args.workers)
            try:
                rate(port, PATH, True, 300, 8)  # warm-up: SeaweedFS allocates its volumes
                sent += 300
                for photo, concurrency in ((False, 1), (False, 8), (True, 8)):
                    figure = rate(port, PATH, photo, args.count, concurrency)
                    sent += args.count
                    what = "200 KB photo" if photo else "no file"
                    print(f"  {label}: c={concurrency}, {what:>12}: {figure:7.1f}/s")
            finally:
                process.terminate()
                process.wait(10)
        print(f"  sent {sent}, rows in ceiling_root: {stored_rows(database)}")


def ceiling_files(workdir: Path) -> str:
    """Where the bare stack puts files: the S3 of TEST_S3_URL when set, else a directory."""
    if os.environ.get("TEST_S3_URL"):
        return blob_url(workdir)
    return str(workdir / "ceiling-files")


def stored_rows(database: str) -> int:
    if database.startswith("postgresql"):
        with psycopg.connect(database) as connection:
            row = connection.execute("SELECT count(*) FROM ceiling_root").fetchone()
    else:
        with sqlite3.connect(database) as connection:
            row = connection.execute("SELECT count(*) FROM ceiling_root").fetchone()
    assert row is not None
    return int(row[0])


if __name__ == "__main__":
    main()
