"""A power cut in the middle of the day's uploads: `baobab serve` on PostgreSQL and SeaweedFS is
killed with SIGKILL while eight devices send submissions with photos. After a restart, every
submission that was acknowledged with 201 is there with its rows and its photo, converting the
stored XML again gives exactly the same rows, and resending what got no answer duplicates
nothing."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from server.forms.rebuild import rebuild_tables
from tests.reliability.collect_device import (
    PHOTO_NAME,
    Field,
    new_instance_id,
    photo,
    set_up_field,
    stored,
    with_photo,
)
from tests.reliability.server_process import ServerProcess, server_env
from tests.reliability.tables import table_contents

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.s3]

SUBMISSIONS = 3000
KILL_AFTER = 1200  # acknowledged submissions
CONCURRENCY = 8


def send_all(
    field: Field,
    pending: list[str],
    photos: dict[str, bytes],
    answers: dict[str, int | None],
    stop: threading.Event,
) -> None:
    """Send each submission once from CONCURRENCY devices, recording in `answers` the status of
    each (None when the connection broke before an answer); no new sends once `stop` is set."""
    lock = threading.Lock()

    def device(share: list[str]) -> None:
        with httpx.Client(timeout=60) as http:
            for instance_id in share:
                if stop.is_set():
                    return
                try:
                    status: int | None = field.submit(
                        http, with_photo(instance_id), {PHOTO_NAME: photos[instance_id]}
                    ).status_code
                except httpx.TransportError:
                    status = None
                with lock:
                    answers[instance_id] = status

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(device, [pending[n::CONCURRENCY] for n in range(CONCURRENCY)]))


def test_sigkill_under_load_loses_no_acknowledged_submission(settings, engine, tmp_path):
    server = ServerProcess(server_env(settings), tmp_path / "server.log").start()
    field = set_up_field(server.url, engine)
    ids = [new_instance_id() for _ in range(SUBMISSIONS)]
    photos = {instance_id: photo(50_000) for instance_id in ids}
    answers: dict[str, int | None] = {}
    stop = threading.Event()

    def kill_when_enough_are_acknowledged() -> None:
        while not stop.is_set():
            if sum(1 for status in list(answers.values()) if status == 201) >= KILL_AFTER:
                server.kill()  # SIGKILL: no shutdown, no flush
                stop.set()
            stop.wait(0.005)

    killer = threading.Thread(target=kill_when_enough_are_acknowledged)
    killer.start()
    try:
        send_all(field, ids, photos, answers, stop)
    finally:
        stop.set()
        killer.join()
        server.stop()
    assert server.process is not None and server.process.returncode == -9, "not killed"

    acknowledged = [i for i, status in answers.items() if status == 201]
    unanswered = [i for i in ids if answers.get(i) != 201]
    assert set(answers.values()) <= {201, None}, set(answers.values())
    assert len(acknowledged) >= KILL_AFTER and unanswered

    server.start()  # the same port, database and bucket
    try:
        after_crash = stored(engine, acknowledged)
        missing = [i for i in acknowledged if after_crash.submissions.get(i) != 1]
        assert not missing, f"{len(missing)} acknowledged submissions lost, e.g. {missing[:3]}"
        assert all(after_crash.form_rows.get(i) == 1 for i in acknowledged)
        assert all(
            after_crash.attachments[i] == [(PHOTO_NAME, True), ("note 1.m4a", False)]
            for i in acknowledged
        )
        with httpx.Client(timeout=30) as http:
            for instance_id in acknowledged:
                got = field.attachment(http, instance_id, PHOTO_NAME)
                assert got.status_code == 200 and got.content == photos[instance_id], instance_id

        before = table_contents(engine, field.project, "household")
        assert rebuild_tables(engine, field.project, "household") == sum(
            before["household"].values()
        )
        assert table_contents(engine, field.project, "household") == before

        # The devices send again whatever got no 201, including what the server stored just
        # before it died without answering.
        again: dict[str, int | None] = {}
        send_all(field, unanswered, photos, again, threading.Event())
        assert len(again) == len(unanswered) and set(again.values()) == {201}
        everything = stored(engine, ids)
        assert all(everything.submissions.get(i) == 1 for i in ids)
        assert all(everything.versions.get(i) == 1 for i in ids)
        assert all(everything.form_rows.get(i) == 1 for i in ids)
        assert sum(before["household"].values()) >= len(acknowledged)
        print(
            f"\ncrash: sent {len(answers)} of {SUBMISSIONS}, acknowledged {len(acknowledged)}, "
            f"found after restart {len(acknowledged) - len(missing)}, stored without an answer "
            f"{sum(before['household'].values()) - len(acknowledged)}, resent {len(unanswered)}, "
            f"total {len(everything.submissions)}"
        )
    finally:
        server.stop()
