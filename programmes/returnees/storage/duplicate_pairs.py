"""The two registrations of a pair, for the decision page: each one's intake submission (the
one it was compared from, or the one that created its entity), its current XML, its entity if
it has one, and its stored profile; and the next pair to decide."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from converters.people import Person
from programmes.returnees.storage.duplicates import _FLAGS, DuplicateFlag, _flag, profile_person
from storage.errors import NotFound, StorageCode
from storage.schema import system as s


@dataclass(frozen=True, slots=True)
class Registration:
    uuid: str
    person: Person | None  # as compared (normalised), None if never compared
    entity_exists: bool
    entity_closed: bool
    created_at: datetime | None
    form_id: int | None  # the intake's form
    form_version_id: int | None  # the version its current XML was sent with, to read it
    xml_form_id: str | None
    instance_id: str | None
    xml: str | None  # the intake's current version


def get_flag(connection: Connection, list_id: int, flag_id: int) -> DuplicateFlag:
    flags = s.duplicate_flags
    row = connection.execute(
        _FLAGS.where(flags.c.id == flag_id, flags.c.list_id == list_id)
    ).first()
    if row is None:
        raise NotFound(StorageCode.NOT_FOUND, what=f"the duplicate flag {flag_id}")
    return _flag(row)


def next_flag(connection: Connection, list_id: int, after: DuplicateFlag) -> int | None:
    """The pair to decide after `after` in the queue's order (likeliest first), or None."""
    flags = s.duplicate_flags
    later = sa.or_(
        flags.c.score < after.score, sa.and_(flags.c.score == after.score, flags.c.id > after.id)
    )
    found = connection.execute(
        sa.select(flags.c.id)
        .where(flags.c.list_id == list_id, flags.c.status == "open", later)
        .order_by(flags.c.score.desc(), flags.c.id)
        .limit(1)
    ).scalar()
    if found is None:  # back to the top
        found = connection.execute(
            sa.select(flags.c.id)
            .where(flags.c.list_id == list_id, flags.c.status == "open", flags.c.id != after.id)
            .order_by(flags.c.score.desc(), flags.c.id)
            .limit(1)
        ).scalar()
    return int(found) if found is not None else None


def registration(connection: Connection, list_id: int, uuid: str) -> Registration:
    p, e = s.person_profiles, s.entities
    profile = connection.execute(
        sa.select(p.c.profile, p.c.submission_id, p.c.created_at).where(
            p.c.list_id == list_id, p.c.entity_uuid == uuid
        )
    ).first()
    entity = connection.execute(
        sa.select(e.c.id, e.c.deleted_at, e.c.created_at).where(
            e.c.list_id == list_id, e.c.uuid == uuid
        )
    ).first()
    submission_id = profile[1] if profile is not None else None
    if submission_id is None and entity is not None:
        v, sv = s.entity_versions, s.submission_versions
        submission_id = connection.execute(
            sa.select(sv.c.submission_id)
            .select_from(v.join(sv, sv.c.id == v.c.submission_version_id))
            .where(v.c.entity_id == entity[0], v.c.version == 1)
        ).scalar()
    form_id = form_version_id = xml_form_id = instance_id = xml = None
    if submission_id is not None:
        subs, sv, forms = s.submissions, s.submission_versions, s.forms
        row = connection.execute(
            sa.select(
                subs.c.form_id,
                sv.c.form_version_id,
                forms.c.xml_form_id,
                subs.c.instance_id,
                sv.c.xml,
            )
            .select_from(
                subs.join(forms, forms.c.id == subs.c.form_id).join(
                    sv, sa.and_(sv.c.submission_id == subs.c.id, sv.c.is_current)
                )
            )
            .where(subs.c.id == submission_id)
        ).first()
        if row is not None:
            form_id, form_version_id, xml_form_id, instance_id, xml = row
    created = entity[2] if entity is not None else (profile[2] if profile is not None else None)
    return Registration(
        uuid=uuid,
        person=profile_person(profile[0]) if profile is not None else None,
        entity_exists=entity is not None,
        entity_closed=entity is not None and entity[1] is not None,
        created_at=created,
        form_id=form_id,
        form_version_id=form_version_id,
        xml_form_id=xml_form_id,
        instance_id=instance_id,
        xml=xml,
    )
