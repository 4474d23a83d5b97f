"""The blob store interface: content-addressed files (attachments, form media) keyed by sha256.

`make_blob_store(url)` picks the implementation: a local directory or an S3-compatible bucket.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

CHUNK_SIZE = 64 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class BlobInfo:
    sha256: str  # lowercase hex, also the blob's key
    md5: str  # lowercase hex
    size: int


@dataclass(frozen=True, slots=True)
class StoredBlob:
    """A blob as the store sees it, for maintenance (garbage collection, backups)."""

    sha256: str
    size: int
    modified: datetime  # aware UTC: when it was last put (a put of the same content renews it)


class BlobStore(Protocol):
    """Stores immutable blobs under the sha256 of their content.

    Every method that takes a sha256 raises ValueError unless it is 64 lowercase hex digits.
    Failures of the backing store raise `StorageUnavailable`; absent blobs raise `BlobNotFound`.
    """

    def put(self, source: BinaryIO, known: BlobInfo | None = None) -> BlobInfo:
        """Store what `source` holds from its position to EOF, reading it in chunks.

        Putting the same content twice stores it once. Pass `known` when the caller has hashed
        the stream already: it is trusted, not recomputed (only its size is checked).
        """
        ...

    def iter_chunks(self, sha256: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """Stream a blob. Raises `BlobNotFound` when called, before the first chunk is asked for,
        so a handler learns of a missing blob before it starts a response."""
        ...

    def read(self, sha256: str) -> bytes:
        """The whole blob in memory: for small blobs only."""
        ...

    def exists(self, sha256: str) -> bool: ...

    def stat(self, sha256: str) -> BlobInfo: ...

    def delete(self, sha256: str) -> None:
        """Remove a blob; removing an absent blob is not an error."""
        ...

    def list_blobs(self) -> Iterator[StoredBlob]:
        """Every blob in the store, in no set order, read a page (or a directory) at a time."""
        ...

    def describe(self, sha256: str) -> StoredBlob:
        """A blob's size and when it was last put, without reading it; `BlobNotFound` if absent."""
        ...

    def check(self) -> None:
        """Health probe: raises `StorageUnavailable` unless the store can be written to."""
        ...

    def close(self) -> None: ...


def validate_sha256(sha256: str) -> str:
    """Return `sha256` if it is 64 lowercase hex digits: it becomes a path or a key."""
    if not _SHA256.fullmatch(sha256):
        raise ValueError(f"not a lowercase hex sha256: {sha256!r}")
    return sha256


def copy_hashing(
    source: BinaryIO, write: Callable[[bytes], object], known: BlobInfo | None = None
) -> BlobInfo:
    """Copy `source` to EOF into `write` in chunks, hashing it unless `known` is given.

    With `known`, only the byte count is checked (ValueError if it differs).
    """
    size = 0
    if known is not None:
        while chunk := source.read(CHUNK_SIZE):
            write(chunk)
            size += len(chunk)
        check_known_size(known, size)
        return known
    sha256 = hashlib.sha256()
    md5 = hashlib.md5(usedforsecurity=False)
    while chunk := source.read(CHUNK_SIZE):
        sha256.update(chunk)
        md5.update(chunk)
        write(chunk)
        size += len(chunk)
    return BlobInfo(sha256=sha256.hexdigest(), md5=md5.hexdigest(), size=size)


def check_known_size(known: BlobInfo, size: int) -> None:
    if size != known.size:
        raise ValueError(f"the stream holds {size} bytes but the known size is {known.size}")


class Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...

    def close(self) -> None: ...


class ChunkIterator:
    """Reads a stream in chunks; closes it when exhausted, on `close()`, or when dropped.

    Not a generator: one that was never started never runs its cleanup, which would leak the
    open file or the S3 connection of a response that failed before it began streaming.
    """

    def __init__(
        self,
        stream: Readable,
        chunk_size: int,
        errors: Callable[[], AbstractContextManager[object]],
    ) -> None:
        self._stream = stream
        self._chunk_size = chunk_size
        self._errors = errors  # translates the backend's exceptions while reading
        self._closed = False

    def __iter__(self) -> ChunkIterator:
        return self

    def __next__(self) -> bytes:
        if self._closed:
            raise StopIteration
        try:
            with self._errors():
                chunk = self._stream.read(self._chunk_size)
        except BaseException:
            self.close()
            raise
        if not chunk:
            self.close()
            raise StopIteration
        return chunk

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._stream.close()

    def __del__(self) -> None:
        self.close()


def make_blob_store(url: str) -> BlobStore:
    """Build a blob store from a URL.

    - `file://data/blobs` (relative to the current directory) or `file:///abs/path`
    - `s3://bucket[/prefix][?endpoint_url=http://host:port&region=us-east-1]`; credentials come
      from the standard AWS environment variables or boto3's other sources, never from the URL.
    """
    scheme, _, rest = url.partition("://")
    if scheme == "file" and rest:
        return _make_local(rest)
    if scheme == "s3" and rest:
        return _make_s3(url)
    raise ValueError(
        f"unsupported blob store URL {url!r}: use file://relative/dir, file:///absolute/dir "
        "or s3://bucket[/prefix][?endpoint_url=...&region=...]"
    )


def _make_local(rest: str) -> BlobStore:
    # Imported here so that choosing one backend never imports the other (boto3 is slow to load).
    from storage.blobs.local import LocalBlobStore

    if "?" in rest or "#" in rest:
        raise ValueError(f"a file:// blob store URL takes no query or fragment: {rest!r}")
    return LocalBlobStore(Path(unquote(rest)).absolute())


_S3_PARAMS = {"endpoint_url": "endpoint_url", "endpoint": "endpoint_url", "region": "region"}


def _make_s3(url: str) -> BlobStore:
    from storage.blobs.s3 import S3BlobStore

    parts = urlsplit(url)
    if not parts.netloc or "@" in parts.netloc or ":" in parts.netloc:
        raise ValueError(
            f"an s3:// blob store URL names a bucket and nothing else before the path: {url!r} "
            "(credentials come from the AWS environment variables)"
        )
    options: dict[str, str] = {}
    for name, value in parse_qsl(parts.query, keep_blank_values=True, strict_parsing=False):
        if name not in _S3_PARAMS:
            allowed = ", ".join(sorted(set(_S3_PARAMS.values())))
            raise ValueError(f"unknown parameter {name!r} in {url!r}: allowed are {allowed}")
        options[_S3_PARAMS[name]] = value
    return S3BlobStore(
        bucket=parts.netloc,
        prefix=unquote(parts.path).strip("/"),
        endpoint_url=options.get("endpoint_url") or None,
        region=options.get("region") or None,
    )
