"""Streamed answers that fail part-way, on a real uvicorn: once the response has started, the
failure is logged with the form and the reason and the transfer breaks off (the client gets an
incomplete chunked body, never a short one that parses); before it, the client gets an error
with its status and code."""

from __future__ import annotations

import hashlib
import json
import logging
import os

import httpx
import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from storage.blobs.store import make_blob_store
from storage.db import transaction
from storage.forms.data_tables import load_plan
from storage.schema import system as s
from tests.support.devices import make_device
from tests.support.forms import publish
from tests.support.xlsforms import md_form

FORM = md_form(
    """
    type | name | label
    text | name | Name
    geotrace | route | Route
    image | photo_a | First photo
    image | photo_b | Second photo
    """,
    form_id="walks",
)
BIG = os.urandom(700 * 1024)  # incompressible: the zip sends it out before the next file
SMALL = b"\xff\xd8\xff small photo"


def send(device, instance_id: str, files: dict[str, bytes]) -> None:
    names = list(files) + ["", ""]
    xml = (
        f'<data id="walks" version="1"><name>{instance_id[-1]}</name>'
        f"<route>12.5 -8 350 5;12.6 -8.1 351 5</route>"
        f"<photo_a>{names[0]}</photo_a><photo_b>{names[1]}</photo_b>"
        f"<meta><instanceID>{instance_id}</instanceID></meta></data>"
    )
    assert device.submit(xml.encode(), files).status_code == 201


@pytest.fixture
def walks(client, admin, project, clock):
    publish(client, admin, project, FORM)
    device = make_device(client, admin, project, form_ids=("walks",))
    send(device, "uuid:w-1", {"a.jpg": BIG, "b.jpg": SMALL})
    clock.advance(seconds=1)
    send(device, "uuid:w-2", {})
    return f"/v1/projects/{project}/forms/walks"


def read_broken(url: str, headers) -> bytes:
    """The body as far as it came; the transfer must break off before its end."""
    received = b""
    with (
        pytest.raises(httpx.RemoteProtocolError),
        httpx.stream("GET", url, headers=headers, timeout=30) as response,
    ):
        assert response.status_code == 200
        for chunk in response.iter_raw():
            received += chunk
    return received


def corrupt(engine, instance_id: str) -> None:
    """A row an earlier version of the server stored, which the feed cannot convert, for real:
    on PostgreSQL a route of before intake held points to their ranges ('1e999' overflows a
    double while its GeoJSON is built); on SQLite a name that is not UTF-8 (SQLite keeps the
    bytes it is given, Python cannot read them back)."""
    with transaction(engine) as connection:
        form_id = connection.execute(
            sa.select(s.forms.c.id).where(s.forms.c.xml_form_id == "walks")
        ).scalar_one()
        root = load_plan(connection, form_id).root
        xpath = "/data/route" if connection.dialect.name == "postgresql" else "/data/name"
        column = next(c.name for c in root.columns if c.xpath == xpath)
        value = "'1e999 1;2 3'" if xpath == "/data/route" else "CAST(X'C3FF' AS TEXT)"
        submission = connection.execute(
            sa.select(s.submissions.c.id).where(s.submissions.c.instance_id == instance_id)
        ).scalar_one()
        connection.execute(
            sa.text(f'UPDATE "{root.name}" SET "{column}" = {value} WHERE _submission_id = :id'),
            {"id": submission},
        )


def test_an_odata_feed_that_fails_after_its_first_rows_breaks_off(
    live, walks, admin, engine, caplog
):
    corrupt(engine, "uuid:w-1")  # the older submission: the feed's second row
    with caplog.at_level(logging.ERROR, logger="server.exports.streaming"):
        body = read_broken(f"{live}{walks}.svc/Submissions", admin)
    assert body.replace(b" ", b"").startswith(b'{"value":[{"name":"2"')  # the first row came
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)
    logged = [r.getMessage() for r in caplog.records if r.name == "server.exports.streaming"]
    assert len(logged) == 1, logged
    assert "OData Submissions of form 'walks'" in logged[0]
    assert "bytes were sent: " in logged[0]
    assert ("out of range" if engine.dialect.name == "postgresql" else "UTF-8") in logged[0]


def test_a_zip_whose_file_is_missing_from_storage_breaks_off(live, walks, admin, settings, caplog):
    store = make_blob_store(settings.blob_url)
    try:
        store.delete(hashlib.sha256(SMALL).hexdigest())  # b.jpg, zipped after a.jpg
    finally:
        store.close()
    with caplog.at_level(logging.ERROR, logger="server.exports.streaming"):
        body = read_broken(f"{live}{walks}/submissions.csv.zip", admin)
    assert body.startswith(b"PK") and len(body) > 256 * 1024  # a.jpg had gone out
    logged = [r.getMessage() for r in caplog.records if r.name == "server.exports.streaming"]
    assert len(logged) == 1, logged
    assert "export csv.zip of form 'walks'" in logged[0] and "NotFound" in logged[0]


def test_a_feed_that_fails_before_its_first_row_is_an_error_answer(client, walks, admin, engine):
    with transaction(engine) as connection:
        cascade = " CASCADE" if connection.dialect.name == "postgresql" else ""  # its view
        connection.execute(sa.text(f"DROP TABLE walks{cascade}"))
    answering = TestClient(client.app, base_url=str(client.base_url), raise_server_exceptions=False)
    for path in (".svc/Submissions", "/submissions.csv.zip", "/submissions.xlsx"):
        response = answering.get(walks + path, headers=admin)
        assert response.status_code >= 500, path
        assert response.json()["code"] >= 500  # the error as JSON, with its code
