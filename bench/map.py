"""The map page against a growing data set: every submission placed in Mali (the reference form's
`location`, drawn at random by bench/synthetic.py), counted per grid cell in the database.

    python scripts/test_services.py -- python bench/map.py [--sizes 20000,1000000] [--runs 3]
    python bench/map.py --database postgresql+psycopg://.../kept_1m   (grown by bench/web.py)

Each figure is printed beside the submissions table's first page measured in the same run (the
ratio moves less from machine to machine than the milliseconds), with the bytes on the wire and
the server's peak RSS, which must not grow with the number of submissions.
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

from bench.ingest import RssSampler  # noqa: E402
from bench.seeded import EMAIL, PASSWORD, seeded_server  # noqa: E402
from bench.synthetic import grow  # noqa: E402
from bench.web import _with_csrf, measure_existing  # noqa: E402

FORM = "/projects/1/forms/sample_survey"
PAGES = (
    ("submissions, first page (reference)", "/submissions", {}),
    ("map, around every point", "/map", {}),
    ("map, zoomed in (zoom 6, Mopti)", "/map", {"lat": "14.5", "lon": "-4.2", "zoom": "6"}),
    ("map, review state filter", "/map", {"state": "received"}),
    ("map, column contains filter", "/map", {"has:/data/village": "alpha"}),
    ("map picture, as the dashboard shows it", "/map.svg", {}),
    ("dashboard (the map is its own picture)", "/dashboard", {}),
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="20000,100000", help="submission counts, ascending")
    parser.add_argument("--seeds", type=int, default=500, help="submissions sent over HTTP")
    parser.add_argument("--runs", type=int, default=3, help="times each page is opened")
    parser.add_argument("--database", help="URL of a database grown by bench/web.py")
    args = parser.parse_args()
    if args.database:
        return measure_existing(args.database, args.runs, _measure)
    with seeded_server("map", args.seeds) as server:
        print(f"map: {server.backend}, 1 server process, median of {args.runs} runs per page")
        with httpx.Client(
            base_url=f"http://127.0.0.1:{server.port}",
            timeout=600,
            headers={"Accept-Encoding": "gzip"},
        ) as client:
            signed = client.post(
                "/login", data=_with_csrf(client, {"email": EMAIL, "password": PASSWORD})
            )
            assert signed.status_code == 303, signed.text
            for size in [int(size) for size in args.sizes.split(",")]:
                grow(server.engine, form_id=1, target=size)
                _measure(client, server.pid, size, args.runs)


def _measure(client: httpx.Client, pid: int, size: int, runs: int) -> None:
    reference = 0.0
    for label, path, params in PAGES:
        median, wire, peak = _timed(client, pid, runs, path, params)
        reference = reference or median
        print(
            f"  {size:>9,} {label:<38} {median * 1000:8.0f} ms"
            f"  {median / reference:5.2f} x reference  {wire / 1024:6.1f} KB"
            f"  server peak RSS {peak / 2**20:6.1f} MB",
            flush=True,
        )


def _timed(
    client: httpx.Client, pid: int, runs: int, path: str, params: dict[str, str]
) -> tuple[float, int, float]:
    times, wire = [], 0
    with RssSampler(pid) as rss:
        for _ in range(runs):
            started = time.perf_counter()
            with client.stream("GET", FORM + path, params=params) as response:
                assert response.status_code == 200, response.read()[:300]
                wire = sum(len(chunk) for chunk in response.iter_raw())
            times.append(time.perf_counter() - started)
    return statistics.median(times), wire, rss.peak_process


if __name__ == "__main__":
    main()
