"""Which questions a person shows as columns of a form's submissions table, kept per person
and form (issue 21) so that the choice follows them from one device to another."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.engine import Connection

from storage.schema import system as s
from storage.submissions.person_choices import forget_choice, keep_choice, read_choice

MAX_COLUMNS = 500  # more xpaths than any form has root questions: a forged list stops here


def chosen_columns(connection: Connection, actor_id: int, form_id: int) -> tuple[str, ...] | None:
    """The xpaths the person chose, in their order; None when they never chose (the table
    then shows its default)."""
    xpaths = read_choice(connection, s.column_choices.c.columns, actor_id, form_id)
    return None if xpaths is None else tuple(x for x in xpaths if isinstance(x, str))


def choose_columns(
    connection: Connection, actor_id: int, form_id: int, xpaths: Sequence[str], now: datetime
) -> None:
    """Keep the person's choice (replacing the previous one)."""
    kept = list(dict.fromkeys(xpaths))[:MAX_COLUMNS]
    keep_choice(connection, s.column_choices.c.columns, actor_id, form_id, kept, now)


def forget_columns(connection: Connection, actor_id: int, form_id: int) -> None:
    """Back to the table's default columns."""
    forget_choice(connection, s.column_choices.c.columns, actor_id, form_id)
