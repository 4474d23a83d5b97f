"""Blob garbage collection: the registry of blob-holding columns agrees with the schema; `baobab
blobs gc` lists (dry run) or removes exactly the blobs no row refers to, leaves young ones to the
submissions storing them, re-checks before deleting, and works in batches; on the local
directory store and on S3."""

from __future__ import annotations

import hashlib
import io
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from server.cli.main import main
from storage.blobs.gc import (
    BLOB_REFERENCES,
    _delete_if_still_orphan,
    collect_garbage,
    referenced_blobs,
    referenced_keys,
)
from storage.db import transaction
from storage.schema import system as s
from tests.support.devices import field_device
from tests.support.paths import sample

PHOTO = b"\xff\xd8\xff\xe0 a returnee's photo"
AUDIO = b"ID3 a voice note"
FILED = sample("with_attachments.xml")

# Columns whose name suggests a blob key but that hold something else.
NOT_BLOB_KEYS = {
    "form_versions.xform_sha256": "the XForm's own hash, for clients",
    "form_versions.source": "the XLSForm's bytes, kept in the row",
    "form_versions.source_type": "a file extension",
    "submission_versions.xml_sha256": "the XML's own hash, for resends",
}
SUSPECT = re.compile(r"(^|_)(blobs?|sha256|files?|attachments?|media)(_|$)")


@pytest.fixture
def device(client, engine, clock):
    return field_device(client, engine, clock)


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def later() -> datetime:
    """Far enough ahead that every blob put by the test is older than a 24-hour grace."""
    return datetime.now(UTC) + timedelta(days=2)


def test_every_column_that_can_hold_a_blob_key_is_in_the_registry():
    registered = {f"{r.table}.{r.column}": r for r in BLOB_REFERENCES}
    for table in s.metadata.tables.values():
        for column in table.columns:
            name = f"{table.name}.{column.name}"
            to_blobs = any(fk.column.table.name == "blobs" for fk in column.foreign_keys)
            if table.name == "blobs" or not (to_blobs or SUSPECT.search(column.name)):
                continue
            assert name in registered or name in NOT_BLOB_KEYS, (
                f"{name} looks like it holds blob keys: add it to storage/blobs/gc.py's "
                "BLOB_REFERENCES (or to NOT_BLOB_KEYS here, saying what it holds)"
            )
            assert not (to_blobs and name in NOT_BLOB_KEYS), name
    for name, ref in registered.items():
        column = s.metadata.tables[ref.table].c[ref.column]
        assert isinstance(column.type, sa.JSON) == (ref.kind == "json_values"), name


def _orphans(blob_store, *contents: bytes) -> list[str]:
    return [blob_store.put(io.BytesIO(c)).sha256 for c in contents]


def _draft_with_file(engine, sha256: str) -> None:
    """A draft test submission naming a file (a draft of version 1 is not needed for the FK)."""
    with transaction(engine) as connection:
        version = connection.execute(sa.select(sa.func.min(s.form_versions.c.id))).scalar_one()
        connection.execute(
            sa.insert(s.draft_submissions),
            {
                "form_version_id": version,
                "instance_id": "uuid:draft-1",
                "xml": "<data/>",
                "files": {"photo.jpg": sha256, "missing.jpg": None},
                "created_at": datetime.now(UTC),
            },
        )


def test_dry_run_lists_the_orphans_and_delete_removes_only_them(device, engine, blob_store):
    assert (
        device.submit(FILED, {"1741079521992.jpg": PHOTO, "note 1.m4a": AUDIO}).status_code == 201
    )
    drafted, *orphans = _orphans(blob_store, b"draft test photo", b"failed upload", b"purged")
    _draft_with_file(engine, drafted)
    found = []
    dry = collect_garbage(
        engine, blob_store, later(), grace=timedelta(hours=24), delete=False,
        on_orphan=lambda blob, deleted: found.append((blob.sha256, blob.size, deleted)),
    )  # fmt: skip
    assert sorted(found) == sorted((o, len(c), False) for o, c in zip(
        orphans, (b"failed upload", b"purged"), strict=True))  # fmt: skip
    assert (dry.scanned, dry.orphans, dry.orphan_bytes, dry.deleted) == (5, 2, 19, 0)
    assert all(blob_store.exists(o) for o in orphans)

    done = collect_garbage(engine, blob_store, later(), grace=timedelta(hours=24), delete=True)
    assert (done.orphans, done.deleted, done.deleted_bytes) == (2, 2, 19)
    assert not any(blob_store.exists(o) for o in orphans)
    for kept in (sha(PHOTO), sha(AUDIO), drafted):
        assert blob_store.exists(kept)
    again = collect_garbage(engine, blob_store, later(), grace=timedelta(hours=24), delete=True)
    assert (again.scanned, again.orphans) == (3, 0)


def test_blobs_younger_than_the_grace_period_are_left_to_the_submission_storing_them(
    engine, blob_store
):
    [young] = _orphans(blob_store, b"a photo whose submission is being stored")
    report = collect_garbage(
        engine, blob_store, datetime.now(UTC), grace=timedelta(hours=24), delete=True
    )
    assert (report.recent, report.orphans, report.deleted) == (1, 0, 0)
    assert blob_store.exists(young)


def test_a_blob_referred_to_by_the_time_of_deleting_is_kept(device, engine, blob_store):
    assert device.submit(FILED, {"1741079521992.jpg": PHOTO}).status_code == 201
    # Found unreferenced a moment ago, in use now: the re-check before deleting keeps it.
    assert not _delete_if_still_orphan(engine, blob_store, sha(PHOTO), later())
    assert blob_store.exists(sha(PHOTO))
    with transaction(engine, read_only=True) as connection:
        assert referenced_blobs(connection, [sha(PHOTO), "0" * 64]) == {sha(PHOTO)}


def test_the_store_is_read_in_batches(engine, blob_store):
    orphans = _orphans(blob_store, *(f"orphan {i}".encode() for i in range(7)))
    seen = []
    report = collect_garbage(
        engine, blob_store, later(), grace=timedelta(hours=1), delete=True, batch_size=3,
        on_orphan=lambda blob, deleted: seen.append(blob.sha256),
    )  # fmt: skip
    assert sorted(seen) == sorted(orphans)
    assert (report.scanned, report.deleted) == (7, 7)
    assert list(blob_store.list_blobs()) == []


def test_catalogue_rows_without_a_file_or_a_reference_are_removed(engine, blob_store):
    with transaction(engine) as connection:
        connection.execute(
            sa.insert(s.blobs),
            {"sha256": "e" * 64, "md5": "0" * 32, "size": 3, "created_at": datetime.now(UTC)},
        )
    report = collect_garbage(engine, blob_store, later(), grace=timedelta(hours=1), delete=True)
    assert report.catalogue_rows == 1
    with transaction(engine, read_only=True) as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(s.blobs)).scalar() == 0


def test_referenced_keys_lists_every_reference_once(device, engine, blob_store):
    assert (
        device.submit(FILED, {"1741079521992.jpg": PHOTO, "note 1.m4a": AUDIO}).status_code == 201
    )
    [drafted] = _orphans(blob_store, b"draft photo")
    _draft_with_file(engine, drafted)
    _draft_with_file_again = sha(PHOTO)  # a draft naming a file a submission has too
    with transaction(engine) as connection:
        version = connection.execute(sa.select(sa.func.min(s.form_versions.c.id))).scalar_one()
        connection.execute(
            sa.insert(s.draft_submissions),
            {"form_version_id": version, "instance_id": "uuid:draft-2", "xml": "<data/>",
             "files": {"p.jpg": _draft_with_file_again}, "created_at": datetime.now(UTC)},
        )  # fmt: skip
    with transaction(engine, read_only=True) as connection:
        keys = list(referenced_keys(connection))
    assert sorted(keys) == sorted({sha(PHOTO), sha(AUDIO), drafted})


def test_the_store_lists_and_describes_its_blobs(blob_store):
    before = datetime.now(UTC) - timedelta(minutes=5)
    stored = _orphans(blob_store, b"one", b"two two")
    listed = {b.sha256: b for b in blob_store.list_blobs()}
    assert set(listed) == set(stored)
    assert listed[sha(b"two two")].size == 7
    assert blob_store.describe(sha(b"one")).size == 3
    assert listed[sha(b"one")].modified > before


@pytest.mark.parametrize("delete", [False, True])
def test_the_command_prints_what_it_found_with_sizes(
    device, engine, blob_store, db_url, blob_url, tmp_path, monkeypatch, capsys, delete
):
    monkeypatch.setenv("BAOBAB_DATABASE_URL", db_url)
    monkeypatch.setenv("BAOBAB_BLOB_URL", blob_url)
    monkeypatch.setenv("BAOBAB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BAOBAB_LOG_LEVEL", "warning")
    assert device.submit(FILED, {"1741079521992.jpg": PHOTO}).status_code == 201
    [orphan] = _orphans(blob_store, b"x" * 2048)
    # --grace-hours 0: every unreferenced blob put before the command started is old enough;
    # S3 keeps times to the second.
    time.sleep(1.1)
    args = ["blobs", "gc", "--grace-hours", "0"] + (["--delete"] if delete else [])
    assert main(args) == 0
    out = capsys.readouterr().out
    verb = "removed" if delete else "unreferenced"
    assert re.search(rf"^{verb} {orphan}\s+2\.0 KB", out, re.MULTILINE), out
    assert sha(PHOTO) not in out
    assert "2 blob(s) in the store" in out
    assert blob_store.exists(orphan) is not delete
    assert ("dry run: nothing removed" in out) is not delete
