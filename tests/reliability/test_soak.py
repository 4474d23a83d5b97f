"""Soak, as ODK Central runs it in its own CI: `baobab serve` on PostgreSQL and SeaweedFS takes
50 submissions a second for 60 seconds of a 250-question form, every one acknowledged; then it
keeps taking them while CSV zips are exported again and again. Each export holds every
submission acknowledged before it started, and the server's memory stays flat."""

from __future__ import annotations

import csv
import io
import itertools
import threading
import time
import uuid
import zipfile
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.reliability.collect_device import set_up_field
from tests.reliability.server_process import ServerProcess, server_env
from tests.support.openrosa import OPENROSA
from tests.support.xlsforms import md_form

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.s3]

QUESTIONS = 250
RATE = 50  # submissions per second
SECONDS = 60
EXPORT_SECONDS = 25  # submissions go on at RATE while exports run
SENDERS = 8
TYPES = ("text", "integer", "decimal", "select_one yn", "date")


def wide_form() -> bytes:
    survey = "type | name | label\n" + "\n".join(
        f"{TYPES[n % len(TYPES)]} | q{n:03d} | Question {n}" for n in range(QUESTIONS)
    )
    return md_form(
        survey, form_id="wide", version="1", choices="list_name|name|label\nyn|yes|Yes\nyn|no|No"
    )


def wide_submission(n: int) -> bytes:
    values = {
        "text": f"réponse {n} <&> « texte »",
        "integer": str(n),
        "decimal": f"{n}.25",
        "select_one yn": "yes" if n % 2 else "no",
        "date": "2026-03-04",
    }
    answers = "".join(
        f"<q{q:03d}>{_escape(values[TYPES[q % len(TYPES)]])}</q{q:03d}>" for q in range(QUESTIONS)
    )
    return (
        f'<?xml version="1.0"?><data id="wide" version="1">{answers}'
        f"<meta><instanceID>uuid:{uuid.uuid4()}</instanceID></meta></data>"
    ).encode()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Load:
    """SENDERS devices sending at RATE a second, paced on a common schedule, until stopped."""

    def __init__(self, collect: str) -> None:
        self.collect = collect
        self.statuses: list[int | None] = []
        self.acknowledged = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.slots = itertools.count()
        self.start = time.monotonic()

    def run(self, seconds: float) -> None:
        self.start, self.stop = time.monotonic(), threading.Event()
        self.slots = itertools.count()
        deadline = self.start + seconds
        with ThreadPoolExecutor(SENDERS) as pool:
            for _ in range(SENDERS):
                pool.submit(self._device, deadline)

    def _device(self, deadline: float) -> None:
        with httpx.Client(timeout=60) as http:
            while not self.stop.is_set():
                slot = next(self.slots)
                due = self.start + slot / RATE
                if due >= deadline:
                    return
                time.sleep(max(0.0, due - time.monotonic()))
                try:
                    status: int | None = http.post(
                        f"{self.collect}/submission?deviceID=collect:soak",
                        files=[
                            ("xml_submission_file", ("s.xml", wide_submission(slot), "text/xml"))
                        ],
                        headers=OPENROSA,
                    ).status_code
                except httpx.TransportError:
                    status = None
                with self.lock:
                    self.statuses.append(status)
                    self.acknowledged += status == 201


def test_fifty_a_second_for_a_minute_then_exports_while_submitting(settings, engine, tmp_path):
    with ServerProcess(server_env(settings), tmp_path / "server.log") as server:
        field = set_up_field(server.url, engine, wide_form(), "wide")
        export_url = f"{server.url}/v1/projects/{field.project}/forms/wide/submissions.csv.zip"
        load = Load(field.collect)
        began = time.monotonic()
        load.run(SECONDS)
        took = time.monotonic() - began
        first = list(load.statuses)
        assert first and set(first) == {201}, {s: first.count(s) for s in set(first)}
        rss_after_submitting = server.rss_bytes()

        # Exports, one after the other, while devices keep sending.
        exports: list[tuple[int, int, int]] = []  # (acknowledged before, rows, acknowledged after)
        rss: list[int] = []
        sender = threading.Thread(target=load.run, args=(EXPORT_SECONDS,))
        sender.start()
        with httpx.Client(timeout=120, headers=field.admin) as http:
            while sender.is_alive():
                before = load.acknowledged
                rows = exported_rows(http, export_url)
                exports.append((before, rows, load.acknowledged))
                rss.append(server.rss_bytes())
        sender.join()
        second = load.statuses[len(first) :]
        assert second and set(second) == {201}, {s: second.count(s) for s in set(second)}
        peak = server.peak_rss_bytes()

    assert len(exports) >= 3
    counts = [rows for _before, rows, _after in exports]
    assert counts == sorted(counts)  # nothing ever disappears from an export
    # Every submission acknowledged before an export began is in it; at most the SENDERS in
    # flight when it ended may be there without their answer yet.
    assert all(before <= rows <= after + SENDERS for before, rows, after in exports), exports
    # Flat memory: the last exports (with the most rows) need no more than the first ones.
    assert max(rss[-2:]) <= max(rss[:2]) + 64 * 2**20, [r // 2**20 for r in rss]
    print(
        f"\nsoak: {len(first)} submissions of {QUESTIONS} questions in {took:.1f} s "
        f"({len(first) / took:.1f}/s), all 201; then {len(second)} more during "
        f"{len(exports)} CSV-zip exports of {counts[0]}..{counts[-1]} rows; server RSS "
        f"{rss_after_submitting / 2**20:.0f} MB after the minute, "
        f"{min(rss) / 2**20:.0f}-{max(rss) / 2**20:.0f} MB across exports, "
        f"peak {peak / 2**20:.0f} MB"
    )


def exported_rows(http: httpx.Client, url: str) -> int:
    response = http.get(url)
    assert response.status_code == 200, response.text
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        (name,) = archive.namelist()
        text = archive.read(name).decode("utf-8")
    table = list(csv.reader(io.StringIO(text)))
    assert len(table[0]) >= QUESTIONS
    assert all(len(row) == len(table[0]) for row in table)
    return len(table) - 1
