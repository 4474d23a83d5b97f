"""Where the CPU of an ingest goes: milliseconds of CPU per submission (user + system, from
/proc) in the server's processes, in PostgreSQL's backends and in the load client, for Baobab
and for the bare stack of bench/ceiling.py, without a file, at one concurrency (issue 22).
On two cores at concurrency 8 the machine is CPU-bound, so the ratio of the two stacks' rates
follows the ratio of their totals.

    python scripts/test_services.py -- python bench/ingest_cpu.py [--count 2000] [--concurrency 8]
        [--varied]

PostgreSQL only (TEST_DATABASE_URL): its backends are found as the processes named `postgres`,
so the figure includes its background writers, which are the same for both stacks.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ceiling import (  # noqa: E402
    PATH,
    Tables,
    ceiling_database,
    create_tables,
    start_ceiling,
)
from bench.ingest import (  # noqa: E402
    TEMPLATE,
    database_url,
    process_tree,
    request_bytes,
    send_all,
    server_env,
    set_up,
    start_server,
)
from scripts.test_services import free_port  # noqa: E402

_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pids: list[int], user: bool = True) -> dict[int, float]:
    """Each living process's CPU so far: user + system, or system alone."""
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        system = int(fields[12])  # stime; utime is fields[11]
        seconds[pid] = (system + (int(fields[11]) if user else 0)) / _TICK
    return seconds


def _spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU spent between the two readings; a process started in between counts whole."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def _postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def _client_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def varied(n: int) -> bytes:
    """The template with 1 to 6 household members and 1 to 3 languages, by `n`, under a fresh
    instanceID: real submissions differ in how many rows each table gets."""
    members = TEMPLATE[TEMPLATE.index(b"<members>") : TEMPLATE.rindex(b"</members>") + 10]
    one = members[: members.index(b"</members>") + 10]
    languages = b" ".join([b"fr", b"pt", b"en"][: 1 + n % 3])
    xml = TEMPLATE.replace(members, one * (1 + n % 6)).replace(b"fr pt", languages)
    return xml.replace(
        b"uuid:bd74cc0c-c58c-46a1-b6cf-d17b813ec2a7", f"uuid:{uuid.uuid4()}".encode()
    )


def measure(server_pid: int, port: int, path: str, count: int, concurrency: int, vary: bool) -> str:
    requests = [
        request_bytes(path, with_photo=False, xml=varied(n) if vary else None) for n in range(count)
    ]
    server = process_tree(server_pid)
    server_before, postgres_before = _cpu_seconds(server), _cpu_seconds(_postgres_pids())
    system_before = _cpu_seconds(server, user=False)
    client_before = _client_seconds()
    started = time.perf_counter()
    results = asyncio.run(send_all(port, requests, concurrency))
    elapsed = time.perf_counter() - started
    client_ms = (_client_seconds() - client_before) * 1000 / count
    server_ms = _spent(server_before, _cpu_seconds(server)) * 1000 / count
    system_ms = _spent(system_before, _cpu_seconds(server, user=False)) * 1000 / count
    postgres_ms = _spent(postgres_before, _cpu_seconds(_postgres_pids())) * 1000 / count
    statuses = {status for status, _ in results}
    if statuses != {201}:
        raise RuntimeError(f"{path}: statuses {statuses}")
    return (
        f"{count / elapsed:7.1f}/s; CPU per submission: server {server_ms:.2f} ms"
        f" ({system_ms:.2f} in the kernel),"
        f" PostgreSQL {postgres_ms:.2f} ms, load client {client_ms:.2f} ms,"
        f" all {server_ms + postgres_ms + client_ms:.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--ceiling-workers", type=int, default=2)
    parser.add_argument(
        "--varied",
        action="store_true",
        help="1 to 6 repeat rows and 1 to 3 choices per submission instead of always 3 and 2",
    )
    args = parser.parse_args()
    if "TEST_DATABASE_URL" not in os.environ:
        raise SystemExit("PostgreSQL only: run it under scripts/test_services.py")
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        url = database_url(workdir)
        path = set_up(url, workdir)
        port = free_port()
        tables = Tables.of(TEMPLATE)
        bare_database = create_tables(ceiling_database(workdir), tables)
        server = start_server(port, server_env(url, workdir), args.workers)
        bare, bare_port = start_ceiling(bare_database, tables, None, args.ceiling_workers)
        try:
            for target, target_path in ((port, path), (bare_port, PATH)):
                warm = [request_bytes(target_path, False) for _ in range(400)]
                asyncio.run(send_all(target, warm, args.concurrency))
            shape = "of varied shapes" if args.varied else "all alike"
            print(
                f"{args.count} submissions without a file, {shape}, at concurrency"
                f" {args.concurrency}"
            )
            for _ in range(2):  # Baobab, bare, Baobab, bare: each figure twice
                line = measure(server.pid, port, path, args.count, args.concurrency, args.varied)
                print(f"  Baobab ({args.workers} workers): {line}")
                line = measure(bare.pid, bare_port, PATH, args.count, args.concurrency, args.varied)
                print(f"  bare stack ({args.ceiling_workers} workers): {line}")
        finally:
            for process in (server, bare):
                process.terminate()
                process.wait(10)


if __name__ == "__main__":
    main()
