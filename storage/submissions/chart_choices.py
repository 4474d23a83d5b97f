"""Which questions a person charts on a form's dashboard, and how (bars, a table, over time,
ranges), kept per person and form (issue 21) so that the choice follows them from one device
to another."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.schema import system as s

MAX_CHARTS = 100  # more than a dashboard shows: a forged list stops here


@dataclass(frozen=True, slots=True)
class ChartChoice:
    xpath: str
    kind: str  # a kind the dashboard knows (server/web/dashboard_choices.py checks it)


def chosen_charts(
    connection: Connection, actor_id: int, form_id: int
) -> tuple[ChartChoice, ...] | None:
    """The charts the person chose, in their order; None when they never chose (the dashboard
    then shows its default)."""
    table = s.chart_choices
    stored = connection.execute(
        sa.select(table.c.charts).where(table.c.actor_id == actor_id, table.c.form_id == form_id)
    ).scalar_one_or_none()
    if stored is None:
        return None
    try:
        pairs = json.loads(stored)
    except ValueError:  # written by this module only; a damaged row counts as no choice
        return None
    if not isinstance(pairs, list):
        return None
    return tuple(
        ChartChoice(pair[0], pair[1])
        for pair in pairs
        if isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
    )


def choose_charts(
    connection: Connection,
    actor_id: int,
    form_id: int,
    charts: Sequence[ChartChoice],
    now: datetime,
) -> None:
    """Keep the person's choice (replacing the previous one); a question charted twice keeps
    its first kind."""
    forget_charts(connection, actor_id, form_id)
    first = {chart.xpath: chart.kind for chart in reversed(charts)}
    kept = [[xpath, first[xpath]] for xpath in dict.fromkeys(c.xpath for c in charts)]
    connection.execute(
        sa.insert(s.chart_choices).values(
            actor_id=actor_id,
            form_id=form_id,
            charts=json.dumps(kept[:MAX_CHARTS]),
            updated_at=now,
        )
    )


def forget_charts(connection: Connection, actor_id: int, form_id: int) -> None:
    """Back to the dashboard's default charts."""
    table = s.chart_choices
    connection.execute(
        sa.delete(table).where(table.c.actor_id == actor_id, table.c.form_id == form_id)
    )
