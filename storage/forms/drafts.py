"""Form drafts, as Central has them: a definition stored but not yet published, with its own
media, published later (optionally under a new version string) in one transaction."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from converters.form_model import CompiledForm
from converters.xform_schema import parse_xform, set_form_version
from storage.errors import Conflict, NotFound, StorageCode
from storage.forms.draft_tests import end_draft_tests
from storage.forms.versions import (
    FormRecord,
    FormVersionRecord,
    PublishResult,
    activate_version,
    find_version,
    get_form_by_id,
    get_version,
    insert_version,
    lock_or_create_form,
    require_project,
    xform_hashes,
)
from storage.schema import system as s


def save_draft(
    connection: Connection,
    *,
    project_id: int,
    compiled: CompiledForm,
    now: datetime,
    source: bytes | None = None,
    actor_id: int | None = None,
    expected_form_id: str | None = None,
) -> tuple[FormRecord, FormVersionRecord]:
    """Store `compiled` as the form's draft, replacing any draft it had; creates the form
    (with no published version) when it is new."""
    form_schema = parse_xform(compiled.xform.encode("utf-8"))
    if expected_form_id is not None and form_schema.form_id != expected_form_id:
        raise Conflict(
            StorageCode.FORM_ID_MISMATCH, expected=expected_form_id, got=form_schema.form_id
        )
    require_project(connection, project_id)
    form = lock_or_create_form(connection, project_id, form_schema, now)
    discard_draft(connection, form.id)
    version_id = insert_version(
        connection, form, compiled, now=now, source=source, actor_id=actor_id, draft=True
    )
    return get_form_by_id(connection, form.id), get_version(connection, version_id)


def find_draft(connection: Connection, form_id: int) -> FormVersionRecord | None:
    draft_id = connection.execute(
        sa.select(s.form_versions.c.id).where(
            s.form_versions.c.form_id == form_id, s.form_versions.c.published_at.is_(None)
        )
    ).scalar()
    return get_version(connection, draft_id) if draft_id is not None else None


def get_draft(connection: Connection, form: FormRecord) -> FormVersionRecord:
    draft = find_draft(connection, form.id)
    if draft is None:
        raise NotFound(StorageCode.DRAFT_NOT_FOUND, form_id=form.xml_form_id)
    return draft


def discard_draft(connection: Connection, form_id: int) -> bool:
    draft = find_draft(connection, form_id)
    if draft is None:
        return False
    end_draft_tests(connection, draft.id)
    connection.execute(
        sa.delete(s.form_attachments).where(s.form_attachments.c.form_version_id == draft.id)
    )
    connection.execute(sa.delete(s.form_versions).where(s.form_versions.c.id == draft.id))
    return True


def publish_draft(
    connection: Connection, form: FormRecord, now: datetime, version: str | None = None
) -> PublishResult:
    """Publish the draft, under `version` when given (its XForm is rewritten to carry it)."""
    draft = get_draft(connection, form)
    xform = str(
        connection.execute(
            sa.select(s.form_versions.c.xform).where(s.form_versions.c.id == draft.id)
        ).scalar_one()
    )
    if version is not None and version != draft.version:
        xform = set_form_version(xform, version)
        connection.execute(
            sa.update(s.form_versions)
            .where(s.form_versions.c.id == draft.id)
            .values(version=version, xform=xform, **xform_hashes(xform.encode("utf-8")))
        )
    published_as = version or draft.version
    end_draft_tests(connection, draft.id)
    if find_version(connection, form.id, published_as) is not None:
        raise Conflict(StorageCode.VERSION_EXISTS, form_id=form.xml_form_id, version=published_as)
    changes = activate_version(connection, form, draft.id, parse_xform(xform.encode("utf-8")), now)
    return PublishResult(
        get_form_by_id(connection, form.id), get_version(connection, draft.id), changes
    )


def suggest_version(version: str, taken: Collection[str], today: date) -> str:
    """A version name for a draft that differs from every published one (Central refuses a
    publish under a name already used, 409.6): `version` itself when free, else its last number
    counted up (`v1` -> `v2`, `2026112301` -> `2026112302`), else today's date and a counter
    (`2026112301`), the scheme the form designers' guide recommends."""
    if version not in taken:
        return version
    numbered = re.fullmatch(r"(.*?)(\d{1,18})", version)
    if numbered:
        head, digits = numbered.groups()
        number = int(digits) + 1
        while f"{head}{number:0{len(digits)}d}" in taken:
            number += 1
        return f"{head}{number:0{len(digits)}d}"
    counter = 1
    while f"{today:%Y%m%d}{counter:02d}" in taken:
        counter += 1
    return f"{today:%Y%m%d}{counter:02d}"
