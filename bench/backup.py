"""Backup and restore of a populated instance: time and size at several scales, to show how they
grow, with a ceiling measured in the same run (reading every blob once from the store, which a
backup cannot beat).

Each scale is a fresh instance: seed submissions of the reference form sent over OpenRosa, grown
to N (bench/synthetic.py), then each given its own photo of --photo-kb random bytes (a JPEG does
not compress) as an attachment, in the store and in the database. `baobab backup` goes to a
directory; `baobab restore` goes onto a fresh database and store, then migrates.

    python scripts/test_services.py -- .venv/bin/python bench/backup.py --scales 1000 2000 4000
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.ingest import blob_url, database_url  # noqa: E402
from bench.seeded import seeded_server  # noqa: E402
from bench.synthetic import grow  # noqa: E402
from storage.backup.backup_restore import backup, restore  # noqa: E402
from storage.backup.targets import open_target  # noqa: E402
from storage.blobs.store import BlobStore, make_blob_store  # noqa: E402
from storage.db import make_engine, transaction, upgrade  # noqa: E402
from storage.schema import system as s  # noqa: E402

SEEDS = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=int, nargs="+", default=[1000, 2000, 4000])
    parser.add_argument("--photo-kb", type=int, default=200)
    args = parser.parse_args()
    rows = [measure(n, args.photo_kb) for n in args.scales]
    print()
    print(
        "submissions | blobs MB | dump MB | backup s | ceiling s | backup/ceiling | "
        "backup s per 1k | restore s | restore s per 1k"
    )
    for r in rows:
        print(
            f"{r['n']:>11,} | {r['blob_mb']:>8.0f} | {r['dump_mb']:>7.1f} | {r['backup']:>8.1f} | "
            f"{r['ceiling']:>9.1f} | {r['backup'] / r['ceiling']:>14.2f} | "
            f"{r['backup'] / r['n'] * 1000:>15.2f} | {r['restore']:>9.1f} | "
            f"{r['restore'] / r['n'] * 1000:>16.2f}"
        )


def measure(n: int, photo_kb: int) -> dict[str, float]:
    print(f"scale {n:,}: seeding", flush=True)
    with seeded_server(f"backup_{n}", SEEDS) as seeded, tempfile.TemporaryDirectory() as work:
        workdir = Path(work)
        engine = seeded.engine
        with transaction(engine, read_only=True) as connection:
            form_id = connection.execute(sa.select(sa.func.min(s.forms.c.id))).scalar_one()
        grow(engine, form_id, n)
        store = make_blob_store(blob_url(workdir))  # the seeds have no files: a store of ours
        add_photos(engine, store, photo_kb)
        started = time.perf_counter()
        for blob in store.list_blobs():
            for _chunk in store.iter_chunks(blob.sha256):
                pass
        ceiling = time.perf_counter() - started
        target = workdir / "backup"
        started = time.perf_counter()
        summary = backup(engine, store, open_target(str(target)), datetime.now(UTC), _quiet)
        took = time.perf_counter() - started
        size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
        restored_db = database_url(workdir, f"backup_{n}_restored")
        restored_store = make_blob_store(blob_url(workdir))
        restored = make_engine(restored_db)
        started = time.perf_counter()
        restore(restored, restored_store, open_target(str(target)), _quiet)
        upgrade(restored)
        restore_took = time.perf_counter() - started
        with transaction(restored, read_only=True) as connection:
            count = connection.execute(sa.select(sa.func.count()).select_from(s.submissions))
            assert count.scalar_one() == n
        restored.dispose()
        restored_store.close()
        store.close()
        shutil.rmtree(target)
        print(
            f"  {summary.blobs:,} blobs, backup {took:.1f} s ({size / 2**20:.0f} MB), "
            f"read-only ceiling {ceiling:.1f} s, restore {restore_took:.1f} s",
            flush=True,
        )
        return {
            "n": n,
            "blob_mb": summary.blob_bytes / 2**20,
            "dump_mb": summary.database_bytes / 2**20,
            "backup": took,
            "ceiling": ceiling,
            "restore": restore_took,
        }


def add_photos(engine: sa.Engine, store: BlobStore, photo_kb: int) -> None:
    """A distinct photo for every attachment the submissions expect but never got (the seeds
    were sent without files)."""
    table = s.submission_attachments
    now = datetime.now(UTC)
    with transaction(engine, read_only=True) as connection:
        missing = list(
            connection.execute(sa.select(table.c.id).where(table.c.blob_sha256.is_(None)))
        )
    ids = [row.id for row in missing]

    def put(_id: int) -> tuple[str, str]:
        info = store.put(io.BytesIO(os.urandom(photo_kb * 1024)))
        return info.sha256, info.md5

    with ThreadPoolExecutor(8) as pool:
        for first in range(0, len(ids), 500):
            batch = ids[first : first + 500]
            stored = list(pool.map(put, batch))
            with transaction(engine) as connection:
                connection.execute(
                    sa.insert(s.blobs),
                    [
                        {"sha256": sha, "md5": md5, "size": photo_kb * 1024,
                         "content_type": "image/jpeg", "created_at": now}
                        for sha, md5 in stored
                    ],
                )  # fmt: skip
                for attachment, (sha, _) in zip(batch, stored, strict=True):
                    connection.execute(
                        sa.update(table)
                        .where(table.c.id == attachment)
                        .values(blob_sha256=sha, content_type="image/jpeg", received_at=now)
                    )
    print(f"  {len(ids):,} photos of {photo_kb} KB stored", flush=True)


def _quiet(_phase: str, _done: int, _total: int | None) -> None:
    pass


if __name__ == "__main__":
    main()
