"""Time to publish a form: compile (pyxform) + ODK Validate (Java) + create its tables.

    python bench/publish.py [FORM.xlsx] [--runs N]
    python scripts/test_services.py -- python bench/publish.py   # adds PostgreSQL

Each run publishes into a fresh database. Prints the median and range of each step, on SQLite
and, when TEST_DATABASE_URL is set, on PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from converters.xlsform import compile_form, detect_file_type  # noqa: E402
from server.clock import system_clock  # noqa: E402
from server.forms.validation import run_odk_validate  # noqa: E402
from storage.db import make_engine, transaction, upgrade  # noqa: E402
from storage.forms.versions import publish_form  # noqa: E402
from storage.projects import create_project  # noqa: E402


def databases(runs: int):
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as directory:
            yield "sqlite", f"sqlite:///{directory}/bench.db"
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return
    admin = base.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0]
    name = base.rsplit("/", 1)[1]
    for _ in range(runs):
        database = f"{name}_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin + "/postgres", autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        yield "postgresql", base.rsplit("/", 1)[0] + "/" + database
        with psycopg.connect(admin + "/postgres", autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(database))
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("form", nargs="?", type=Path, default=ROOT / "forms/returnee_intake.xlsx")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data = args.form.read_bytes()
    timings: dict[str, dict[str, list[float]]] = {}
    for backend, url in databases(args.runs):
        engine = make_engine(url)
        upgrade(engine)
        with transaction(engine) as connection:
            project = create_project(connection, "bench", system_clock())
        started = time.perf_counter()
        compiled = compile_form(data, detect_file_type(args.form.name, data))
        compiled_at = time.perf_counter()
        outcome = run_odk_validate(compiled)
        validated_at = time.perf_counter()
        assert not outcome.errors, outcome.errors
        with transaction(engine) as connection:
            result = publish_form(
                connection,
                project_id=project.id,
                compiled=compiled,
                now=system_clock(),
                source=data,
            )
        published_at = time.perf_counter()
        engine.dispose()
        steps = timings.setdefault(backend, {})
        for step, seconds in (
            ("compile", compiled_at - started),
            ("validate", validated_at - compiled_at),
            ("tables", published_at - validated_at),
            ("total", published_at - started),
        ):
            steps.setdefault(step, []).append(seconds)
    columns = sum(len(t.columns) for t in result.changes.new_tables)
    print(
        f"{args.form.name}: {len(result.changes.new_tables)} tables, {columns} columns, "
        f"{args.runs} runs per backend (median, min-max, seconds)"
    )
    for backend, steps in timings.items():
        cells = "  ".join(
            f"{step} {statistics.median(v):.3f} ({min(v):.3f}-{max(v):.3f})"
            for step, v in steps.items()
        )
        print(f"  {backend:<10} {cells}")


if __name__ == "__main__":
    main()
