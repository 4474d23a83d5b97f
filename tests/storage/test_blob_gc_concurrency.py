"""Blob garbage collection while submissions arrive: files stored a moment before their rows
commit are never taken, old orphans are, and putting content again renews it. The orphans are
made old by setting their time on disk, so these run on the local directory store (with the
database of the run: SQLite, or PostgreSQL with the real services)."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from storage.blobs.gc import collect_garbage
from storage.blobs.local import LocalBlobStore
from tests.support.accounts import PASSWORDS
from tests.support.devices import field_device
from tests.support.paths import sample

FILED = sample("with_attachments.xml")
TWO_DAYS = 2 * 24 * 3600


def backdate(store: LocalBlobStore, sha256: str, seconds: float) -> None:
    path = store.root / sha256[:2] / sha256[2:4] / sha256
    old = time.time() - seconds
    os.utime(path, (old, old))


@pytest.fixture
def local_settings(settings, tmp_path):
    return dataclasses.replace(settings, blob_url=f"file://{tmp_path / 'lb'}")


def test_collection_while_submissions_arrive_takes_only_the_old_orphans(
    local_settings, engine, clock, tmp_path
):
    store = LocalBlobStore(tmp_path / "lb")
    orphans = [store.put(io.BytesIO(f"old orphan {i}".encode())).sha256 for i in range(20)]
    for sha256 in orphans:
        backdate(store, sha256, TWO_DAYS)
    app = create_app(local_settings, clock=clock, passwords=PASSWORDS)
    with TestClient(app, base_url="http://baobab.test") as client:
        device = field_device(client, engine, clock)
        stop, runs, errors = threading.Event(), [], []

        def collect() -> None:
            try:
                while not stop.is_set():
                    runs.append(
                        collect_garbage(
                            engine, store, datetime.now(UTC), grace=timedelta(hours=1), delete=True
                        )
                    )
            except Exception as error:  # reported below, in the test's thread
                errors.append(error)

        collector = threading.Thread(target=collect)
        collector.start()
        photos = []
        try:
            for i in range(15):
                xml = FILED.replace(b"000000000004", f"{i:012d}".encode())
                photo = f"photo {i} taken while the collector runs".encode() * 50
                response = device.submit(xml, {"1741079521992.jpg": photo})
                assert response.status_code == 201, response.text
                photos.append(photo)
        finally:
            while not runs and collector.is_alive():  # at least one whole run
                time.sleep(0.05)
            stop.set()
            collector.join(60)
    assert errors == []
    assert not any(store.exists(sha256) for sha256 in orphans)
    assert sum(r.deleted for r in runs) == len(orphans)
    stored = {b.sha256 for b in store.list_blobs()}
    assert {hashlib.sha256(p).hexdigest() for p in photos} <= stored


def test_putting_an_old_orphan_again_renews_it(engine, tmp_path):
    store = LocalBlobStore(tmp_path / "lb")
    content = b"a photo a tablet sends again after a failed upload"
    sha256 = store.put(io.BytesIO(content)).sha256
    backdate(store, sha256, TWO_DAYS)
    assert store.describe(sha256).modified < datetime.now(UTC) - timedelta(days=1)
    store.put(io.BytesIO(content))  # the content is there: only its time changes
    assert store.describe(sha256).modified > datetime.now(UTC) - timedelta(hours=1)
    report = collect_garbage(
        engine, store, datetime.now(UTC), grace=timedelta(hours=1), delete=True
    )
    assert (report.recent, report.deleted) == (1, 0)
    assert store.exists(sha256)
