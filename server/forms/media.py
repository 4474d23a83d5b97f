"""Form media (images, audio, CSV lists for select_one_from_file and pulldata): a file is stored
in the blob store and linked to the name the XForm uses. Shared by the REST API and the CLI."""

from __future__ import annotations

from datetime import datetime
from typing import BinaryIO

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from storage.blobs.store import BlobInfo, BlobStore, copy_hashing
from storage.db import insert_ignoring_conflicts, transaction
from storage.errors import NotFound, StorageCode
from storage.schema import system as s


def attach_media(
    engine: Engine,
    blobs: BlobStore,
    version_id: int | None,
    form_label: str,
    name: str,
    source: BinaryIO,
    content_type: str | None,
    now: datetime,
) -> BlobInfo:
    """Store `source` as media file `name` of a form version (the current one, or a draft).
    The manifest hash changes, so devices download the new file on their next form update."""
    info = copy_hashing(source, lambda _chunk: None)
    source.seek(0)
    blobs.put(source, known=info)
    with transaction(engine) as connection:
        connection.execute(
            insert_ignoring_conflicts(connection, s.blobs).values(
                sha256=info.sha256,
                md5=info.md5,
                size=info.size,
                content_type=content_type,
                created_at=now,
            )
        )
        table = s.form_attachments
        updated = connection.execute(
            sa.update(table)
            .where(
                table.c.form_version_id == version_id,
                table.c.name == name,
            )
            .values(blob_sha256=info.sha256, updated_at=now)
        ).rowcount
        if not updated:
            raise NotFound(
                StorageCode.NOT_FOUND,
                what=f"a media file named '{name}' in the form "
                f"'{form_label}' (it must be referenced by the form, "
                "e.g. in a media:: column or select_one_from_file)",
            )
    return info
