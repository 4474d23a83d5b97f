"""The analytics view of the reintegration scores (`rss_scores`) for SQL users and BI tools.
In the core, beside the table it reads (storage/schema/system.py): every publish refreshes the
analytics views, whether or not BAOBAB_PROGRAMMES loads the programme that writes the scores."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.db import is_postgres
from storage.exports.form_views import READER_ROLE, replace_view
from storage.schema import system as s
from storage.sql_functions import utc_iso

SCORE_COLUMNS = ("economic", "social", "psychosocial", "composite")


def refresh_scores_view(connection: Connection, *, reader: str = READER_ROLE) -> bool:
    """`analytics.rss_scores` (`analytics__rss_scores` on SQLite): one row per scored
    submission with its instance ID, date, returnee and scores."""
    subs, scores = s.submissions, s.rss_scores
    select = (
        sa.select(
            subs.c.instance_id.label("instance_id"),
            utc_iso(subs.c.created_at).label("submission_date"),
            scores.c.entity_uuid.label("returnee"),
            scores.c.weight_version.label("weight_version"),
            *[scores.c[c].label(c) for c in SCORE_COLUMNS],
        )
        .join(subs, subs.c.id == scores.c.submission_id)
        .where(subs.c.deleted_at.is_(None))
    )
    name = "rss_scores" if is_postgres(connection) else "analytics__rss_scores"
    return replace_view(connection, name, select, reader=reader)
