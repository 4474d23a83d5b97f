"""A new submission in one round trip on PostgreSQL (issue 22): the form lookup, the purged
check and every INSERT that store.py makes for a new submission go through psycopg's pipeline
mode, and their results are checked before anything commits. Intake uses it for the common
case only: a new instanceID to a form version this process has written to before. Anything
else (a resend, an edit, a purged instanceID, a form published or closed since) shows in those
results, and the caller rolls back and takes store.py's way, which says what happened.

The statements are compiled once per form target (storage/submissions/compiled_inserts.py).
Rows point at the rows inserted just before them with `currval` of their sequence (the value
this session's last INSERT took), so no statement waits for another's answer: a parent row is
followed by its children before the next row of its table, and a row that finds no parent
fails on its foreign key (then the caller rolls back too).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Dialect

from converters.submission import Envelope, RowRecord, SubmissionRows
from converters.table_plan import TableKind
from storage.accounts.access import APP_USER_BY_TOKEN, AppUserCheck
from storage.errors import StorageCode, StorageUnavailable
from storage.forms.versions import FORM_AND_VERSION, FormRecord, published_version_of
from storage.schema import system as s
from storage.submissions.attachments import ReceivedFile, attachment_records, blob_values
from storage.submissions.compiled_inserts import Rows, Statement, SubmissionAndVersion
from storage.submissions.rows import row_values
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


def _currval(sequence: str) -> sa.ColumnElement[Any]:
    # The name comes from the catalog (pg_get_serial_sequence), not from a request.
    return sa.literal_column("currval('{}')".format(sequence.replace("'", "''")))


class PipelinedWriter:
    """The statements that write a new submission to one form target."""

    def __init__(self, target: FormTarget, dialect: Dialect, sequences: Mapping[str, str]) -> None:
        self.target = target
        submission_id = _currval(sequences[s.submissions.name])
        version_id = _currval(sequences[s.submission_versions.name])
        # The form lookup, and whether the instanceID was purged, in one statement; for a
        # device let in from memory, its app user too (APP_USER_BY_TOKEN, joined on nothing:
        # its columns are NULL when the key no longer finds it).
        purged = sa.exists().where(s.purged_submissions.c.instance_hash == sa.bindparam("key"))
        form = FORM_AND_VERSION.add_columns(purged.label("purged"))
        self.form = str(form.compile(dialect=dialect))
        app = APP_USER_BY_TOKEN.subquery("app_user")
        self.form_and_app_user = str(
            form.add_columns(
                app.c.id.label("app_user_id"),
                app.c.project_id.label("app_user_project_id"),
                app.c.assigned.label("app_user_assigned"),
            )
            .outerjoin(app, sa.true())
            .compile(dialect=dialect)
        )
        self.submission = SubmissionAndVersion(dialect, _SUBMISSION_KEYS, _VERSION_KEYS)
        self.blob = Statement(
            dialect, postgresql.insert(s.blobs).on_conflict_do_nothing(), s.blobs, _BLOB_KEYS, {}
        )
        self.attachment = Statement(
            dialect,
            sa.insert(s.submission_attachments),
            s.submission_attachments,
            _ATTACHMENT_KEYS,
            {"submission_version_id": version_id},
        )
        self.rows: dict[str, Rows] = {}
        for spec in target.version_plan.tables:
            table = target.tables[spec.name]
            computed = {"_submission_id": submission_id}
            if spec.kind is TableKind.ROOT:
                computed["_version_id"] = version_id
            else:
                assert spec.parent is not None
                computed["_parent_id"] = _currval(sequences[spec.parent])
            keys = [c.name for c in table.columns if c.name not in computed and c.name != "_id"]
            self.rows[spec.name] = Rows(dialect, table, keys, computed)
        self.children: dict[str, list[str]] = {}
        for spec in target.version_plan.tables:
            if spec.parent is not None:
                self.children.setdefault(spec.parent, []).append(spec.name)

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
        target = self.target
        digest = hashlib.sha256(xml).hexdigest()
        raw: psycopg.Connection[Any] = connection.connection.driver_connection  # type: ignore[assignment]
        records, received = attachment_records(rows.attachments, files, {}, now)
        try:
            with raw.pipeline():
                if raw.autocommit:  # storage.db.own_transaction: the BEGIN is ours to send
                    raw.execute(_BEGIN)
                lookup = {
                    "project_id": seen.form.project_id,
                    "xml_form_id": seen.form.xml_form_id,
                    "version": target.version,
                    "key": purge_key(target.form_id, envelope.instance_id),
                }
                if app_user is None:
                    form = raw.execute(self.form, lookup)
                else:
                    lookup["token_hash"] = app_user.token_hash
                    form = raw.execute(self.form_and_app_user, lookup)
                version = raw.execute(
                    self.submission.sql,
                    self.submission.params(
                        submission_values(target, envelope, submitter, now),
                        version_values(target, envelope, xml, digest, submitter, now),
                    ),
                )
                # The statements whose answer is not read share one cursor: psycopg makes and
                # sets up a cursor for each of its connection's execute().
                writes = raw.cursor()
                self._write_rows(writes, rows.rows, envelope.instance_id)
                for file in received:
                    writes.execute(self.blob.sql, self.blob.params(blob_values(file, now)))
                if records:
                    writes.executemany(
                        self.attachment.sql, [self.attachment.params(r) for r in records]
                    )
        except psycopg.Error as error:
            if raw.broken:  # the connection is lost: the database is down or unreachable
                raise StorageUnavailable(
                    StorageCode.UNAVAILABLE, service="database", reason="it is down or busy"
                ) from error
            # Most often a row without its parent: the submission was not inserted (a resend).
            # On a connection that has inserted no submission yet, that is PostgreSQL's
            # "currval … is not yet defined in this session", which psycopg raises as an
            # OperationalError too. Whatever it was, the step-by-step way meets it again and
            # says what it is.
            return None
        found = _mapping(form)
        if found is None:  # the form is gone (step by step also authenticates afresh)
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
        written = version.fetchone()
        if written is None:  # the submission was there already: a resend, or an edit's
            return None
        present = sum(1 for r in records if r["blob_sha256"])
        return StoredSubmission(
            int(written[1]),
            int(written[0]),
            envelope.instance_id,
            Outcome.CREATED,
            present,
            len(records),
        )

    def _write_rows(
        self, raw: psycopg.Cursor[Any], rows: Sequence[RowRecord], instance_id: str
    ) -> None:
        """Each row right after its parent, and before the next row of its parent's table."""
        plan = self.target.version_plan
        children: dict[int | None, list[RowRecord]] = {}
        for row in rows:
            children.setdefault(row.parent, []).append(row)
        version = self.target.version

        def values(row: RowRecord) -> Mapping[str, object]:
            spec = plan.table(row.table)
            return row_values(spec, row, form_version=version, instance_id=instance_id)

        def below(parent: RowRecord) -> None:
            for name in self.children.get(parent.table, ()):
                batch = [r for r in children.get(parent.key, ()) if r.table == name]
                if not batch:
                    continue
                statement = self.rows[name]
                if name in self.children:  # a parent itself: its rows one at a time
                    for row in batch:
                        raw.execute(statement.one.sql, statement.one.params(values(row)))
                        below(row)
                elif len(batch) == 1:
                    raw.execute(statement.one.sql, statement.one.params(values(batch[0])))
                else:
                    raw.execute(*statement.many([values(r) for r in batch]))

        for root in children.get(None, ()):
            statement = self.rows[root.table]
            raw.execute(statement.one.sql, statement.one.params(values(root)))
            below(root)


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


def _mapping(cursor: psycopg.Cursor[Any]) -> dict[str, Any] | None:
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([c.name for c in cursor.description or ()], row, strict=True))


def serial_sequences(connection: Connection, tables: Sequence[str]) -> dict[str, str]:
    """The sequence behind each table's id (`id`, or `_id` for a form's tables)."""
    names = [s.submissions.name, s.submission_versions.name, *tables]
    rows = connection.execute(
        sa.text(
            "SELECT t, pg_get_serial_sequence(quote_ident(t), c)"
            " FROM unnest(CAST(:tables AS text[]), CAST(:columns AS text[])) AS x(t, c)"
        ),
        {"tables": names, "columns": ["id", "id"] + ["_id"] * len(tables)},
    )
    return {str(t): str(sequence) for t, sequence in rows}
