"""Reintegration sustainability scores in the database: one row per scored submission (its
current version's answers), the weight version named; a view for SQL users and BI tools."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from programmes.returnees.converters.rss import Scores
from storage.exports.score_view import SCORE_COLUMNS
from storage.schema import system as s


def store_scores(
    connection: Connection,
    *,
    submission_id: int,
    form_id: int,
    entity_uuid: str | None,
    scores: Scores,
    now: datetime,
) -> None:
    connection.execute(sa.delete(s.rss_scores).where(s.rss_scores.c.submission_id == submission_id))
    connection.execute(
        sa.insert(s.rss_scores).values(
            submission_id=submission_id,
            form_id=form_id,
            entity_uuid=entity_uuid,
            weight_version=scores.weight_version,
            economic=scores.economic,
            social=scores.social,
            psychosocial=scores.psychosocial,
            composite=scores.composite,
            items=dict(scores.items),
            computed_at=now,
        )
    )


def current_xml(
    connection: Connection, form_id: int, *, after: int, limit: int
) -> list[tuple[int, str]]:
    """(submission id, current XML) of the next `limit` live submissions of a form after the
    submission id `after`: what a recomputation reads, a batch at a time."""
    subs, versions = s.submissions, s.submission_versions
    rows = connection.execute(
        sa.select(subs.c.id, versions.c.xml)
        .join(versions, sa.and_(versions.c.submission_id == subs.c.id, versions.c.is_current))
        .where(subs.c.form_id == form_id, subs.c.deleted_at.is_(None), subs.c.id > after)
        .order_by(subs.c.id)
        .limit(limit)
    )
    return [(int(r[0]), str(r[1])) for r in rows]


def entity_scores(connection: Connection, uuid: str) -> list[dict[str, Any]]:
    """Every scored follow-up of one returnee, oldest first, with its submission's date."""
    subs = s.submissions
    rows = connection.execute(
        sa.select(
            subs.c.instance_id,
            subs.c.created_at,
            s.rss_scores.c.weight_version,
            *[s.rss_scores.c[c] for c in SCORE_COLUMNS],
        )
        .join(subs, subs.c.id == s.rss_scores.c.submission_id)
        .where(s.rss_scores.c.entity_uuid == uuid, subs.c.deleted_at.is_(None))
        .order_by(subs.c.created_at, subs.c.id)
    ).mappings()
    return [dict(r) for r in rows]
