"""A field week of offline entity updates, as ODK Collect delivers them (issue 16).

    python bench/entities_field_week.py [--tablets 100] [--returnees 2000] [--visits 3]
        [--resends 0.05] [--backlog 1000]
    python scripts/test_services.py -- python bench/entities_field_week.py   # on PostgreSQL

Every returnee is registered, then visited `visits` times by one tablet offline (one branch:
baseVersion 1, 2, 3 on trunkVersion 1). The week's follow-ups arrive shuffled, with a share
resent whole (Collect resending after a lost response). Printed:
- whether every entity ends as it does when the same follow-ups arrive in order (a second
  database receives them in order), and how many differ;
- false conflicts: entities flagged although no other device or server change was involved
  (must be 0);
- updates still held once every follow-up has arrived (must be 0);
- the time to apply a backlog of `--backlog` held updates (chains of 4 held behind their
  first update, released when it arrives), as a ratio to the time the same updates take when
  they arrive in order, both measured in this run; and forcing that many with --force.
Submissions go through the whole intake (XML parse, rows, entities: receive_submission), in
process, on SQLite, or on PostgreSQL when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from lxml import etree  # noqa: E402

from converters.xlsform import compile_form  # noqa: E402
from server.auth import Caller  # noqa: E402
from server.submissions.intake import IntakeContext, receive_submission  # noqa: E402
from server.submissions.targets import FormTargets  # noqa: E402
from storage.accounts.access import load_actor  # noqa: E402
from storage.accounts.users import create_user  # noqa: E402
from storage.blobs.store import make_blob_store  # noqa: E402
from storage.db import make_engine, transaction, upgrade  # noqa: E402
from storage.entities.actions import process_backlog  # noqa: E402
from storage.entities.backlog import count_held  # noqa: E402
from storage.forms.versions import publish_form  # noqa: E402
from storage.projects import create_project  # noqa: E402
from storage.schema import system as s  # noqa: E402

FORMS = ROOT / "forms"
OFFICE = "collect:office"


@dataclass(frozen=True, slots=True)
class Figures:
    submissions: int  # sent in the shuffled week, resends included
    entities: int
    same_as_in_order: int  # entities whose version and data equal the in-order result
    false_conflicts: int
    held_left: int
    week_seconds: float
    in_order_seconds: float
    backlog: int  # held updates applied by release (and then by forcing)
    release_seconds: float  # the first updates arriving, releasing the backlog
    release_ceiling_seconds: float  # the same updates arriving in order
    force_seconds: float  # the same backlog forced (baobab entities process-backlog --force)


class Field:
    """A project with the two shipped forms, and a way to send it submissions."""

    def __init__(self, url: str, workdir: Path) -> None:
        self.engine = make_engine(url)
        upgrade(self.engine)
        now = datetime.now(UTC)
        self.versions: dict[str, str] = {}
        with transaction(self.engine) as connection:
            user = create_user(
                connection,
                email=f"{uuid.uuid4().hex[:12]}@example.org",
                password_hash=None,
                now=now,
                is_admin=True,
            )
            self.caller = Caller(load_actor(connection, user.id), "bearer")
            self.project = create_project(connection, "field week", now).id
            for name in ("reintegration_followup", "returnee_intake"):
                compiled = compile_form((FORMS / f"{name}.xlsx").read_bytes(), ".xlsx")
                self.versions[name] = compiled.version
                publish_form(connection, project_id=self.project, compiled=compiled, now=now)
        self.blobs = make_blob_store(f"file://{workdir}/blobs-{uuid.uuid4().hex[:6]}")
        self.context = IntakeContext(
            self.engine, self.blobs, FormTargets(), lambda: datetime.now(UTC)
        )

    def close(self) -> None:
        self.blobs.close()
        self.engine.dispose()

    def send(self, xml: bytes, device: str = OFFICE) -> None:
        receive_submission(
            self.context,
            project_id=self.project,
            xml=xml,
            files=[],
            identify=lambda _connection: self.caller,
            device_id=device,
        )

    def state(self) -> dict[str, tuple[int, str | None, str]]:
        """Each entity of the project: (version, conflict, data)."""
        e, lists = s.entities, s.entity_lists
        with transaction(self.engine, read_only=True) as connection:
            rows = connection.execute(
                sa.select(e.c.uuid, e.c.version, e.c.conflict, e.c.data)
                .join(lists, lists.c.id == e.c.list_id)
                .where(lists.c.project_id == self.project)
            )
            return {r[0]: (r[1], r[2], repr(sorted(r[3].items()))) for r in rows}

    def held(self) -> int:
        with transaction(self.engine, read_only=True) as connection:
            return count_held(connection)


def _xml(form: str, version: str, values: dict[str, str], entity: dict[str, str]) -> bytes:
    root = etree.Element("data", id=form, version=version)
    for path, value in values.items():
        parent = root
        for name in path.split("/"):
            found = parent.find(name)
            parent = found if found is not None else etree.SubElement(parent, name)
        parent.text = value
    meta = etree.SubElement(root, "meta")
    element = etree.SubElement(meta, "entity", {"dataset": "returnees", **entity})
    if "create" in entity:
        etree.SubElement(element, "label").text = f"R {entity['id'][:8]}"
    etree.SubElement(meta, "instanceID").text = f"uuid:{uuid.uuid4()}"
    return etree.tostring(root)


def registration(field: Field, returnee: str, n: int) -> bytes:
    values = {
        "registration/case_number": f"W/{n}",
        "consent/consent_ok": "yes",
        "identity/first_name": f"F{n}",
        "identity/last_name": f"L{n}",
    }
    entity = {"id": returnee, "create": "1"}
    return _xml("returnee_intake", field.versions["returnee_intake"], values, entity)


def visit(field: Field, returnee: str, branch: str, base: int, count: int) -> bytes:
    values = {
        "returnee": returnee,
        "identity_confirmed": "yes",
        "followup_count": str(count),
        "last_visit_outcome": f"visit {base}",
    }
    entity = {
        "id": returnee,
        "update": "1",
        "baseVersion": str(base),
        "trunkVersion": "1",
        "branchId": branch,
    }
    return _xml("reintegration_followup", field.versions["reintegration_followup"], values, entity)


def runs(field: Field, returnees: Sequence[str], visits: int) -> list[list[bytes]]:
    """Each returnee's offline run: one branch, baseVersion 1..visits on trunk version 1."""
    branches = {r: str(uuid.uuid4()) for r in returnees}
    return [
        [visit(field, r, branches[r], n, 10 * n) for n in range(1, visits + 1)] for r in returnees
    ]


def timed(field: Field, deliveries: Iterable[tuple[bytes, str]]) -> float:
    """Seconds to send these (XML, device) in turn."""
    started = time.perf_counter()
    for xml, device in deliveries:
        field.send(xml, device)
    return time.perf_counter() - started


def field_week(
    url: str,
    workdir: Path,
    *,
    tablets: int = 100,
    returnees: int = 2000,
    visits: int = 3,
    resends: float = 0.05,
    backlog: int = 1000,
    seed: int = 16,
) -> Figures:
    rng = random.Random(seed)
    # Two projects of one database: the week as delivered, and the same follow-ups in order.
    week, in_order = Field(url, workdir), Field(url, workdir)
    try:
        return _week(week, in_order, rng, tablets, returnees, visits, resends, backlog)
    finally:
        week.close()
        in_order.close()


def _week(
    week: Field,
    in_order: Field,
    rng: random.Random,
    tablets: int,
    returnees: int,
    visits: int,
    resends: float,
    backlog: int,
) -> Figures:
    people = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(returnees)]
    registrations = [registration(week, r, n) for n, r in enumerate(people)]
    branches = runs(week, people, visits)
    for xml in registrations:
        week.send(xml)
        in_order.send(xml)
    # Each tablet visits its own returnees (returnee n: tablet n mod tablets); a run is one
    # tablet's offline branch of one returnee.
    ordered = [
        (xml, f"collect:tablet{n % tablets}") for n, run in enumerate(branches) for xml in run
    ]
    delivered = ordered + rng.sample(ordered, int(len(ordered) * resends))  # resent whole
    rng.shuffle(delivered)
    week_seconds = timed(week, delivered)
    in_order_seconds = timed(in_order, ordered)
    after, expected = week.state(), in_order.state()
    same = sum(1 for r in people if after.get(r) == expected.get(r))
    false_conflicts = sum(1 for r in people if after[r][1] is not None)
    held_left = week.held()
    release, ceiling, force = _backlog(week, backlog)
    return Figures(
        submissions=len(delivered),
        entities=len(people),
        same_as_in_order=same,
        false_conflicts=false_conflicts,
        held_left=held_left,
        week_seconds=week_seconds,
        in_order_seconds=in_order_seconds,
        backlog=backlog,
        release_seconds=release,
        release_ceiling_seconds=ceiling,
        force_seconds=force,
    )


def _backlog(field: Field, size: int) -> tuple[float, float, float]:
    """(release, in-order ceiling, force) seconds for `size` held updates: chains of five
    visits whose last four arrive first and wait for the first."""
    chains = max(1, size // 4)
    sets = [[str(uuid.uuid4()) for _ in range(chains)] for _ in range(3)]
    for n, r in enumerate(r for batch in sets for r in batch):
        field.send(registration(field, r, 100_000 + n))
    held_runs, ordered_runs, forced_runs = (runs(field, batch, 5) for batch in sets)
    for run in held_runs + forced_runs:
        for xml in run[1:]:
            field.send(xml)
    assert field.held() == 2 * 4 * chains, field.held()
    release = timed(field, [(run[0], OFFICE) for run in held_runs])
    ceiling = timed(field, [(x, OFFICE) for run in ordered_runs for x in run])
    assert field.held() == 4 * chains, field.held()
    started = time.perf_counter()
    process_backlog(field.engine, datetime.now(UTC), older_than=None)
    force = time.perf_counter() - started
    assert field.held() == 0
    return release, ceiling, force


def report(figures: Figures) -> str:
    week_rate = figures.submissions / figures.week_seconds
    return "\n".join(
        [
            f"field week: {figures.entities:,} returnees, {figures.submissions:,} follow-ups "
            f"delivered shuffled with resends ({week_rate:.0f}/s; in order "
            f"{figures.in_order_seconds:.1f} s, shuffled {figures.week_seconds:.1f} s)",
            f"  final versions equal to the in-order result: {figures.same_as_in_order:,} of "
            f"{figures.entities:,}",
            f"  false conflicts: {figures.false_conflicts}",
            f"  held updates left: {figures.held_left}",
            f"backlog of {figures.backlog:,} held updates released by their first updates: "
            f"{figures.release_seconds:.2f} s = "
            f"{figures.release_seconds / figures.release_ceiling_seconds:.2f} x the same "
            f"updates arriving in order ({figures.release_ceiling_seconds:.2f} s)",
            f"  the same backlog forced (process-backlog --force): {figures.force_seconds:.2f} s "
            f"= {figures.force_seconds / figures.release_ceiling_seconds:.2f} x in order",
        ]
    )


def main() -> None:
    from bench.ingest import database_url

    parser = argparse.ArgumentParser()
    parser.add_argument("--tablets", type=int, default=100)
    parser.add_argument("--returnees", type=int, default=2000)
    parser.add_argument("--visits", type=int, default=3)
    parser.add_argument("--resends", type=float, default=0.05)
    parser.add_argument("--backlog", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        figures = field_week(
            database_url(workdir, "entities_field_week"),
            workdir,
            tablets=args.tablets,
            returnees=args.returnees,
            visits=args.visits,
            resends=args.resends,
            backlog=args.backlog,
        )
    print(report(figures))


if __name__ == "__main__":
    main()
