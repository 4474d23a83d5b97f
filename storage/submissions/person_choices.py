"""What a person chose to see of a form, kept server side per person and form so that it follows
them from one device to another: a JSON list in one row of a table keyed (actor_id, form_id),
as the submissions table's columns (column_choices) and the dashboard's charts (chart_choices)
keep it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def read_choice(
    connection: Connection, column: sa.Column[str], actor_id: int, form_id: int
) -> list[object] | None:
    """The list kept in `column` for the person and form; None when they never chose, or the
    row is damaged (written by this module only: it counts as no choice)."""
    table = column.table
    stored = connection.execute(
        sa.select(column).where(table.c.actor_id == actor_id, table.c.form_id == form_id)
    ).scalar_one_or_none()
    if stored is None:
        return None
    try:
        found = json.loads(stored)
    except ValueError:
        return None
    return found if isinstance(found, list) else None


def keep_choice(
    connection: Connection,
    column: sa.Column[str],
    actor_id: int,
    form_id: int,
    chosen: Sequence[object],
    now: datetime,
) -> None:
    """Keep `chosen` in `column`, replacing the person's previous choice."""
    forget_choice(connection, column, actor_id, form_id)
    connection.execute(
        sa.insert(column.table).values(
            {
                "actor_id": actor_id,
                "form_id": form_id,
                column.name: json.dumps(list(chosen)),
                "updated_at": now,
            }
        )
    )


def forget_choice(
    connection: Connection, column: sa.Column[str], actor_id: int, form_id: int
) -> None:
    """Back to the default."""
    table = column.table
    connection.execute(
        sa.delete(table).where(table.c.actor_id == actor_id, table.c.form_id == form_id)
    )
