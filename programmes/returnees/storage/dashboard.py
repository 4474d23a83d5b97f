"""Figures for the programme's dashboard, read from an entity list and its scores: registrations
per region and month, follow-ups done and due, latest scores per returnee, open reviews."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.db import is_postgres
from storage.schema import system as s


def _property(connection: Connection, name: str) -> Any:
    data = s.entities.c.data
    if is_postgres(connection):
        return data.op("->>")(sa.literal(name, sa.Text))
    return sa.func.json_extract(data, f'$."{name}"')


def _month(connection: Connection, date_property: str) -> Any:
    """The month (YYYY-MM) of the registration date the intake recorded, or of the entity's
    creation when it has none (an entity made by the API or a CSV upload)."""
    e = s.entities
    created = (
        sa.func.to_char(sa.func.timezone("UTC", e.c.created_at), "YYYY-MM")
        if is_postgres(connection)
        else sa.func.substr(sa.cast(e.c.created_at, sa.Text), 1, 7)
    )
    recorded = sa.cast(_property(connection, date_property), sa.Text)
    return sa.case((recorded.like("____-__-__"), sa.func.substr(recorded, 1, 7)), else_=created)


def registrations(
    connection: Connection, list_id: int, region_property: str, date_property: str
) -> list[tuple[str | None, str, int]]:
    """(region, YYYY-MM of registration, count) of the list's live entities."""
    e = s.entities
    # Grouped outside: an expression with bound parameters is not one PostgreSQL matches
    # between the select list and GROUP BY.
    each = (
        sa.select(
            _property(connection, region_property).label("region"),
            _month(connection, date_property).label("month"),
        )
        .where(e.c.list_id == list_id, e.c.deleted_at.is_(None))
        .subquery()
    )
    rows = connection.execute(
        sa.select(each.c.region, each.c.month, sa.func.count()).group_by(
            each.c.region, each.c.month
        )
    )
    return [(r[0], str(r[1]), int(r[2])) for r in rows]


def follow_up_state(
    connection: Connection, list_id: int, date_property: str
) -> Iterator[tuple[datetime, str | None, int]]:
    """(created at, registration date as recorded, follow-ups scored) for every live entity,
    streamed."""
    e, scores = s.entities, s.rss_scores
    done = sa.select(sa.func.count()).where(scores.c.entity_uuid == e.c.uuid).scalar_subquery()
    recorded = sa.cast(_property(connection, date_property), sa.Text)
    result = connection.execution_options(stream_results=True, yield_per=5000).execute(
        sa.select(e.c.created_at, recorded, done).where(
            e.c.list_id == list_id, e.c.deleted_at.is_(None)
        )
    )
    for created_at, registered, count in result:
        yield created_at, registered, int(count)


def latest_scores(connection: Connection, list_id: int) -> list[dict[str, Any]]:
    """The most recent scores of each returnee of the list."""
    scores, subs, e = s.rss_scores, s.submissions, s.entities
    ranked = (
        sa.select(
            scores,
            sa.func.row_number()
            .over(
                partition_by=scores.c.entity_uuid,
                order_by=(subs.c.created_at.desc(), subs.c.id.desc()),
            )
            .label("rank"),
        )
        .join(subs, subs.c.id == scores.c.submission_id)
        .where(
            subs.c.deleted_at.is_(None),
            scores.c.entity_uuid.in_(sa.select(e.c.uuid).where(e.c.list_id == list_id)),
        )
        .subquery()
    )
    rows = connection.execute(sa.select(ranked).where(ranked.c.rank == 1)).mappings()
    return [dict(r) for r in rows]


def open_reviews(connection: Connection, list_id: int) -> tuple[int, int]:
    """(undecided duplicate pairs: open or "not sure", entities with an open conflict)."""
    duplicates = connection.execute(
        sa.select(sa.func.count()).where(
            s.duplicate_flags.c.list_id == list_id,
            s.duplicate_flags.c.status.in_(("open", "unsure")),
        )
    ).scalar_one()
    conflicts = connection.execute(
        sa.select(sa.func.count()).where(
            s.entities.c.list_id == list_id,
            s.entities.c.conflict.is_not(None),
            s.entities.c.deleted_at.is_(None),
        )
    ).scalar_one()
    return int(duplicates), int(conflicts)
