"""`baobab duplicates scan` speed and memory: a list imported whole (a past caseload), then
every registration compared with the earlier ones.

    python scripts/test_services.py -- python bench/duplicate_scan.py [--sizes 10000,100000]

For each size, a fresh database and entity list filled straight with synthetic returnees
(bench/returnee_names.py: Malian names, birth dates, phones; one in ten a re-registration of an
earlier one, a new phone or none, another spelling, name order or birth year), as entities with
properties and no profile, as an import leaves them. Then the scan (storage/duplicate_scan.py,
what the command runs): profiles and blocking keys made from the properties, each registration
compared with the earlier ones sharing a key, pairs queued. Prints the time, the pairs queued
and how many were re-registrations found, and the process's peak RSS before and after the scan.
On PostgreSQL when TEST_DATABASE_URL is set, else SQLite.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.ingest import database_url  # noqa: E402
from bench.returnee_names import People, Registration  # noqa: E402
from programmes.returnees.storage.duplicate_scan import Fields, scan_list  # noqa: E402
from storage.db import make_engine, transaction, upgrade  # noqa: E402
from storage.projects import create_project  # noqa: E402
from storage.schema import system as s  # noqa: E402

FIELDS = Fields(("first_name", "last_name"), "dob", "phone", None)


def caseload(size: int, seed: int) -> list[Registration]:
    people = People(seed)
    found: list[Registration] = []
    for n in range(size):
        if n % 10 == 9:
            original = people.rng.choice(found)
            kinds = [k for k in People.KINDS if people.fits(original, k)]
            found.append(people.re_register(original, people.rng.choice(kinds)))
        else:
            found.append(people.first())
    return found


def fill(engine: sa.Engine, list_id: int, rows: list[Registration], start: datetime) -> None:
    for offset in range(0, len(rows), 5000):
        with transaction(engine) as connection:
            connection.execute(
                sa.insert(s.entities),
                [
                    {
                        "list_id": list_id,
                        "uuid": str(uuid.UUID(int=offset + n + 1)),
                        "label": " ".join(r.names),
                        "data": {
                            "first_name": " ".join(r.given),
                            "last_name": r.family,
                            "dob": r.birth.isoformat(),
                            "phone": r.phone or "",
                        },
                        "version": 1,
                        "created_at": start + timedelta(seconds=offset + n),
                    }
                    for n, r in enumerate(rows[offset : offset + 5000])
                ],
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--threshold", type=float, default=0.8)
    args = parser.parse_args()
    for size in [int(x) for x in args.sizes.split(",")]:
        with tempfile.TemporaryDirectory() as directory:
            engine = make_engine(database_url(Path(directory), f"scan{size}"))
            upgrade(engine)
            now = datetime.now(UTC)
            with transaction(engine) as connection:
                project = create_project(connection, "bench", now)
                list_id = connection.execute(
                    sa.insert(s.entity_lists)
                    .values(
                        project_id=project.id,
                        name="returnees",
                        properties=["first_name", "last_name", "dob", "phone"],
                        sensitive=[],
                        created_at=now,
                    )
                    .returning(s.entity_lists.c.id)
                ).scalar_one()
            rows = caseload(size, 17)
            fill(engine, list_id, rows, now - timedelta(days=400))
            by_uuid = {str(uuid.UUID(int=n + 1)): r.person for n, r in enumerate(rows)}
            del rows
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
            started = time.perf_counter()
            scan_list(engine, list_id, FIELDS, args.threshold, now)
            elapsed = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
            with transaction(engine, read_only=True) as connection:
                pairs = connection.execute(
                    sa.select(s.duplicate_flags.c.entity_uuid, s.duplicate_flags.c.candidate_uuid)
                ).all()
            right = sum(1 for a, b in pairs if by_uuid[a] == by_uuid[b])
            per_person = Counter(by_uuid.values())
            repeats = sum(k * (k - 1) // 2 for k in per_person.values())  # pairs to find
            print(
                f"{size:>9,} registrations ({engine.dialect.name}): scan {elapsed:6.1f} s "
                f"({elapsed / size * 1000:.2f} ms each); {len(pairs)} pairs queued, {right} of "
                f"them the same person (of {repeats} pairs of registrations of one person); "
                f"peak RSS {before} MB before the scan, {after} MB after",
                flush=True,
            )
            engine.dispose()


if __name__ == "__main__":
    main()
