"""Trying a draft on a device: the draft's QR code points Collect at /v1/test/{key}/...; the
draft, its media and test submissions go through it, apart from the form's real data, and the
key dies with the draft."""

from __future__ import annotations

import base64
import io
import json
import re
import zlib

import sqlalchemy as sa
import zxingcpp
from PIL import Image

from tests.support.visit_form import SURVEY, upload, visit_xml, xlsform

OPENROSA = {"X-OpenRosa-Version": "1.0"}
JPEG = b"\xff\xd8\xff\xe0" + b"2" * 64


def _draft_base(browser, project) -> str:
    """The address in the draft's QR code, as Collect reads it."""
    png = browser.get(f"/projects/{project}/forms/returnee_visit/draft/qr.png")
    assert png.headers["content-type"] == "image/png"
    (code,) = zxingcpp.read_barcodes(
        Image.open(io.BytesIO(png.content)), formats=zxingcpp.BarcodeFormat.QRCode
    )
    settings = json.loads(zlib.decompress(base64.b64decode(code.text)))
    assert settings["project"]["name"] == "[Draft] Returnee visit"
    return settings["general"]["server_url"].split("://", 1)[1].split("/", 1)[1]


def _send(client, base, xml, files=None):
    parts = [("xml_submission_file", ("submission.xml", xml, "text/xml"))]
    parts += [(n, (n, c, "image/jpeg")) for n, c in (files or {}).items()]
    return client.post(f"/{base}/submission", files=parts, headers=OPENROSA)


def test_collect_tries_the_draft_and_its_tests_stay_apart(browser, web_project, client, engine):
    upload(browser, web_project, xlsform())
    base = _draft_base(browser, web_project)
    assert base.startswith("v1/test/") and base.endswith("/forms/returnee_visit/draft")
    listing = client.get(f"/{base}/formList", headers=OPENROSA)
    assert listing.status_code == 200
    assert re.search(
        r"<downloadUrl>[^<]*/forms/returnee_visit/draft\.xml</downloadUrl>", listing.text
    )
    xform = client.get(f"/{base}.xml")
    assert xform.status_code == 200 and b'id="returnee_visit"' in xform.content
    assert client.head(f"/{base}/submission", headers=OPENROSA).status_code == 204

    sent = _send(client, base, visit_xml(1), {"p.jpg": JPEG})
    assert sent.status_code == 201, sent.text
    again = _send(client, base, visit_xml(1), {"p.jpg": JPEG})
    assert again.status_code == 201  # Collect's resend
    other = _send(client, base, visit_xml(1, age=44))
    assert other.status_code == 409
    bad = _send(client, base, visit_xml(2).replace(b"<age>30</age>", b"<age>thirty</age>"))
    assert bad.status_code == 400 and "/data/age" in bad.text

    page = browser.get(f"/projects/{web_project}/forms/returnee_visit")
    assert "uuid:visit-1" in page.text and "uuid:visit-2" not in page.text
    test = browser.get(f"/projects/{web_project}/forms/returnee_visit/draft/tests/uuid:visit-1")
    assert "<dt>Region</dt>" in test.text and "Kayes" in test.text
    photo = browser.get(
        f"/projects/{web_project}/forms/returnee_visit/draft/tests/uuid:visit-1/files/p.jpg"
    )
    assert photo.content == JPEG
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM submissions")).scalar_one() == 0

    browser.post(f"/projects/{web_project}/forms/returnee_visit/publish", {"version": "1"})
    assert client.get(f"/{base}/formList", headers=OPENROSA).status_code == 404
    assert _send(client, base, visit_xml(3)).status_code == 404
    with engine.connect() as connection:
        assert (
            connection.execute(sa.text("SELECT count(*) FROM draft_submissions")).scalar_one() == 0
        )
        assert connection.execute(sa.text("SELECT count(*) FROM submissions")).scalar_one() == 0


def test_a_discarded_draft_closes_its_key_and_keys_do_not_cross_forms(browser, web_project, client):
    upload(browser, web_project, xlsform())
    base = _draft_base(browser, web_project)
    wrong_form = base.replace("/forms/returnee_visit/", "/forms/other/")
    assert client.get(f"/{wrong_form}/formList", headers=OPENROSA).status_code == 404
    assert (
        client.get(
            "/v1/test/not-a-key/projects/1/forms/returnee_visit/draft/formList", headers=OPENROSA
        ).status_code
        == 404
    )
    browser.post(f"/projects/{web_project}/forms/returnee_visit/draft/discard")
    assert client.get(f"/{base}/formList", headers=OPENROSA).status_code == 404


def test_the_rest_draft_carries_centrals_draft_token(browser, web_project, client):
    survey = [
        *SURVEY,
        ["select_one_from_file villages.csv", "village", "Village", "Village", "", ""],
    ]
    upload(browser, web_project, xlsform(survey))
    draft = browser.get(f"/v1/projects/{web_project}/forms/returnee_visit/draft").json()
    base = _draft_base(browser, web_project)
    assert f"/v1/test/{draft['draftToken']}/" in f"/{base}"
    browser.post(
        f"/projects/{web_project}/forms/returnee_visit/media",
        {"target": "draft", "name": "villages.csv"},
        files={"file": ("villages.csv", b"name,label\nkati,Kati\n", "text/csv")},
    )
    listed = client.get(f"/{base}/manifest", headers=OPENROSA)
    url = re.search(r"<downloadUrl>[^<]*(/v1/test/[^<]+)</downloadUrl>", listed.text).group(1)
    assert client.get(url).content == b"name,label\nkati,Kati\n"
