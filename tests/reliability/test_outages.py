"""Outages under a running `baobab serve`: S3 stopped, PostgreSQL restarted under load, the local
blob store's disk full. Clients get a clear 503 (or 507) instead of a 500 or a dropped
connection, nothing is half-stored, and the same process recovers when the service comes back.

Each test starts private services it can take down (`private_services.py`).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from lxml import etree

from scripts.test_services import use_test_credentials
from storage.db import make_engine, upgrade
from tests.reliability.collect_device import (
    PHOTO_NAME,
    Field,
    form_row_count,
    new_instance_id,
    photo,
    set_up_field,
    stored,
    with_photo,
    without_files,
)
from tests.reliability.private_services import (
    PostgresCluster,
    SeaweedFS,
    postgres_cluster,
    seaweedfs,
    tmpfs,
)
from tests.reliability.server_process import ServerProcess
from tests.support.paths import ROOT

pytestmark = pytest.mark.slow

StartServer = Callable[[str, str], ServerProcess]


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[StartServer]:
    """Starts `baobab serve` on a database and a blob store; stops it at the end of the test."""
    servers: list[ServerProcess] = []

    def start(database_url: str, blob_url: str) -> ServerProcess:
        server = ServerProcess(
            {
                "BAOBAB_DATA_DIR": str(tmp_path / "data"),
                "BAOBAB_DATABASE_URL": database_url,
                "BAOBAB_BLOB_URL": blob_url,
                "BAOBAB_SECRET_KEY": Fernet.generate_key().decode(),
                "BAOBAB_FORMS_DIR": str(ROOT / "forms"),
            },
            tmp_path / f"server-{len(servers)}.log",
        )
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


def openrosa_message(response: httpx.Response) -> str:
    assert response.headers["x-openrosa-version"] == "1.0"
    root = etree.fromstring(response.content)
    return "".join(root.itertext()).strip()


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) > 0


# -- S3 stopped ---------------------------------------------------------------------------------


@pytest.fixture
def weed() -> Iterator[SeaweedFS]:
    if not os.environ.get("AWS_ACCESS_KEY_ID"):  # outside scripts/test_services.py
        use_test_credentials()
    with seaweedfs() as running:
        yield running


def test_s3_outage_answers_503_stores_nothing_and_the_resend_succeeds(
    weed, start_server, db_url, engine
):
    server = start_server(db_url, weed.blob_url("outage"))
    field = set_up_field(server.url, engine)
    with httpx.Client(timeout=60) as http:
        earlier_id, earlier_photo = new_instance_id(), photo()
        response = field.submit(http, with_photo(earlier_id), {PHOTO_NAME: earlier_photo})
        assert response.status_code == 201, response.text

        weed.stop()
        photos = {new_instance_id(): photo() for _ in range(3)}
        for instance_id, content in photos.items():
            refused = field.submit(http, with_photo(instance_id), {PHOTO_NAME: content})
            assert_unavailable(refused)
            assert "blob store is unavailable" in openrosa_message(refused)
            assert "127.0.0.1" not in refused.text  # the endpoint and key stay in the log
        assert stored(engine, list(photos)).has_none_of(list(photos))
        assert form_row_count(engine) == 1

        # The database is up: a submission without files needs no blob store.
        plain_id = new_instance_id()
        assert field.submit(http, without_files(plain_id), {}).status_code == 201
        assert_unavailable(field.attachment(http, earlier_id, PHOTO_NAME))
        assert_unavailable(http.get(f"{server.url}/health"))

        weed.start()  # same ports, same data; the server process keeps running
        for instance_id, content in photos.items():
            resent = field.submit(http, with_photo(instance_id), {PHOTO_NAME: content})
            assert resent.status_code == 201, resent.text
        assert http.get(f"{server.url}/health").status_code == 200
        for instance_id, content in {**photos, earlier_id: earlier_photo}.items():
            download = field.attachment(http, instance_id, PHOTO_NAME)
            assert download.status_code == 200
            assert download.content == content
    everything = [earlier_id, plain_id, *photos]
    found = stored(engine, everything)
    assert found.submissions == found.versions == found.form_rows == dict.fromkeys(everything, 1)
    for instance_id in [earlier_id, *photos]:
        assert found.attachments[instance_id] == [(PHOTO_NAME, True), ("note 1.m4a", False)]
    assert server.process is not None and server.process.poll() is None


# -- PostgreSQL restarted under load -------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    instance_id: str
    content: bytes
    status: int | None  # None: no HTTP answer at all
    retry_after: str | None
    error: str | None
    after_restart: bool


class Load:
    """`workers` threads that submit new household submissions with a photo until stopped."""

    def __init__(self, field: Field, workers: int) -> None:
        self.field = field
        self.workers = workers
        self.outcomes: list[Outcome] = []
        self.restarted = threading.Event()
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(workers)
        self._futures = [self._pool.submit(self._run) for _ in range(workers)]

    def _run(self) -> None:
        with httpx.Client(timeout=60) as http:
            while not self._stop.is_set():
                instance_id, content = new_instance_id(), photo(20_000)
                after = self.restarted.is_set()
                try:
                    response = self.field.submit(
                        http, with_photo(instance_id), {PHOTO_NAME: content}
                    )
                except httpx.HTTPError as error:
                    outcome = Outcome(instance_id, content, None, None, repr(error), after)
                else:
                    retry = response.headers.get("retry-after")
                    outcome = Outcome(
                        instance_id, content, response.status_code, retry, None, after
                    )
                self.outcomes.append(outcome)  # list.append is atomic
                if outcome.status != 201:
                    time.sleep(0.2)  # the enumerator taps "send" again a little later

    def wait_for(self, accepted: int, *, after_restart: bool, timeout: float = 30) -> float:
        """Wait until `accepted` more submissions got 201; returns how long that took."""
        start = time.monotonic()
        while (
            sum(o.status == 201 and o.after_restart == after_restart for o in self.outcomes)
            < accepted
        ):
            assert time.monotonic() - start < timeout, f"only {self.summary()} in {timeout} s"
            time.sleep(0.05)
        return time.monotonic() - start

    def stop(self) -> None:
        self._stop.set()
        self._pool.shutdown(wait=True)
        for future in self._futures:
            future.result()

    def summary(self) -> dict[object, int]:
        counts: dict[object, int] = {}
        for outcome in self.outcomes:
            key = outcome.status or outcome.error
            counts[key] = counts.get(key, 0) + 1
        return counts


def submit_new(field: Field) -> httpx.Response:
    with httpx.Client(timeout=60) as http:
        return field.submit(http, with_photo(new_instance_id()), {PHOTO_NAME: photo(20_000)})


@pytest.fixture
def cluster() -> Iterator[PostgresCluster]:
    with postgres_cluster() as running:
        yield running


def test_postgres_restart_under_load_answers_only_201_or_503(
    cluster, start_server, tmp_path, capsys
):
    engine = make_engine(cluster.url, pool_size=2)
    try:
        upgrade(engine)
        server = start_server(cluster.url, f"file://{tmp_path / 'blobs'}")
        field = set_up_field(server.url, engine)
        load = Load(field, workers=6)
        try:
            load.wait_for(12, after_restart=False)
            cluster.stop()  # fast: every session is ended, as for an upgrade
            # Requests find no database: each kind of endpoint says 503, never 500.
            with httpx.Client(timeout=30) as http:
                during = {
                    "health": http.get(f"{server.url}/health"),
                    "rest": http.get(f"{server.url}/v1/projects", headers=field.admin),
                    "web": http.get(f"{server.url}/projects", headers=field.web_session),
                    "formList": http.get(
                        f"{field.collect}/formList", headers={"X-OpenRosa-Version": "1.0"}
                    ),
                }
            time.sleep(2)
            cluster.start()
            load.restarted.set()
            recovery = load.wait_for(1, after_restart=True)
            load.wait_for(12, after_restart=True)
        finally:
            load.stop()
        for name, response in during.items():
            assert response.status_code == 503, (name, response.text)
            assert "retry-after" in response.headers, name
        assert during["web"].headers["content-type"].startswith("text/html")  # a page, not JSON
        assert "database is unavailable" in during["web"].text

        engine.dispose()  # the test's own pooled connections died with the restart
        outcomes = load.outcomes
        assert [o for o in outcomes if o.error is not None] == []
        assert {o.status for o in outcomes} <= {201, 503}, load.summary()
        refused = [o for o in outcomes if o.status == 503]
        assert refused, f"no submission met the outage: {load.summary()}"
        assert all(o.retry_after for o in refused)
        late = [o for o in outcomes if o.status == 503 and o.after_restart]

        accepted = [o.instance_id for o in outcomes if o.status == 201]
        found = stored(engine, accepted)
        assert found.submissions == found.form_rows == dict.fromkeys(accepted, 1)

        with httpx.Client(timeout=60) as http:
            for outcome in refused:
                resent = field.submit(
                    http, with_photo(outcome.instance_id), {PHOTO_NAME: outcome.content}
                )
                assert resent.status_code == 201, resent.text
        everything = [o.instance_id for o in outcomes]
        found = stored(engine, everything)
        assert found.submissions == found.form_rows == dict.fromkeys(everything, 1)

        # A restart while nobody submits leaves the pool full of dead connections: the next
        # submissions, all at once, must not be refused for them.
        cluster.stop()
        cluster.start()
        with ThreadPoolExecutor(6) as pool:
            burst = list(pool.map(lambda _: submit_new(field), range(12)))
        assert [response.status_code for response in burst] == [201] * 12
        assert server.process is not None and server.process.poll() is None
        with capsys.disabled():
            print(
                f"\nPostgreSQL restart: {load.summary()}, {len(late)} 503 after the restart, "
                f"first 201 {recovery:.2f} s after PostgreSQL was back"
            )
    finally:
        engine.dispose()


# -- The local blob store's disk full ------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    with contextlib.ExitStack() as stack:
        try:
            mounted = stack.enter_context(tmpfs(tmp_path / "blobs", "2m"))
        except RuntimeError as error:
            pytest.fail(str(error))
        yield mounted


def blob_files(root: Path) -> set[Path]:
    return {path.relative_to(root) for path in root.rglob("*") if path.is_file()}


def test_full_disk_answers_507_leaves_no_partial_file_and_the_resend_succeeds(
    small_disk, start_server, db_url, engine
):
    server = start_server(db_url, f"file://{small_disk}")
    field = set_up_field(server.url, engine)
    with httpx.Client(timeout=60) as http:
        earlier_id = new_instance_id()
        response = field.submit(http, with_photo(earlier_id), {PHOTO_NAME: photo()})
        assert response.status_code == 201, response.text
        before = blob_files(small_disk)

        # Leave 64 KiB: the photo's first chunk fits, the rest does not.
        free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
        filler = small_disk / "filler"
        filler.write_bytes(b"\0" * (free - 64 * 1024))
        instance_id, content = new_instance_id(), photo(512 * 1024)
        refused = field.submit(http, with_photo(instance_id), {PHOTO_NAME: content})
        assert refused.status_code == 507, refused.text
        assert "no space left" in openrosa_message(refused).lower()
        assert stored(engine, [instance_id]).has_none_of([instance_id])
        assert blob_files(small_disk) == before | {Path("filler")}

        plain_id = new_instance_id()  # the database is elsewhere: this needs no disk here
        assert field.submit(http, without_files(plain_id), {}).status_code == 201

        filler.unlink()
        resent = field.submit(http, with_photo(instance_id), {PHOTO_NAME: content})
        assert resent.status_code == 201, resent.text
        download = field.attachment(http, instance_id, PHOTO_NAME)
        assert download.status_code == 200 and download.content == content
    found = stored(engine, [earlier_id, plain_id, instance_id])
    assert (
        found.submissions
        == found.form_rows
        == dict.fromkeys([earlier_id, plain_id, instance_id], 1)
    )
    assert not list((small_disk / ".tmp").iterdir())
