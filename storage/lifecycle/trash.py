"""The trash: submissions, forms and projects are deleted by setting `deleted_at`, which every
query of live data filters on, and come back by clearing it. A form trashed takes its live
submissions with it (`trashed_with = "form"`), a project its live forms and their submissions
(`"project"`), so that each query has one column to check and a restore brings back exactly
what the trash took. Purged later by storage/lifecycle/purge.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.errors import Conflict, NotFound, StorageCode
from storage.exports.form_views import drop_views, refresh_views
from storage.schema import system as s


@dataclass(frozen=True, slots=True)
class TrashedSubmission:
    id: int
    form_id: int
    instance_id: str
    instance_name: str | None
    submitter_id: int | None
    created_at: datetime
    deleted_at: datetime


@dataclass(frozen=True, slots=True)
class TrashedForm:
    id: int
    project_id: int
    xml_form_id: str
    name: str | None
    created_at: datetime
    deleted_at: datetime
    submissions: int


@dataclass(frozen=True, slots=True)
class TrashedProject:
    id: int
    name: str
    deleted_at: datetime


def trash_submission(connection: Connection, submission_id: int, now: datetime) -> None:
    subs = s.submissions
    connection.execute(
        sa.update(subs)
        .where(subs.c.id == submission_id, subs.c.deleted_at.is_(None))
        .values(deleted_at=now, trashed_with=None)
    )


def restore_submission(connection: Connection, form_id: int, instance_id: str) -> int:
    """Bring back a submission trashed on its own; NotFound for one that is live, unknown, or
    trashed with its form (restore the form)."""
    subs = s.submissions
    found = connection.execute(
        sa.select(subs.c.id).where(
            subs.c.form_id == form_id,
            subs.c.instance_id == instance_id,
            subs.c.deleted_at.is_not(None),
            subs.c.trashed_with.is_(None),
        )
    ).scalar()
    if found is None:
        raise NotFound(StorageCode.NOT_FOUND, what=f"a deleted submission {instance_id}")
    connection.execute(sa.update(subs).where(subs.c.id == found).values(deleted_at=None))
    return int(found)


def trashed_submissions(
    connection: Connection, form_id: int, *, limit: int | None = None, offset: int = 0
) -> list[TrashedSubmission]:
    """The form's submissions trashed on their own, most recently deleted first."""
    subs = s.submissions
    query = (
        sa.select(
            subs.c.id,
            subs.c.form_id,
            subs.c.instance_id,
            subs.c.instance_name,
            subs.c.submitter_id,
            subs.c.created_at,
            subs.c.deleted_at,
        )
        .where(
            subs.c.form_id == form_id,
            subs.c.deleted_at.is_not(None),
            subs.c.trashed_with.is_(None),
        )
        .order_by(subs.c.deleted_at.desc(), subs.c.id.desc())
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return [TrashedSubmission(*r) for r in connection.execute(query)]


def trash_form(connection: Connection, form_id: int, now: datetime) -> None:
    """The form and its live submissions; its analytics views are dropped (restore makes
    them again)."""
    _cascade_form(connection, form_id, now, "form")
    connection.execute(
        sa.update(s.forms)
        .where(s.forms.c.id == form_id, s.forms.c.deleted_at.is_(None))
        .values(deleted_at=now, trashed_with=None)
    )
    drop_views(connection, form_id)


def restore_form(connection: Connection, project_id: int, form_id: int, now: datetime) -> str:
    """Central's `POST .../forms/{numeric id}/restore`; the form's xmlFormId."""
    forms = s.forms
    row = connection.execute(
        sa.select(forms.c.xml_form_id).where(
            forms.c.id == form_id,
            forms.c.project_id == project_id,
            forms.c.deleted_at.is_not(None),
            forms.c.trashed_with.is_(None),
        )
    ).first()
    if row is None:
        raise NotFound(StorageCode.NOT_FOUND, what=f"a deleted form with id {form_id}")
    _restore_form(connection, form_id, "form", now)
    return str(row.xml_form_id)


def trashed_forms(connection: Connection, project_id: int) -> list[TrashedForm]:
    forms, subs = s.forms, s.submissions
    count = (
        sa.select(sa.func.count())
        .where(subs.c.form_id == forms.c.id, subs.c.trashed_with == "form")
        .scalar_subquery()
    )
    rows = connection.execute(
        sa.select(
            forms.c.id,
            forms.c.project_id,
            forms.c.xml_form_id,
            forms.c.name,
            forms.c.created_at,
            forms.c.deleted_at,
            count,
        )
        .where(
            forms.c.project_id == project_id,
            forms.c.deleted_at.is_not(None),
            forms.c.trashed_with.is_(None),
        )
        .order_by(forms.c.deleted_at.desc(), forms.c.id.desc())
    )
    return [TrashedForm(*r) for r in rows]


def trash_project(connection: Connection, project_id: int, now: datetime) -> None:
    """The project, its live forms and their live submissions; devices of the project are
    refused from now on (storage/accounts/access.py looks the project up with the token)."""
    forms = s.forms
    live = connection.execute(
        sa.select(forms.c.id).where(forms.c.project_id == project_id, forms.c.deleted_at.is_(None))
    ).scalars()
    for form_id in list(live):
        _cascade_form(connection, form_id, now, "project")
        connection.execute(
            sa.update(forms)
            .where(forms.c.id == form_id)
            .values(deleted_at=now, trashed_with="project")
        )
        drop_views(connection, form_id)
    connection.execute(
        sa.update(s.projects)
        .where(s.projects.c.id == project_id, s.projects.c.deleted_at.is_(None))
        .values(deleted_at=now, updated_at=now)
    )


def restore_project(connection: Connection, project_id: int, now: datetime) -> None:
    projects, forms = s.projects, s.forms
    found = connection.execute(
        sa.select(projects.c.id).where(
            projects.c.id == project_id, projects.c.deleted_at.is_not(None)
        )
    ).scalar()
    if found is None:
        raise NotFound(StorageCode.NOT_FOUND, what=f"a deleted project {project_id}")
    connection.execute(
        sa.update(projects)
        .where(projects.c.id == project_id)
        .values(deleted_at=None, updated_at=now)
    )
    taken = connection.execute(
        sa.select(forms.c.id).where(
            forms.c.project_id == project_id, forms.c.trashed_with == "project"
        )
    ).scalars()
    for form_id in list(taken):
        _restore_form(connection, form_id, "project", now)


def trashed_projects(connection: Connection) -> list[TrashedProject]:
    projects = s.projects
    rows = connection.execute(
        sa.select(projects.c.id, projects.c.name, projects.c.deleted_at)
        .where(projects.c.deleted_at.is_not(None))
        .order_by(projects.c.deleted_at.desc())
    )
    return [TrashedProject(*r) for r in rows]


def _cascade_form(connection: Connection, form_id: int, now: datetime, cause: str) -> None:
    subs = s.submissions
    connection.execute(
        sa.update(subs)
        .where(subs.c.form_id == form_id, subs.c.deleted_at.is_(None))
        .values(deleted_at=now, trashed_with=cause)
    )


def _restore_form(connection: Connection, form_id: int, cause: str, now: datetime) -> None:
    forms, subs = s.forms, s.submissions
    row = connection.execute(
        sa.select(forms.c.project_id, forms.c.xml_form_id).where(forms.c.id == form_id)
    ).one()
    # (project, xmlFormId) is unique whether trashed or not, so no live form can hold the id;
    # the check keeps that promise explicit should the key ever become partial.
    clash = connection.execute(
        sa.select(forms.c.id).where(
            forms.c.project_id == row.project_id,
            forms.c.xml_form_id == row.xml_form_id,
            forms.c.deleted_at.is_(None),
            forms.c.id != form_id,
        )
    ).first()
    if clash is not None:
        raise Conflict(StorageCode.ALREADY_EXISTS, what="form", key=f"id '{row.xml_form_id}'")
    connection.execute(
        sa.update(forms)
        .where(forms.c.id == form_id)
        .values(deleted_at=None, trashed_with=None, updated_at=now)
    )
    connection.execute(
        sa.update(subs)
        .where(subs.c.form_id == form_id, subs.c.trashed_with == cause)
        .values(deleted_at=None, trashed_with=None)
    )
    refresh_views(connection, form_id)
