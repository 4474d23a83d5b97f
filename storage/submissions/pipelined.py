"""A new submission in one round trip on PostgreSQL (issue 22): the form lookup, the purged
check and every INSERT that store.py makes for a new submission go through psycopg's pipeline
mode, and their results are checked before anything commits. Intake uses it for the common
case only: a new instanceID to a form version this process has written to before. Anything
else (a resend, an edit, a purged instanceID, a form published or closed since) shows in those
results, and the caller rolls back and takes store.py's way, which says what happened.

The form lookup, the submission, its version, its rows, its blobs and its attachments are one
statement (storage/submissions/one_statement.py), sent after BEGIN in the same pipeline.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

from converters.submission import Envelope, SubmissionRows
from storage.accounts.access import APP_USER_BY_TOKEN, AppUserCheck
from storage.errors import StorageCode, StorageUnavailable
from storage.forms.versions import FORM_AND_VERSION, FormRecord, published_version_of
from storage.schema import system as s
from storage.submissions.attachments import ReceivedFile, attachment_records, blob_values
from storage.submissions.one_statement import OneStatement
from storage.submissions.store import (
    FormTarget,
    Outcome,
    StoredSubmission,
    Submitter,
    purge_key,
    submission_values,
    version_values,
)


@dataclass(frozen=True, slots=True)
class SeenForm:
    """A form and its published version as this process last read them; the pipelined write
    goes ahead only if the database still says exactly this."""

    form: FormRecord
    version_id: int


class AppUserChanged(Exception):
    """The app user let in from memory is no longer as it was (revoked, deleted, its forms
    unassigned): nothing may be written on its word; the caller rolls back."""


class PipelinedWriter:
    """The statements that write a new submission to one form target."""

    def __init__(self, target: FormTarget, dialect: Dialect) -> None:
        self.target = target
        # The form lookup, and whether the instanceID was purged, in one statement; for a
        # device let in from memory, its app user too (APP_USER_BY_TOKEN, joined on nothing:
        # its columns are NULL when the key no longer finds it).
        purged = sa.exists().where(s.purged_submissions.c.instance_hash == sa.bindparam("key"))
        form = FORM_AND_VERSION.add_columns(purged.label("purged"))
        app = APP_USER_BY_TOKEN.subquery("app_user")
        form_and_app_user = form.add_columns(
            app.c.id.label("app_user_id"),
            app.c.project_id.label("app_user_project_id"),
            app.c.assigned.label("app_user_assigned"),
        ).outerjoin(app, sa.true())
        self.one = OneStatement(
            dialect,
            target,
            {False: form, True: form_and_app_user},
            _SUBMISSION_KEYS,
            _VERSION_KEYS,
            _BLOB_KEYS,
            _ATTACHMENT_KEYS,
        )

    def write(
        self,
        connection: Connection,
        seen: SeenForm,
        envelope: Envelope,
        xml: bytes,
        rows: SubmissionRows,
        files: Mapping[str, ReceivedFile],
        submitter: Submitter,
        now: datetime,
        app_user: AppUserCheck | None = None,
    ) -> StoredSubmission | None:
        """Write a new submission in `connection`'s transaction (begun here when the connection
        comes from storage.db.own_transaction), or None when it is not one (or the form is no
        longer as seen): the caller must then roll back, as on AppUserChanged when `app_user`
        no longer holds."""
        raw: psycopg.Connection[Any] = connection.connection.driver_connection  # type: ignore[assignment]
        prepared = self._prepare(seen, envelope, xml, rows, files, submitter, now, app_user)
        try:
            with raw.pipeline():
                if raw.autocommit:  # storage.db.own_transaction: the BEGIN is ours to send
                    raw.execute(_BEGIN)
                answer = psycopg.RawCursor(raw)
                answer.execute(prepared.sql, prepared.params)
        except psycopg.Error as error:
            if raw.broken:  # the connection is lost: the database is down or unreachable
                raise StorageUnavailable(
                    StorageCode.UNAVAILABLE, service="database", reason="it is down or busy"
                ) from error
            # Whatever it was (a lock timeout, a value out of its column's range), the
            # step-by-step way meets it again and says what it is.
            return None
        return self._outcome(answer.fetchone(), answer.description, prepared, seen, app_user)

    def _prepare(
        self,
        seen: SeenForm,
        envelope: Envelope,
        xml: bytes,
        rows: SubmissionRows,
        files: Mapping[str, ReceivedFile],
        submitter: Submitter,
        now: datetime,
        app_user: AppUserCheck | None,
    ) -> _Prepared:
        target = self.target
        digest = hashlib.sha256(xml).hexdigest()
        records, received = attachment_records(rows.attachments, files, {}, now)
        lookup: dict[str, object] = {
            "project_id": seen.form.project_id,
            "xml_form_id": seen.form.xml_form_id,
            "version": target.version,
            "key": purge_key(target.form_id, envelope.instance_id),
        }
        if app_user is not None:
            lookup["token_hash"] = app_user.token_hash
        statement = self.one.statement(
            rows.rows,
            envelope.instance_id,
            submission_values(target, envelope, submitter, now),
            version_values(target, envelope, xml, digest, submitter, now),
            lookup,
            with_app_user=app_user is not None,
            blobs=[blob_values(file, now) for file in received],
            attachments=records,
        )
        present = sum(1 for r in records if r["blob_sha256"])
        return _Prepared(*statement, envelope.instance_id, present, len(records))

    @staticmethod
    def _outcome(
        row: Sequence[Any] | None,
        description: Sequence[Any] | None,
        prepared: _Prepared,
        seen: SeenForm,
        app_user: AppUserCheck | None,
    ) -> StoredSubmission | None:
        """What the statement's answer says: the submission stored, or None when the caller
        must roll back (AppUserChanged when the device's key no longer holds)."""
        if row is None:
            return None
        found = dict(zip([c.name for c in description or ()], row, strict=True))
        if found["id"] is None:  # the form is gone (step by step also authenticates afresh)
            return None
        if app_user is not None and not app_user.holds(
            found["app_user_id"], found["app_user_project_id"], found["app_user_assigned"]
        ):
            raise AppUserChanged
        if found["purged"]:
            return None
        as_seen = (seen.form, seen.version_id)
        if published_version_of(found) != as_seen:  # type: ignore[arg-type]
            return None
        if found["new_version_id"] is None:  # the submission was there already: a resend
            return None
        return StoredSubmission(
            int(found["new_submission_id"]),
            int(found["new_version_id"]),
            prepared.instance_id,
            Outcome.CREATED,
            prepared.present,
            prepared.expected,
        )


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A submission's statement, and what its StoredSubmission will say."""

    sql: str
    params: list[object]
    instance_id: str
    present: int  # attachments with their file
    expected: int


_BEGIN = b"BEGIN ISOLATION LEVEL READ COMMITTED"  # what psycopg sends for SQLAlchemy
_SUBMISSION_KEYS = (
    "form_id",
    "instance_id",
    "submitter_id",
    "device_id",
    "user_agent",
    "instance_name",
    "created_at",
)
_VERSION_KEYS = (
    "submission_id",
    "form_id",
    "form_version_id",
    "instance_id",
    "deprecated_id",
    "xml",
    "xml_sha256",
    "submitter_id",
    "device_id",
    "user_agent",
    "instance_name",
    "is_current",
    "created_at",
)
_BLOB_KEYS = ("sha256", "md5", "size", "content_type", "created_at")
_ATTACHMENT_KEYS = ("name", "xpath", "blob_sha256", "content_type", "received_at")
