"""Where a backup lives: a local directory, or a prefix in an S3 bucket (`s3://bucket/prefix`).

Both hold the same names: a few files (the database dump, the manifest, SHA256SUMS) and the blobs
as a blob store of their own (`blobs/...`, the layout of storage/blobs/local.py or
storage/blobs/s3.py), so
that a directory backup can be checked with `sha256sum -c SHA256SUMS` and read without Baobab.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol
from urllib.parse import unquote, urlsplit

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from storage.blobs.s3 import s3_client
from storage.blobs.store import CHUNK_SIZE, BlobStore, make_blob_store
from storage.errors import StorageCode, StorageUnavailable

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger(__name__)


class BackupTarget(Protocol):
    url: str

    def is_empty(self) -> bool: ...

    def write(self, name: str, source: BinaryIO) -> str:
        """Store `source` (to EOF) as `name`; return its sha256 (hex)."""
        ...

    def read_to(self, name: str, path: Path) -> str:
        """Copy `name` into the file `path`; return its sha256. FileNotFoundError if absent."""
        ...

    def blob_store(self) -> BlobStore: ...

    def blob_path(self, sha256: str) -> str:
        """Where `blob_store()` keeps a blob, relative to the backup (for SHA256SUMS)."""
        ...


def open_target(location: str) -> BackupTarget:
    """A directory (a path, or file:///path) or an S3 prefix (s3://bucket/prefix?endpoint_url=)."""
    if location.startswith("s3://"):
        return S3Target(location)
    if location.startswith("file://"):
        location = unquote(location[len("file://") :])
    if "://" in location:
        raise ValueError(f"a backup goes to a directory or to s3://bucket/prefix, not {location!r}")
    return DirectoryTarget(Path(location).absolute())


class DirectoryTarget:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.url = str(root)

    def is_empty(self) -> bool:
        if self.root.exists() and not self.root.is_dir():
            raise ValueError(f"{self.root} is a file, not a directory")
        return not self.root.exists() or next(self.root.iterdir(), None) is None

    def write(self, name: str, source: BinaryIO) -> str:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            return _copy_hashing(source, out)

    def read_to(self, name: str, path: Path) -> str:
        with (self.root / name).open("rb") as source, path.open("wb") as out:
            return _copy_hashing(source, out)

    def blob_store(self) -> BlobStore:
        return make_blob_store(f"file://{self.root / 'blobs'}")

    def blob_path(self, sha256: str) -> str:
        return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"  # storage/blobs/local.py's layout


class S3Target:
    """Files as objects under the prefix; blobs as an S3 blob store with the same prefix."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._store = make_blob_store(url)  # validates the URL and its parameters
        parts = urlsplit(url)
        self.bucket = parts.netloc
        self.prefix = unquote(parts.path).strip("/")
        options = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
        endpoint = options.get("endpoint_url") or options.get("endpoint") or None
        # Path-style addressing for self-hosted stores, as storage/blobs/s3.py does.
        config = Config(s3={"addressing_style": "path"}) if endpoint else Config()
        self._client: S3Client = s3_client(endpoint, options.get("region") or None, config)

    def is_empty(self) -> bool:
        with _s3_errors():
            answer = self._client.list_objects_v2(
                Bucket=self.bucket, Prefix=self._key(""), MaxKeys=1
            )
        return not answer.get("Contents")

    def write(self, name: str, source: BinaryIO) -> str:
        digest = hashlib.sha256()
        reader = _HashingReader(source, digest)
        with _s3_errors():
            self._client.upload_fileobj(reader, self.bucket, self._key(name))  # type: ignore[arg-type]
        return digest.hexdigest()

    def read_to(self, name: str, path: Path) -> str:
        with _s3_errors():
            try:
                body = self._client.get_object(Bucket=self.bucket, Key=self._key(name))["Body"]
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                    raise FileNotFoundError(f"{self.url}: no {name}") from None
                raise
            with path.open("wb") as out:
                return _copy_hashing(body, out)

    def blob_store(self) -> BlobStore:
        return self._store

    def blob_path(self, sha256: str) -> str:
        return f"blobs/{sha256[:2]}/{sha256}"  # storage/blobs/s3.py's layout

    def _key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name


class _HashingReader:
    def __init__(self, source: BinaryIO, digest: hashlib._Hash) -> None:
        self._source = source
        self._digest = digest

    def read(self, size: int = -1) -> bytes:
        chunk = self._source.read(size)
        self._digest.update(chunk)
        return chunk


class _Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


def _copy_hashing(source: _Readable, out: BinaryIO) -> str:
    digest = hashlib.sha256()
    while chunk := source.read(CHUNK_SIZE):
        digest.update(chunk)
        out.write(chunk)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def _s3_errors() -> Iterator[None]:
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        log.warning("S3 request for a backup failed: %s", error)
        raise StorageUnavailable(
            StorageCode.UNAVAILABLE,
            service="backup store",
            reason=f"the S3 request failed ({type(error).__name__})",
        ) from error
