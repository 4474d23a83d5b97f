"""Trying out a draft: its test key, and the submissions devices send to it. They are kept
apart from the form's tables and go with the draft when it is published or discarded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.errors import Conflict, NotFound, StorageCode
from storage.forms.versions import FormRecord, FormVersionRecord, get_form_by_id, get_version
from storage.schema import system as s
from storage.submissions.store import ReceivedFile, register_blob


@dataclass(frozen=True, slots=True)
class DraftSubmission:
    instance_id: str
    instance_name: str | None
    xml: str
    files: dict[str, str | None]  # file name in the XML -> blob sha256, None while missing
    device_id: str | None
    created_at: datetime


def set_draft_token(connection: Connection, version_id: int, token_hash: str, cipher: str) -> None:
    connection.execute(
        sa.update(s.form_versions)
        .where(s.form_versions.c.id == version_id, s.form_versions.c.published_at.is_(None))
        .values(draft_token_hash=token_hash, draft_token_cipher=cipher)
    )


def draft_token_cipher(connection: Connection, version_id: int) -> str | None:
    return connection.execute(
        sa.select(s.form_versions.c.draft_token_cipher).where(s.form_versions.c.id == version_id)
    ).scalar()


def draft_by_token(
    connection: Connection, token_hash: str
) -> tuple[FormRecord, FormVersionRecord] | None:
    """The form and the draft a test key opens; None once the draft is published or gone."""
    version_id = connection.execute(
        sa.select(s.form_versions.c.id)
        .join(s.forms, s.forms.c.id == s.form_versions.c.form_id)
        .where(
            s.form_versions.c.draft_token_hash == token_hash,
            s.form_versions.c.published_at.is_(None),
            s.forms.c.deleted_at.is_(None),  # a trashed form's draft is closed too
        )
    ).scalar()
    if version_id is None:
        return None
    version = get_version(connection, version_id)
    return get_form_by_id(connection, version.form_id), version


def store_draft_submission(
    connection: Connection,
    version_id: int,
    *,
    instance_id: str,
    instance_name: str | None,
    xml: str,
    files: dict[str, ReceivedFile | None],
    device_id: str | None,
    now: datetime,
) -> None:
    """Keep a test submission; a resend of the same XML adds the files it lacked, different
    XML under the same instanceID is a conflict (as for real submissions)."""
    for received in files.values():
        if received is not None:
            register_blob(connection, received, now)
    found = get_draft_submission(connection, version_id, instance_id, missing_ok=True)
    names = {name: (r.blob.sha256 if r else None) for name, r in files.items()}
    if found is None:
        connection.execute(
            sa.insert(s.draft_submissions).values(
                form_version_id=version_id,
                instance_id=instance_id,
                instance_name=instance_name,
                xml=xml,
                files=names,
                device_id=device_id,
                created_at=now,
            )
        )
        return
    if found.xml != xml:
        raise Conflict(StorageCode.SUBMISSION_EXISTS, instance_id=instance_id)
    merged = {name: found.files.get(name) or names.get(name) for name in found.files}
    connection.execute(
        sa.update(s.draft_submissions)
        .where(
            s.draft_submissions.c.form_version_id == version_id,
            s.draft_submissions.c.instance_id == instance_id,
        )
        .values(files=merged)
    )


def list_draft_submissions(connection: Connection, version_id: int) -> list[DraftSubmission]:
    rows = connection.execute(
        _SELECT.where(s.draft_submissions.c.form_version_id == version_id).order_by(
            s.draft_submissions.c.id.desc()
        )
    )
    return [DraftSubmission(*r) for r in rows]


def get_draft_submission(
    connection: Connection, version_id: int, instance_id: str, *, missing_ok: bool = False
) -> DraftSubmission | None:
    row = connection.execute(
        _SELECT.where(
            s.draft_submissions.c.form_version_id == version_id,
            s.draft_submissions.c.instance_id == instance_id,
        )
    ).first()
    if row is None and not missing_ok:
        raise NotFound(StorageCode.NOT_FOUND, what=f"the test submission {instance_id}")
    return DraftSubmission(*row) if row else None


def end_draft_tests(connection: Connection, version_id: int) -> None:
    """The draft is published or discarded: its test key stops working, its tests go."""
    connection.execute(
        sa.delete(s.draft_submissions).where(s.draft_submissions.c.form_version_id == version_id)
    )
    connection.execute(
        sa.update(s.form_versions)
        .where(s.form_versions.c.id == version_id)
        .values(draft_token_hash=None, draft_token_cipher=None)
    )


_SELECT = sa.select(
    s.draft_submissions.c.instance_id,
    s.draft_submissions.c.instance_name,
    s.draft_submissions.c.xml,
    s.draft_submissions.c.files,
    s.draft_submissions.c.device_id,
    s.draft_submissions.c.created_at,
)
