"""What one OpenRosa submission asks of the database: pool checkouts, transactions and
statements, counted with SQLAlchemy's events in process (issue 22). The reference form of
bench/ingest.py, without a file, the third of three submissions (the first ones warm the caches).

    python scripts/test_services.py -- python bench/round_trips.py

On PostgreSQL when TEST_DATABASE_URL is set, else SQLite. Each line is one event, in order:
what SQLAlchemy sees. The pipelined write (storage/submissions/pipelined.py) talks to psycopg
directly, so on PostgreSQL the wire itself is counted too, from libpq's trace of each
connection: the messages sent, and the round trips (each time the client, having sent,
waits for the server's answer).
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path
from typing import Any

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
    traced: dict[Any, Path] = {}  # psycopg connection -> its current trace file
    with TestClient(app) as client:
        engine = app_services(app).engine
        if engine.dialect.name == "postgresql":
            engine.dispose()  # trace the connections opened from now on

            @event.listens_for(engine, "connect")
            def _trace(dbapi_connection: Any, _record: Any) -> None:
                _start_trace(dbapi_connection, workdir, traced)

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
                for connection in list(traced):  # from here on, new files
                    connection.pgconn.untrace()
                    _start_trace(connection, workdir, traced)
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
    print(f"one submission: {checkouts} checkouts, {statements} statements through SQLAlchemy")
    if traced:
        for connection in traced:
            connection.pgconn.untrace()  # flushes the file
        sent, trips = _wire(list(traced.values()))
        print(f"on the wire: {sent} messages sent, {trips} round trips")


def _start_trace(connection: Any, workdir: Path, traced: dict[Any, Path]) -> None:
    from psycopg import pq

    path = workdir / f"trace-{len(list(workdir.glob('trace-*')))}.txt"
    file = path.open("w")
    _OPEN_FILES.append(file)
    connection.pgconn.trace(file.fileno())
    connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
    traced[connection] = path


_OPEN_FILES: list[Any] = []


def _wire(traces: list[Path]) -> tuple[int, int]:
    """Messages the client sent and round trips, from libpq traces (lines `F ...` for what the
    client sends, `B ...` for what it receives)."""
    sent = trips = 0
    for path in traces:
        with path.open() as file:
            previous = "B"
            for line in file:
                fields = line.rstrip("\n").split("\t")
                direction = fields[0]
                if direction == "F" and fields[2:3] == ["Terminate"]:
                    continue  # the app closing its connections at the end, not the submission
                if direction == "F":
                    sent += 1
                    if previous == "B":
                        trips += 1
                if direction in ("F", "B"):
                    previous = direction
    return sent, trips


if __name__ == "__main__":
    main()
