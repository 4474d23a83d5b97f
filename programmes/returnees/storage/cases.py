"""A returnee's case, from the database: every version of the entity with the submission that
made it (the intake, each follow-up), and the lists of cases to pick from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.schema import system as s
from storage.text_search import contains_folded


@dataclass(frozen=True, slots=True)
class CaseEvent:
    version: int
    at: datetime
    label: str
    received: dict[str, str]
    conflict: str | None
    conflicting: list[str] | None
    form: str | None  # the xml form id of the submission that made the version
    instance_id: str | None
    submission_id: int | None
    submission_version_id: int | None


def case_events(connection: Connection, entity_id: int) -> list[CaseEvent]:
    v, sv, subs, forms = s.entity_versions, s.submission_versions, s.submissions, s.forms
    rows = connection.execute(
        sa.select(
            v.c.version,
            v.c.created_at,
            v.c.label,
            v.c.received,
            v.c.conflict,
            v.c.conflicting_properties,
            forms.c.xml_form_id,
            subs.c.instance_id,
            subs.c.id,
            sv.c.id,
        )
        .select_from(
            v.outerjoin(sv, sv.c.id == v.c.submission_version_id)
            # A submission in the trash (or its form's) is not shown: the version stays.
            .outerjoin(subs, sa.and_(subs.c.id == sv.c.submission_id, subs.c.deleted_at.is_(None)))
            .outerjoin(forms, forms.c.id == subs.c.form_id)
        )
        .where(v.c.entity_id == entity_id)
        .order_by(v.c.version)
    )
    return [
        CaseEvent(
            version=r[0],
            at=r[1],
            label=r[2],
            received=dict(r[3] or {}),
            conflict=r[4],
            conflicting=r[5],
            form=r[6],
            instance_id=r[7],
            submission_id=r[8],
            submission_version_id=r[9],
        )
        for r in rows
    ]


def find_cases(
    connection: Connection,
    list_id: int,
    *,
    text: str = "",
    conflicts_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[tuple[str, str, int, str | None, datetime]], int]:
    """(uuid, label, version, conflict, created_at) of the list's live entities whose label
    contains `text` (case and accents aside), newest first, and how many there are."""
    e = s.entities
    conditions = [e.c.list_id == list_id, e.c.deleted_at.is_(None)]
    if text:
        conditions.append(contains_folded(e.c.label, text))  # "Traore" finds "Traoré"
    if conflicts_only:
        conditions.append(e.c.conflict.is_not(None))
    rows = connection.execute(
        sa.select(e.c.uuid, e.c.label, e.c.version, e.c.conflict, e.c.created_at)
        .where(*conditions)
        .order_by(e.c.created_at.desc(), e.c.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    total = connection.execute(sa.select(sa.func.count()).where(*conditions)).scalar_one()
    return [(r[0], r[1], r[2], r[3], r[4]) for r in rows], int(total)
