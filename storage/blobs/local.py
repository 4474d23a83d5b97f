"""A blob store in a local directory: `{root}/ab/cd/{sha256}`, written durably before `put` returns.

The embedded default. Several processes may share the directory: every write is atomic.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from storage.blobs.store import (
    CHUNK_SIZE,
    BlobInfo,
    ChunkIterator,
    StoredBlob,
    copy_hashing,
    validate_sha256,
)
from storage.errors import BlobNotFound, StorageCode, StorageUnavailable

_FULL = {errno.ENOSPC, errno.EDQUOT}
_SHA256 = re.compile(r"[0-9a-f]{64}")
_FANOUT = re.compile(r"[0-9a-f]{2}")


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        # No I/O here: a missing or unwritable directory shows up as StorageUnavailable on use.
        self.root = root
        self._tmp = root / ".tmp"

    def put(self, source: BinaryIO, known: BlobInfo | None = None) -> BlobInfo:
        if known is not None:
            validate_sha256(known.sha256)
        with _disk_errors(known.size if known else 0):
            fd, tmp_name = self._mkstemp()
        written = 0

        def write(chunk: bytes) -> None:
            nonlocal written
            written += len(chunk)
            view = memoryview(chunk)
            with _disk_errors(known.size if known else written):
                while view:
                    view = view[os.write(fd, view) :]

        try:
            try:
                info = copy_hashing(source, write, known)
                final = self._path(info.sha256)
                duplicate = _renew(final)  # the same content is stored already
                if not duplicate:
                    with _disk_errors(info.size):
                        os.fsync(fd)
            finally:
                with _disk_errors(written):
                    os.close(fd)
            if duplicate:
                os.unlink(tmp_name)
            else:
                with _disk_errors(info.size):
                    self._install(Path(tmp_name), final)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return info

    def iter_chunks(self, sha256: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        return ChunkIterator(self._open(sha256), chunk_size, _read_errors)

    def read(self, sha256: str) -> bytes:
        with self._open(sha256) as file, _read_errors():
            return file.read()

    def exists(self, sha256: str) -> bool:
        with _read_errors():
            return self._path(sha256).is_file()

    def stat(self, sha256: str) -> BlobInfo:
        # The md5 is not kept beside the file, so it is computed: the database keeps it for the
        # hot paths (manifests, attachment lists), which never call stat.
        md5 = hashlib.md5(usedforsecurity=False)
        size = 0
        with self._open(sha256) as file, _read_errors():
            while chunk := file.read(CHUNK_SIZE):
                md5.update(chunk)
                size += len(chunk)
        return BlobInfo(sha256=sha256, md5=md5.hexdigest(), size=size)

    def delete(self, sha256: str) -> None:
        with _read_errors():
            self._path(sha256).unlink(missing_ok=True)

    def list_blobs(self) -> Iterator[StoredBlob]:
        with _read_errors():
            if not self.root.is_dir():
                return
            for first in _subdirectories(self.root):
                for second in _subdirectories(first):
                    with os.scandir(second) as entries:
                        for entry in entries:
                            if entry.is_file() and _SHA256.fullmatch(entry.name):
                                yield _stored(entry.name, entry.stat())

    def describe(self, sha256: str) -> StoredBlob:
        path = self._path(sha256)
        with _read_errors():
            try:
                return _stored(sha256, path.stat())
            except FileNotFoundError:
                raise BlobNotFound(StorageCode.BLOB_NOT_FOUND, sha256=sha256) from None

    def check(self) -> None:
        with _disk_errors(0):
            fd, tmp_name = self._mkstemp()
            try:
                os.write(fd, b"ok")
                os.fsync(fd)
            finally:
                os.close(fd)
                os.unlink(tmp_name)

    def close(self) -> None:
        pass

    def _path(self, sha256: str) -> Path:
        validate_sha256(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def _open(self, sha256: str) -> BinaryIO:
        path = self._path(sha256)
        with _read_errors():
            try:
                return path.open("rb")
            except FileNotFoundError:
                raise BlobNotFound(StorageCode.BLOB_NOT_FOUND, sha256=sha256) from None

    def _mkstemp(self) -> tuple[int, str]:
        # Temporary files live under the root, on the same file system, so os.replace is atomic.
        try:
            return tempfile.mkstemp(dir=self._tmp, prefix="put-")
        except FileNotFoundError:
            self._tmp.mkdir(parents=True, exist_ok=True)
            return tempfile.mkstemp(dir=self._tmp, prefix="put-")

    def _install(self, tmp: Path, final: Path) -> None:
        """Move a synced file into place and sync every directory entry that changed on the way,
        so that once `put` returns (and the client gets its 201) the blob survives a power cut."""
        created = _make_dirs(final.parent)
        os.replace(tmp, final)
        for directory in [final.parent, *created]:
            _fsync_dir(directory)


def _renew(path: Path) -> bool:
    """Whether `path` exists, renewing its time if it does: a put of content already stored
    counts as a new put, as on S3, so garbage collection (which only takes blobs left alone for
    a while) leaves it to the submission storing it now."""
    try:
        os.utime(path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise StorageUnavailable(
            StorageCode.UNAVAILABLE, service="blob store", reason=exc.strerror or str(exc)
        ) from exc
    return True


def _subdirectories(directory: Path) -> list[Path]:
    # Only the two-hex-digit fan-out directories: `.tmp` holds puts in progress.
    with os.scandir(directory) as entries:
        return sorted(Path(e.path) for e in entries if e.is_dir() and _FANOUT.fullmatch(e.name))


def _stored(sha256: str, stat: os.stat_result) -> StoredBlob:
    modified = datetime.fromtimestamp(stat.st_mtime, UTC)
    return StoredBlob(sha256=sha256, size=stat.st_size, modified=modified)


def _make_dirs(directory: Path) -> list[Path]:
    """Create `directory` and its missing parents; return the parents whose entries changed."""
    missing: list[Path] = []
    while not directory.is_dir():
        missing.append(directory)
        directory = directory.parent
    for path in reversed(missing):
        path.mkdir(exist_ok=True)
    return [path.parent for path in missing]


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def _disk_errors(size: int) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if exc.errno in _FULL:
            raise StorageUnavailable(StorageCode.BLOB_STORE_FULL, size=size, reason=reason) from exc
        raise StorageUnavailable(
            StorageCode.UNAVAILABLE, service="blob store", reason=reason
        ) from exc


@contextmanager
def _read_errors() -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise StorageUnavailable(
            StorageCode.UNAVAILABLE, service="blob store", reason=exc.strerror or str(exc)
        ) from exc
