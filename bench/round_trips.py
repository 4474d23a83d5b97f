"""What one OpenRosa submission asks of the database: pool checkouts, transactions and
statements, counted with SQLAlchemy's events in process (issue 22). The reference form of
bench/ingest.py, without a file, the third of three submissions (the first ones warm the caches).

    python scripts/test_services.py -- python bench/round_trips.py

On PostgreSQL when TEST_DATABASE_URL is set, else SQLite. Each line is one event, in order; on
PostgreSQL a `begin` outside autocommit and each statement and `commit`/`rollback` is a round
trip, and a checkout is one more when the connection is pinged (logged by the pool's ping).
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from bench.ingest import database_url, request_bytes, set_up  # noqa: E402
from server.app import create_app  # noqa: E402
from server.services import app_services  # noqa: E402
from server.settings import Settings  # noqa: E402


def main() -> None:
    workdir = Path(tempfile.mkdtemp())
    url = database_url(workdir, "round_trips")
    path = set_up(url, workdir)
    settings = Settings(
        data_dir=workdir, database_url=url, blob_url=f"file://{workdir}/blobs", odk_validate="off"
    )
    app = create_app(settings)
    events: list[tuple[str, str]] = []
    with TestClient(app) as client:
        engine = app_services(app).engine

        @event.listens_for(engine, "before_cursor_execute")
        def _statement(_conn, _cursor, statement, _params, _context, _many):  # type: ignore[no-untyped-def]
            events.append(("statement", " ".join(statement.split()[:4])))

        for name in ("begin", "commit", "rollback"):
            event.listen(
                engine, name, lambda _conn, name=name: events.append(("transaction", name))
            )
        event.listen(engine.pool, "checkout", lambda *_: events.append(("pool", "checkout")))

        for n in range(3):
            head, body = request_bytes(path, with_photo=False).split(b"\r\n\r\n", 1)
            found = re.search(rb"Content-Type: (.*)\r\n", head)
            assert found is not None
            if n == 2:
                events.clear()
            answer = client.post(
                path,
                content=body,
                headers={"Content-Type": found.group(1).decode(), "X-OpenRosa-Version": "1.0"},
            )
            assert answer.status_code == 201, answer.text
    for kind, what in events:
        print(f"  {kind:<12} {what}")
    statements = sum(kind == "statement" for kind, _ in events)
    checkouts = sum(kind == "pool" for kind, _ in events)
    print(f"one submission: {checkouts} checkouts, {statements} statements ({engine.dialect.name})")


if __name__ == "__main__":
    main()
