"""A device this process has let submit is let in from memory before its body is read, and its
key is checked again in the submission's own transaction (server/submissions/devices.py). What
another server does to it (a revocation, an unassigned form, a trashed project), done here
straight in the database so that this process's memory knows nothing of it, must refuse the
very next submission, with the status the first check would have given, and store nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from server.services import app_services
from storage.accounts.access import revoke_app_user_access, unassign_form
from storage.db import transaction
from storage.forms.versions import get_form
from storage.lifecycle.trash import trash_project
from tests.support.database import count
from tests.support.openrosa import OPENROSA, message
from tests.support.paths import sample

NOW = datetime(2026, 12, 3, tzinfo=UTC)
FIRST = b"uuid:0b0c7a6e-0000-4000-8000-000000000003"


def _renamed(n: int) -> bytes:
    return sample("nested_repeat.xml").replace(
        FIRST, f"uuid:0b0c7a6e-0000-4000-8000-{n:012d}".encode()
    )


def _remembered(device) -> bool:
    devices = app_services(device.client.app).intake.devices
    return devices.recall(device.token) is not None


def _two_submissions(device) -> None:
    """The first lets the device in through the database, the second from memory."""
    assert not _remembered(device)
    assert device.submit(_renamed(1)).status_code == 201
    assert _remembered(device)
    assert device.submit(_renamed(2)).status_code == 201
    assert _remembered(device)


def test_a_key_revoked_by_another_server_is_refused_at_once(device, engine):
    _two_submissions(device)
    with transaction(engine) as connection:
        revoke_app_user_access(connection, device.project, device.actor_id, NOW)
    refused = device.submit(_renamed(3))
    assert refused.status_code == 403, refused.text
    assert count(engine, "household") == 2
    assert not _remembered(device)
    # Collect's pre-flight, and the next try, are refused too.
    head = device.client.head(f"{device.base}/submission", headers=OPENROSA)
    assert head.status_code == 403
    assert device.submit(_renamed(4)).status_code == 403
    assert count(engine, "household") == 2


def test_a_form_unassigned_by_another_server_is_refused_at_once(device, engine):
    _two_submissions(device)
    with transaction(engine) as connection:
        form = get_form(connection, device.project, "household")
        assert unassign_form(connection, form.id, device.actor_id)
    refused = device.submit(_renamed(3))
    assert refused.status_code == 403, refused.text
    assert count(engine, "household") == 2
    assert not _remembered(device)


def test_a_project_trashed_by_another_server_refuses_its_devices_at_once(device, engine):
    _two_submissions(device)
    with transaction(engine) as connection:
        trash_project(connection, device.project, NOW)
    refused = device.submit(_renamed(3))
    assert refused.status_code == 403, refused.text
    assert count(engine, "household") == 2


def test_a_remembered_device_still_gets_every_refusal_of_its_submission(device, engine):
    """Memory lets the device in; what it sends is judged as before: a resend is a success
    without a second copy, a broken XML a 400 saying why, and the device stays remembered."""
    _two_submissions(device)
    resent = device.submit(_renamed(2))
    assert resent.status_code == 201
    broken = device.submit(b"<data id='household'><unclosed></data>")
    assert broken.status_code == 400
    assert "The XML is not well-formed" in message(broken)[1]
    assert count(engine, "household") == 2
    assert _remembered(device)
    assert device.submit(_renamed(3)).status_code == 201
    assert count(engine, "household") == 3


def test_a_malformed_key_is_never_remembered(client, device):
    devices = app_services(client.app).intake.devices
    assert devices.recall("short") is None
    assert devices.recall(None) is None
    bad = device.client.post(
        f"/v1/key/{'x' * 10}/projects/{device.project}/submission",
        files=[("xml_submission_file", ("submission.xml", _renamed(1), "text/xml"))],
        headers=OPENROSA,
    )
    assert bad.status_code in (401, 403)
