"""Columns the returnee programme adds to a form's main export table, after Central's: the
reintegration scores of a scored form (`rss_*`), and the duplicate review of an intake
(`duplicate_review`, `duplicate_score`). A form with neither exports exactly as Central does.

Which forms have them follows the programme's files (`Applies`), not the data: an intake with no
submission yet, or none flagged, already has its columns (empty cells), so analysts' saved
queries keep working when the first scores or the first flagged pair arrive."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from storage.schema import system as s

SCORES = ("economic", "social", "psychosocial", "composite")


@dataclass(frozen=True, slots=True)
class Applies:
    """The forms (xmlFormIds) the programme works on, as its files in BAOBAB_FORMS_DIR say:
    the weight set's form is scored, the duplicate rules' form is screened."""

    scored_form: str | None = None
    screened_form: str | None = None


def _xml_form_id(connection: Connection, form_id: int) -> str | None:
    return connection.execute(
        sa.select(s.forms.c.xml_form_id).where(s.forms.c.id == form_id)
    ).scalar_one_or_none()


def is_scored(connection: Connection, form_id: int, applies: Applies) -> bool:
    """Whether the form has reintegration scores: it is the weight set's form, or some of its
    submissions were scored (by an earlier weight set naming it), so the columns never vanish."""
    if applies.scored_form is not None and _xml_form_id(connection, form_id) == applies.scored_form:
        return True
    scores = s.rss_scores
    found = connection.execute(sa.select(sa.literal(1)).where(scores.c.form_id == form_id).limit(1))
    return found.first() is not None


def is_screened(connection: Connection, form_id: int, applies: Applies) -> bool:
    """Whether the form has a duplicate review: it is the duplicate rules' form, or some of its
    submissions were flagged (under earlier rules)."""
    if (
        applies.screened_form is not None
        and _xml_form_id(connection, form_id) == applies.screened_form
    ):
        return True
    subs, flags = s.submissions, s.duplicate_flags
    flagged = connection.execute(
        sa.select(sa.literal(1))
        .select_from(flags.join(subs, subs.c.id == flags.c.submission_id))
        .where(subs.c.form_id == form_id)
        .limit(1)
    ).first()
    return flagged is not None


def programme_cells(
    connection: Connection, form_id: int, applies: Applies
) -> list[tuple[str, ColumnElement[Any]]]:
    subs, scores, flags = s.submissions, s.rss_scores, s.duplicate_flags
    cells: list[tuple[str, ColumnElement[Any]]] = []
    if is_scored(connection, form_id, applies):
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
    if is_screened(connection, form_id, applies):
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
