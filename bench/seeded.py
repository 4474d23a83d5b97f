"""A running Baobab for the read benches (export.py, web.py): an administrator, the reference
form, and `seeds` submissions with random answers sent over OpenRosa, so they went through the
real intake; bench/synthetic.py then grows them to each size."""

from __future__ import annotations

import asyncio
import os
import random
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.ingest import (  # noqa: E402
    database_url,
    request_bytes,
    send_all,
    server_env,
    set_up,
    start_server,
)
from bench.synthetic import seed_submission  # noqa: E402
from scripts.test_services import free_port  # noqa: E402
from server.accounts.passwords import Passwords  # noqa: E402
from storage.accounts.users import create_user  # noqa: E402
from storage.db import make_engine, transaction  # noqa: E402

EMAIL, PASSWORD = "bench@example.org", "bench password 1234"


@dataclass(frozen=True)
class Seeded:
    port: int
    pid: int
    engine: sa.Engine
    backend: str


@contextmanager
def seeded_server(purpose: str, seeds: int) -> Iterator[Seeded]:
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        url = database_url(workdir, purpose)
        submit_path = set_up(url, workdir)
        engine = make_engine(url)
        with transaction(engine) as connection:
            create_user(
                connection,
                email=EMAIL,
                password_hash=Passwords().hash(PASSWORD),
                now=datetime.now(UTC),
                is_admin=True,
            )
        port = free_port()
        server = start_server(port, server_env(url, workdir), workers=1)
        backend = "PostgreSQL + S3" if "TEST_DATABASE_URL" in os.environ else "SQLite + local"
        try:
            rng = random.Random(7)
            bodies = [
                request_bytes(submit_path, False, seed_submission(rng).encode())
                for _ in range(seeds)
            ]
            statuses = {status for status, _ in asyncio.run(send_all(port, bodies, 4))}
            assert statuses == {201}, statuses
            yield Seeded(port, server.pid, engine, backend)
        finally:
            server.terminate()
            server.wait(10)
            engine.dispose()
