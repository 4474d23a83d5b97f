"""Data for the export bench: varied submissions of the reference form, and a way to multiply the
ones the server received into a million without sending a million.

`seed_submission(rng)` gives the XML of one submission (34 values, 3 member rows) with its
answers drawn at random, so that exports compress like real data. `grow(engine, form_id,
target)` copies every received submission, with all its rows (versions, attachments, root,
repeat and select_multiple rows), until the form has `target`: copy `n` gets every id shifted by
n times the largest id before the growth, and its instance ID (and so every KEY and __id)
prefixed with `c<shift>:`. Works on SQLite and PostgreSQL, on a database that holds only this
form's submissions (a bench's throwaway database); grow again to a larger multiple."""

# ruff: noqa: S608 - the SQL names tables from Baobab's own registry, never from input

from __future__ import annotations

import random
import re
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.engine import Connection

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from converters.table_plan import SYSTEM_COLUMNS, TablePlan, TableSpec  # noqa: E402
from storage.db import is_postgres, transaction  # noqa: E402
from storage.forms.data_tables import load_plan  # noqa: E402
from storage.schema import system as s  # noqa: E402

TEMPLATE = (ROOT / "tests/data/central/submission1.xml").read_text("utf-8")
WORDS = (
    "alpha",
    "beta",
    "gamma",
    "delta",
    "zeta",
    "maize",
    "cassava",
    "cattle",
    "school",
    "market",
)
CHOICES = {
    "district": ["north", "south", "east", "west", "central"],
    "resp_sex": ["female", "male", "other"],
    "m_sex": ["female", "male", "other"],
    "education": ["none", "primary", "secondary", "tertiary"],
    "hh_water": ["piped", "well", "river", "rain", "vendor"],
    "consent": ["yes", "no"],
    "hh_electricity": ["yes", "no"],
    "m_school": ["yes", "no"],
}


def seed_submission(rng: random.Random) -> str:
    """The reference submission with fresh answers and a fresh instance ID."""

    def pick(options: list[str]) -> Callable[[], str]:
        return lambda: rng.choice(options)

    def words(count: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(count))

    values: dict[str, Callable[[], str]] = {
        "village": lambda: words(2),
        "resp_name": lambda: words(3),
        "m_name": lambda: words(2),
        "m_occupation": lambda: rng.choice(WORDS),
        "q_notes": lambda: words(rng.randint(3, 15)),
        "resp_age": lambda: str(rng.randint(18, 90)),
        "m_age": lambda: str(rng.randint(0, 90)),
        "hh_size": lambda: str(rng.randint(1, 12)),
        "hh_rooms": lambda: str(rng.randint(1, 8)),
        "q_score1": lambda: str(rng.randint(0, 10)),
        "q_score2": lambda: str(rng.randint(0, 10)),
        "q_score3": lambda: str(rng.randint(0, 10)),
        "hh_income": lambda: f"{rng.uniform(0, 10_000):.2f}",
        "hh_land_ha": lambda: f"{rng.uniform(0, 20):.3f}",
        "q_weight": lambda: f"{rng.uniform(40, 110):.1f}",
        "location": lambda: (
            f"{rng.uniform(10, 25):.6f} {rng.uniform(-12, 4):.6f} {rng.uniform(200, 500):.1f} 5.0"
        ),
        "resp_phone": lambda: f"+223{rng.randint(60_000_000, 99_999_999)}",
        **{name: pick(options) for name, options in CHOICES.items()},
    }
    xml = re.sub(
        r"<(\w+)>([^<]*)</\1>",
        lambda m: f"<{m[1]}>{values[m[1]]()}</{m[1]}>" if m[1] in values else m[0],
        TEMPLATE,
    )
    return xml.replace("uuid:bd74cc0c-c58c-46a1-b6cf-d17b813ec2a7", f"uuid:{uuid.uuid4()}")


def grow(engine: Engine, form_id: int, target: int, batch: int = 50_000) -> None:
    """Copy the form's submissions until it has `target` (a multiple of the seeds' count)."""
    with transaction(engine) as connection:
        seeds = connection.execute(
            sa.select(sa.func.count()).where(s.submissions.c.form_id == form_id)
        ).scalar_one()
        plan = load_plan(connection, form_id)
        spans = {
            name: connection.execute(
                sa.text(f'SELECT coalesce(max({key}), 0) FROM "{name}"')
            ).scalar_one()
            for name, key in _id_columns(plan).items()
        }
        connection.execute(sa.text("CREATE TABLE IF NOT EXISTS bench_copies (n INTEGER)"))
    copies, per_batch = target // seeds, max(1, batch // seeds)
    started = time.perf_counter()
    for first in range(1, copies, per_batch):
        last = min(copies, first + per_batch) - 1
        with transaction(engine) as connection:
            connection.execute(sa.text("DELETE FROM bench_copies"))
            connection.execute(
                sa.text("INSERT INTO bench_copies (n) VALUES (:n)"),
                [{"n": n} for n in range(first, last + 1)],
            )
            for statement in _copy_statements(plan, spans, is_postgres(connection)):
                connection.execute(sa.text(statement))
        print(
            f"    grown to {(last + 1) * seeds:,} submissions"
            f" ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
    with transaction(engine) as connection:
        connection.execute(sa.text("DROP TABLE bench_copies"))
        if is_postgres(connection):
            _reset_sequences(connection, list(spans))
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE"))


def _id_columns(plan: TablePlan) -> dict[str, str]:
    tables: dict[str, str] = {
        "submissions": "id",
        "submission_versions": "id",
        "submission_attachments": "id",
    }
    for spec in plan.tables:
        tables[spec.name] = "_id"
    return tables


def _copy_statements(plan: TablePlan, spans: dict[str, int], postgres: bool) -> list[str]:
    sub, ver, att = (
        spans["submissions"],
        spans["submission_versions"],
        spans["submission_attachments"],
    )
    prefix = f"'c' || (bench_copies.n * {sub}) || ':' || "  # unique across growths
    # Copy n is n * span seconds older: the copies of a growth never overlap in time, so the
    # feed's order (newest first) interleaves different answers, as real data would.
    earlier = (
        f"created_at - (n * {sub}) * interval '1 second'"
        if postgres
        else f"strftime('%Y-%m-%d %H:%M:%f', created_at, '-' || (n * {sub}) || ' seconds')"
    )
    shifted = {
        "submissions": {
            "id": f"id + n * {sub}",
            "instance_id": prefix + "instance_id",
            "created_at": earlier,
        },
        "submission_versions": {
            "id": f"id + n * {ver}",
            "submission_id": f"submission_id + n * {sub}",
            "instance_id": prefix + "instance_id",
        },
        "submission_attachments": {
            "id": f"id + n * {att}",
            "submission_version_id": f"submission_version_id + n * {ver}",
        },
    }
    for spec in plan.tables:
        shifted[spec.name] = _data_table_shifts(spec, spans, prefix)
    statements = []
    for table, changes in shifted.items():
        columns = _columns(table, plan)
        select = ", ".join(changes.get(c, f'"{c}"') for c in columns)
        names = ", ".join(f'"{c}"' for c in columns)
        key = "_id" if table not in s.metadata.tables else "id"
        statements.append(
            f'INSERT INTO "{table}" ({names}) SELECT {select} FROM "{table}" CROSS JOIN'
            f' bench_copies WHERE "{table}".{key} <= {spans[table]}'
        )
    return statements


def _data_table_shifts(spec: TableSpec, spans: dict[str, int], prefix: str) -> dict[str, str]:
    changes = {
        "_id": f"_id + n * {spans[spec.name]}",
        "_submission_id": f"_submission_id + n * {spans['submissions']}",
        "_version_id": f"_version_id + n * {spans['submission_versions']}",
        "_key": prefix + "_key",
        "_odata_id": f"substr({prefix}_odata_id, 1, 40)",  # a VARCHAR(40), still unique
    }
    if spec.parent is not None:
        changes["_parent_id"] = f"_parent_id + n * {spans[spec.parent]}"
    return changes


def _columns(table: str, plan: TablePlan) -> list[str]:
    if table in s.metadata.tables:
        return [c.name for c in s.metadata.tables[table].columns]
    spec = plan.table(table)
    return [*SYSTEM_COLUMNS[spec.kind], *(c.name for c in spec.columns)]


def _reset_sequences(connection: Connection, tables: list[str]) -> None:
    """Later inserts take ids after the copies' (tables without a sequence are left alone)."""
    for table in tables:
        key = "id" if table in s.metadata.tables else "_id"
        connection.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{key}'),"
                f' (SELECT max({key}) FROM "{table}"))'
                f" WHERE pg_get_serial_sequence('\"{table}\"', '{key}') IS NOT NULL"
            )
        )
