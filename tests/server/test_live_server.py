"""Against a real uvicorn server on a socket, as ODK Collect talks to it: HEAD then a multipart
POST, and eight identical POSTs at once that must leave exactly one submission."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import sqlalchemy as sa

from tests.reliability.collect_device import set_up_field
from tests.support.openrosa import OPENROSA
from tests.support.paths import DATA

PHOTO = b"\xff\xd8\xff" + bytes(range(256)) * 800  # ~200 KB


@pytest.fixture
def collect(live, engine):
    """The base URL an app user's QR code configures Collect with."""
    return set_up_field(live, engine).collect


def post(base, xml, files=()):
    parts = [("xml_submission_file", ("submission.xml", xml, "text/xml"))]
    parts += [(name, (name, content, "image/jpeg")) for name, content in files]
    with httpx.Client(timeout=30) as http:
        return http.post(
            f"{base}/submission?deviceID=collect:live",
            files=parts,
            headers={**OPENROSA, "User-Agent": "org.odk.collect.android/v2025.1"},
        )


def test_head_then_multipart_post_with_a_photo(collect, engine):
    with httpx.Client(timeout=30) as http:
        head = http.head(f"{collect}/submission?deviceID=collect:live", headers=OPENROSA)
    assert head.status_code == 204
    assert int(head.headers["x-openrosa-accept-content-length"]) >= 10_000_000
    xml = (DATA / "with_attachments.xml").read_bytes()
    response = post(collect, xml, [("1741079521992.jpg", PHOTO)])
    assert response.status_code == 201
    with engine.connect() as connection:
        user_agent = connection.execute(sa.text("SELECT user_agent FROM submissions")).scalar()
        sizes = connection.execute(sa.text("SELECT size FROM blobs")).scalars().all()
    assert user_agent.startswith("org.odk.collect") and sizes == [len(PHOTO)]
    # The response was lost on the way back: Collect sends everything again.
    assert post(collect, xml, [("1741079521992.jpg", PHOTO)]).status_code == 201


def test_eight_identical_posts_at_once_leave_one_submission(collect, engine):
    xml = (DATA / "with_attachments.xml").read_bytes()
    with ThreadPoolExecutor(8) as pool:
        statuses = list(
            pool.map(
                lambda _: post(collect, xml, [("1741079521992.jpg", PHOTO)]).status_code, range(8)
            )
        )
    assert statuses == [201] * 8
    with engine.connect() as connection:
        for table in ("submissions", "submission_versions", "household"):
            assert connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() == 1
        attachments = connection.execute(
            sa.text(
                "SELECT name, blob_sha256 IS NOT NULL FROM submission_attachments ORDER BY name"
            )
        ).all()
    assert [tuple(a) for a in attachments] == [("1741079521992.jpg", True), ("note 1.m4a", False)]


def test_different_submissions_at_once_are_all_kept(collect, engine):
    template = (DATA / "simple.xml").read_bytes()
    xmls = [template.replace(b"000000000001", f"{n:012d}".encode()) for n in range(100, 116)]
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda xml: post(collect, xml).status_code, xmls))
    assert statuses == [201] * 16
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM household")).scalar() == 16
