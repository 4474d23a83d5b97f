"""The submissions before and after one in the table a person came from (same filters, same
sort), for a submission page's previous and next links: keyset queries, so the 900,000th
submission costs what the first does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.schema import system as s
from storage.submissions.listing import FormData, TableFilters


@dataclass(frozen=True, slots=True)
class Neighbours:
    previous: str | None  # instanceID of the row above in the table, None at the top
    next: str | None  # the row below, None at the bottom


def neighbours(
    connection: Connection,
    data: FormData,
    filters: TableFilters,
    instance_id: str,
    *,
    sort: str = "submitted",
    descending: bool = True,
) -> Neighbours:
    """The rows around `instance_id` in `FormData.page`'s order (the sort key, then newest
    first). The submission itself need not match the filters any more (reviewed out of a
    "received" filter): its place is taken from its sort key, as the person saw it."""
    subs = s.submissions
    joined, conditions = data._base(filters, answers=sort.startswith("q:"))
    if sort == "submitter":
        joined = joined.outerjoin(s.actors, s.actors.c.id == subs.c.submitter_id)
    key = data.sort_key(sort)  # the table's own order, a long text by its first characters
    here = connection.execute(
        sa.select(key, subs.c.id)
        .select_from(joined)
        .where(
            subs.c.form_id == data.form_id,
            subs.c.instance_id == instance_id,
            subs.c.deleted_at.is_(None),
        )
    ).first()
    if here is None:
        return Neighbours(None, None)
    value, row_id = here
    postgres = connection.dialect.name == "postgresql"

    def following(down: bool) -> str | None:
        """The first row after this one in the order (key `down` or up, ties by id the
        opposite way for "previous")."""
        ties_down = down == descending  # next: ids downwards; previous: upwards
        same = key.is_(None) if value is None else key == value
        after_id = subs.c.id < row_id if ties_down else subs.c.id > row_id
        id_order = subs.c.id.desc() if ties_down else subs.c.id.asc()
        found = connection.execute(
            sa.select(subs.c.instance_id)
            .select_from(joined)
            .where(*conditions, same, after_id)
            .order_by(id_order)
            .limit(1)
        ).scalar()
        if found is not None:
            return str(found)
        # NULLs sort last going up on PostgreSQL and first on SQLite, as the table shows them.
        nulls_last = (not down) == postgres
        if value is None:
            if nulls_last:
                return None
            beyond: Any = key.is_not(None)
        else:
            beyond = key < value if down else key > value
            if nulls_last:
                beyond = sa.or_(beyond, key.is_(None))
        found = connection.execute(
            sa.select(subs.c.instance_id)
            .select_from(joined)
            .where(*conditions, beyond)
            .order_by(key.desc() if down else key.asc(), id_order)
            .limit(1)
        ).scalar()
        return None if found is None else str(found)

    return Neighbours(previous=following(not descending), next=following(descending))
