"""Export speed and memory: CSV zip, XLSX and OData of every submission, from a running server.

    python scripts/test_services.py -- python bench/export.py [--sizes 20000,1000000] [--repeat 7]

The form is the reference one (34 fields, a repeat with 3 rows: 3 member rows per submission),
the one ODK Central was measured with (notes/performance.md). The first `--seeds` submissions
are sent over OpenRosa with random answers, so they go through the real intake; bench/synthetic.py
then copies them in SQL up to each size. For each size it downloads, streaming and discarding the
bytes, the CSV zip, the XLSX, the OData Submissions feed and its repeat feed, and a page of 1,000
OData rows at the start and at the very end of the data (keyset paging: both should cost the
same); it prints the time, the size and the server's peak RSS. On PostgreSQL + SeaweedFS when
TEST_DATABASE_URL / TEST_S3_URL are set, else SQLite + a local directory.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bench.ingest import RssSampler  # noqa: E402
from bench.seeded import EMAIL, PASSWORD, seeded_server  # noqa: E402
from bench.synthetic import grow  # noqa: E402
from converters.odata import encode_skiptoken  # noqa: E402
from storage.schema import system as s  # noqa: E402

FORM = "/v1/projects/1/forms/sample_survey"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="20000,1000000", help="submission counts, ascending")
    parser.add_argument("--seeds", type=int, default=500, help="submissions sent over HTTP")
    parser.add_argument("--only", help="measure only the runs whose label contains this")
    parser.add_argument(
        "--repeat", type=int, default=1, help="downloads per run: prints the fastest and median"
    )
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    with seeded_server("export", args.seeds) as server:
        print(f"export: {server.backend}, 1 server process, {args.seeds} seeds sent over OpenRosa")
        with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=3600) as client:
            token = client.post("/v1/sessions", json={"email": EMAIL, "password": PASSWORD})
            client.headers["Authorization"] = f"Bearer {token.json()['token']}"
            for size in sizes:
                print(f"  growing to {size:,} submissions")
                grow(server.engine, form_id=1, target=size)
                measure(client, server.pid, server.engine, size, args.only, args.repeat)


def measure(
    client: httpx.Client,
    pid: int,
    engine: sa.Engine,
    size: int,
    only: str | None = None,
    repeat: int = 1,
) -> None:
    last_page = _last_page_token(engine, size)
    runs = [
        ("CSV zip", f"{FORM}/submissions.csv.zip", {}),
        ("XLSX", f"{FORM}/submissions.xlsx", {}),
        ("OData Submissions", f"{FORM}.svc/Submissions", {}),
        ("OData Submissions.members", f"{FORM}.svc/Submissions.members", {}),
        ("OData first 1,000", f"{FORM}.svc/Submissions", {"$top": "1000"}),
        ("OData last 1,000", f"{FORM}.svc/Submissions", {"$top": "1000", "$skiptoken": last_page}),
    ]
    for label, path, params in runs:
        if only and only not in label:
            continue
        client.get(f"{FORM}.svc/Submissions", params={"$top": "1"})  # a warm connection
        times = []
        with RssSampler(pid) as rss:
            for _ in range(repeat):
                started = time.perf_counter()
                received = 0
                with client.stream("GET", path, params=params) as response:
                    assert response.status_code == 200, response.read()[:500]
                    for chunk in response.iter_raw(1 << 20):
                        received += len(chunk)
                times.append(time.perf_counter() - started)
        elapsed = min(times)
        median = f" (median {statistics.median(times):.2f} s)" if repeat > 1 else ""
        print(
            f"    {size:>9,} {label:<26} {elapsed:7.2f} s{median}  {received / 2**20:8.1f} MB"
            f"  server peak RSS {rss.peak_process / 2**20:6.1f} MB",
            flush=True,
        )


def _last_page_token(engine: sa.Engine, size: int) -> str:
    """The $skiptoken that starts the last 1,000 submissions in the feed's order (newest first),
    as the feed's own nextLink would give after walking all the pages before."""
    table = s.submissions
    with engine.connect() as connection:
        created_at, identifier = connection.execute(
            sa.select(table.c.created_at, table.c.id)
            .order_by(table.c.created_at.desc(), table.c.id.desc())
            .offset(size - 1001)
            .limit(1)
        ).one()
    return encode_skiptoken({"created": created_at.isoformat(), "id": identifier})


if __name__ == "__main__":
    main()
