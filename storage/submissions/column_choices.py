"""Which questions a person shows as columns of a form's submissions table, kept per person
and form (issue 21) so that the choice follows them from one device to another."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.schema import system as s

MAX_COLUMNS = 500  # more xpaths than any form has root questions: a forged list stops here


def chosen_columns(connection: Connection, actor_id: int, form_id: int) -> tuple[str, ...] | None:
    """The xpaths the person chose, in their order; None when they never chose (the table
    then shows its default)."""
    stored = connection.execute(
        sa.select(s.column_choices.c.columns).where(
            s.column_choices.c.actor_id == actor_id, s.column_choices.c.form_id == form_id
        )
    ).scalar_one_or_none()
    if stored is None:
        return None
    try:
        xpaths = json.loads(stored)
    except ValueError:  # written by this module only; a damaged row counts as no choice
        return None
    return tuple(x for x in xpaths if isinstance(x, str)) if isinstance(xpaths, list) else None


def choose_columns(
    connection: Connection, actor_id: int, form_id: int, xpaths: Sequence[str], now: datetime
) -> None:
    """Keep the person's choice (replacing the previous one)."""
    forget_columns(connection, actor_id, form_id)
    connection.execute(
        sa.insert(s.column_choices).values(
            actor_id=actor_id,
            form_id=form_id,
            columns=json.dumps(list(dict.fromkeys(xpaths))[:MAX_COLUMNS]),
            updated_at=now,
        )
    )


def forget_columns(connection: Connection, actor_id: int, form_id: int) -> None:
    """Back to the table's default columns."""
    connection.execute(
        sa.delete(s.column_choices).where(
            s.column_choices.c.actor_id == actor_id, s.column_choices.c.form_id == form_id
        )
    )
