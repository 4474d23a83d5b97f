"""OData and CSV zip on a wide form: 300 questions, 200 at the top level and 100 in a group
holding a nested group (wider at one level than a SQL call takes arguments), from a running
server.

    python scripts/test_services.py -- python bench/odata_wide.py [--sizes 20000] [--repeat 5]

`--seeds` submissions with random answers are sent over OpenRosa, then bench/synthetic.py copies
them in SQL up to each size. Each download is streamed and discarded by the client; prints the
time, the size and the server's peak RSS. Run bench/export.py in the same session for the
reference form (34 fields): these machines are noisy, compare figures of one run only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.ingest import (  # noqa: E402
    RssSampler,
    database_url,
    request_bytes,
    send_all,
    server_env,
    start_server,
)
from bench.seeded import EMAIL, PASSWORD  # noqa: E402
from bench.synthetic import grow  # noqa: E402
from converters.xlsform import compile_form  # noqa: E402
from scripts.test_services import free_port  # noqa: E402
from server.accounts.app_users import issue_app_user  # noqa: E402
from server.accounts.keys import TokenBox, load_server_key  # noqa: E402
from server.accounts.passwords import Passwords  # noqa: E402
from storage.accounts.access import assign_form  # noqa: E402
from storage.accounts.users import create_user  # noqa: E402
from storage.db import make_engine, transaction, upgrade  # noqa: E402
from storage.forms.versions import publish_form  # noqa: E402
from storage.projects import create_project  # noqa: E402

TOP, GROUP, INNER = 200, 60, 40
KINDS = ("integer", "decimal", "text", "select_one yn", "date")
FORM = "/v1/projects/1/forms/wide"


def kind(index: int) -> str:
    return KINDS[index % len(KINDS)]


def form() -> bytes:
    rows = ["| survey |", "| | type | name | label |"]
    rows += [f"| | {kind(i)} | q{i} | Q{i} |" for i in range(TOP)]
    rows += ["| | begin group | g | G |"]
    rows += [f"| | {kind(i)} | a{i} | A{i} |" for i in range(GROUP)]
    rows += ["| | begin group | h | H |"]
    rows += [f"| | {kind(i)} | b{i} | B{i} |" for i in range(INNER)]
    rows += ["| | end group | | |", "| | end group | | |"]
    rows += ["| choices |", "| | list_name | name | label |", "| | yn | yes | Yes |"]
    rows += ["| | yn | no | No |", "| settings |", "| | form_id | version |", "| | wide | 1 |"]
    return "\n".join(rows).encode()


def answer(index: int, rng: random.Random) -> str:
    return {
        "integer": lambda: str(rng.randint(0, 10_000)),
        "decimal": lambda: f"{rng.uniform(0, 1000):.2f}",
        "text": lambda: " ".join(rng.choice(("maize", "cattle", "school", "well")) for _ in "ab"),
        "select_one yn": lambda: rng.choice(("yes", "no")),
        "date": lambda: f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
    }[kind(index)]()


def submission(rng: random.Random) -> bytes:
    q = "".join(f"<q{i}>{answer(i, rng)}</q{i}>" for i in range(TOP))
    a = "".join(f"<a{i}>{answer(i, rng)}</a{i}>" for i in range(GROUP))
    b = "".join(f"<b{i}>{answer(i, rng)}</b{i}>" for i in range(INNER))
    return (
        f'<data id="wide" version="1">{q}<g>{a}<h>{b}</h></g>'
        f"<meta><instanceID>uuid:{uuid.uuid4()}</instanceID></meta></data>"
    ).encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="20000", help="submission counts, ascending")
    parser.add_argument("--seeds", type=int, default=200, help="submissions sent over HTTP")
    parser.add_argument(
        "--repeat", type=int, default=1, help="downloads per run: prints the fastest and median"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        url = database_url(workdir, "wide")
        engine = make_engine(url)
        upgrade(engine)
        now = datetime.now(UTC)
        with transaction(engine) as connection:
            create_user(
                connection,
                email=EMAIL,
                password_hash=Passwords().hash(PASSWORD),
                now=now,
                is_admin=True,
            )
            project = create_project(connection, "bench", now)
            published = publish_form(
                connection, project_id=project.id, now=now, compiled=compile_form(form(), ".md")
            )
            box = TokenBox(load_server_key(workdir))
            app_user, token = issue_app_user(
                connection,
                box,
                project_id=project.id,
                display_name="load",
                created_by=None,
                now=now,
            )
            assign_form(connection, published.form.id, app_user.id, now)
        port = free_port()
        server = start_server(port, server_env(url, workdir), workers=1)
        try:
            rng = random.Random(7)
            path = f"/v1/key/{token}/projects/{project.id}/submission"
            bodies = [request_bytes(path, False, submission(rng)) for _ in range(args.seeds)]
            statuses = {status for status, _ in asyncio.run(send_all(port, bodies, 4))}
            assert statuses == {201}, statuses
            backend = "PostgreSQL + S3" if "TEST_DATABASE_URL" in os.environ else "SQLite + local"
            print(f"wide form ({TOP + GROUP + INNER} questions): {backend}, 1 server process")
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=3600) as client:
                signed = client.post("/v1/sessions", json={"email": EMAIL, "password": PASSWORD})
                client.headers["Authorization"] = f"Bearer {signed.json()['token']}"
                for size in (int(s) for s in args.sizes.split(",")):
                    grow(engine, form_id=published.form.id, target=size)
                    measure(client, server.pid, size, args.repeat)
        finally:
            server.terminate()
            server.wait(10)
            engine.dispose()


def measure(client: httpx.Client, pid: int, size: int, repeat: int = 1) -> None:
    runs = [
        ("CSV zip", f"{FORM}/submissions.csv.zip", {}),
        ("OData Submissions", f"{FORM}.svc/Submissions", {}),
        ("OData first 1,000", f"{FORM}.svc/Submissions", {"$top": "1000"}),
    ]
    for label, path, params in runs:
        client.get(f"{FORM}.svc/Submissions", params={"$top": "1"})  # a warm connection
        times: list[float] = []
        outcome = ""
        with RssSampler(pid) as rss:
            for _ in range(repeat):
                started = time.perf_counter()
                received = 0
                try:
                    with client.stream("GET", path, params=params) as response:
                        status = response.status_code
                        for chunk in response.iter_raw(1 << 20):
                            received += len(chunk)
                except httpx.HTTPError as error:
                    outcome = f"broken ({type(error).__name__})"
                    break
                if status != 200:
                    outcome = f"failed ({status})"
                    break
                times.append(time.perf_counter() - started)
        if not outcome:
            median = f" (median {statistics.median(times):.2f} s)" if repeat > 1 else ""
            outcome = f"{min(times):7.2f} s{median}"
        print(
            f"    {size:>9,} {label:<20} {outcome}  {received / 2**20:8.1f} MB"
            f"  server peak RSS {rss.peak_process / 2**20:6.1f} MB",
            flush=True,
        )


if __name__ == "__main__":
    main()
