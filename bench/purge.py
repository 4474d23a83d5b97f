"""Purge throughput and memory: submissions with a file each, all in the trash for longer than
BAOBAB_TRASH_DAYS, purged by `storage.lifecycle.purge.purge` (what `baobab purge` runs) in a
process of
its own, so its peak RSS is the purge's. Printed with the blob store's own delete rate measured
in the same run (the ceiling: a purge cannot delete files faster than the store does).

    python scripts/test_services.py -- python bench/purge.py [--sizes 10000 30000]

Seeding: a few submissions (the reference form, a photo each) go through the real intake, then
bench/synthetic.py copies them to each size, and each copy's attachment gets a file of its own
(4 KB: a purge deletes a file whatever its size) in the blob store. PostgreSQL + SeaweedFS when
TEST_DATABASE_URL / TEST_S3_URL are set, else SQLite + a local directory.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from bench.ingest import TEMPLATE, blob_url, database_url, set_up  # noqa: E402
from bench.synthetic import grow  # noqa: E402
from server.app import create_app  # noqa: E402
from server.settings import Settings  # noqa: E402
from storage.blobs.store import make_blob_store  # noqa: E402
from storage.db import make_engine, transaction  # noqa: E402
from storage.lifecycle.purge import PurgeScope, purge  # noqa: E402
from storage.schema import system as s  # noqa: E402

SEEDS = 50
FILE_BYTES = 4 * 1024
CEILING_FILES = 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000])
    parser.add_argument("--child", nargs=2, metavar=("DATABASE", "BLOBS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _purge_in_this_process(*args.child)
        return
    backend = "PostgreSQL + S3" if os.environ.get("TEST_DATABASE_URL") else "SQLite + directory"
    print(f"purge bench on {backend}, {FILE_BYTES // 1024} KB per file", flush=True)
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as directory:
            _one_size(Path(directory), size)


def _one_size(workdir: Path, size: int) -> None:
    url, blobs = database_url(workdir, "purge"), blob_url(workdir)
    submit = set_up(url, workdir)
    settings = Settings(data_dir=workdir, database_url=url, blob_url=blobs, odk_validate="off")
    with TestClient(create_app(settings)) as client:
        for _ in range(SEEDS):
            xml = TEMPLATE.replace(
                b"uuid:bd74cc0c-c58c-46a1-b6cf-d17b813ec2a7",
                f"uuid:{os.urandom(16).hex()}".encode(),
            )
            sent = client.post(
                submit,
                files={
                    "xml_submission_file": ("submission.xml", xml, "text/xml"),
                    "dwelling.jpg": ("dwelling.jpg", os.urandom(FILE_BYTES), "image/jpeg"),
                },
                headers={"X-OpenRosa-Version": "1.0"},
            )
            assert sent.status_code == 201, sent.text
    engine = make_engine(url)
    store = make_blob_store(blobs)
    with transaction(engine, read_only=True) as connection:
        form_id = connection.execute(sa.select(s.forms.c.id)).scalar_one()
    print(f"  {size:,} submissions: growing", flush=True)
    grow(engine, form_id, size)
    started = time.perf_counter()
    files = _own_files(engine, store)
    print(f"    {files:,} files of their own ({time.perf_counter() - started:.0f} s)", flush=True)
    ceiling = _store_delete_rate(store)
    with transaction(engine) as connection:
        connection.execute(
            sa.update(s.submissions).values(deleted_at=datetime.now(UTC) - timedelta(days=40))
        )
    engine.dispose()
    child = subprocess.run(
        [sys.executable, __file__, "--child", url, blobs],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    result = json.loads(child.stdout.strip().splitlines()[-1])
    engine = make_engine(url)
    with transaction(engine, read_only=True) as connection:
        left = connection.execute(sa.select(sa.func.count()).select_from(s.submissions)).scalar()
        blobs_left = connection.execute(sa.select(sa.func.count()).select_from(s.blobs)).scalar()
    engine.dispose()
    assert result["submissions"] == size and left == 0 and blobs_left == 0, (result, left)
    rate = size / result["seconds"]
    file_rate = result["blobs"] / result["seconds"]
    print(
        f"    purged {size:,} submissions and {result['blobs']:,} files in"
        f" {result['seconds']:.1f} s: {rate:,.0f} submissions/s, {file_rate:,.0f} files/s"
        f" ({file_rate / ceiling:.2f} of the store's own delete rate, {ceiling:,.0f}/s);"
        f" peak RSS {result['peak_rss_mb']:.0f} MB (RSS {result['rss_at_tenth_mb']:.0f} MB after"
        f" a tenth, {result['rss_at_end_mb']:.0f} MB at the end)",
        flush=True,
    )
    store.close()


def _own_files(engine: sa.Engine, store) -> int:  # type: ignore[no-untyped-def]
    """A file of its own for each attachment row, in the store and in `blobs`."""
    table = s.submission_attachments
    done = 0
    with transaction(engine, read_only=True) as connection:
        ids = list(connection.execute(sa.select(table.c.id).order_by(table.c.id)).scalars())
    now = datetime.now(UTC)
    pool = ThreadPoolExecutor(max_workers=8)  # puts are I/O: an fsync, or an S3 round trip
    for start in range(0, len(ids), 1000):
        batch = ids[start : start + 1000]
        infos = list(pool.map(_put_own, [(store, a) for a in batch]))
        rows = [
            {
                "sha256": i.sha256,
                "md5": i.md5,
                "size": i.size,
                "content_type": "image/jpeg",
                "created_at": now,
            }
            for i in infos
        ]
        links = [{"a": a, "sha": i.sha256} for a, i in zip(batch, infos, strict=True)]
        with transaction(engine) as connection:
            connection.execute(sa.insert(s.blobs), rows)
            connection.execute(
                sa.update(table)
                .where(table.c.id == sa.bindparam("a"))
                .values(blob_sha256=sa.bindparam("sha")),
                links,
            )
        done += len(batch)
    pool.shutdown()
    with transaction(engine) as connection:  # the seeds' own photos no row names any more
        used = sa.select(table.c.blob_sha256).where(table.c.blob_sha256.is_not(None))
        stale = list(
            connection.execute(
                sa.select(s.blobs.c.sha256).where(s.blobs.c.sha256.not_in(used))
            ).scalars()
        )
        connection.execute(sa.delete(s.blobs).where(s.blobs.c.sha256.in_(stale)))
    for sha in stale:
        store.delete(sha)
    return done


def _put_own(job):  # type: ignore[no-untyped-def]
    store, attachment_id = job
    data = attachment_id.to_bytes(8, "big") + os.urandom(FILE_BYTES - 8)
    return store.put(io.BytesIO(data), None)


def _store_delete_rate(store) -> float:  # type: ignore[no-untyped-def]
    """Files deleted per second by the store alone, as the purge deletes them (8 at a time)."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = [
            i.sha256
            for i in pool.map(
                lambda _n: store.put(io.BytesIO(os.urandom(FILE_BYTES)), None),
                range(CEILING_FILES),
            )
        ]
        started = time.perf_counter()
        list(pool.map(store.delete, keys))
    return CEILING_FILES / (time.perf_counter() - started)


def _purge_in_this_process(url: str, blobs: str) -> None:
    """Purge, printing its time and RSS: the peak, and the RSS after the first tenth and at the
    end (flat memory shows as the two being close)."""
    engine, store = make_engine(url), make_blob_store(blobs)
    now = datetime.now(UTC)
    samples: list[tuple[int, float]] = []
    done = 0

    def sample(n: int) -> None:
        nonlocal done
        done += n
        samples.append((done, _rss_mb()))

    started = time.perf_counter()
    counts = purge(engine, store, PurgeScope(before=now - timedelta(days=30)), now, progress=sample)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    tenth = next(rss for n, rss in samples if n >= counts.submissions / 10)
    print(
        json.dumps(
            {
                "submissions": counts.submissions,
                "blobs": counts.blobs,
                "seconds": seconds,
                "peak_rss_mb": peak,
                "rss_at_tenth_mb": tenth,
                "rss_at_end_mb": samples[-1][1],
            }
        )
    )


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


if __name__ == "__main__":
    main()
