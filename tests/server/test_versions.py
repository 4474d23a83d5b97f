"""Form versions as ODK Central keeps them: a form without one is published as version '' and
takes submissions that carry none; `orx:version` counts; every version published needs a name
of its own (409.6), which `?version=` or `baobab forms publish --version` gives."""

from __future__ import annotations

from datetime import date

from lxml import etree

from server.cli.main import main
from storage.forms.drafts import suggest_version
from tests.support.database import rows
from tests.support.devices import make_device
from tests.support.forms import publish
from tests.support.openrosa import OPENROSA
from tests.support.xlsforms import md_form

LIST = "{http://openrosa.org/xforms/xformsList}"
VERSIONLESS = md_form(
    "type | name | label\ntext | name | Name\ninteger | age | Age", settings="form_id\nversionless"
)
ORX_VERSION = b"""<?xml version="1.0"?>
<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml"
  xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms">
<h:head><h:title>orx version</h:title>
<model><instance><data id="orx_version" orx:version="2026-12-02">
<name/><count/><meta><instanceID/></meta></data></instance>
<bind nodeset="/data/name" type="string"/><bind nodeset="/data/count" type="int"/>
<bind nodeset="/data/meta/instanceID" type="string" readonly="true()" jr:preload="uid"/>
</model></h:head>
<h:body><input ref="/data/name"><label>Name</label></input>
<input ref="/data/count"><label>Count</label></input></h:body></h:html>"""


def versionless_xml(n: int, version: str | None = None, deprecated: int | None = None) -> bytes:
    attribute = f' version="{version}"' if version is not None else ""
    old = f"<deprecatedID>uuid:v-{deprecated}</deprecatedID>" if deprecated else ""
    return (
        f'<data id="versionless"{attribute}><name>Awa {n}</name><age>{30 + n}</age>'
        f"<meta><instanceID>uuid:v-{n}</instanceID>{old}</meta></data>"
    ).encode()


def test_a_form_without_a_version_is_published_listed_and_takes_submissions(
    client, admin, project, engine
):
    form = publish(client, admin, project, VERSIONLESS)
    assert form["version"] == ""
    device = make_device(client, admin, project, ("versionless",))
    listed = etree.fromstring(device.form_list().content)
    (entry,) = listed.findall(f"{LIST}xform")
    assert entry.findtext(f"{LIST}formID") == "versionless"
    assert (entry.findtext(f"{LIST}version") or "") == ""
    assert device.client.get(entry.findtext(f"{LIST}downloadUrl")).status_code == 200

    assert device.submit(versionless_xml(1)).status_code == 201  # Collect: no attribute
    assert device.submit(versionless_xml(2, version="")).status_code == 201
    assert device.submit(versionless_xml(3, deprecated=1)).status_code == 201  # an edit
    stored = rows(engine, "versionless")
    assert sorted((r["name"], r["age"], r["_form_version"]) for r in stored) == [
        ("Awa 2", 32, ""),
        ("Awa 3", 33, ""),
    ]
    refused = device.submit(versionless_xml(4, version="7"))
    assert refused.status_code == 404 and b"has no version '7'" in refused.content

    versions = client.get(f"/v1/projects/{project}/forms/versionless/versions", headers=admin)
    assert [v["version"] for v in versions.json()] == [""]
    fields = client.get(f"/v1/projects/{project}/forms/versionless/fields", headers=admin)
    assert [f["path"] for f in fields.json()][:2] == ["/name", "/age"]


def test_orx_version_names_the_form_and_its_submissions(client, admin, project, engine):
    form = publish(client, admin, project, ORX_VERSION, "application/xml")
    assert form["version"] == "2026-12-02"
    device = make_device(client, admin, project, ("orx_version",))
    xml = (
        b'<data id="orx_version" xmlns:orx="http://openrosa.org/xforms" orx:version="2026-12-02">'
        b"<name>Awa</name><count>4</count><meta><instanceID>uuid:o-1</instanceID></meta></data>"
    )
    assert device.submit(xml).status_code == 201
    (row,) = rows(engine, "orx_version")
    assert (row["count"], row["_form_version"]) == (4, "2026-12-02")


def test_a_draft_under_a_published_version_name_is_refused_then_published_under_a_new_one(
    client, admin, project
):
    publish(client, admin, project, ORX_VERSION, "application/xml")
    base = f"/v1/projects/{project}/forms/orx_version"
    assert client.post(f"{base}/draft", headers=admin).status_code == 200  # the published copy
    refused = client.post(f"{base}/draft/publish", headers=admin)
    assert refused.status_code == 409
    assert refused.json()["code"] == 409.6
    assert "already has a version '2026-12-02'" in refused.json()["message"]
    assert (
        "settings sheet of an XLSForm, the version attribute of an XForm"
        in (refused.json()["message"])
    )
    assert client.post(f"{base}/draft/publish?version=2026-12-03", headers=admin).status_code == 200
    listed = client.get(f"{base}/versions", headers=admin).json()
    assert [v["version"] for v in listed] == ["2026-12-03", "2026-12-02"]
    xml = client.get(f"{base}/versions/2026-12-03.xml", headers=admin).content
    assert b'orx:version="2026-12-03"' in xml and b" version=" not in xml.split(b"<data")[1][:80]


def test_the_next_version_of_a_versionless_form_needs_a_name(client, admin, project):
    publish(client, admin, project, VERSIONLESS)
    base = f"/v1/projects/{project}/forms/versionless"
    changed = md_form(
        "type | name | label\ntext | name | Name\ninteger | age | Age\ntext | phone | Phone",
        settings="form_id\nversionless",
    )
    draft = client.post(
        f"{base}/draft?ignoreWarnings=true",
        content=changed,
        headers={**admin, "Content-Type": "text/markdown"},
    )
    assert draft.status_code == 200, draft.text
    assert client.get(f"{base}/draft", headers=admin).json()["version"] == ""
    assert client.post(f"{base}/draft/publish", headers=admin).json()["code"] == 409.6
    assert client.post(f"{base}/draft/publish?version=2", headers=admin).status_code == 200
    assert [v["version"] for v in client.get(f"{base}/versions", headers=admin).json()] == [
        "2",
        "",
    ]


def test_a_versionless_draft_is_tried_on_a_device(client, admin, project):
    created = client.post(
        f"/v1/projects/{project}/forms?ignoreWarnings=true",
        content=VERSIONLESS,
        headers={**admin, "Content-Type": "text/markdown"},
    )
    assert created.status_code == 200 and created.json()["version"] == ""
    draft = client.get(f"/v1/projects/{project}/forms/versionless/draft", headers=admin).json()
    test = f"/v1/test/{draft['draftToken']}/projects/{project}/forms/versionless/draft"
    listed = etree.fromstring(client.get(f"{test}/formList", headers=OPENROSA).content)
    assert (listed.find(f"{LIST}xform").findtext(f"{LIST}version") or "") == ""
    sent = client.post(
        f"{test}/submission",
        files=[("xml_submission_file", ("submission.xml", versionless_xml(1), "text/xml"))],
        headers=OPENROSA,
    )
    assert sent.status_code == 201, sent.text


def test_the_command_line_publishes_a_versionless_form_and_a_named_next_version(
    monkeypatch, tmp_path, db_url, blob_url, capsys
):
    monkeypatch.setenv("BAOBAB_DATABASE_URL", db_url)
    monkeypatch.setenv("BAOBAB_BLOB_URL", blob_url)
    monkeypatch.setenv("BAOBAB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BAOBAB_ODK_VALIDATE", "off")
    first, second = tmp_path / "first.md", tmp_path / "second.md"
    first.write_bytes(VERSIONLESS)
    second.write_bytes(
        md_form(
            "type | name | label\ntext | name | Name\ntext | phone | Phone",
            settings="form_id\nversionless",
        )
    )
    assert main(["projects", "create", "P"]) == 0
    assert main(["forms", "publish", str(first), "--project", "1"]) == 0
    assert "published versionless without a version in project 1" in capsys.readouterr().out
    assert main(["forms", "publish", str(second), "--project", "1"]) == 1
    assert "already has a version ''" in capsys.readouterr().err
    assert main(["forms", "publish", str(second), "--project", "1", "--version", "2"]) == 0
    assert "published versionless version 2 in project 1" in capsys.readouterr().out


def test_a_free_version_name_is_suggested_for_a_name_already_used():
    today = date(2026, 11, 23)
    assert suggest_version("3", {"1", "2"}, today) == "3"
    assert suggest_version("2", {"1", "2", "3"}, today) == "4"
    assert suggest_version("v09", {"v09"}, today) == "v10"
    assert suggest_version("2026112301", {"2026112301"}, today) == "2026112302"
    assert suggest_version("", {""}, today) == "2026112301"
    assert suggest_version("draft", {"draft", "2026112301"}, today) == "2026112302"
