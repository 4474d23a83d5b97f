"""The contract every BlobStore keeps, run against a local directory and, when TEST_S3_URL is set,
a real S3-compatible server (no mocks); then what is particular to each, and make_blob_store."""

from __future__ import annotations

import base64
import gc
import hashlib
import io
import os
import random
import uuid
from urllib.parse import urlsplit, urlunsplit

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from storage.blobs.local import LocalBlobStore
from storage.blobs.s3 import S3BlobStore
from storage.blobs.store import BlobInfo, BlobStore, make_blob_store
from storage.errors import BlobNotFound, StorageCode, StorageUnavailable

MISSING = "0" * 64


def _s3_url_with_unique_prefix(url: str) -> str:
    parts = urlsplit(url)
    path = f"{parts.path.rstrip('/')}/test-{uuid.uuid4().hex}"
    return urlunsplit(parts._replace(path=path))


# The suite runs twice (see the Makefile): the S3 cases are collected only on the run that has
# a real S3-compatible server, so that neither run skips anything.
S3_URL = os.environ.get("TEST_S3_URL")
BACKENDS = ["local"] + ([pytest.param("s3", marks=pytest.mark.s3)] if S3_URL else [])


def _make_store(kind, tmp_path) -> BlobStore:
    if kind == "local":
        return LocalBlobStore(tmp_path / "blobs")
    assert S3_URL
    return make_blob_store(_s3_url_with_unique_prefix(S3_URL))


@pytest.fixture(params=BACKENDS)
def blob_store(request, tmp_path):
    store = _make_store(request.param, tmp_path)
    yield store
    store.close()


@pytest.fixture
def s3_store(tmp_path):
    store = _make_store("s3", tmp_path)
    yield store
    store.close()


def info_of(content: bytes) -> BlobInfo:
    return BlobInfo(
        sha256=hashlib.sha256(content).hexdigest(),
        md5=hashlib.md5(content, usedforsecurity=False).hexdigest(),
        size=len(content),
    )


class OneWay(io.RawIOBase):
    """Bytes behind a stream that cannot seek, like a request body."""

    def __init__(self, content: bytes) -> None:
        self._content = io.BytesIO(content)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        return self._content.readinto(buffer)


class PseudoRandom(io.RawIOBase):
    """`size` reproducible pseudo-random bytes behind a stream that cannot seek, made on demand."""

    def __init__(self, size: int, seed: int = 1) -> None:
        self._left = size
        self._random = random.Random(seed)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = min(len(buffer), self._left)
        buffer[:count] = self._random.randbytes(count)
        self._left -= count
        return count


def sha256_of(stream) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
    return digest.hexdigest()


def test_put_returns_sha256_md5_and_size_of_the_content(blob_store):
    content = b"a photo, or close enough"

    assert blob_store.put(io.BytesIO(content)) == info_of(content)


def test_stat_and_read_give_back_what_put_stored(blob_store):
    content = os.urandom(200_000)

    info = blob_store.put(io.BytesIO(content))

    assert blob_store.stat(info.sha256) == info_of(content)
    assert blob_store.read(info.sha256) == content
    assert b"".join(blob_store.iter_chunks(info.sha256)) == content


def test_put_reads_from_the_current_position_of_the_source(blob_store):
    source = io.BytesIO(b"headerbody")
    source.seek(6)

    info = blob_store.put(source)

    assert blob_store.read(info.sha256) == b"body"


def test_putting_the_same_content_twice_stores_one_blob(blob_store):
    content = b"sent twice by a flaky network"

    first = blob_store.put(io.BytesIO(content))
    second = blob_store.put(io.BufferedReader(OneWay(content)))
    blob_store.delete(first.sha256)

    assert first == second
    assert not blob_store.exists(first.sha256)


@pytest.mark.parametrize("seekable", [True, False], ids=["seekable", "one-way"])
def test_put_with_known_hashes_trusts_them_instead_of_hashing_again(blob_store, seekable):
    content = b"hashed by the intake while it spooled the upload"
    # A sha256 that is not the content's: the store can only have used it if it did not rehash.
    known = BlobInfo(sha256="f" * 64, md5=info_of(content).md5, size=len(content))
    source = io.BytesIO(content) if seekable else io.BufferedReader(OneWay(content))

    assert blob_store.put(source, known=known) == known
    assert blob_store.read(known.sha256) == content
    assert blob_store.stat(known.sha256) == known


def test_put_with_known_hashes_reads_from_the_current_position_of_the_source(blob_store):
    # botocore rewinds a body to offset 0 to retry: a store must not hand it one mid-way.
    source = io.BytesIO(b"headerbody")
    source.seek(6)

    info = blob_store.put(source, known=info_of(b"body"))

    assert blob_store.read(info.sha256) == b"body"


@pytest.mark.parametrize("seekable", [True, False], ids=["seekable", "one-way"])
def test_put_with_known_size_that_does_not_match_raises_value_error(blob_store, seekable):
    content = b"twelve bytes"
    known = BlobInfo(sha256=info_of(content).sha256, md5=info_of(content).md5, size=99)
    source = io.BytesIO(content) if seekable else io.BufferedReader(OneWay(content))

    with pytest.raises(ValueError, match="99"):
        blob_store.put(source, known=known)
    assert not blob_store.exists(known.sha256)


def test_a_20_mb_blob_goes_in_and_out_in_chunks(blob_store):
    size = 20 * 1024 * 1024
    expected = sha256_of(PseudoRandom(size))

    info = blob_store.put(io.BufferedReader(PseudoRandom(size)))
    streamed = hashlib.sha256()
    largest = total = 0
    for chunk in blob_store.iter_chunks(info.sha256, chunk_size=256 * 1024):
        streamed.update(chunk)
        largest = max(largest, len(chunk))
        total += len(chunk)
    blob_store.delete(info.sha256)

    assert info.sha256 == expected
    assert info.size == size
    assert streamed.hexdigest() == expected
    assert total == size
    assert largest <= 256 * 1024


def test_exists_until_deleted(blob_store):
    info = blob_store.put(io.BytesIO(b"short-lived"))
    assert blob_store.exists(info.sha256)

    blob_store.delete(info.sha256)

    assert not blob_store.exists(info.sha256)


def test_deleting_a_missing_blob_does_nothing(blob_store):
    blob_store.delete(MISSING)

    assert not blob_store.exists(MISSING)


def test_stat_of_a_missing_blob_raises_blob_not_found(blob_store):
    with pytest.raises(BlobNotFound) as caught:
        blob_store.stat(MISSING)

    assert caught.value.code is StorageCode.BLOB_NOT_FOUND
    assert caught.value.context == {"sha256": MISSING}


def test_read_of_a_missing_blob_raises_blob_not_found(blob_store):
    with pytest.raises(BlobNotFound):
        blob_store.read(MISSING)


def test_iter_chunks_of_a_missing_blob_raises_before_the_first_chunk(blob_store):
    with pytest.raises(BlobNotFound):
        blob_store.iter_chunks(MISSING)  # not iterated: a handler must know before it responds


def test_an_empty_blob_round_trips(blob_store):
    info = blob_store.put(io.BytesIO(b""))

    assert info == info_of(b"")
    assert blob_store.stat(info.sha256) == info
    assert blob_store.read(info.sha256) == b""
    assert list(blob_store.iter_chunks(info.sha256)) == []


@pytest.mark.parametrize(
    "sha256", ["../../etc/passwd", "A" * 64, "0" * 63, "0" * 65, "g" * 64, "0" * 63 + "/"]
)
def test_a_malformed_sha256_raises_value_error(blob_store, sha256):
    for call in (
        blob_store.stat,
        blob_store.read,
        blob_store.iter_chunks,
        blob_store.exists,
        blob_store.delete,
    ):
        with pytest.raises(ValueError, match="sha256"):
            call(sha256)
    with pytest.raises(ValueError, match="sha256"):
        blob_store.put(io.BytesIO(b"x"), known=BlobInfo(sha256=sha256, md5="0" * 32, size=1))


def test_check_passes_on_a_working_store(blob_store):
    blob_store.check()


# What is particular to the local directory.


def test_local_blob_lives_at_a_path_made_of_its_sha256_and_no_temporary_file_remains(tmp_path):
    store = LocalBlobStore(tmp_path)

    info = store.put(io.BytesIO(b"laid out"))

    stored = tmp_path / info.sha256[:2] / info.sha256[2:4] / info.sha256
    assert stored.read_bytes() == b"laid out"
    assert list((tmp_path / ".tmp").iterdir()) == []


def test_local_store_creates_its_directory_on_first_use(tmp_path):
    store = LocalBlobStore(tmp_path / "not" / "yet")

    store.check()
    info = store.put(io.BytesIO(b"first"))

    assert store.read(info.sha256) == b"first"


def test_local_store_under_a_file_raises_storage_unavailable(tmp_path):
    (tmp_path / "a-file").write_bytes(b"")
    store = LocalBlobStore(tmp_path / "a-file" / "blobs")

    with pytest.raises(StorageUnavailable) as on_put:
        store.put(io.BytesIO(b"nowhere to go"))
    with pytest.raises(StorageUnavailable) as on_check:
        store.check()

    assert on_put.value.code is StorageCode.UNAVAILABLE
    assert on_check.value.code is StorageCode.UNAVAILABLE


# A full disk (ENOSPC -> BLOB_STORE_FULL) is not tested: it cannot be caused without faking the
# file system, and faking it would only test the fake.


# What is particular to S3.


def _boto3_client_like(store):
    return boto3.session.Session().client(
        "s3",
        endpoint_url=store.endpoint_url,
        region_name=store.region,
        config=Config(s3={"addressing_style": "path"}),
    )


@pytest.mark.s3
def test_s3_blob_lives_at_its_documented_key_with_its_md5_as_metadata(s3_store):
    info = s3_store.put(io.BytesIO(b"laid out in a bucket"))
    client = _boto3_client_like(s3_store)
    try:
        key = f"{s3_store.prefix}/blobs/{info.sha256[:2]}/{info.sha256}"
        head = client.head_object(Bucket=s3_store.bucket, Key=key)
    finally:
        client.close()

    assert head["ContentLength"] == info.size
    assert head["Metadata"] == {"md5": info.md5}


@pytest.mark.s3
def test_s3_stat_computes_the_md5_of_an_object_stored_without_it(s3_store):
    content = b"uploaded by another tool"
    expected = info_of(content)
    client = _boto3_client_like(s3_store)
    try:
        key = f"{s3_store.prefix}/blobs/{expected.sha256[:2]}/{expected.sha256}"
        client.put_object(Bucket=s3_store.bucket, Key=key, Body=content)
    finally:
        client.close()

    assert s3_store.stat(expected.sha256) == expected


@pytest.mark.s3
def test_s3_bodies_go_unsigned_and_checked_by_their_content_md5(s3_store):
    """botocore would sign a second SHA-256 of each body over plain HTTP; the store sends it
    unsigned and the S3 server checks it against the signed Content-MD5 instead, so a body
    that does not match is refused."""
    sent: list[dict[str, str]] = []
    events = s3_store._client.meta.events
    events.register("before-send.s3.PutObject", lambda request, **_: sent.append(request.headers))
    content = os.urandom(200 * 1024)
    info = s3_store.put(io.BytesIO(content), known=info_of(content))
    assert s3_store.read(info.sha256) == content
    (headers,) = sent
    assert headers["X-Amz-Content-SHA256"] == b"UNSIGNED-PAYLOAD"
    assert "content-md5" in headers["Authorization"].decode().lower()  # a signed header
    wrong = base64.b64encode(hashlib.md5(b"other", usedforsecurity=False).digest()).decode()
    with pytest.raises(botocore.exceptions.ClientError, match="BadDigest|InvalidDigest"):
        s3_store._client.put_object(
            Bucket=s3_store.bucket, Key=f"{s3_store.prefix}/x", Body=content, ContentMD5=wrong
        )


# An endpoint that cannot be reached. Runs without any server.


def test_unreachable_s3_endpoint_raises_storage_unavailable():
    store = S3BlobStore("baobab-test", endpoint_url="http://127.0.0.1:1", region="us-east-1")
    try:
        with pytest.raises(StorageUnavailable) as on_put:
            store.put(io.BytesIO(b"into the void"))
        with pytest.raises(StorageUnavailable) as on_check:
            store.check()
    finally:
        store.close()

    assert on_put.value.code is StorageCode.UNAVAILABLE
    assert on_check.value.context["service"] == "blob store"


# make_blob_store


def test_file_url_with_a_relative_path_is_relative_to_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    store = make_blob_store("file://data/blobs")

    assert isinstance(store, LocalBlobStore)
    assert store.root == tmp_path / "data" / "blobs"


def test_file_url_with_an_absolute_path(tmp_path):
    store = make_blob_store(f"file://{tmp_path}/blobs")

    assert isinstance(store, LocalBlobStore)
    assert store.root == tmp_path / "blobs"


def test_s3_url_with_only_a_bucket():
    store = make_blob_store("s3://my-bucket")
    try:
        assert isinstance(store, S3BlobStore)
        assert (store.bucket, store.prefix, store.endpoint_url, store.region) == (
            "my-bucket",
            "",
            None,
            None,
        )
    finally:
        store.close()


def test_s3_url_with_a_prefix_an_endpoint_and_a_region():
    store = make_blob_store(
        "s3://my-bucket/some/prefix/?endpoint_url=http://127.0.0.1:8333&region=eu-west-3"
    )
    try:
        assert isinstance(store, S3BlobStore)
        assert (store.bucket, store.prefix, store.endpoint_url, store.region) == (
            "my-bucket",
            "some/prefix",
            "http://127.0.0.1:8333",
            "eu-west-3",
        )
    finally:
        store.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("data/blobs", "unsupported blob store URL"),
        ("ftp://host/blobs", "unsupported blob store URL"),
        ("file://", "unsupported blob store URL"),
        ("s3://", "unsupported blob store URL"),
        ("s3://key:secret@bucket", "credentials come from the AWS environment"),
        ("s3://bucket?endpoint_ur=http://x", "unknown parameter 'endpoint_ur'"),
        ("file://data/blobs?x=1", "takes no query"),
    ],
)
def test_a_blob_store_url_that_cannot_be_used_raises_value_error(url, message):
    with pytest.raises(ValueError, match=message):
        make_blob_store(url)


def test_a_stream_dropped_before_its_first_chunk_is_released(blob_store):
    info = blob_store.put(io.BytesIO(b"asked for, never read"))

    chunks = blob_store.iter_chunks(info.sha256)
    del chunks
    gc.collect()  # an unclosed file warns here, and warnings are errors
