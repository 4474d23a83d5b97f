"""Hostile submissions over HTTP, through the whole app: each is a 4xx that says what is wrong,
writes nothing (rows, blobs, files), and the server takes a normal submission right after.
Hostile XLSForms are in test_hostile_forms.py, exports in test_export_safety.py."""

from __future__ import annotations

import zipfile
from io import BytesIO

import httpx
import pytest

from tests.security.footprint import blob_keys, data_files, footprint
from tests.security.streaming import stream_chunked
from tests.support.openrosa import OPENROSA, PHOTO, message
from tests.support.paths import sample

SIMPLE = sample("simple.xml")
ATTACHED = sample("with_attachments.xml")
INSTANCE = b"uuid:0b0c7a6e-0000-4000-8000-000000000001"


def with_doctype(doctype: bytes, body: bytes = SIMPLE) -> bytes:
    return body.replace(b'<?xml version="1.0"?>\n', b'<?xml version="1.0"?>\n' + doctype)


LAUGHS = (
    b'<!DOCTYPE data [<!ENTITY l0 "ha">'
    + b"".join(b'<!ENTITY l%d "%s">' % (i, b"&l%d;" % (i - 1) * 10) for i in range(1, 10))
    + b"]>"
)
DEEP = SIMPLE.replace(b"<voice/>", b"<x>" * 100_000 + b"</x>" * 100_000 + b"<voice/>")

HOSTILE_XML = {
    "malformed": (SIMPLE[:-20], 400, "not well-formed"),
    "xxe to an http url": (
        with_doctype(b'<!DOCTYPE data [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>').replace(
            b"Mamadou Diallo", b"&x;"
        ),
        400,
        "DTD",
    ),
    "parameter entities": (
        with_doctype(b'<!DOCTYPE data [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>'),
        400,
        "DTD",
    ),
    "doctype behind a long comment": (
        with_doctype(
            b"<!--" + b"x" * 8000 + b'--><!DOCTYPE data [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        ).replace(b"Mamadou Diallo", b"&x;"),
        400,
        "DTD",
    ),
    "billion laughs": (with_doctype(LAUGHS).replace(b"Mamadou Diallo", b"&l9;"), 400, "DTD"),
    "100,000 levels deep": (DEEP, 400, "not well-formed"),
    "json in the xml part": (b'{"id": "household", "name": "x"}', 400, "not well-formed"),
    "unknown form id": (SIMPLE.replace(b'id="household"', b'id="nope"'), 404, "nope"),
    "wrong form version": (SIMPLE.replace(b'version="1"', b'version="1 OR 1=1"'), 404, "1 OR"),
}


@pytest.fixture
def before(device, engine, blob_store, tmp_path):
    """What is stored once the project, form and device exist."""
    return footprint(engine, blob_store, tmp_path)


@pytest.fixture
def unchanged(before, engine, blob_store, tmp_path):
    def check():
        assert footprint(engine, blob_store, tmp_path) == before

    return check


def still_works(device, instance=b"000000000099"):
    response = device.submit(SIMPLE.replace(b"000000000001", instance))
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("case", HOSTILE_XML)
def test_hostile_submission_xml_is_refused_and_writes_nothing(device, unchanged, case):
    xml, status, says = HOSTILE_XML[case]
    response = device.submit(xml)
    assert response.status_code == status, response.text
    nature, text = message(response)
    assert nature == "error" and says in text
    assert "root:" not in response.text  # no /etc/passwd echoed back
    unchanged()
    still_works(device)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b'{"xml_submission_file": "<data/>"}'),
        ("text/plain", SIMPLE),
        ("application/x-www-form-urlencoded", b"xml_submission_file=" + SIMPLE),
        ("multipart/mixed; boundary=b", b"--b\r\n\r\n" + SIMPLE + b"\r\n--b--\r\n"),
    ],
)
def test_bodies_that_are_not_multipart_form_data_are_400(device, unchanged, content_type, body):
    response = device.client.post(
        f"{device.base}/submission",
        content=body,
        headers={**OPENROSA, "Content-Type": content_type},
    )
    assert response.status_code == 400
    assert "multipart/form-data" in message(response)[1]
    unchanged()
    still_works(device)


def test_the_xml_under_another_part_name_is_400_naming_the_missing_part(device, unchanged):
    response = device.client.post(
        f"{device.base}/submission",
        headers=OPENROSA,
        files=[
            ("xml_submission", ("submission.xml", SIMPLE, "text/xml")),
            ("1741079521992.jpg", ("1741079521992.jpg", PHOTO, "image/jpeg")),
        ],
    )
    assert response.status_code == 400 and "xml_submission_file" in message(response)[1]
    unchanged()
    still_works(device)


def test_unknown_project_is_refused(device, unchanged):
    base = device.base.rsplit("/", 1)[0] + "/999999"
    response = device.client.post(
        f"{base}/submission",
        headers=OPENROSA,
        files=[("xml_submission_file", ("submission.xml", SIMPLE, "text/xml"))],
    )
    assert response.status_code == 403, response.text  # the key is for another project
    assert message(response)[0] == "error"
    unchanged()
    still_works(device)


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd", "/etc/passwd", "..\\..\\windows\\win.ini", "..", "a\tb.jpg", "C:\\x.jpg"],
)
def test_attachment_names_that_are_paths_are_refused(device, unchanged, name):
    xml = ATTACHED.replace(b"1741079521992.jpg", name.encode())
    response = device.submit(xml, {name: PHOTO})
    assert response.status_code == 400, response.text
    assert "/data/respondent/photo" in message(response)[1]
    unchanged()
    still_works(device)


def test_odd_but_harmless_names_stay_inside_the_blob_store_and_the_zip(
    client, admin, project, device, engine, blob_store, tmp_path, before
):
    """`..%2F` is a literal name, not a path; parts the XML does not name (whatever their
    names: paths, NUL bytes) are never stored."""
    name = "..%2F..%2Fetc%2Fpasswd"
    xml = ATTACHED.replace(b"1741079521992.jpg", name.encode())
    files = {name: PHOTO, "../../evil.sh": b"#!/bin/sh", "/tmp/abs": b"x", "nul\x00.jpg": b"y"}
    assert device.submit(xml, files).status_code == 201
    outside = data_files(tmp_path) - {f"blobs/{k}" for k in blob_keys(blob_store)}
    assert outside == before.files - {f"blobs/{k}" for k in before.blobs}
    assert len(blob_keys(blob_store) - before.blobs) == 1  # the photo only
    export = client.get(
        f"/v1/projects/{project}/forms/household/submissions.csv.zip", headers=admin
    )
    names = zipfile.ZipFile(BytesIO(export.content)).namelist()
    assert f"media/{name}" in names
    assert all(".." not in n.split("/") and not n.startswith("/") for n in names)


def test_a_200_mb_xml_part_streamed_in_is_413_without_being_read_whole(live, device, unchanged):
    limit = 100_000_000  # the default max_submission_size
    head = (
        b'--b\r\nContent-Disposition: form-data; name="xml_submission_file"; '
        b'filename="s.xml"\r\nContent-Type: text/xml\r\n\r\n'
    )
    status, body, sent = stream_200_mb(live, device, head)
    assert status == 413 and b"larger than the 100000000 bytes" in body
    assert sent < limit + 50_000_000  # answered long before the 200 MB were all sent
    unchanged()
    live_submission_works(live, device)


def test_a_200_mb_plain_field_is_refused_after_its_first_megabyte(live, device, unchanged):
    head = b'--b\r\nContent-Disposition: form-data; name="xml_submission_file"\r\n\r\n'
    status, body, sent = stream_200_mb(live, device, head)
    assert status == 400 and b"Part exceeded maximum size of 1024KB" in body
    assert sent < 50_000_000
    unchanged()
    live_submission_works(live, device)


def stream_200_mb(live, device, head: bytes):
    """`head` then 200 MB of data, sent in chunks to the real server as a submission."""
    return stream_chunked(
        live,
        f"{device.base}/submission",
        {**OPENROSA, "Content-Type": "multipart/form-data; boundary=b"},
        head,
        total=200_000_000,
    )


def live_submission_works(live, device):
    files = [("xml_submission_file", ("submission.xml", SIMPLE, "text/xml"))]
    response = httpx.post(f"{live}{device.base}/submission", files=files, headers=OPENROSA)
    assert response.status_code == 201, response.text


def test_an_edit_posted_as_a_new_submission_is_refused_and_writes_nothing(
    device, engine, blob_store, tmp_path
):
    """Over REST an edit goes to PUT on the submission's URL; sent to POST .../submissions (as
    an app user might try) it is refused before anything is stored."""
    assert device.submit(sample("simple.xml")).status_code == 201
    before = footprint(engine, blob_store, tmp_path)
    response = device.client.post(
        f"{device.base}/forms/household/submissions",
        content=sample("edit_deprecated.xml"),
        headers={"Content-Type": "application/xml"},
    )
    assert response.status_code == 400 and "deprecatedID" in response.text
    assert footprint(engine, blob_store, tmp_path) == before
    with engine.connect() as connection:
        age = connection.exec_driver_sql("SELECT respondent__age FROM household").scalar()
    assert age == 28
