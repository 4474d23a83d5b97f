"""The media files a form version expects (images, audio, CSV lists), and which have content."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.schema import system as s


def carry_attachments(
    connection: Connection,
    previous_version_id: int | None,
    version_id: int,
    names: Iterable[str],
    now: datetime,
) -> None:
    """Expect every media file the XForm names; keep the files the previous version had under
    the same names, as Central does."""
    previous: dict[str, str | None] = {}
    if previous_version_id is not None:
        previous = {
            r.name: r.blob_sha256
            for r in connection.execute(
                sa.select(s.form_attachments.c.name, s.form_attachments.c.blob_sha256).where(
                    s.form_attachments.c.form_version_id == previous_version_id
                )
            )
        }
    rows = [
        {
            "form_version_id": version_id,
            "name": name,
            "type": media_type(name),
            "blob_sha256": previous.get(name),
            "updated_at": now if previous.get(name) else None,
        }
        for name in names
    ]
    if rows:
        connection.execute(sa.insert(s.form_attachments), rows)


def media_type(name: str) -> str:
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension in ("jpg", "jpeg", "png", "gif", "svg", "webp", "bmp"):
        return "image"
    if extension in ("mp3", "wav", "ogg", "m4a", "amr", "aac"):
        return "audio"
    if extension in ("mp4", "3gp", "webm", "mov"):
        return "video"
    return "file"
