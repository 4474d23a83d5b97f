"""Issue 22's sustained run, for `bench/ingest.py --sustained N`: N submissions without a file
at concurrency 8, in blocks of 10,000, each with the bare stack's rate over the same minutes."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from bench.ingest import (
    TEMPLATE,
    RssSampler,
    database_url,
    request_bytes,
    send_all,
    server_env,
    set_up,
    start_server,
)
from scripts.test_services import free_port

SUSTAINED_BLOCK = 10_000
SUSTAINED_CHUNK = 1_000  # Baobab's share of a block between two probes of the bare stack
CEILING_PROBE = 200  # the bare stack's submissions after each chunk


def sustained(total: int, workers: int, ceiling_workers: int) -> None:
    """Issue 22's sustained run: the rate of each block of 10,000 and the largest process's
    peak RSS through it, so that a slowdown or a leak as the tables grow shows. Each block is
    sent in chunks of 1,000, each followed by 200 submissions to the bare stack, so the ceiling
    is measured over the same minutes as the block: a block's ratio to it tells a slowdown of
    Baobab's from one of the machine's (absolute rates here move by 30-50% from minute to
    minute)."""
    from bench.ceiling import PATH, Tables, ceiling_database, create_tables, start_ceiling

    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        url = database_url(workdir)
        path = set_up(url, workdir)
        port = free_port()
        server = start_server(port, server_env(url, workdir), workers)
        tables = Tables.of(TEMPLATE)
        bare_database = create_tables(ceiling_database(workdir), tables)
        bare, bare_port = start_ceiling(bare_database, tables, None, ceiling_workers)
        print(
            f"sustained: {total} submissions without a file, concurrency 8, {workers} workers;"
            f" every {SUSTAINED_CHUNK} followed by {CEILING_PROBE} to the bare stack"
            f" ({ceiling_workers} workers)"
        )
        rates, ratios, peaks = [], [], []
        try:
            asyncio.run(send_all(port, [request_bytes(path, False) for _ in range(300)], 8))
            asyncio.run(send_all(bare_port, [request_bytes(PATH, False) for _ in range(300)], 8))
            for block in range(0, total, SUSTAINED_BLOCK):
                count = min(SUSTAINED_BLOCK, total - block)
                spent = bare_spent = 0.0
                statuses: set[int] = set()
                with RssSampler(server.pid) as rss:
                    for chunk in range(0, count, SUSTAINED_CHUNK):
                        size = min(SUSTAINED_CHUNK, count - chunk)
                        mine = [request_bytes(path, False) for _ in range(size)]
                        theirs = [request_bytes(PATH, False) for _ in range(CEILING_PROBE)]
                        elapsed, sent = _timed(port, mine)
                        spent += elapsed
                        statuses |= sent
                        elapsed, sent = _timed(bare_port, theirs)
                        bare_spent += elapsed
                        if sent != {201}:
                            raise RuntimeError(f"the bare stack answered {sent}")
                ceiling = CEILING_PROBE * -(-count // SUSTAINED_CHUNK) / bare_spent
                rates.append(count / spent)
                ratios.append(rates[-1] / ceiling)
                peaks.append(rss.peak_process / 2**20)
                print(
                    f"  {block + count:>7}: {rates[-1]:6.1f}/s, bare stack {ceiling:6.1f}/s,"
                    f" ratio {ratios[-1]:4.2f}; peak RSS {peaks[-1]:.0f} MB per process"
                    f" ({rss.peak_total / 2**20:.0f} MB in all), statuses {statuses}",
                    flush=True,
                )
        finally:
            for process in (server, bare):
                process.terminate()
                process.wait(10)
        print(
            f"  first block {rates[0]:.1f}/s, last {rates[-1]:.1f}/s (last/first"
            f" {rates[-1] / rates[0]:.2f}); ratio to the bare stack {ratios[0]:.2f} first,"
            f" {ratios[-1]:.2f} last (last/first {ratios[-1] / ratios[0]:.2f}); peak RSS per"
            f" process {peaks[0]:.0f} MB in the first block, {max(peaks):.0f} MB at most"
        )


def _timed(port: int, requests: list[bytes]) -> tuple[float, set[int]]:
    started = time.perf_counter()
    results = asyncio.run(send_all(port, requests, 8))
    return time.perf_counter() - started, {status for status, _ in results}
