"""Purge: what leaves the trash leaves every table, the form's tables and the blob store, in
batches; a device resending it is refused; the audit keeps counts, not data."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from server.cli.main import main
from storage.db import transaction
from storage.lifecycle.purge import PurgeScope, purge
from tests.support.database import count
from tests.support.paths import sample

PHOTO = b"\xff\xd8\xff\xe0 the purged returnee's photo"
AUDIO = b"ID3 the purged returnee's voice"
KEPT = sample("nested_repeat.xml")
FILED = sample("with_attachments.xml")
FILED_ID = "uuid:0b0c7a6e-0000-4000-8000-000000000004"
FORM = "/v1/projects/{p}/forms/household"


def _submit_filed(device, photo=PHOTO):
    response = device.submit(FILED, {"1741079521992.jpg": photo, "note 1.m4a": AUDIO})
    assert response.status_code == 201, response.text


def _scalar(engine, sql: str, **params):
    with transaction(engine, read_only=True) as connection:
        return connection.execute(sa.text(sql), params).scalar_one()


def test_purge_removes_the_rows_the_xml_and_the_files(
    client, admin, project, device, engine, blob_store, clock
):
    _submit_filed(device)
    assert device.submit(KEPT).status_code == 201
    base = FORM.format(p=project)
    assert client.delete(f"{base}/submissions/{FILED_ID}", headers=admin).status_code == 200
    photo = hashlib.sha256(PHOTO).hexdigest()
    assert blob_store.exists(photo)
    counts = purge(engine, blob_store, PurgeScope(before=None), clock())
    assert (counts.submissions, counts.blobs) == (1, 2)
    assert not blob_store.exists(photo)
    assert not blob_store.exists(hashlib.sha256(AUDIO).hexdigest())
    assert _scalar(engine, "SELECT count(*) FROM submissions") == 1
    assert _scalar(engine, "SELECT count(*) FROM submission_versions") == 1
    assert _scalar(engine, "SELECT count(*) FROM submission_attachments") == 0
    assert _scalar(engine, "SELECT count(*) FROM blobs") == 0
    assert count(engine, "household") == 1
    assert count(engine, "household__members") == 3  # the kept submission's
    assert _scalar(engine, "SELECT count(*) FROM purged_submissions") == 1
    kept = client.get(f"{base}/submissions", headers=admin).json()
    assert [s["instanceId"] for s in kept] == ["uuid:0b0c7a6e-0000-4000-8000-000000000003"]
    assert client.get(f"{base}/submissions?deleted=true", headers=admin).json() == []


def test_a_resend_of_a_purged_submission_is_refused_not_created_again(
    client, admin, project, device, engine, blob_store, clock
):
    _submit_filed(device)
    base = FORM.format(p=project)
    assert client.delete(f"{base}/submissions/{FILED_ID}", headers=admin).status_code == 200
    purge(engine, blob_store, PurgeScope(before=None), clock())
    again = device.submit(FILED, {"1741079521992.jpg": PHOTO})
    assert again.status_code == 409
    assert "This submission has been deleted. You may not resubmit it." in again.text
    assert _scalar(engine, "SELECT count(*) FROM submissions") == 0
    assert (
        not blob_store.exists(hashlib.sha256(PHOTO).hexdigest())
        or _scalar(engine, "SELECT count(*) FROM blobs") == 0
    )


def test_a_file_another_submission_still_uses_stays(
    client, admin, project, device, engine, blob_store, clock
):
    _submit_filed(device)
    other = FILED.replace(b"000000000004", b"000000000005")
    assert device.submit(other, {"1741079521992.jpg": PHOTO}).status_code == 201
    base = FORM.format(p=project)
    assert client.delete(f"{base}/submissions/{FILED_ID}", headers=admin).status_code == 200
    counts = purge(engine, blob_store, PurgeScope(before=None), clock())
    assert counts.blobs == 1  # the voice note only
    assert blob_store.exists(hashlib.sha256(PHOTO).hexdigest())
    served = client.get(
        f"{base}/submissions/uuid:0b0c7a6e-0000-4000-8000-000000000005/attachments/1741079521992.jpg",
        headers=admin,
    )
    assert served.content == PHOTO


def test_only_what_has_been_in_the_trash_long_enough_goes(
    client, admin, project, device, engine, blob_store, clock
):
    _submit_filed(device)
    base = FORM.format(p=project)
    assert client.delete(f"{base}/submissions/{FILED_ID}", headers=admin).status_code == 200
    clock.advance(days=29)
    scope = PurgeScope(before=clock() - timedelta(days=30))
    assert purge(engine, blob_store, scope, clock()).submissions == 0
    clock.advance(days=2)
    scope = PurgeScope(before=clock() - timedelta(days=30))
    assert purge(engine, blob_store, scope, clock()).submissions == 1


def test_purge_leaves_an_audit_entry_with_counts_and_no_data(
    client, admin, project, device, engine, blob_store, clock
):
    _submit_filed(device)
    base = FORM.format(p=project)
    assert client.delete(f"{base}/submissions/{FILED_ID}", headers=admin).status_code == 200
    purge(engine, blob_store, PurgeScope(before=None), clock())
    with transaction(engine, read_only=True) as connection:
        (details,) = connection.execute(
            sa.text("SELECT details FROM audits WHERE action = 'purge'")
        ).scalars()
    text = details if isinstance(details, str) else json.dumps(details)
    assert json.loads(text)["submissions"] == 1
    assert "Kadiatou" not in text and FILED_ID not in text


def test_a_purged_form_takes_its_tables_views_and_versions(
    client, admin, project, device, engine, blob_store, clock
):
    _submit_filed(device)
    assert device.submit(KEPT).status_code == 201
    base = FORM.format(p=project)
    assert client.delete(base, headers=admin).status_code == 200
    counts = purge(engine, blob_store, PurgeScope(before=None), clock())
    assert (counts.submissions, counts.forms, counts.blobs) == (2, 1, 2)
    inspector = sa.inspect(engine)
    names = set(inspector.get_table_names()) | set(inspector.get_view_names())
    if engine.dialect.name == "postgresql":
        names |= set(inspector.get_view_names(schema="analytics"))
    assert not [n for n in names if "household" in n]
    for table in ("forms", "form_versions", "data_tables", "data_columns", "submissions"):
        assert _scalar(engine, f"SELECT count(*) FROM {table}") == 0
    again = client.post(
        f"/v1/projects/{project}/forms?publish=true&ignoreWarnings=true",
        content=sample("household.md"),
        headers={**admin, "Content-Type": "text/markdown"},
    )
    assert again.status_code == 200, again.text


def test_a_purged_project_takes_its_forms(
    client, admin, project, device, engine, blob_store, clock
):
    _submit_filed(device)
    assert client.delete(f"/v1/projects/{project}", headers=admin).status_code == 200
    counts = purge(engine, blob_store, PurgeScope(before=None), clock())
    assert (counts.submissions, counts.forms) == (1, 1)
    assert _scalar(engine, "SELECT count(*) FROM submissions") == 0


def test_purge_goes_in_batches(
    client, admin, project, device, engine, blob_store, clock, monkeypatch
):
    monkeypatch.setattr("storage.lifecycle.purge_rows.BATCH", 2)
    for n in range(5):
        xml = KEPT.replace(b"000000000003", f"00000000010{n}".encode())
        assert device.submit(xml).status_code == 201
    base = FORM.format(p=project)
    assert client.delete(base, headers=admin).status_code == 200
    seen = []
    purge(engine, blob_store, PurgeScope(before=None), clock(), progress=seen.append)
    assert seen == [2, 2, 1]


@pytest.fixture
def baobab(monkeypatch, tmp_path, db_url, blob_url, capsys):
    monkeypatch.setenv("BAOBAB_DATABASE_URL", db_url)
    monkeypatch.setenv("BAOBAB_BLOB_URL", blob_url)
    monkeypatch.setenv("BAOBAB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BAOBAB_LOG_LEVEL", "warning")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))

    def run(*args):
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_the_purge_command_empties_the_trash(client, admin, project, device, engine, baobab):
    _submit_filed(device)
    base = FORM.format(p=project)
    assert client.delete(f"{base}/submissions/{FILED_ID}", headers=admin).status_code == 200
    code, out, _err = baobab("purge", "--force", "--project", str(project), "--form", "household")
    assert code == 0
    assert "purged 1 submission(s), 0 form(s), 0 entit(y/ies), 0 app user(s), 2 file(s)" in out
    assert _scalar(engine, "SELECT count(*) FROM submissions") == 0


def test_the_purge_command_says_what_is_wrong_with_its_arguments(baobab, engine):
    code, _out, err = baobab("purge", "--form", "household")
    assert code == 1 and "--form needs --project" in err
    code, _out, err = baobab("purge", "--project", "99")
    assert code == 1 and "no project 99" in err


@pytest.mark.programme
def test_a_purged_entity_takes_its_versions_and_its_duplicate_review(
    client, admin, project, engine, blob_store, clock
):
    from tests.support.entities import E1, E2, intake, set_up_returnees

    device = set_up_returnees(client, admin, project)
    assert device.submit(intake(E1)).status_code == 201
    assert device.submit(intake(E2, case="KAY/2026/002")).status_code == 201
    # The same name: E2's registration waits for a person to compare it with E1.
    assert _scalar(engine, "SELECT count(*) FROM duplicate_flags") == 1
    entities = f"/v1/projects/{project}/datasets/returnees/entities"
    assert client.delete(f"{entities}/{E1}", headers=admin).status_code == 200
    assert _scalar(engine, "SELECT count(*) FROM entity_pending") == 1  # E2 waits
    counts = purge(engine, blob_store, PurgeScope(before=None), clock())
    assert counts.entities == 1
    assert _scalar(engine, "SELECT count(*) FROM duplicate_flags") == 0  # the pair it was in
    keys = "SELECT count(*) FROM person_keys WHERE entity_uuid = :u"
    assert _scalar(engine, keys, u=E1) == 0 and _scalar(engine, keys, u=E2) > 0
    # Nobody is left for E2 to be a duplicate of: its registration is released.
    assert _scalar(engine, "SELECT count(*) FROM entity_pending") == 0
    assert _scalar(engine, "SELECT uuid FROM entities") == E2
    assert _scalar(engine, "SELECT count(*) FROM entity_versions") == 1


def test_a_purged_project_takes_its_entity_lists_keys_and_roles(
    client, admin, project, engine, blob_store, clock
):
    from tests.support.entities import E1, intake, set_up_returnees

    device = set_up_returnees(client, admin, project)
    assert device.submit(intake(E1)).status_code == 201
    assert client.delete(f"/v1/projects/{project}", headers=admin).status_code == 200
    datasets = client.get(f"/v1/projects/{project}/datasets/returnees.svc/Entities", headers=admin)
    assert datasets.status_code == 404  # the lists are in the trash with their project
    counts = purge(engine, blob_store, PurgeScope(before=None), clock())
    assert (counts.projects, counts.forms, counts.entities) == (1, 2, 1)
    for table in ("projects", "entity_lists", "entities", "field_keys", "person_profiles"):
        assert _scalar(engine, f"SELECT count(*) FROM {table}") == 0, table
    assert device.form_list().status_code in (401, 403)
