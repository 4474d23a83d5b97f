"""Submissions from ODK Collect: HEAD then POST, rows in the form's tables, files in the blob
store, resends, split uploads, edits, and every refusal as an OpenRosa message."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest

from storage.blobs.store import make_blob_store
from tests.support.database import count, rows
from tests.support.devices import make_device
from tests.support.openrosa import OPENROSA, PHOTO, message
from tests.support.paths import sample

AUDIO = b"ID3 a voice note"


def test_head_answers_204_with_the_size_limit(device):
    response = device.client.head(f"{device.base}/submission?deviceID=collect:t", headers=OPENROSA)
    assert response.status_code == 204
    assert response.headers["x-openrosa-version"] == "1.0"
    assert response.headers["x-openrosa-accept-content-length"] == "100000000"
    assert response.content == b""


def test_a_submission_lands_in_the_tables_with_201(device, engine):
    response = device.submit(sample("nested_repeat.xml"))
    assert response.status_code == 201
    assert response.headers["content-type"].startswith("text/xml")
    assert message(response) == ("", "full submission upload was successful!")
    (root,) = rows(engine, "household")
    assert root["respondent__name"] == "Moussa Keita" and root["respondent__age"] == 41
    assert root["_form_version"] == "1"
    members = rows(engine, "household__members")
    assert [m["m_name"] for m in members] == ["Fatoumata", "Seydou", "Oumar"]
    jobs = rows(engine, "household__jobs")
    by_member = {m["_id"]: m["m_name"] for m in members}
    assert [(by_member[j["_parent_id"]], j["title"]) for j in jobs] == [
        ("Fatoumata", "Trader"),
        ("Fatoumata", "Tailor"),
        ("Oumar", "Farmer"),
    ]
    assert Decimal(str(jobs[2]["pay"])) == Decimal("75000.25")
    with engine.connect() as connection:
        submission = connection.exec_driver_sql(
            "SELECT instance_id, device_id, submitter_id, instance_name FROM submissions"
        ).one()
    assert submission == (
        "uuid:0b0c7a6e-0000-4000-8000-000000000003",
        "collect:t",
        device.actor_id,
        "Moussa Keita",
    )


def test_select_multiple_answers_are_queryable_rows(device, engine):
    device.submit(sample("simple.xml"))
    assert [r["value"] for r in rows(engine, "household__respondent__needs")] == ["medical", "food"]


def test_files_go_to_the_blob_store_and_are_served_back(device, admin, settings):
    response = device.submit(
        sample("with_attachments.xml"), {"1741079521992.jpg": PHOTO, "note 1.m4a": AUDIO}
    )
    assert response.status_code == 201
    base = "/v1/projects/1/forms/household/submissions/uuid:0b0c7a6e-0000-4000-8000-000000000004"
    listing = device.client.get(f"{base}/attachments", headers=admin)
    assert listing.json() == [
        {"name": "1741079521992.jpg", "exists": True},
        {"name": "note 1.m4a", "exists": True},
    ]
    photo = device.client.get(f"{base}/attachments/1741079521992.jpg", headers=admin)
    assert photo.content == PHOTO
    store = make_blob_store(settings.blob_url)
    try:
        assert store.read(hashlib.sha256(PHOTO).hexdigest()) == PHOTO
    finally:
        store.close()


def test_files_the_xml_does_not_name_are_ignored(device, engine):
    response = device.submit(
        sample("with_attachments.xml"), {"1741079521992.jpg": PHOTO, "unrelated.txt": b"x"}
    )
    assert response.status_code == 201
    with engine.connect() as connection:
        names = connection.exec_driver_sql("SELECT name FROM submission_attachments").scalars()
        assert sorted(names) == ["1741079521992.jpg", "note 1.m4a"]
        assert connection.exec_driver_sql("SELECT count(*) FROM blobs").scalar() == 1


def test_an_identical_resend_is_201_and_adds_the_missing_file(device, engine):
    xml = sample("with_attachments.xml")
    first = device.submit(xml, {"1741079521992.jpg": PHOTO})
    again = device.submit(xml, {"1741079521992.jpg": PHOTO, "note 1.m4a": AUDIO})
    assert (first.status_code, again.status_code) == (201, 201)
    assert count(engine, "household") == 1 and count(engine, "submissions") == 1
    with engine.connect() as connection:
        present = connection.exec_driver_sql(
            "SELECT count(*) FROM submission_attachments WHERE blob_sha256 IS NOT NULL"
        ).scalar()
    assert present == 2


def test_split_upload_keeps_every_part_s_files(device, engine):
    xml = sample("with_attachments.xml")
    first = device.submit(xml, {"1741079521992.jpg": PHOTO}, incomplete=True)
    second = device.submit(xml, {"note 1.m4a": AUDIO})
    assert (first.status_code, second.status_code) == (201, 201)
    with engine.connect() as connection:
        received = (
            connection.exec_driver_sql(
                "SELECT name FROM submission_attachments WHERE blob_sha256 IS NOT NULL "
                "ORDER BY name"
            )
            .scalars()
            .all()
        )
    assert received == ["1741079521992.jpg", "note 1.m4a"]


def test_the_same_instance_id_with_other_xml_is_409(device, engine):
    device.submit(sample("simple.xml"))
    changed = sample("simple.xml").replace(b"<age>28</age>", b"<age>82</age>")
    response = device.submit(changed)
    assert response.status_code == 409
    nature, text = message(response)
    assert nature == "error" and "different XML" in text
    assert rows(engine, "household")[0]["respondent__age"] == 28


def test_an_edit_replaces_the_rows_and_keeps_the_old_xml(client, admin, device, engine):
    device.submit(sample("simple.xml"))
    response = device.submit(sample("edit_deprecated.xml"))
    assert response.status_code == 201
    (root,) = rows(engine, "household")
    assert root["respondent__age"] == 29
    assert [r["value"] for r in rows(engine, "household__respondent__needs")] == ["food"]
    with engine.connect() as connection:
        versions = connection.exec_driver_sql(
            "SELECT instance_id, is_current FROM submission_versions ORDER BY id"
        ).all()
        state = connection.exec_driver_sql("SELECT review_state FROM submissions").scalar()
    assert [(v[0][-1], bool(v[1])) for v in versions] == [("1", False), ("5", True)]
    assert state == "edited"


def test_editing_an_outdated_version_is_409(device):
    device.submit(sample("simple.xml"))
    device.submit(sample("edit_deprecated.xml"))
    stale = sample("edit_deprecated.xml").replace(b"000000000005", b"000000000006")
    response = device.submit(stale)
    assert response.status_code == 409
    assert "edited since" in message(response)[1]


def test_an_edit_of_an_unknown_submission_is_404(device):
    response = device.submit(sample("edit_deprecated.xml"))
    assert response.status_code == 404
    assert "does not exist" in message(response)[1]


def test_an_edit_keeps_files_it_does_not_resend(device, engine):
    xml = sample("with_attachments.xml")
    device.submit(xml, {"1741079521992.jpg": PHOTO})
    edit = xml.replace(
        b"000000000004</instanceID>",
        b"000000000044</instanceID><deprecatedID>uuid:0b0c7a6e-0000-4000-8000-"
        b"000000000004</deprecatedID>",
    )
    assert device.submit(edit).status_code == 201
    with engine.connect() as connection:
        kept = (
            connection.exec_driver_sql(
                "SELECT a.name FROM submission_attachments a JOIN submission_versions v "
                "ON v.id = a.submission_version_id WHERE v.is_current AND a.blob_sha256 IS NOT NULL"
            )
            .scalars()
            .all()
        )
    assert kept == ["1741079521992.jpg"]


@pytest.mark.parametrize(
    ("xml", "status", "fragment"),
    [
        (
            b'<data id="nope" version="1"><meta><instanceID>uuid:1</instanceID></meta></data>',
            404,
            "Could not find the form 'nope'",
        ),
        (
            b'<data id="household" version="9"><meta><instanceID>uuid:1</instanceID></meta></data>',
            404,
            "has no version '9'",
        ),
        (b'<data id="household" version="1"><meta/></data>', 400, "instanceID"),
        (
            b'<data id="household" version="1"><respondent><age>old</age></respondent>'
            b"<meta><instanceID>uuid:1</instanceID></meta></data>",
            400,
            "/data/respondent/age",
        ),
        (
            b'<data id="household" version="1"><respondent><age>99999999999999999999</age>'
            b"</respondent><meta><instanceID>uuid:1</instanceID></meta></data>",
            400,
            "/data/respondent/age",  # past a BIGINT: refused, not an overflow
        ),
        (
            b'<data id="household" version="1"><visit>0001-01-01T00:00:00.000+14:00</visit>'
            b"<meta><instanceID>uuid:1</instanceID></meta></data>",
            400,
            "/data/visit",  # a time with no UTC equivalent
        ),
        (b"<data id=", 400, "not well-formed"),
        (
            b'<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<data id="household">&x;</data>',
            400,
            "DTD",
        ),
    ],
)
def test_refusals_are_openrosa_messages_that_say_what_is_wrong(
    device, engine, xml, status, fragment
):
    response = device.submit(xml)
    assert response.status_code == status
    nature, text = message(response)
    assert nature == "error" and fragment in text
    assert count(engine, "submissions") == 0


def test_a_closed_form_refuses_submissions(client, admin, project, device):
    client.patch(f"/v1/projects/{project}/forms/household", json={"state": "closed"}, headers=admin)
    response = device.submit(sample("simple.xml"))
    assert response.status_code == 409 and "closed" in message(response)[1]


def test_a_closing_form_still_accepts_what_devices_hold(client, admin, project, device):
    client.patch(
        f"/v1/projects/{project}/forms/household", json={"state": "closing"}, headers=admin
    )
    assert device.submit(sample("simple.xml")).status_code == 201


def test_post_without_the_xml_part_is_400(device):
    response = device.client.post(
        f"{device.base}/submission",
        headers=OPENROSA,
        files={"photo.jpg": ("photo.jpg", PHOTO, "image/jpeg")},
    )
    assert response.status_code == 400
    assert message(response)[1] == "Required multipart POST field xml_submission_file missing."


def test_post_that_is_not_multipart_is_400(device):
    response = device.client.post(
        f"{device.base}/submission",
        content=sample("simple.xml"),
        headers={**OPENROSA, "Content-Type": "text/xml"},
    )
    assert response.status_code == 400 and "multipart/form-data" in message(response)[1]


def test_an_oversized_body_is_413_before_it_is_read(device):
    response = device.client.post(
        f"{device.base}/submission",
        content=b"x" * 10,
        headers={
            **OPENROSA,
            "Content-Type": "multipart/form-data; boundary=b",
            "Content-Length": "100000001",
        },
    )
    assert response.status_code == 413


def test_non_ascii_file_names_are_kept(device, engine):
    xml = sample("with_attachments.xml").replace(
        b"1741079521992.jpg", "boutique_Ségou.jpg".encode()
    )
    response = device.submit(xml, {"boutique_Ségou.jpg": PHOTO})
    assert response.status_code == 201
    with engine.connect() as connection:
        names = connection.exec_driver_sql(
            "SELECT name FROM submission_attachments WHERE blob_sha256 IS NOT NULL"
        ).scalars()
        assert list(names) == ["boutique_Ségou.jpg"]


def test_unassigned_app_users_cannot_submit(client, admin, project, household):
    stranger = make_device(client, admin, project, form_ids=())
    response = stranger.submit(sample("simple.xml"))
    assert response.status_code == 403 and message(response)[0] == "error"
