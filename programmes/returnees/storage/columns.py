"""Columns the returnee programme adds to a form's main export table, after Central's: the
reintegration scores of a scored form (`rss_*`), and the duplicate review of an intake
(`duplicate_review`, `duplicate_score`). A form with neither exports exactly as Central does."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from storage.schema import system as s

SCORES = ("economic", "social", "psychosocial", "composite")


def is_scored(connection: Connection, form_id: int) -> bool:
    """Whether any submission of the form has reintegration scores."""
    scores = s.rss_scores
    found = connection.execute(sa.select(sa.literal(1)).where(scores.c.form_id == form_id).limit(1))
    return found.first() is not None


def programme_cells(connection: Connection, form_id: int) -> list[tuple[str, ColumnElement[Any]]]:
    subs, scores, flags = s.submissions, s.rss_scores, s.duplicate_flags
    cells: list[tuple[str, ColumnElement[Any]]] = []
    if is_scored(connection, form_id):
        for name in (*SCORES, "weight_version"):
            cells.append(
                (
                    f"rss_{name}",
                    sa.cast(
                        sa.select(scores.c[name])
                        .where(scores.c.submission_id == subs.c.id)
                        .scalar_subquery(),
                        sa.Text,
                    ),
                )
            )
    flagged = connection.execute(
        sa.select(sa.literal(1))
        .select_from(flags.join(subs, subs.c.id == flags.c.submission_id))
        .where(subs.c.form_id == form_id)
        .limit(1)
    ).first()
    if flagged:
        strongest = (
            sa.select(flags.c.status, flags.c.score)
            .where(flags.c.submission_id == subs.c.id)
            .order_by(flags.c.score.desc())
            .limit(1)
        )
        cells.append(
            ("duplicate_review", strongest.with_only_columns(flags.c.status).scalar_subquery())
        )
        cells.append(
            (
                "duplicate_score",
                sa.cast(strongest.with_only_columns(flags.c.score).scalar_subquery(), sa.Text),
            )
        )
    return cells
