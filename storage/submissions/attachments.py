"""A submission's attachment rows and the blobs they point at, as values for either way of
writing them (storage/submissions/store.py, storage/submissions/pipelined.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from converters.submission import AttachmentRef
from storage.blobs.store import BlobInfo


@dataclass(frozen=True, slots=True)
class ReceivedFile:
    name: str
    blob: BlobInfo
    content_type: str | None


def attachment_records(
    expected: Sequence[AttachmentRef],
    files: Mapping[str, ReceivedFile],
    carried: Mapping[str, tuple[str, str | None]],
    now: datetime,
) -> tuple[list[dict[str, object]], list[ReceivedFile]]:
    """The attachment rows of a version (without their submission_version_id) and the files
    received for them, whose blobs must be registered first."""
    records: list[dict[str, object]] = []
    received_files = []
    for ref in {ref.name: ref for ref in expected}.values():
        received = files.get(ref.name)
        if received is not None:
            received_files.append(received)
            blob, content_type, at = received.blob.sha256, received.content_type, now
        elif ref.name in carried:
            (blob, content_type), at = carried[ref.name], now
        else:
            blob, content_type, at = None, None, None
        records.append(
            {
                "name": ref.name,
                "xpath": ref.xpath,
                "blob_sha256": blob,
                "content_type": content_type,
                "received_at": at,
            }
        )
    return records, received_files


def blob_values(received: ReceivedFile, now: datetime) -> dict[str, object]:
    return {
        "sha256": received.blob.sha256,
        "md5": received.blob.md5,
        "size": received.blob.size,
        "content_type": received.content_type,
        "created_at": now,
    }
