"""Submission ingest throughput: OpenRosa multipart POSTs into a running Baobab server, and
into the bare stack of bench/ceiling.py on the same services in the same run, printed as a
ratio to that ceiling (absolute figures on these machines move by 30-50% from run to run).

    python scripts/test_services.py -- python bench/ingest.py [--count 2000] [--workers 4]
    python scripts/test_services.py -- python bench/ingest.py --sustained 100000


The form is the reference one (34 fields, a repeat sent with 3 rows, ~2 KB of XML), the same
one ODK Central was measured with (see notes/performance.md). Runs concurrency 1 and 8, without
and with a 200 KB photo, on PostgreSQL + SeaweedFS when TEST_DATABASE_URL / TEST_S3_URL are set
(else SQLite + a local directory). Prints submissions/s, p50/p95 latency and the server's peak
RSS; checks every submission got a 201 and is in the tables. The load client is a few lines of
asyncio over keep-alive sockets, so that it costs the shared two cores as little as possible.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from psycopg import sql  # noqa: E402

from converters.xlsform import compile_form  # noqa: E402
from scripts.test_services import free_port  # noqa: E402
from server.accounts.app_users import issue_app_user  # noqa: E402
from server.accounts.keys import TokenBox, load_server_key  # noqa: E402
from storage.accounts.access import assign_form  # noqa: E402
from storage.db import make_engine, transaction, upgrade  # noqa: E402
from storage.forms.versions import publish_form  # noqa: E402
from storage.projects import create_project  # noqa: E402

FORM = ROOT / "tests/data/central/sample_survey.xml"
TEMPLATE = (ROOT / "tests/data/central/submission1.xml").read_bytes()
PHOTO = os.urandom(200 * 1024)
BOUNDARY = b"----baobabbench7d3f"


def database_url(workdir: Path, purpose: str = "ingest") -> str:
    """A fresh database for one bench: on the PostgreSQL server of TEST_DATABASE_URL when it is
    set, else a SQLite file in `workdir`."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{workdir}/bench.db"
    name = base.rsplit("/", 1)[1] + "_" + purpose
    admin = base.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return base.rsplit("/", 1)[0] + "/" + name


def blob_url(workdir: Path) -> str:
    s3 = os.environ.get("TEST_S3_URL")
    if not s3:
        return f"file://{workdir}/blobs"
    prefix = f"/ingest-{uuid.uuid4().hex[:8]}"
    base, _, query = s3.partition("?")
    return f"{base.rstrip('/')}{prefix}?{query}"


def set_up(url: str, workdir: Path) -> str:
    """Migrate, publish the form, create an app user assigned to it; return its URL base."""
    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    box = TokenBox(load_server_key(workdir))
    with transaction(engine) as connection:
        project = create_project(connection, "bench", now)
        result = publish_form(
            connection,
            project_id=project.id,
            now=now,
            compiled=compile_form(FORM.read_bytes(), ".xml"),
        )
        app_user, token = issue_app_user(
            connection, box, project_id=project.id, display_name="load", created_by=None, now=now
        )
        assign_form(connection, result.form.id, app_user.id, now)
    engine.dispose()
    return f"/v1/key/{token}/projects/{project.id}/submission"


def request_bytes(path: str, with_photo: bool, xml: bytes | None = None) -> bytes:
    """An OpenRosa submission POST: `xml`, or the template with a fresh instance ID."""
    xml = xml or TEMPLATE.replace(
        b"uuid:bd74cc0c-c58c-46a1-b6cf-d17b813ec2a7", f"uuid:{uuid.uuid4()}".encode()
    )
    parts = [
        b"--" + BOUNDARY,
        b'Content-Disposition: form-data; name="xml_submission_file"; filename="submission.xml"',
        b"Content-Type: text/xml",
        b"",
        xml,
    ]
    if with_photo:
        parts += [
            b"--" + BOUNDARY,
            b'Content-Disposition: form-data; name="dwelling.jpg"; filename="dwelling.jpg"',
            b"Content-Type: image/jpeg",
            b"",
            PHOTO,
        ]
    body = b"\r\n".join([*parts, b"--" + BOUNDARY + b"--", b""])
    head = (
        f"POST {path}?deviceID=collect:bench HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "X-OpenRosa-Version: 1.0\r\nUser-Agent: baobab-bench\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY.decode()}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body


async def send_all(port: int, requests: list[bytes], concurrency: int) -> list[tuple[int, float]]:
    queue = list(reversed(requests))
    results: list[tuple[int, float]] = []

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while queue:
            payload = queue.pop()
            started = time.perf_counter()
            writer.write(payload)
            await writer.drain()
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            results.append((int(status_line.split()[1]), time.perf_counter() - started))
        writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return results


def process_tree(pid: int) -> list[int]:
    """A process and all its descendants (a server's supervisor and its workers)."""
    pids, todo = [], [pid]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        todo += [int(c) for c in children]
    return pids


class RssSampler:
    """Peak resident memory of the server: its master process and every worker."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_process = 0
        self.peak_total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self._sample()  # at once, and again at the end: a short request still gets a figure
        while not self._stop.wait(0.05):
            self._sample()
        self._sample()

    def _sample(self) -> None:
        sizes = []
        for pid in process_tree(self.pid):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            line = next((x for x in status.splitlines() if x.startswith("VmRSS:")), None)
            if line:
                sizes.append(int(line.split()[1]) * 1024)
        if sizes:
            self.peak_process = max(self.peak_process, max(sizes))
            self.peak_total = max(self.peak_total, sum(sizes))

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def server_env(url: str, workdir: Path) -> dict[str, str]:
    """The environment of a bench server on the database `url`, its files under `workdir`."""
    return {
        **os.environ,
        "BAOBAB_DATABASE_URL": url,
        "BAOBAB_BLOB_URL": blob_url(workdir),
        "BAOBAB_DATA_DIR": str(workdir),
        "BAOBAB_LOG_LEVEL": "warning",
    }


def start_server(port: int, env: dict[str, str], workers: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "server.app:app_from_env",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    import socket

    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")


def main() -> None:
    # Imported here: bench/ceiling.py imports this module's helpers.
    from bench.ceiling import (
        PATH,
        Tables,
        ceiling_database,
        ceiling_files,
        create_tables,
        rate,
        start_ceiling,
    )

    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--ceiling-workers", type=int, default=2)
    parser.add_argument(
        "--sustained",
        type=int,
        metavar="N",
        help="instead: N submissions without a file at concurrency 8, in blocks of 10,000",
    )
    args = parser.parse_args()
    if args.sustained:
        from bench.sustained import sustained

        sustained(args.sustained, args.workers, args.ceiling_workers)
        return
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        url = database_url(workdir)
        path = set_up(url, workdir)
        port = free_port()
        env = server_env(url, workdir)
        tables = Tables.of(TEMPLATE)
        bare_database = create_tables(ceiling_database(workdir), tables)
        server = start_server(port, env, args.workers)
        bare, bare_port = start_ceiling(
            bare_database, tables, ceiling_files(workdir), args.ceiling_workers
        )
        backend = "PostgreSQL + S3" if "TEST_DATABASE_URL" in os.environ else "SQLite + local"
        print(
            f"ingest: {args.count} submissions per run, {backend}, Baobab {args.workers} workers,"
            f" the bare stack (bench/ceiling.py) {args.ceiling_workers} workers on the same"
            f" services, {len(TEMPLATE)} B of XML; runs interleaved Baobab, bare, bare, Baobab"
            " and averaged"
        )
        sent = 0
        try:
            for photo in (False, True):
                for target, target_path in ((port, path), (bare_port, PATH)):
                    warm = [request_bytes(target_path, photo) for _ in range(args.warmup)]
                    asyncio.run(send_all(target, warm, 8))
                sent += args.warmup
                for concurrency in (1, 8):
                    label = "200 KB photo" if photo else "no file"
                    # Baobab, the bare stack, the bare stack, Baobab: neither always runs
                    # first, when the machine (or SeaweedFS, allocating volumes) is warming.
                    first, line = _run_baobab(server.pid, port, path, photo, concurrency, args)
                    ceiling = (
                        rate(bare_port, PATH, photo, args.count, concurrency)
                        + rate(bare_port, PATH, photo, args.count, concurrency)
                    ) / 2
                    second, _ = _run_baobab(server.pid, port, path, photo, concurrency, args)
                    figure = (first + second) / 2
                    sent += 2 * args.count
                    print(
                        f"  concurrency {concurrency}, {label:>12}: Baobab {figure:7.1f}/s,"
                        f" bare stack {ceiling:7.1f}/s, ratio {figure / ceiling:4.2f}  {line}"
                    )
        finally:
            for process in (server, bare):
                process.terminate()
                process.wait(10)
        engine = make_engine(url)
        with engine.connect() as connection:
            stored = connection.execute(sa.text("SELECT count(*) FROM sample_survey")).scalar()
        engine.dispose()
        print(f"  sent {sent} to Baobab, rows in sample_survey: {stored}")


def _run_baobab(
    pid: int, port: int, path: str, photo: bool, concurrency: int, args: argparse.Namespace
) -> tuple[float, str]:
    requests = [request_bytes(path, photo) for _ in range(args.count)]
    with RssSampler(pid) as rss:
        started = time.perf_counter()
        results = asyncio.run(send_all(port, requests, concurrency))
        elapsed = time.perf_counter() - started
    statuses = {status for status, _ in results}
    latencies = sorted(latency for _, latency in results)
    p50 = statistics.median(latencies) * 1000
    p95 = latencies[int(len(latencies) * 0.95)] * 1000
    line = (
        f"(Baobab p50 {p50:.1f} ms, p95 {p95:.1f} ms, peak RSS {rss.peak_process / 2**20:.0f} MB"
        f" per process, {rss.peak_total / 2**20:.0f} MB in all; statuses {statuses})"
    )
    return len(results) / elapsed, line


if __name__ == "__main__":
    main()
