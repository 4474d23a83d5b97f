"""Which questions a person charts on a form's dashboard, and how (bars, a table, over time,
ranges), kept per person and form (issue 21) so that the choice follows them from one device
to another."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Connection

from storage.schema import system as s
from storage.submissions.person_choices import forget_choice, keep_choice, read_choice

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
    pairs = read_choice(connection, s.chart_choices.c.charts, actor_id, form_id)
    if pairs is None:
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
    first = {chart.xpath: chart.kind for chart in reversed(charts)}
    kept = [[xpath, first[xpath]] for xpath in dict.fromkeys(c.xpath for c in charts)]
    keep_choice(connection, s.chart_choices.c.charts, actor_id, form_id, kept[:MAX_CHARTS], now)


def forget_charts(connection: Connection, actor_id: int, form_id: int) -> None:
    """Back to the dashboard's default charts."""
    forget_choice(connection, s.chart_choices.c.charts, actor_id, form_id)
