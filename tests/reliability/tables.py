"""A form's tables as comparable data: every row of every table, without the database ids that a
rebuild renumbers (a child row names its parent by the parent's content instead)."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from storage.forms.data_tables import load_plan
from storage.forms.versions import get_form


def table_contents(engine: sa.Engine, project_id: int, xml_form_id: str) -> dict[str, Counter]:
    """Table name -> multiset of rows; a row is a tuple of (column, value) without `_id`, its
    `_parent_id` replaced by the identity of the parent row."""
    contents: dict[str, Counter] = {}
    identities: dict[str, dict[int, tuple]] = {}
    with engine.connect() as connection:
        plan = load_plan(connection, get_form(connection, project_id, xml_form_id).id)
        for spec in plan.tables:  # parents come before their children
            rows = connection.execute(sa.text(f'SELECT * FROM "{spec.name}"')).mappings()
            identities[spec.name] = {}
            contents[spec.name] = Counter()
            for row in rows:
                values = {k: v for k, v in row.items() if k not in ("_id", "_parent_id")}
                if "_parent_id" in row and spec.parent is not None:
                    values["_parent"] = identities[spec.parent].get(row["_parent_id"])
                identity = tuple(sorted((k, repr(v)) for k, v in values.items()))
                identities[spec.name][row["_id"]] = identity
                contents[spec.name][identity] += 1
    return contents
