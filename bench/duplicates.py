"""Duplicate detection speed: time per intake while the list of returnees grows.

    python scripts/test_services.py -- python bench/duplicates.py [--sizes 0,100000]

The shipped intake form is published; for each size, synthetic returnees (Malian names,
bench/returnee_names.py) are written straight into the entity list with their
profiles and blocking keys, then `--intakes` registrations are sent over OpenRosa one at a time,
half of them people already registered, registering again (bench/returnee_names.py: another
spelling, name order, birth year..., with a new phone or none and a new document or none; they
are flagged), half new people. Prints the median and 95th percentile time per intake and how
many were flagged. On PostgreSQL when TEST_DATABASE_URL is set, else SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.ingest import database_url, request_bytes, send_all, server_env, start_server  # noqa: E402
from bench.returnee_names import People, Registration  # noqa: E402
from converters.people import keys, person  # noqa: E402
from converters.xlsform import compile_form  # noqa: E402
from scripts.test_services import free_port  # noqa: E402
from server.accounts.app_users import issue_app_user  # noqa: E402
from server.accounts.keys import TokenBox, load_server_key  # noqa: E402
from storage.accounts.access import assign_form  # noqa: E402
from storage.db import make_engine, transaction, upgrade  # noqa: E402
from storage.forms.versions import publish_form  # noqa: E402
from storage.projects import create_project  # noqa: E402
from storage.schema import system as s  # noqa: E402


def intake_xml(uuid_: str, r: Registration) -> bytes:
    first, last = escape(" ".join(r.given)), escape(r.family)
    document = f"<id_number>{r.document}</id_number>" if r.document else ""
    return f"""<data id="returnee_intake" version="2026120202">
<registration><case_number>B/{uuid_[:8]}</case_number></registration>
<consent><consent_ok>yes</consent_ok></consent>
<identity><first_name>{first}</first_name><last_name>{last}</last_name><dob>{r.birth}</dob>
<phone>{r.phone or ""}</phone>{document}</identity>
<meta><entity dataset="returnees" id="{uuid_}" create="1"><label>{first} {last}</label></entity>
<instanceID>uuid:{uuid.uuid4()}</instanceID></meta></data>""".encode()


def grow(engine: sa.Engine, list_id: int, people: list[Registration], now: datetime) -> None:
    for start in range(0, len(people), 5000):
        batch = people[start : start + 5000]
        with transaction(engine) as connection:
            uuids = [str(uuid.uuid4()) for _ in batch]
            connection.execute(
                sa.insert(s.entities),
                [
                    {
                        "list_id": list_id,
                        "uuid": entity_uuid,
                        "label": " ".join(r.names),
                        "data": {},
                        "version": 1,
                        "created_at": now,
                    }
                    for entity_uuid, r in zip(uuids, batch, strict=True)
                ],
            )
            profiles, keyed = [], []
            for entity_uuid, r in zip(uuids, batch, strict=True):
                who = person(r.names, r.birth.isoformat(), r.phone, r.document)
                profiles.append(
                    {
                        "entity_uuid": entity_uuid,
                        "list_id": list_id,
                        "created_at": now,
                        "profile": {
                            "names": list(who.names),
                            "birth": r.birth.isoformat(),
                            "phone": who.phone,
                            "document": who.document,
                        },
                    }
                )
                keyed += [
                    {"entity_uuid": entity_uuid, "key": k, "list_id": list_id} for k in keys(who)
                ]
            connection.execute(sa.insert(s.person_profiles), profiles)
            connection.execute(sa.insert(s.person_keys), keyed)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="0,100000")
    parser.add_argument("--intakes", type=int, default=200)
    args = parser.parse_args()
    people = People(11)
    rng = people.rng
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        url = database_url(workdir, "duplicates")
        engine = make_engine(url)
        upgrade(engine)
        now = datetime.now(UTC)
        with transaction(engine) as connection:
            project = create_project(connection, "bench", now)
            form = publish_form(
                connection,
                project_id=project.id,
                now=now,
                compiled=compile_form((ROOT / "forms/returnee_intake.xlsx").read_bytes(), ".xlsx"),
            ).form
            app_user, token = issue_app_user(
                connection,
                TokenBox(load_server_key(workdir)),
                project_id=project.id,
                display_name="bench",
                created_by=None,
                now=now,
            )
            assign_form(connection, form.id, app_user.id, now)
            list_id = connection.execute(sa.select(s.entity_lists.c.id)).scalar_one()
        path = f"/v1/key/{token}/projects/{project.id}/submission"
        port = free_port()
        server = start_server(port, server_env(url, workdir), workers=1)
        registered: list[Registration] = []
        try:
            for size in [int(x) for x in args.sizes.split(",")]:
                started = time.perf_counter()
                grown = [people.first() for _ in range(size - len(registered))]
                grow(engine, list_id, grown, now)
                registered += grown
                if engine.dialect.name == "postgresql":  # as autovacuum would after a load
                    with engine.connect() as connection:
                        connection.execute(sa.text("ANALYZE"))
                        connection.commit()
                print(f"  {size:,} returnees registered ({time.perf_counter() - started:.0f} s)")
                bodies = []
                for n in range(args.intakes):
                    if n % 2 and registered:
                        original = rng.choice(registered)
                        kinds = [k for k in People.KINDS if people.fits(original, k)]
                        r = people.re_register(original, rng.choice(kinds))
                    else:
                        r = people.first()
                    bodies.append(request_bytes(path, False, intake_xml(str(uuid.uuid4()), r)))
                with transaction(engine, read_only=True) as connection:
                    before = connection.execute(
                        sa.select(sa.func.count()).select_from(s.duplicate_flags)
                    ).scalar_one()
                results = asyncio.run(send_all(port, bodies, 1))
                assert {status for status, _ in results} == {201}
                with transaction(engine, read_only=True) as connection:
                    after = connection.execute(
                        sa.select(sa.func.count()).select_from(s.duplicate_flags)
                    ).scalar_one()
                times = sorted(t for _, t in results)
                print(
                    f"  {size:>9,} returnees: intake p50 "
                    f"{statistics.median(times) * 1000:6.1f} ms, "
                    f"p95 {times[int(len(times) * 0.95)] * 1000:6.1f} ms; "
                    f"{after - before} of {args.intakes} flagged "
                    f"({args.intakes // 2} re-registrations sent)",
                    flush=True,
                )
        finally:
            server.terminate()
            server.wait(10)
            engine.dispose()


if __name__ == "__main__":
    main()
