"""Form delivery to ODK Collect: formList, form download, manifest and media, with the headers,
content types, hashes and links Collect checks (notes/odk-api.md section 7, points 1-3)."""

from __future__ import annotations

import base64
import hashlib

import pytest
from lxml import etree

from tests.support.devices import make_device
from tests.support.forms import publish
from tests.support.openrosa import OPENROSA
from tests.support.xlsforms import md_form

LIST = "{http://openrosa.org/xforms/xformsList}"
MANIFEST = "{http://openrosa.org/xforms/xformsManifest}"

MEDIA_FORM = md_form(
    """
    type | name | label | media::image
    note | logo | Welcome | logo.png
    select_one_from_file villages.csv | village | Village |
    """,
    form_id="with_media",
    version="3",
)


def parse(response):
    return etree.fromstring(response.content)


def test_form_list_is_openrosa_xml_with_everything_collect_needs(device):
    response = device.form_list()
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.headers["x-openrosa-version"] == "1.0"
    assert response.headers["x-openrosa-accept-content-length"] == "100000000"
    root = parse(response)
    assert root.tag == f"{LIST}xforms"
    (xform,) = root.findall(f"{LIST}xform")
    assert xform.findtext(f"{LIST}formID") == "household"
    assert xform.findtext(f"{LIST}name") == "Household survey"
    assert xform.findtext(f"{LIST}version") == "1"
    assert xform.findtext(f"{LIST}hash").startswith("md5:")
    assert xform.find(f"{LIST}manifestUrl") is None  # no media, no manifest


def test_hash_is_the_md5_of_the_downloaded_bytes_and_links_keep_the_key(device):
    xform = parse(device.form_list()).find(f"{LIST}xform")
    url = xform.findtext(f"{LIST}downloadUrl")
    assert url == f"http://baobab.test{device.base}/forms/household.xml"
    download = device.client.get(url + "?deviceID=collect:t")
    assert download.status_code == 200
    md5 = hashlib.md5(download.content).hexdigest()
    assert xform.findtext(f"{LIST}hash") == f"md5:{md5}"
    assert b'id="household"' in download.content


def test_form_list_filters_by_form_id(client, admin, project, device):
    publish(client, admin, project, md_form("type | name | label\ntext | a | A", form_id="other"))
    client.post(
        f"/v1/projects/{project}/forms/other/assignments/app-user/{device.actor_id}", headers=admin
    )
    assert len(parse(device.form_list()).findall(f"{LIST}xform")) == 2
    only = parse(device.form_list(formID="other")).findall(f"{LIST}xform")
    assert [x.findtext(f"{LIST}formID") for x in only] == ["other"]


def test_app_users_see_only_forms_assigned_to_them(client, admin, project, household):
    publish(client, admin, project, md_form("type | name | label\ntext | a | A", form_id="other"))
    device = make_device(client, admin, project, form_ids=("other",))
    ids = [x.findtext(f"{LIST}formID") for x in parse(device.form_list()).findall(f"{LIST}xform")]
    assert ids == ["other"]
    refused = client.get(f"{device.base}/forms/household.xml")
    assert refused.status_code == 403


def test_closing_and_closed_forms_are_hidden_from_devices(client, admin, project, device):
    for state in ("closing", "closed"):
        changed = client.patch(
            f"/v1/projects/{project}/forms/household", json={"state": state}, headers=admin
        )
        assert changed.json()["state"] == state
        assert parse(device.form_list()).findall(f"{LIST}xform") == []


def test_web_users_get_the_form_list_with_basic_auth_over_https(client, admin, project, household):
    credentials = base64.b64encode(b"admin@example.org:correct horse battery").decode()
    headers = {**OPENROSA, "Authorization": f"Basic {credentials}"}
    over_http = client.get(f"/v1/projects/{project}/formList", headers=headers)
    assert over_http.status_code == 401 and "only available over HTTPS" in over_http.text
    response = client.get(f"https://baobab.test/v1/projects/{project}/formList", headers=headers)
    assert response.status_code == 200
    url = parse(response).find(f"{LIST}xform").findtext(f"{LIST}downloadUrl")
    assert url == f"http://baobab.test/v1/projects/{project}/forms/household.xml"


def test_form_list_without_openrosa_header_is_refused_in_xml(device):
    response = device.client.get(f"{device.base}/formList")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/xml")
    assert "OpenRosa version 1.0" in response.text


def test_head_on_form_list_answers_like_get_for_enketo(device):
    response = device.client.head(f"{device.base}/formList?formID=household", headers=OPENROSA)
    assert response.status_code == 200 and response.content == b""


@pytest.fixture
def media_device(client, admin, project):
    publish(client, admin, project, MEDIA_FORM)
    return make_device(client, admin, project, form_ids=("with_media",))


def test_manifest_lists_only_media_that_have_content(client, admin, project, media_device):
    xform = parse(media_device.form_list()).find(f"{LIST}xform")
    assert xform.find(f"{LIST}manifestUrl") is None
    upload = client.post(
        f"/v1/projects/{project}/forms/with_media/attachments/villages.csv",
        content=b"name,label\nkati,Kati\n",
        headers={**admin, "Content-Type": "text/csv"},
    )
    assert upload.status_code == 200, upload.text
    xform = parse(media_device.form_list()).find(f"{LIST}xform")
    manifest_url = xform.findtext(f"{LIST}manifestUrl")
    assert manifest_url == f"http://baobab.test{media_device.base}/forms/with_media/manifest"
    manifest = media_device.client.get(manifest_url, headers=OPENROSA)
    assert manifest.status_code == 200
    assert manifest.headers["content-type"].startswith("text/xml")
    (media,) = parse(manifest).findall(f"{MANIFEST}mediaFile")
    assert media.findtext(f"{MANIFEST}filename") == "villages.csv"
    download = media_device.client.get(media.findtext(f"{MANIFEST}downloadUrl"))
    assert download.content == b"name,label\nkati,Kati\n"
    assert media.findtext(f"{MANIFEST}hash") == "md5:" + hashlib.md5(download.content).hexdigest()


def test_media_download_answers_if_none_match_with_304(client, admin, project, media_device):
    client.post(
        f"/v1/projects/{project}/forms/with_media/attachments/logo.png",
        content=b"\x89PNG fake",
        headers={**admin, "Content-Type": "image/png"},
    )
    url = f"{media_device.base}/forms/with_media/attachments/logo.png"
    first = media_device.client.get(url)
    assert first.status_code == 200 and first.headers["content-type"] == "image/png"
    again = media_device.client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


def test_new_media_changes_the_manifest_hash(client, admin, project, media_device):
    def manifest_hash():
        manifest = media_device.client.get(
            f"{media_device.base}/forms/with_media/manifest", headers=OPENROSA
        )
        return parse(manifest).find(f"{MANIFEST}mediaFile").findtext(f"{MANIFEST}hash")

    path = f"/v1/projects/{project}/forms/with_media/attachments/villages.csv"
    client.post(path, content=b"name,label\na,A\n", headers=admin)
    first = manifest_hash()
    client.post(path, content=b"name,label\na,A\nb,B\n", headers=admin)
    assert manifest_hash() != first


def test_media_the_form_does_not_use_is_refused(client, admin, project, media_device):
    response = client.post(
        f"/v1/projects/{project}/forms/with_media/attachments/other.csv",
        content=b"x",
        headers=admin,
    )
    assert response.status_code == 404
    assert "must be referenced by the form" in response.json()["message"]


def test_missing_media_and_unknown_forms_are_404(media_device):
    assert (
        media_device.client.get(
            f"{media_device.base}/forms/with_media/attachments/logo.png"
        ).status_code
        == 404
    )
    missing = media_device.client.get(f"{media_device.base}/forms/nope/manifest", headers=OPENROSA)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/xml")
