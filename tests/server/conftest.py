"""Fixtures of the server tests: the `baobab` command run in-process on the test's database,
and a project with one returnee registered through the intake form."""

from __future__ import annotations

import io

import pytest

from server.cli.main import main
from tests.support.devices import make_device
from tests.support.entities import E1, intake
from tests.support.forms import XLSX, publish
from tests.support.paths import FORMS


@pytest.fixture
def programme(client, admin, project):
    publish(client, admin, project, (FORMS / "returnee_intake.xlsx").read_bytes(), XLSX)
    device = make_device(client, admin, project, ("returnee_intake",))
    xml = intake(E1)
    assert device.submit(xml).status_code == 201
    instance = xml.split(b"<instanceID>")[1].split(b"</instanceID>")[0].decode()
    return instance


@pytest.fixture
def baobab(monkeypatch, tmp_path, db_url, blob_url, capsys):
    """Run `baobab ARGS` with the test's database; return (exit code, stdout, stderr)."""
    monkeypatch.setenv("BAOBAB_DATABASE_URL", db_url)
    monkeypatch.setenv("BAOBAB_BLOB_URL", blob_url)
    monkeypatch.setenv("BAOBAB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BAOBAB_ODK_VALIDATE", "off")
    monkeypatch.setenv("BAOBAB_LOG_LEVEL", "warning")

    def run(*args, stdin=None):
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run
