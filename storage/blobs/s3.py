"""A blob store in an S3-compatible bucket (AWS S3, MinIO, SeaweedFS) through boto3.

Keys are `{prefix}/blobs/{sha256[:2]}/{sha256}`; the md5 travels as object metadata. boto3 errors
are translated here and nowhere else.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import re
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, BinaryIO

import boto3
import boto3.exceptions
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from storage.blobs.store import (
    CHUNK_SIZE,
    BlobInfo,
    ChunkIterator,
    StoredBlob,
    check_known_size,
    copy_hashing,
    validate_sha256,
)
from storage.errors import BlobNotFound, StorageCode, StorageError, StorageUnavailable

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import HeadObjectOutputTypeDef

SPOOL_MAX_MEMORY = 1024 * 1024
MULTIPART_THRESHOLD = 8 * 1024 * 1024
_MD5_METADATA = "md5"  # sent as the x-amz-meta-md5 header
_SHA256 = re.compile(r"[0-9a-f]{64}")

# boto3's CPU time is what limits photo intake (notes/performance.md). "when_required" skips a
# CRC32 of every body (put sends Content-MD5 instead), and a pool as large as the server's
# threadpool keeps its threads from queueing for one of the default 10 connections.
# botocore also signs a SHA-256 of every body it sends over plain HTTP (a store on the same
# machine or network), a second SHA-256 of a file intake has just hashed to name it: the body
# goes unsigned instead (`UNSIGNED-PAYLOAD`, as botocore already does over HTTPS when a checksum
# header is sent), and stays checked by the store against its signed Content-MD5.
_CLIENT_CONFIG = Config(
    s3={"payload_signing_enabled": False},
    max_pool_connections=64,
    request_checksum_calculation="when_required",
    response_checksum_validation="when_required",
    retries={"max_attempts": 3, "mode": "standard"},
    connect_timeout=5,
    read_timeout=60,
)
_TRANSFER_CONFIG = TransferConfig(
    multipart_threshold=MULTIPART_THRESHOLD,
    multipart_chunksize=MULTIPART_THRESHOLD,
    # Each upload already runs in one of the server's threads: a few parts in flight is enough.
    max_concurrency=4,
)

log = logging.getLogger(__name__)

# One boto3 session per process: a new session loads and parses botocore's S3 model again,
# 130-270 ms of CPU for each store (each app a test builds), against 7 ms for a client of a
# session that has loaded it. A session is not safe to share across threads while clients are
# being made: they are made one at a time. It resolves the credentials (the standard AWS
# variables or boto3's other sources) once, for every store of the process.
_SESSION: boto3.session.Session | None = None
_SESSION_LOCK = threading.Lock()


def s3_client(endpoint_url: str | None, region: str | None, config: Config) -> S3Client:
    """A client of the process's session; the client itself is thread-safe and reused."""
    global _SESSION
    with _SESSION_LOCK:
        if _SESSION is None:
            _SESSION = boto3.session.Session()
        return _SESSION.client("s3", endpoint_url=endpoint_url, region_name=region, config=config)


class S3BlobStore:
    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url
        self.region = region
        config = _CLIENT_CONFIG
        if endpoint_url is not None:
            # Self-hosted stores (SeaweedFS, MinIO) are reached by IP or by a name without
            # wildcard DNS, so `{bucket}.{host}` would not resolve: address the bucket in the path.
            config = config.merge(
                Config(s3={"payload_signing_enabled": False, "addressing_style": "path"})
            )
        self._client: S3Client = s3_client(endpoint_url, region, config)

    def put(self, source: BinaryIO, known: BlobInfo | None = None) -> BlobInfo:
        if known is not None:
            validate_sha256(known.sha256)
            # botocore rewinds a body to offset 0 (not to where it was) to retry a request.
            if source.seekable() and source.tell() == 0:
                check_known_size(known, source.seek(0, io.SEEK_END))
                source.seek(0)
                # A small body goes as bytes: botocore sends a file with `Expect: 100-continue`
                # and waits for the server's go-ahead, one more round trip per photo.
                small = known.size <= SPOOL_MAX_MEMORY
                self._upload(source.read() if small else source, known)
                return known
        # boto3 needs a body it can measure and rewind for retries: spool it (in memory up to
        # 1 MiB, then on disk), hashing on the way unless the hashes are known.
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_MEMORY) as spool:
            info = copy_hashing(source, spool.write, known)
            spool.seek(0)
            self._upload(spool, info)
        return info

    def iter_chunks(self, sha256: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        with _s3_errors(sha256):
            body = self._client.get_object(Bucket=self.bucket, Key=self._key(sha256))["Body"]
        return ChunkIterator(body, chunk_size, lambda: _s3_errors(sha256))

    def read(self, sha256: str) -> bytes:
        return b"".join(self.iter_chunks(sha256))

    def exists(self, sha256: str) -> bool:
        # On AWS, a missing key answers 403 rather than 404 unless the credentials may also
        # s3:ListBucket; that shows up as StorageUnavailable here. Grant ListBucket on the bucket.
        try:
            self._head(sha256)
        except BlobNotFound:
            return False
        return True

    def stat(self, sha256: str) -> BlobInfo:
        head = self._head(sha256)
        md5 = head.get("Metadata", {}).get(_MD5_METADATA)
        if md5 is None:  # not written by this store: compute it
            return _stat_stream(self.iter_chunks(sha256), sha256)
        return BlobInfo(sha256=sha256, md5=md5, size=head["ContentLength"])

    def delete(self, sha256: str) -> None:
        with _s3_errors(sha256):
            self._client.delete_object(Bucket=self.bucket, Key=self._key(sha256))

    def list_blobs(self) -> Iterator[StoredBlob]:
        blobs = f"{self.prefix}/blobs/" if self.prefix else "blobs/"
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=blobs
        )
        with _s3_errors(None):
            for page in pages:
                for item in page.get("Contents", []):
                    sha256 = item["Key"].rsplit("/", 1)[-1]
                    if _SHA256.fullmatch(sha256) and item["Key"] == self._key(sha256):
                        yield StoredBlob(sha256, item["Size"], _utc(item["LastModified"]))

    def describe(self, sha256: str) -> StoredBlob:
        head = self._head(sha256)
        return StoredBlob(sha256, head["ContentLength"], _utc(head["LastModified"]))

    def check(self) -> None:
        with _s3_errors(None):
            self._client.head_bucket(Bucket=self.bucket)

    def close(self) -> None:
        self._client.close()

    def _key(self, sha256: str) -> str:
        validate_sha256(sha256)
        key = f"blobs/{sha256[:2]}/{sha256}"
        return f"{self.prefix}/{key}" if self.prefix else key

    def _head(self, sha256: str) -> HeadObjectOutputTypeDef:
        with _s3_errors(sha256):
            return self._client.head_object(Bucket=self.bucket, Key=self._key(sha256))

    def _upload(self, body: IO[bytes] | bytes, info: BlobInfo) -> None:
        key = self._key(info.sha256)
        metadata = {_MD5_METADATA: info.md5}
        with _s3_errors(info.sha256):
            if isinstance(body, bytes) or info.size < MULTIPART_THRESHOLD:
                self._client.put_object(
                    Bucket=self.bucket,
                    Key=key,
                    Body=body,
                    ContentLength=info.size,
                    # The server checks the body against it, so a corrupted upload is refused.
                    ContentMD5=base64.b64encode(bytes.fromhex(info.md5)).decode("ascii"),
                    Metadata=metadata,
                )
            else:
                self._client.upload_fileobj(
                    body,
                    self.bucket,
                    key,
                    ExtraArgs={"Metadata": metadata},
                    Config=_TRANSFER_CONFIG,
                )


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _stat_stream(chunks: Iterator[bytes], sha256: str) -> BlobInfo:
    md5 = hashlib.md5(usedforsecurity=False)
    size = 0
    for chunk in chunks:
        md5.update(chunk)
        size += len(chunk)
    return BlobInfo(sha256=sha256, md5=md5.hexdigest(), size=size)


@contextmanager
def _s3_errors(sha256: str | None) -> Iterator[None]:
    """Translate boto3's exceptions; `sha256` is None for calls about the bucket, not a blob."""
    try:
        yield
    except ClientError as exc:
        raise _translate_client_error(exc, sha256) from exc
    except (BotoCoreError, boto3.exceptions.Boto3Error) as exc:
        # The detail names the endpoint and the object key: for the log, not for the client.
        log.warning("S3 request failed: %s", exc)
        raise _unavailable(f"the S3 request failed ({type(exc).__name__})") from exc


def _translate_client_error(exc: ClientError, sha256: str | None) -> StorageError:
    error = exc.response.get("Error", {})
    code = error.get("Code", "")
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    # HEAD answers have no body, so a missing bucket looks like a missing key there: check()
    # (head_bucket) is what tells the two apart, at startup.
    if sha256 is not None and code != "NoSuchBucket" and (status == 404 or code == "NoSuchKey"):
        return BlobNotFound(StorageCode.BLOB_NOT_FOUND, sha256=sha256)
    # Anything else (a missing bucket, refused credentials, a 5xx, throttling) means the store
    # cannot serve us until someone or something fixes it.
    message = error.get("Message") or "no message"
    return _unavailable(f"S3 answered {status} {code or 'error'} ({message})")


def _unavailable(reason: str) -> StorageUnavailable:
    return StorageUnavailable(StorageCode.UNAVAILABLE, service="blob store", reason=reason)
