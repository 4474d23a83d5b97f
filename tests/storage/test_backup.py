"""`baobab backup` and `baobab restore`: a populated instance (submissions with repeats and files,
entities, scores, users) backed up to a directory (and to S3 with the real services), restored
onto a fresh database and store, compares equal table by table, in its CSV export and blob by
blob; a damaged backup and a non-empty target are refused."""

from __future__ import annotations

import io
import os
import subprocess
import threading
import uuid
import zipfile
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from server.app import create_app
from server.cli.main import main
from server.services import app_services
from server.settings import Settings
from storage.backup.backup_restore import backup, restore
from storage.backup.targets import open_target
from storage.blobs.gc import referenced_keys
from storage.blobs.store import make_blob_store
from storage.db import make_engine
from tests.support.accounts import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORDS, create_admin
from tests.support.backends import TEST_S3_URL, empty_database, fresh_blob_url
from tests.support.devices import make_device
from tests.support.entities import E1, intake, set_up_returnees
from tests.support.forms import publish
from tests.support.paths import DATA, ROOT, sample
from tests.support.scores import RSS, followup_with

PHOTO = b"\xff\xd8\xff\xe0 a returnee's photo" * 100
AUDIO = b"ID3 a voice note"


class Instance:
    """A populated Baobab: the admin's bearer headers and the project, on `client`."""

    def __init__(self, client: TestClient, engine, clock) -> None:
        create_admin(engine, clock)
        signed_in = client.post(
            "/v1/sessions", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        )
        self.admin = {"Authorization": f"Bearer {signed_in.json()['token']}"}
        self.project = client.post(
            "/v1/projects", json={"name": "Kayes"}, headers=self.admin
        ).json()["id"]
        publish(client, self.admin, self.project, (DATA / "household.md").read_bytes())
        tablet = make_device(client, self.admin, self.project)
        filed = tablet.submit(
            sample("with_attachments.xml"), {"1741079521992.jpg": PHOTO, "note 1.m4a": AUDIO}
        )
        assert filed.status_code == 201, filed.text
        assert tablet.submit(sample("nested_repeat.xml")).status_code == 201
        assert tablet.submit(sample("with_repeat.xml")).status_code == 201
        programme = set_up_returnees(client, self.admin, self.project)
        assert programme.submit(intake(E1)).status_code == 201
        assert programme.submit(followup_with(E1, 1, RSS)).status_code == 201
        other = client.post(
            "/v1/users", json={"email": "fanta@example.org", "password": "a long passphrase 7"},
            headers=self.admin,
        )  # fmt: skip
        assert other.status_code == 200, other.text

    def csv(self, client: TestClient) -> dict[str, bytes]:
        url = f"/v1/projects/{self.project}/forms/household/submissions.csv.zip"
        response = client.get(url, headers=self.admin)
        assert response.status_code == 200, response.text
        archive = zipfile.ZipFile(io.BytesIO(response.content))
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture
def instance(client, engine, clock) -> Instance:
    return Instance(client, engine, clock)


def s3_backup_url() -> str:
    assert TEST_S3_URL
    parts = urlsplit(TEST_S3_URL)
    prefix = f"{parts.path.strip('/')}/backup-{uuid.uuid4().hex[:12]}".strip("/")
    return urlunsplit(parts._replace(path="/" + prefix))


def run(monkeypatch, tmp_path, db_url: str, blob_url: str, *args: str) -> int:
    monkeypatch.setenv("BAOBAB_DATABASE_URL", db_url)
    monkeypatch.setenv("BAOBAB_BLOB_URL", blob_url)
    monkeypatch.setenv("BAOBAB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BAOBAB_LOG_LEVEL", "warning")
    return main(list(args))


def every_table(url: str) -> dict[str, list[tuple[object, ...]]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            metadata = sa.MetaData()
            metadata.reflect(connection)
            return {
                name: sorted((tuple(r) for r in connection.execute(sa.select(table))), key=repr)
                for name, table in metadata.tables.items()
            }
    finally:
        engine.dispose()


def every_blob(url: str) -> dict[str, bytes]:
    store = make_blob_store(url)
    try:
        return {b.sha256: store.read(b.sha256) for b in store.list_blobs()}
    finally:
        store.close()


DESTINATIONS = [
    pytest.param("directory", id="to-a-directory"),
    pytest.param("s3", id="to-s3", marks=pytest.mark.s3),
]


@pytest.mark.parametrize("kind", DESTINATIONS)
def test_a_restored_backup_equals_the_original_table_by_table_export_and_blob(
    instance, client, settings, db_url, blob_url, tmp_path, monkeypatch, capsys, kind
):
    destination = str(tmp_path / "backup") if kind == "directory" else s3_backup_url()
    assert run(monkeypatch, tmp_path, db_url, blob_url, "backup", destination) == 0
    assert "blob(s)" in capsys.readouterr().out
    if kind == "directory":
        # Every file, the blobs included, and checkable without Baobab.
        checked = subprocess.run(
            ["sha256sum", "--check", "--strict", "SHA256SUMS"],
            cwd=tmp_path / "backup", capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert checked.stdout.count(": OK") == 3 + 2  # database, manifest, description; 2 blobs
    restored_blobs = fresh_blob_url(tmp_path)
    with empty_database(tmp_path, "restored") as restored_db:
        code = run(monkeypatch, tmp_path, restored_db, restored_blobs, "restore", destination)
        assert code == 0
        assert every_table(restored_db) == every_table(db_url)
        assert every_blob(restored_blobs) == every_blob(blob_url)
        assert len(every_blob(restored_blobs)) == 2
        copy = Settings(
            data_dir=tmp_path / "restored",
            database_url=restored_db,
            blob_url=restored_blobs,
            odk_validate="off",
            forms_dir=ROOT / "forms",
            public_url="http://baobab.test",
        )
        app = create_app(copy, clock=app_services(client.app).clock, passwords=PASSWORDS)
        with TestClient(app, base_url="http://baobab.test") as restored:
            exported = instance.csv(restored)
            assert exported == instance.csv(client)
            assert any(name.endswith(".jpg") for name in exported)


def test_restore_refuses_a_database_or_a_store_that_is_not_empty(
    instance, db_url, blob_url, tmp_path, monkeypatch, capsys
):
    destination = str(tmp_path / "backup")
    assert run(monkeypatch, tmp_path, db_url, blob_url, "backup", destination) == 0
    assert run(monkeypatch, tmp_path, db_url, blob_url, "restore", destination) == 1
    assert "the database is not empty" in capsys.readouterr().err
    with empty_database(tmp_path, "target") as empty:
        assert run(monkeypatch, tmp_path, empty, blob_url, "restore", destination) == 1
        assert "the blob store is not empty" in capsys.readouterr().err


def test_backup_refuses_a_destination_that_is_not_empty(
    instance, db_url, blob_url, tmp_path, monkeypatch, capsys
):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("someone's files")
    assert run(monkeypatch, tmp_path, db_url, blob_url, "backup", str(tmp_path / "used")) == 1
    assert "is not empty" in capsys.readouterr().err


@pytest.mark.parametrize("damaged", ["dump", "blob"])
def test_a_damaged_backup_is_refused(
    instance, db_url, blob_url, tmp_path, monkeypatch, capsys, damaged
):
    destination = tmp_path / "backup"
    assert run(monkeypatch, tmp_path, db_url, blob_url, "backup", str(destination)) == 0
    if damaged == "dump":
        [dump] = destination.glob("database.*")
    else:
        dump = max(
            (p for p in (destination / "blobs").rglob("*") if p.is_file()), key=os.path.getsize
        )
    content = bytearray(dump.read_bytes())
    content[len(content) // 2] ^= 0xFF
    dump.write_bytes(bytes(content))
    with empty_database(tmp_path, "target") as empty:
        target_blobs = fresh_blob_url(tmp_path)
        assert run(monkeypatch, tmp_path, empty, target_blobs, "restore", str(destination)) == 1
        error = capsys.readouterr().err
        assert (
            ("does not match its SHA-256" in error) if damaged == "dump" else ("damaged" in error)
        )


def test_a_backup_taken_while_submissions_arrive_is_consistent(
    instance, client, engine, blob_store, db_url, tmp_path
):
    """Whatever arrives during the backup, the restored database refers only to blobs the backup
    holds: the blob list is read from the snapshot the dump was taken on."""
    tablet = make_device(client, instance.admin, instance.project)
    stop, statuses = threading.Event(), []

    def submit() -> None:
        i = 0
        while not stop.is_set() and i < 40:
            xml = sample("with_attachments.xml").replace(
                b"8000-000000000004", f"9000-{i:012d}".encode()
            )
            photo = f"photo {i} sent during the backup".encode() * 40
            statuses.append(tablet.submit(xml, {"1741079521992.jpg": photo}).status_code)
            i += 1

    sender = threading.Thread(target=submit)
    sender.start()
    try:
        target = open_target(str(tmp_path / "backup"))
        summary = backup(engine, blob_store, target, datetime.now(UTC), lambda *_: None)
    finally:
        stop.set()
        sender.join(60)
    assert set(statuses) <= {201} and statuses
    assert summary.missing == []
    restored_blobs = fresh_blob_url(tmp_path)
    with empty_database(tmp_path, "restored") as restored_db:
        restored = make_engine(restored_db)
        store = make_blob_store(restored_blobs)
        try:
            restore(restored, store, open_target(str(tmp_path / "backup")), lambda *_: None)
            with restored.connect() as connection:
                referenced = set(referenced_keys(connection))
            assert referenced == {b.sha256 for b in store.list_blobs()}
            assert len(referenced) == summary.blobs >= 2
        finally:
            restored.dispose()
            store.close()
