"""Writes a submission's rows into its form's tables, parents first, and removes them again."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from converters.submission import RowRecord
from converters.table_plan import TableKind, TablePlan, TableSpec


def write_rows(
    connection: Connection,
    tables: Mapping[str, sa.Table],
    plan: TablePlan,
    rows: Sequence[RowRecord],
    *,
    submission_id: int,
    version_id: int,
    form_version: str,
    instance_id: str,
) -> None:
    """Insert every row, one statement per table. Tables with child tables get their ids back
    in order (RETURNING), so that child rows can point at the database id of their parent.
    Repeat rows also get ODK Central's keys, derived from the submission's logical
    `instance_id`, so that exports and OData name them exactly as Central does."""
    parents = {spec.parent for spec in plan.tables if spec.parent}
    ids: dict[int, int] = {}
    by_table: dict[str, list[RowRecord]] = {}
    for row in rows:
        by_table.setdefault(row.table, []).append(row)
    for spec in plan.tables:  # parents come before their children in a plan
        batch = by_table.get(spec.name)
        if not batch:
            continue
        table = tables[spec.name]
        params = []
        for row in batch:
            values = row_values(spec, row, form_version=form_version, instance_id=instance_id)
            values["_submission_id"] = submission_id
            if spec.kind is TableKind.ROOT:
                values["_version_id"] = version_id
            else:
                values["_parent_id"] = ids[row.parent] if row.parent is not None else None
            params.append(values)
        if spec.name not in parents:
            connection.execute(table.insert(), params)
            continue
        statement = table.insert().returning(table.c._id, sort_by_parameter_order=True)
        if len(params) == 1:
            new_ids = [connection.execute(statement, params[0]).scalar_one()]
        else:
            new_ids = list(connection.execute(statement, params).scalars())
        ids.update({row.key: new_id for row, new_id in zip(batch, new_ids, strict=True)})


def row_values(
    spec: TableSpec, row: RowRecord, *, form_version: str, instance_id: str
) -> dict[str, object]:
    """A row's values for its table, but for the ids that point at other rows (_submission_id,
    _version_id, _parent_id): the caller knows those."""
    values = dict(row.values)
    if spec.kind is not TableKind.ROOT:
        values["_ordinal"] = row.ordinal
    if spec.kind is not TableKind.SELECTION:
        values["_form_version"] = form_version
    if spec.kind is TableKind.REPEAT:
        values["_key"], values["_odata_id"] = repeat_keys(instance_id, row.segments)
    return values


def repeat_keys(instance_id: str, segments: Sequence[tuple[str, int | None]]) -> tuple[str, str]:
    """Central's names for a repeat row: the CSV KEY (`uuid:x/hh/members[2]`, 1-based) and the
    OData __id (sha1 of `Submissions#uuid:x%%hh#%%members#1`, 0-based, groups with no index)."""
    key = "/".join(
        [instance_id]
        + [name if index is None else f"{name}[{index + 1}]" for name, index in segments]
    )
    odata = "%%".join(
        [f"Submissions#{instance_id}"]
        + [f"{name}#{'' if index is None else index}" for name, index in segments]
    )
    return key, hashlib.sha1(odata.encode("utf-8"), usedforsecurity=False).hexdigest()


def delete_rows(
    connection: Connection, tables: Mapping[str, sa.Table], plan: TablePlan, submission_id: int
) -> None:
    """Remove a submission's rows from every table of its form, children first."""
    for spec in reversed(plan.tables):
        table = tables[spec.name]
        connection.execute(sa.delete(table).where(table.c._submission_id == submission_id))
