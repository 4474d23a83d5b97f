"""Real-world forms through the whole server: what a form declares as a file (an audit log
bound with prefixed paths, an upload) is received and stored; old relative binds type their
columns; a form that would lose data (the same path twice, no instanceID, entities from a
repeat) is refused at upload with the element or the sheet and row named."""

from __future__ import annotations

import hashlib

from converters.xlsform import compile_form
from tests.support.database import rows
from tests.support.devices import make_device
from tests.support.xlsforms import md_form

AUDIT = b"event,node,start,end\nform start,,1700000000000,\n"
HEAD = (
    b'<?xml version="1.0"?><h:html xmlns="http://www.w3.org/2002/xforms" '
    b'xmlns:h="http://www.w3.org/1999/xhtml" xmlns:jr="http://openrosa.org/javarosa" '
    b'xmlns:orx="http://openrosa.org/xforms" xmlns:odk="http://www.opendatakit.org/xforms">'
)
# The meta block in the OpenRosa namespace, its binds written with prefixes, as older tools
# and JavaRosa's test forms write them.
AUDITED = HEAD + (
    b'<h:head><h:title>Audited</h:title><model><instance><data id="audited" version="1">'
    b"<name/><orx:meta><orx:audit/><orx:instanceID/></orx:meta></data></instance>"
    b'<bind nodeset="/data/name" type="string"/>'
    b'<bind nodeset="/data/orx:meta/orx:audit" type="binary" odk:location-priority="balanced"/>'
    b'<bind nodeset="/data/orx:meta/orx:instanceID" type="string" jr:preload="uid"/>'
    b'</model></h:head><h:body><input ref="/data/name"><label>Name</label></input>'
    b"</h:body></h:html>"
)
# Binds relative to the primary instance root, as forms written before pyxform have them.
RELATIVE = HEAD + (
    b'<h:head><h:title>Old</h:title><model><instance><data id="old_form" version="1">'
    b"<name/><age/><household><size/></household><meta><instanceID/></meta></data></instance>"
    b'<bind nodeset="name" type="string"/><bind nodeset="age" type="int"/>'
    b'<bind nodeset="household/size" type="int"/>'
    b'<bind nodeset="meta/instanceID" type="string" jr:preload="uid"/></model></h:head>'
    b'<h:body><input ref="name"><label>Name</label></input>'
    b'<input ref="age"><label>Age</label></input><group ref="household">'
    b'<input ref="size"><label>Size</label></input></group></h:body></h:html>'
)


def create(client, admin, project, source: bytes, content_type: str):
    return client.post(
        f"/v1/projects/{project}/forms?publish=true&ignoreWarnings=true",
        content=source,
        headers={**admin, "Content-Type": content_type},
    )


def stored_files(engine) -> dict[str, str | None]:
    with engine.connect() as connection:
        found = connection.exec_driver_sql("SELECT name, blob_sha256 FROM submission_attachments")
        return {name: sha256 for name, sha256 in found}


def test_an_audit_log_bound_with_prefixed_paths_is_stored(client, admin, project, engine):
    assert create(client, admin, project, AUDITED, "application/xml").status_code == 200
    device = make_device(client, admin, project, ("audited",))
    xml = (
        b'<data id="audited" version="1" xmlns:orx="http://openrosa.org/xforms"><name>Awa</name>'
        b"<orx:meta><orx:audit>audit.csv</orx:audit>"
        b"<orx:instanceID>uuid:a-1</orx:instanceID></orx:meta></data>"
    )
    assert device.submit(xml, {"audit.csv": AUDIT}).status_code == 201
    assert stored_files(engine) == {"audit.csv": hashlib.sha256(AUDIT).hexdigest()}
    listing = client.get(
        f"/v1/projects/{project}/forms/audited/submissions/uuid:a-1/attachments", headers=admin
    )
    assert listing.json() == [{"name": "audit.csv", "exists": True}]


def test_an_audit_log_of_an_xlsform_is_stored(client, admin, project, engine):
    audited = md_form(
        "type | name | label\naudit | audit |\ntext | name | Name",
        form_id="audited_xls",
    )
    assert create(client, admin, project, audited, "text/markdown").status_code == 200
    device = make_device(client, admin, project, ("audited_xls",))
    xml = (
        b'<data id="audited_xls" version="1"><name>Awa</name><meta><audit>audit.csv</audit>'
        b"<instanceID>uuid:a-2</instanceID></meta></data>"
    )
    assert device.submit(xml, {"audit.csv": AUDIT}).status_code == 201
    assert stored_files(engine) == {"audit.csv": hashlib.sha256(AUDIT).hexdigest()}


def test_relative_binds_type_the_columns(client, admin, project, engine):
    assert create(client, admin, project, RELATIVE, "application/xml").status_code == 200
    device = make_device(client, admin, project, ("old_form",))
    xml = (
        b'<data id="old_form" version="1"><name>Awa</name><age>41</age>'
        b"<household><size>6</size></household>"
        b"<meta><instanceID>uuid:r-1</instanceID></meta></data>"
    )
    assert device.submit(xml).status_code == 201
    (row,) = rows(engine, "old_form")
    assert (row["name"], row["age"], row["household__size"]) == ("Awa", 41, 6)
    bad = xml.replace(b"<age>41</age>", b"<age>forty</age>").replace(b"r-1", b"r-2")
    refused = device.submit(bad)
    assert refused.status_code == 400 and b"/data/age" in refused.content


def test_a_form_with_a_path_twice_is_refused_with_the_path(client, admin, project):
    twice = RELATIVE.replace(b"<age/>", b"<age/><age/>").replace(b"old_form", b"twice")
    response = create(client, admin, project, twice, "application/xml")
    assert response.status_code == 400
    body = response.json()
    assert body["message"].startswith("/data/age appears 2 times")
    assert [i["xpath"] for i in body["details"]["issues"]] == ["/data/age"]
    assert client.get(f"/v1/projects/{project}/forms/twice", headers=admin).status_code == 404


def test_a_form_without_instance_id_is_refused_with_how_to_add_it(client, admin, project):
    no_id = (
        RELATIVE.replace(b"<meta><instanceID/></meta>", b"")
        .replace(b'<bind nodeset="meta/instanceID" type="string" jr:preload="uid"/>', b"")
        .replace(b"old_form", b"no_id")
    )
    response = create(client, admin, project, no_id, "application/xml")
    assert response.status_code == 400
    assert "The form has no meta/instanceID" in response.json()["message"]
    assert '<bind nodeset="/data/meta/instanceID"' in response.json()["message"]


def test_entities_from_a_repeat_are_published_and_refused_before_2025(client, admin, project):
    """pyxform 4 writes entities-version 2025.1.0 for them, which Baobab takes as Central does
    (tests/server/test_entities_repeats.py); an older entities-version is refused as Central
    refuses it (400.25), on the row that declares the entity."""
    members = md_form(
        "type | name | label | save_to\nbegin_repeat | member | Member |\n"
        "text | first | First name | first_name\nend_repeat | member | |",
        form_id="members",
        extra=(
            "| entities |\n| | list_name | label | repeat |\n| | people | ${first} | ${member} |\n"
        ),
    )
    response = create(client, admin, project, members, "text/markdown")
    assert response.status_code == 200, response.text
    lists = client.get(f"/v1/projects/{project}/datasets", headers=admin).json()
    assert [entry["name"] for entry in lists] == ["people"]
    older = compile_form(members, ".md").xform.replace("2025.1.0", "2024.1.0")
    older = older.replace('id="members"', 'id="members_old"')
    response = create(client, admin, project, older.encode(), "application/xml")
    assert response.status_code == 400
    (issue,) = response.json()["details"]["issues"]
    assert issue["xpath"] == "/data/member/meta/entity"
    assert "repeat '/data/member'" in issue["message"] and "2024.1.0" in issue["message"]
