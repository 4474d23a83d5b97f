"""`baobab backup` and `baobab restore`: the database and every blob it refers to, with checksums.

A backup holds:
- `database.sqlite` (SQLite's online backup) or `database.pgdump` (`pg_dump --format=custom`);
- `blobs.manifest`: `sha256 size` of every blob the database refers to, as of the dump;
- the blobs themselves under `blobs/`, a blob store of their own;
- `baobab-backup.json`: when, from which database kind and migration, how many blobs;
- `SHA256SUMS`: the SHA-256 of every other file (`sha256sum -c` reads it in a directory).
Restore checks every file against SHA256SUMS and every blob against its name before using it.
"""

from __future__ import annotations

import itertools
import json
import logging
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TextIO

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from storage.backup.database_copy import database_snapshot, dump_name, is_empty, restore_database
from storage.backup.targets import BackupTarget
from storage.blobs.gc import referenced_keys
from storage.blobs.store import BlobStore
from storage.errors import BlobNotFound

log = logging.getLogger(__name__)
FORMAT = 1
COPY_THREADS, COPY_CHUNK = 4, 256
INFO, MANIFEST, SUMS = "baobab-backup.json", "blobs.manifest", "SHA256SUMS"
# (phase, done, total): phases are "database" (pages or bytes), "blobs" (count), "verify".
Progress = Callable[[str, int, int | None], None]


@dataclass(frozen=True, slots=True)
class BackupSummary:
    created_at: str
    database: str  # the dump's file name, which says its kind
    database_bytes: int
    revision: str | None
    blobs: int
    blob_bytes: int
    missing: list[str] = field(default_factory=list)  # referred to, but not in the store


def backup(
    engine: Engine, store: BlobStore, target: BackupTarget, now: datetime, progress: Progress
) -> BackupSummary:
    if not target.is_empty():
        raise ValueError(f"{target.url} is not empty: back up into a new directory or prefix")
    with tempfile.TemporaryDirectory(prefix="baobab-backup-") as work:
        tmp = Path(work)
        dump, keys = tmp / dump_name(engine), tmp / "keys"
        with database_snapshot(engine, dump, lambda d, t: progress("database", d, t)) as connection:
            revision = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
            version = revision.scalar()
            count = 0
            with keys.open("w") as out:
                for sha256 in referenced_keys(connection):
                    out.write(sha256 + "\n")
                    count += 1
        sums: dict[str, str] = {}
        manifest = tmp / MANIFEST
        blob_bytes, copied, missing = 0, 0, []
        destination = target.blob_store()
        listing = tmp / SUMS
        with keys.open() as wanted, manifest.open("w") as out, listing.open("w") as blob_sums:
            lines = (line.strip() for line in wanted)
            for done, (sha256, size) in enumerate(_copy_all(store, destination, lines), start=1):
                progress("blobs", done, count)
                if size is None:
                    log.warning("blob %s is referred to but absent from the store", sha256)
                    missing.append(sha256)
                    continue
                out.write(f"{sha256} {size}\n")
                blob_sums.write(f"{sha256}  {target.blob_path(sha256)}\n")
                blob_bytes += size
                copied += 1
        for path in (dump, manifest):
            with path.open("rb") as source:
                sums[path.name] = target.write(path.name, source)
        summary = BackupSummary(
            created_at=now.isoformat(),
            database=dump.name,
            database_bytes=dump.stat().st_size,
            revision=version,
            blobs=copied,
            blob_bytes=blob_bytes,
            missing=missing,
        )
        info = tmp / INFO
        info.write_text(json.dumps({"format": FORMAT, **asdict(summary)}, indent=2))
        with info.open("rb") as source:
            sums[INFO] = target.write(INFO, source)
        with listing.open("a") as out:
            out.writelines(f"{sha}  {name}\n" for name, sha in sorted(sums.items()))
        with listing.open("rb") as source:
            target.write(SUMS, source)
    return summary


def restore(
    engine: Engine, store: BlobStore, source: BackupTarget, progress: Progress
) -> dict[str, object]:
    """Restore onto an empty database and an empty store; returns the backup's description."""
    if not is_empty(engine):
        raise ValueError(
            "the database is not empty: restore into a new database "
            "(PostgreSQL: createdb; SQLite: a BAOBAB_DATABASE_URL naming a new file)"
        )
    if next(iter(store.list_blobs()), None) is not None:
        raise ValueError("the blob store is not empty: restore into a new directory or bucket")
    with tempfile.TemporaryDirectory(prefix="baobab-restore-") as work:
        tmp = Path(work)
        sums = _read_sums(source, tmp)
        info = json.loads(_fetch(source, INFO, tmp, sums).read_text())
        if info.get("format") != FORMAT:
            raise ValueError(f"{source.url}: unknown backup format {info.get('format')!r}")
        if info["database"] != dump_name(engine):
            raise ValueError(
                f"{source.url} holds {info['database']}, which restores onto "
                f"{'PostgreSQL' if info['database'].endswith('.pgdump') else 'SQLite'} only"
            )
        done, dump = 0, _fetch(source, info["database"], tmp, sums)
        manifest = _fetch(source, MANIFEST, tmp, sums)
        restore_database(engine, dump, lambda d, t: progress("database", d, t))
        origin = source.blob_store()
        with manifest.open() as lines:
            sizes = dict(line.split() for line in _chunk_of(lines))  # a chunk at a time
            while sizes:
                copies = _copy_all(origin, store, iter(list(sizes)))
                for sha256, size in copies:
                    if size is None:
                        raise ValueError(f"{source.url}: blob {sha256} is missing")
                    if size != int(sizes[sha256]):
                        raise ValueError(f"{source.url}: blob {sha256} is not {size} bytes long")
                    done += 1
                    progress("blobs", done, info["blobs"])
                sizes = dict(line.split() for line in _chunk_of(lines))
    return dict(info)


def _read_sums(source: BackupTarget, tmp: Path) -> dict[str, str]:
    path = tmp / SUMS
    try:
        source.read_to(SUMS, path)
    except FileNotFoundError:
        raise ValueError(f"{source.url} holds no {SUMS}: not a Baobab backup") from None
    sums = {}
    with path.open() as lines:
        for line in lines:
            sha, _, name = line.rstrip("\n").partition("  ")
            if not name.startswith("blobs/"):  # a blob's SHA-256 is its name, checked on copy
                sums[name] = sha
    return sums


def _fetch(source: BackupTarget, name: str, tmp: Path, sums: dict[str, str]) -> Path:
    path = tmp / name
    try:
        sha = source.read_to(name, path)
    except FileNotFoundError:
        raise ValueError(f"{source.url}: {name} is missing") from None
    if sums.get(name) != sha:
        raise ValueError(f"{source.url}: {name} does not match its SHA-256 in {SUMS}: damaged")
    return path


def _copy_all(
    origin: BlobStore, destination: BlobStore, keys: Iterator[str]
) -> Iterator[tuple[str, int | None]]:
    """Copy blobs a few at a time (the stores answer over the network, or fsync each file), in
    chunks so that memory stays flat; yields (sha256, size), size None for a missing blob."""

    def copy(sha256: str) -> tuple[str, int | None]:
        try:
            return sha256, _copy_blob(origin, destination, sha256)
        except BlobNotFound:
            return sha256, None

    with ThreadPoolExecutor(COPY_THREADS) as pool:
        while chunk := list(itertools.islice(keys, COPY_CHUNK)):
            yield from pool.map(copy, chunk)


def _chunk_of(lines: Iterator[str] | TextIO) -> list[str]:
    return list(itertools.islice(lines, COPY_CHUNK))


def _copy_blob(origin: BlobStore, destination: BlobStore, sha256: str) -> int:
    """Copy one blob, hashing it on the way: a blob whose content is not its name is refused."""
    stored = destination.put(_ChunkReader(origin.iter_chunks(sha256)))  # type: ignore[arg-type]
    if stored.sha256 != sha256:
        destination.delete(stored.sha256)
        raise ValueError(f"blob {sha256} is damaged: its content hashes to {stored.sha256}")
    return stored.size


class _ChunkReader:
    """A file-like `read` over a blob's chunks, for BlobStore.put."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, b"")
            if not chunk:
                break
            self._buffer += chunk
        if size < 0:
            size = len(self._buffer)
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out
