"""Reading submissions back (by logical id, as pages, their versions, XML and attachments) and
the few things people change on them: review state and comments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from storage.errors import InvalidData, NotFound, StorageCode
from storage.schema import system as s

REVIEW_STATES = ("hasIssues", "edited", "approved", "rejected")


@dataclass(frozen=True, slots=True)
class VersionRecord:
    id: int
    instance_id: str
    deprecated_id: str | None
    submitter_id: int | None
    device_id: str | None
    user_agent: str | None
    instance_name: str | None
    is_current: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SubmissionRecord:
    id: int
    form_id: int
    instance_id: str
    submitter_id: int | None
    device_id: str | None
    user_agent: str | None
    review_state: str | None
    created_at: datetime
    updated_at: datetime | None
    deleted_at: datetime | None
    current: VersionRecord

    @property
    def current_version_id(self) -> int:
        return self.current.id


@dataclass(frozen=True, slots=True)
class AttachmentRecord:
    name: str
    xpath: str | None
    blob_sha256: str | None
    md5: str | None
    size: int | None
    content_type: str | None


@dataclass(frozen=True, slots=True)
class CommentRecord:
    id: int
    actor_id: int
    body: str
    created_at: datetime


def get_submission(connection: Connection, form_id: int, instance_id: str) -> SubmissionRecord:
    """A submission by its logical id: the instanceID it was first sent with."""
    row = (
        connection.execute(
            _SUBMISSIONS.where(
                s.submissions.c.form_id == form_id, s.submissions.c.instance_id == instance_id
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(StorageCode.NOT_FOUND, what=f"the submission {instance_id}")
    return _submission(row)


def list_submissions(
    connection: Connection, form_id: int, *, limit: int | None = None, offset: int = 0
) -> list[SubmissionRecord]:
    """Newest first, as Central lists them."""
    query = (
        _SUBMISSIONS.where(s.submissions.c.form_id == form_id)
        .order_by(s.submissions.c.created_at.desc(), s.submissions.c.id.desc())
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return [_submission(r) for r in connection.execute(query).mappings()]


def list_versions(connection: Connection, submission_id: int) -> list[VersionRecord]:
    """Every XML received for a submission, newest first."""
    rows = connection.execute(
        sa.select(*_VERSION_COLUMNS)
        .where(s.submission_versions.c.submission_id == submission_id)
        .order_by(s.submission_versions.c.id.desc())
    ).mappings()
    return [_version(r, "") for r in rows]


def get_xml(connection: Connection, version_id: int) -> str:
    return str(
        connection.execute(
            sa.select(s.submission_versions.c.xml).where(s.submission_versions.c.id == version_id)
        ).scalar_one()
    )


def find_version_by_instance(
    connection: Connection, submission_id: int, instance_id: str
) -> VersionRecord:
    row = (
        connection.execute(
            sa.select(*_VERSION_COLUMNS).where(
                s.submission_versions.c.submission_id == submission_id,
                s.submission_versions.c.instance_id == instance_id,
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(StorageCode.NOT_FOUND, what=f"the version {instance_id}")
    return _version(row, "")


def list_attachments(connection: Connection, version_id: int) -> list[AttachmentRecord]:
    table = s.submission_attachments
    rows = connection.execute(
        sa.select(
            table.c.name,
            table.c.xpath,
            table.c.blob_sha256,
            s.blobs.c.md5,
            s.blobs.c.size,
            table.c.content_type,
        )
        .outerjoin(s.blobs, s.blobs.c.sha256 == table.c.blob_sha256)
        .where(table.c.submission_version_id == version_id)
        .order_by(table.c.name)
    )
    return [AttachmentRecord(*r) for r in rows]


def set_review_state(connection: Connection, submission_id: int, state: str, now: datetime) -> None:
    if state not in REVIEW_STATES:
        raise InvalidData(
            StorageCode.INVALID_STATE,
            state=state,
            kind="review state",
            expected=", ".join(REVIEW_STATES),
        )
    connection.execute(
        sa.update(s.submissions)
        .where(s.submissions.c.id == submission_id)
        .values(review_state=state, updated_at=now)
    )


def add_comment(
    connection: Connection, submission_id: int, actor_id: int, body: str, now: datetime
) -> CommentRecord:
    comment_id = connection.execute(
        sa.insert(s.comments)
        .values(submission_id=submission_id, actor_id=actor_id, body=body, created_at=now)
        .returning(s.comments.c.id)
    ).scalar_one()
    return CommentRecord(comment_id, actor_id, body, now)


def list_comments(connection: Connection, submission_id: int) -> list[CommentRecord]:
    rows = connection.execute(
        sa.select(
            s.comments.c.id, s.comments.c.actor_id, s.comments.c.body, s.comments.c.created_at
        )
        .where(s.comments.c.submission_id == submission_id)
        .order_by(s.comments.c.id.desc())
    )
    return [CommentRecord(*r) for r in rows]


def form_activity(connection: Connection, form_id: int) -> dict[str, object]:
    """Counts, the creator's actor id and the uploaded file's type: Central's extended form
    metadata."""
    table = s.submissions
    base = sa.and_(table.c.form_id == form_id, table.c.deleted_at.is_(None))
    total, last = connection.execute(
        sa.select(sa.func.count(), sa.func.max(table.c.created_at)).where(base)
    ).one()
    states: dict[str | None, int] = dict(
        connection.execute(
            sa.select(table.c.review_state, sa.func.count())
            .where(base)
            .group_by(table.c.review_state)
        ).all()
    )
    versions = s.form_versions
    first_version = (
        sa.select(sa.func.min(versions.c.id)).where(versions.c.form_id == form_id).scalar_subquery()
    )
    created_by = connection.execute(
        sa.select(versions.c.created_by).where(versions.c.id == first_version)
    ).scalar()
    source_type = connection.execute(
        sa.select(versions.c.source_type)
        .join(s.forms, s.forms.c.current_version_id == versions.c.id)
        .where(s.forms.c.id == form_id)
    ).scalar()
    return {
        "createdBy": created_by,
        "sourceType": source_type,
        "submissions": total,
        "lastSubmission": last,
        "reviewStates": {
            "received": states.get(None, 0),
            "hasIssues": states.get("hasIssues", 0),
            "edited": states.get("edited", 0),
        },
    }


_VERSION_COLUMNS = [
    s.submission_versions.c.id,
    s.submission_versions.c.instance_id,
    s.submission_versions.c.deprecated_id,
    s.submission_versions.c.submitter_id,
    s.submission_versions.c.device_id,
    s.submission_versions.c.user_agent,
    s.submission_versions.c.instance_name,
    s.submission_versions.c.is_current,
    s.submission_versions.c.created_at,
]
_CURRENT = s.submission_versions.alias("current")
_SUBMISSIONS = (
    sa.select(
        s.submissions,
        *[
            c.label(f"v_{c.name}")
            for c in (
                _CURRENT.c.id,
                _CURRENT.c.instance_id,
                _CURRENT.c.deprecated_id,
                _CURRENT.c.submitter_id,
                _CURRENT.c.device_id,
                _CURRENT.c.user_agent,
                _CURRENT.c.instance_name,
                _CURRENT.c.is_current,
                _CURRENT.c.created_at,
            )
        ],
    )
    .join(_CURRENT, sa.and_(_CURRENT.c.submission_id == s.submissions.c.id, _CURRENT.c.is_current))
    .where(s.submissions.c.deleted_at.is_(None))
)


def _version(row: RowMapping, prefix: str) -> VersionRecord:
    return VersionRecord(
        id=row[f"{prefix}id"],
        instance_id=row[f"{prefix}instance_id"],
        deprecated_id=row[f"{prefix}deprecated_id"],
        submitter_id=row[f"{prefix}submitter_id"],
        device_id=row[f"{prefix}device_id"],
        user_agent=row[f"{prefix}user_agent"],
        instance_name=row[f"{prefix}instance_name"],
        is_current=bool(row[f"{prefix}is_current"]),
        created_at=row[f"{prefix}created_at"],
    )


def _submission(row: RowMapping) -> SubmissionRecord:
    return SubmissionRecord(
        id=row["id"],
        form_id=row["form_id"],
        instance_id=row["instance_id"],
        submitter_id=row["submitter_id"],
        device_id=row["device_id"],
        user_agent=row["user_agent"],
        review_state=row["review_state"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        deleted_at=row["deleted_at"],
        current=_version(row, "v_"),
    )


def submission_facts(root: sa.FromClause) -> tuple[Any, Any, Any, Any]:
    """For each row of a form's root table (joined to `submissions`): the files received, the
    files expected, the number of edits and the submitter's name, as correlated subqueries for
    Central's system columns (exports) and `__system` (OData)."""
    subs, versions, attachments = s.submissions, s.submission_versions, s.submission_attachments
    files = attachments.c.submission_version_id == root.c._version_id
    present = sa.select(sa.func.count(attachments.c.blob_sha256)).where(files).scalar_subquery()
    expected = sa.select(sa.func.count()).where(files).scalar_subquery()
    edits = (
        sa.select(sa.func.count() - 1)
        .where(versions.c.submission_id == subs.c.id)
        .scalar_subquery()
    )
    submitter = (
        sa.select(s.actors.c.display_name)
        .where(s.actors.c.id == subs.c.submitter_id)
        .scalar_subquery()
    )
    return present, expected, edits, submitter
