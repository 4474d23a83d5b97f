"""The entity list's web pages at programme size (issue 16, item 6).

    python bench/entity_pages.py [--entities 11000]
    python scripts/test_services.py -- python bench/entity_pages.py   # on PostgreSQL

Creates `--entities` returnees from one CSV file through the upload's own path
(server/web/entity_upload.py: read as it streams, checked, created in one transaction), then
times the table's queries (storage/entities/listing.py: a page and its count) for the first page,
the last page, an accent-insensitive search over every property, a property filter and the
held-update filter. Each is printed in milliseconds and as a ratio to a ceiling measured in the
same run: the same page of the same list with no condition (ORDER BY, LIMIT, and count(*)).
Python's peak memory (tracemalloc) of the first and the last page shows it does not grow with
the offset.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import Connection  # noqa: E402

from bench.ingest import database_url  # noqa: E402
from server.web.entity_upload import create_from_csv  # noqa: E402
from storage.accounts.users import create_user  # noqa: E402
from storage.db import make_engine, transaction, upgrade  # noqa: E402
from storage.entities.listing import TableQuery, entity_page  # noqa: E402
from storage.entities.lists import ensure_list  # noqa: E402
from storage.projects import create_project  # noqa: E402
from storage.schema import system as s  # noqa: E402

PROPERTIES = ("case_number", "first_name", "last_name", "phone", "region", "commune")
NAMES = ("Traoré", "Keita", "Coulibaly", "Diarra", "Sangaré", "Konaté", "Dembélé", "Cissé")
REGIONS = ("kayes", "koulikoro", "sikasso", "ségou", "mopti", "tombouctou", "gao", "bamako")


def csv_file(count: int) -> io.BytesIO:
    lines = ["label," + ",".join(PROPERTIES)]
    for n in range(count):
        last, region = NAMES[n % len(NAMES)], REGIONS[(n // 3) % len(REGIONS)]
        case = f"{region[:3].upper()}/2026/{n:05d}"
        lines.append(f"Awa {last} ({case}),{case},Awa,{last},7{n:07d},{region},c{n % 40}")
    return io.BytesIO(("\n".join(lines) + "\n").encode("utf-8"))


def plain_page(connection: Connection, list_id: int) -> None:
    """The least a page can cost: 50 rows in order, and how many there are."""
    e = s.entities
    where = (e.c.list_id == list_id, e.c.deleted_at.is_(None))
    connection.execute(
        sa.select(e).where(*where).order_by(e.c.created_at.desc(), e.c.id.desc()).limit(50)
    ).all()
    connection.execute(sa.select(sa.func.count()).where(*where)).scalar_one()


def timed(run: Callable[[], object], repeat: int = 5) -> float:
    """The best of `repeat` runs, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entities", type=int, default=11_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        engine = make_engine(database_url(Path(work), "entity_pages"))
        upgrade(engine)
        now = datetime.now(UTC)
        with transaction(engine) as connection:
            user = create_user(
                connection,
                email=f"{uuid.uuid4().hex[:12]}@example.org",
                password_hash=None,
                now=now,
                is_admin=True,
            )
            project = create_project(connection, "bench", now).id
            returnees = ensure_list(connection, project, "returnees", PROPERTIES, now)
        data = csv_file(args.entities)
        start = time.perf_counter()
        with transaction(engine) as connection:
            made = create_from_csv(
                connection,
                returnees,
                data,
                creator_id=user.id,
                now=now,
                source={"type": "upload", "name": "bench.csv", "size": len(data.getvalue())},
            )
        upload = time.perf_counter() - start
        print(f"database: {engine.dialect.name}")
        print(
            f"CSV upload: {made} entities ({len(data.getvalue()) / 1e6:.1f} MB) in {upload:.1f} s"
            f" = {made / upload:.0f} entities/s"
        )
        everything = TableQuery(PROPERTIES, label=True)
        last = (made - 1) // 50 * 50
        cases = {
            "first page": (everything, 0),
            "last page": (everything, last),
            "search 'traore' (every property)": (TableQuery(PROPERTIES, True, text="traore"), 0),
            "filter region = 'SEGOU'": (
                TableQuery(PROPERTIES, True, filter=("region", "SEGOU")),
                0,
            ),
            "only with held updates": (TableQuery(PROPERTIES, True, held_only=True), 0),
        }
        with transaction(engine, read_only=True) as connection:
            ceiling = timed(lambda: plain_page(connection, returnees.id))
            print(f"ceiling (a plain page of entities + count(*)): {ceiling * 1000:.1f} ms")
            for name, (query, offset) in cases.items():
                rows: list[object] = []

                def run(q: TableQuery = query, o: int = offset, out: list[object] = rows) -> None:
                    out[:] = entity_page(connection, returnees, q, offset=o)[0]

                took = timed(run)
                print(
                    f"{name}: {took * 1000:.1f} ms ({took / ceiling:.2f}x the ceiling),"
                    f" {len(rows)} rows shown"
                )
            for name, offset in (("first", 0), ("last", last)):
                tracemalloc.start()
                entity_page(connection, returnees, everything, offset=offset)
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                print(f"peak Python memory, {name} page: {peak / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
