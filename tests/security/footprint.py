"""What a request may have written: row counts of the submission tables and of every form's
data tables, the blobs in the store, and the files under the test's data directory. A refused
request must leave all of it as it was."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import boto3
import sqlalchemy as sa

from storage.blobs.local import LocalBlobStore
from storage.blobs.s3 import S3BlobStore
from storage.blobs.store import BlobStore

SYSTEM_TABLES = (
    "submissions",
    "submission_versions",
    "submission_attachments",
    "blobs",
    "forms",
    "form_versions",
    "form_attachments",
    "entities",
    "data_tables",
)


@dataclass(frozen=True)
class Footprint:
    rows: dict[str, int]
    blobs: frozenset[str]
    files: frozenset[str]


def blob_keys(store: BlobStore) -> frozenset[str]:
    if isinstance(store, LocalBlobStore):
        root = store.root
        if not root.exists():
            return frozenset()
        return frozenset(
            str(p.relative_to(root))
            for p in root.rglob("*")
            if p.is_file() and ".tmp" not in p.parts
        )
    assert isinstance(store, S3BlobStore)
    client = boto3.session.Session().client(
        "s3", endpoint_url=store.endpoint_url, region_name=store.region
    )
    keys: set[str] = set()
    for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=store.bucket, Prefix=store.prefix
    ):
        keys.update(item["Key"] for item in page.get("Contents", []))
    return frozenset(keys)


def data_files(data_dir: Path) -> frozenset[str]:
    """Every file under the data directory but the SQLite database's own files."""
    return frozenset(
        str(p.relative_to(data_dir))
        for p in data_dir.rglob("*")
        if p.is_file() and not p.name.startswith("baobab.db")
    )


def row_counts(engine: sa.Engine, tables: tuple[str, ...] = SYSTEM_TABLES) -> dict[str, int]:
    with engine.connect() as connection:
        data = connection.execute(sa.text("SELECT name FROM data_tables")).scalars().all()
        return {
            name: connection.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar_one()
            for name in (*tables, *sorted(data))
        }


def footprint(engine: sa.Engine, store: BlobStore, data_dir: Path) -> Footprint:
    return Footprint(row_counts(engine), blob_keys(store), data_files(data_dir))
