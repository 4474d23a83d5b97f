"""Which backends the suite runs on: the embedded default (SQLite and a local directory), or
PostgreSQL and S3 when TEST_DATABASE_URL / TEST_S3_URL are set (scripts/test_services.py)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from storage.db import normalise_url

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_S3_URL = os.environ.get("TEST_S3_URL")


def fresh_blob_url(tmp_path: Path) -> str:
    if not TEST_S3_URL:
        return f"file://{tmp_path / 'restored-blobs'}"
    parts = urlsplit(TEST_S3_URL)
    prefix = f"{parts.path.strip('/')}/restored-{uuid.uuid4().hex[:12]}".strip("/")
    return urlunsplit(parts._replace(path="/" + prefix))


@contextmanager
def empty_database(tmp_path, name: str = "old") -> Iterator[str]:
    """The URL of a database with nothing in it, not even the migrations' version table."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / f'{name}.db'}"
        return
    base, database = normalise_url(TEST_DATABASE_URL).rsplit("/", 1)
    fresh = f"{database}_{name}_{uuid.uuid4().hex[:10]}"
    admin = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(fresh)))
    try:
        yield f"{base}/{fresh}"
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(fresh))
            )
