"""An entity's history, from the database: every version with the submission that made it
(an intake, each follow-up), for the entity page and the returnee programme's case page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.schema import system as s


@dataclass(frozen=True, slots=True)
class EntityEvent:
    """A version of an entity, with the submission that made it when one did."""

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


def entity_events(connection: Connection, entity_id: int) -> list[EntityEvent]:
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
        EntityEvent(
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
