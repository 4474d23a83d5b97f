"""Web interface speed: the pages a project manager opens, against a growing data set.

    python scripts/test_services.py -- python bench/web.py [--sizes 20000,100000]
    python bench/web.py --database postgresql+psycopg://.../kept_1m [--only submissions]

The reference form (the one of bench/export.py): the first `--seeds` submissions are sent over
OpenRosa, bench/synthetic.py copies them in SQL up to each size. A client signed in through the
sign-in page (session cookie, gzip accepted, as a browser) then opens each page `--runs` times;
the median time, the bytes on the wire (gzip) and the server's peak RSS are printed. On
PostgreSQL + SeaweedFS when TEST_DATABASE_URL / TEST_S3_URL are set, else SQLite + a local
directory.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bench.ingest import RssSampler, server_env, start_server  # noqa: E402
from bench.seeded import EMAIL, PASSWORD, seeded_server  # noqa: E402
from bench.synthetic import grow  # noqa: E402
from scripts.test_services import free_port  # noqa: E402
from storage.db import make_engine, transaction  # noqa: E402
from storage.schema import system as s  # noqa: E402

FORM = "/projects/1/forms/sample_survey"
ONLY = ""  # --only


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="20000,100000", help="submission counts, ascending")
    parser.add_argument("--seeds", type=int, default=500, help="submissions sent over HTTP")
    parser.add_argument("--runs", type=int, default=5, help="times each page is opened")
    parser.add_argument(
        "--database",
        help="URL of a database seeded and grown as this bench does (its administrator, the"
        " form): measured as it is, without growing",
    )
    parser.add_argument("--only", default="", help="only the pages whose label contains this")
    args = parser.parse_args()
    global ONLY
    ONLY = args.only
    if args.database:
        return measure_existing(args.database, args.runs)
    with seeded_server("web", args.seeds) as server:
        print(f"web: {server.backend}, 1 server process, median of {args.runs} runs per page")
        with _signed_in(server.port) as client:
            for size in [int(size) for size in args.sizes.split(",")]:
                grow(server.engine, form_id=1, target=size)
                measure(client, server.pid, size, args.runs)


def measure_existing(url: str, runs: int, pages: Callable[..., None] | None = None) -> None:
    """The pages of a database already grown (a million rows takes minutes to make): a server
    on it, signed in as the bench's administrator; `pages` measures them (default: measure)."""
    engine = make_engine(url)
    with transaction(engine, read_only=True) as connection:
        size = connection.execute(sa.select(sa.func.count()).select_from(s.submissions)).scalar()
    engine.dispose()
    with tempfile.TemporaryDirectory() as directory:
        port = free_port()
        server = start_server(port, server_env(url, Path(directory)), workers=1)
        try:
            what = "web" if pages is None else "map"
            print(
                f"{what}: {url.rsplit('/', 1)[1]}, 1 server process, median of {runs} runs per page"
            )
            with _signed_in(port) as client:
                (pages or measure)(client, server.pid, int(size or 0), runs)
        finally:
            server.terminate()
            server.wait(10)


@contextmanager
def _signed_in(port: int) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=f"http://127.0.0.1:{port}", timeout=600, headers={"Accept-Encoding": "gzip"}
    ) as client:
        fields = _with_csrf(client, {"email": EMAIL, "password": PASSWORD})
        signed = client.post("/login", data=fields)
        assert signed.status_code == 303, signed.text
        yield client


def _with_csrf(
    client: httpx.Client, fields: dict[str, str], path: str = "/login"
) -> dict[str, str]:
    page = client.get(path).text
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token, page[:500]
    return {"csrf": token.group(1), **fields}


def measure(client: httpx.Client, pid: int, size: int, runs: int) -> None:
    first = client.get(f"{FORM}/submissions").text
    instance = re.search(r'name="instance" value="([^"]+)"', first)
    assert instance, first[:500]
    pages = (size + 49) // 50
    question = re.search(r'<option value="(/[^"]*/village)"', first)  # words, two per answer
    assert question, "the reference form has a village question"
    targets = [
        ("submissions, first page", f"{FORM}/submissions", {}),
        ("submissions, last page", f"{FORM}/submissions", {"page": str(pages)}),
        (
            "submissions, sorted by a question",
            f"{FORM}/submissions",
            {"sort": f"q:{question.group(1)}"},
        ),
        (
            "submissions, answer contains",
            f"{FORM}/submissions",
            {"question": question.group(1), "answer": "alpha"},
        ),
        # Per-column filters (issue 21): a text column, then a choice with a number range.
        (
            "submissions, column contains",
            f"{FORM}/submissions",
            {f"has:{question.group(1)}": "alpha"},
        ),
        (
            "submissions, column choice + range",
            f"{FORM}/submissions",
            {
                "has:/data/respondent/resp_sex": "female",
                "min:/data/respondent/resp_age": "30",
                "max:/data/respondent/resp_age": "40",
            },
        ),
        ("one submission", f"{FORM}/submissions/{instance.group(1)}", {}),
        ("dashboard", f"{FORM}/dashboard", {}),
        ("export page", f"{FORM}/export", {}),
    ]
    for label, path, params in targets:
        _timed(client, pid, size, runs, label, path, params)
    # Every question as a column (the chooser's choice, kept for this user), then the default.
    every = re.findall(r'name="column" value="([^"]+)"', first)
    chosen = _with_csrf(client, {"back": ""}, f"{FORM}/submissions")
    assert (
        client.post(f"{FORM}/submissions/columns", data={**chosen, "column": every}).status_code
        == 303
    )
    _timed(
        client, pid, size, runs, f"submissions, all {len(every)} columns", f"{FORM}/submissions", {}
    )
    client.post(f"{FORM}/submissions/columns", data={**chosen, "reset": "1"})


def _timed(
    client: httpx.Client,
    pid: int,
    size: int,
    runs: int,
    label: str,
    path: str,
    params: dict[str, str],
) -> None:
    if ONLY not in label:
        return
    times, wire = [], 0
    with RssSampler(pid) as rss:
        for _ in range(runs):
            started = time.perf_counter()
            with client.stream("GET", path, params=params) as response:
                assert response.status_code == 200, response.read()[:300]
                wire = sum(len(chunk) for chunk in response.iter_raw())
            times.append(time.perf_counter() - started)
    print(
        f"  {size:>9,} {label:<36} {statistics.median(times) * 1000:8.0f} ms"
        f"  {wire / 1024:6.1f} KB  server peak RSS {rss.peak_process / 2**20:6.1f} MB",
        flush=True,
    )


if __name__ == "__main__":
    main()
