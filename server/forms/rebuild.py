"""Rebuilding a form's tables from the XML kept for every submission (`baobab forms rebuild`).

The XML of each version is the record; the tables are derived from it. Rebuilding proves that
(the crash test compares the rows before and after) and repairs the tables after a restore or a
conversion fix. It runs in one transaction: readers see the old rows until it commits, and a
failure leaves them as they were; submissions that arrive meanwhile wait until it ends (on
SQLite, for up to 30 s, then 503: run it when devices are quiet). Entities, scores and duplicate
reviews are not touched.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from converters.errors import ConversionError
from converters.submission import parse_submission, submission_rows
from server.submissions.targets import FormTargets
from storage.db import is_postgres, transaction
from storage.forms.data_tables import load_plan
from storage.forms.ddl import build_tables
from storage.forms.versions import get_form
from storage.schema import system as s
from storage.submissions.rows import write_rows

BATCH = 500


def rebuild_tables(engine: Engine, project_id: int, xml_form_id: str) -> int:
    """Delete every row of the form's tables and convert each submission's current XML again;
    returns how many submissions were converted."""
    targets = FormTargets()
    converted = 0
    with transaction(engine) as connection:
        form = get_form(connection, project_id, xml_form_id)
        physical = load_plan(connection, form.id)
        tables = build_tables(physical)
        if is_postgres(connection):  # submissions arriving meanwhile wait until it commits
            names = ", ".join(f'"{spec.name}"' for spec in physical.tables)
            connection.exec_driver_sql(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE")
        for spec in reversed(physical.tables):  # children first
            connection.execute(sa.delete(tables[spec.name]))
        for version in _current_versions(connection, form.id):
            cached = targets.get(connection, form, version.form_version_id, version.version)
            target = cached.target
            try:
                # Stored XML: kept as received, before instanceIDs had a character set.
                _envelope, root = parse_submission(version.xml.encode("utf-8"), check_ids=False)
                rows = submission_rows(root, cached.schema, target.version_plan)
            except ConversionError as error:  # nothing is changed: the transaction rolls back
                raise ValueError(
                    f"submission {version.logical_id} cannot be converted: {error.message}"
                ) from error
            write_rows(
                connection,
                target.tables,
                target.version_plan,
                rows.rows,
                submission_id=version.submission_id,
                version_id=version.id,
                form_version=version.version,
                instance_id=version.logical_id,
            )
            converted += 1
    return converted


def _current_versions(connection: Connection, form_id: int) -> Iterator[Any]:
    """Each submission's current version, by submission id, BATCH at a time (flat memory)."""
    v, sub, fv = s.submission_versions, s.submissions, s.form_versions
    query = (
        sa.select(
            v.c.id,
            v.c.submission_id,
            v.c.form_version_id,
            v.c.xml,
            fv.c.version,
            sub.c.instance_id.label("logical_id"),
        )
        .join(sub, sub.c.id == v.c.submission_id)
        .join(fv, fv.c.id == v.c.form_version_id)
        .where(v.c.form_id == form_id, v.c.is_current)
        .order_by(v.c.submission_id)
        .limit(BATCH)
    )
    after = 0
    while batch := connection.execute(query.where(v.c.submission_id > after)).all():
        yield from batch
        after = batch[-1].submission_id
