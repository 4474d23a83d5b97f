"""Forms as they are found in the wild (old hand-written XForms, JavaRosa's and Collect's test
forms, XLSForms of every vintage), read as ODK Central and JavaRosa read them: versions from
`version` or `orx:version` or none, relative and prefixed bind paths, audit logs and uploads
as files; and what would lose data refused at upload, with the element or the row named."""

from __future__ import annotations

import pytest

from converters.errors import ConversionCode, FormError
from converters.form_fields import central_fields
from converters.form_model import DataType
from converters.submission import parse_submission, submission_rows
from converters.table_plan import plan_tables
from converters.xform_paths import absolute_path
from converters.xform_schema import parse_xform, read_form_identity, set_form_version
from converters.xlsform import compile_form
from tests.support.xlsforms import md_form

HEAD = (
    '<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml" '
    'xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms" '
    'xmlns:odk="http://www.opendatakit.org/xforms">'
)
META = "<meta><instanceID/></meta>"
META_BIND = '<bind nodeset="/data/meta/instanceID" type="string" jr:preload="uid"/>'


def xform(instance: str, binds: str = "", body: str = "", root: str = '<data id="old">') -> bytes:
    return (
        f"{HEAD}<h:head><h:title>Old form</h:title><model><instance>{root}{instance}</data>"
        f"</instance>{binds}</model></h:head><h:body>{body}</h:body></h:html>"
    ).encode()


def refused(data: bytes, file_type: str = ".xml") -> FormError:
    with pytest.raises(FormError) as caught:
        compile_form(data, file_type)
    return caught.value


# Versions ------------------------------------------------------------------------------------


def test_a_form_without_any_version_is_taken_with_the_version_central_gives_it():
    compiled = compile_form(xform(f"<a/>{META}", META_BIND), ".xml")
    assert (compiled.form_id, compiled.version) == ("old", "")


def test_orx_version_on_the_root_is_the_form_version():
    data = xform(f"<a/>{META}", META_BIND, root='<data id="old" orx:version="2026-12-02">')
    assert compile_form(data, ".xml").version == "2026-12-02"
    assert parse_xform(data).version == "2026-12-02"


def test_the_first_version_attribute_in_the_document_wins_as_in_central():
    first_orx = xform(f"<a/>{META}", META_BIND, root='<data id="old" orx:version="a" version="b">')
    first_plain = xform(
        f"<a/>{META}", META_BIND, root='<data id="old" version="b" orx:version="a">'
    )
    assert read_form_identity(first_orx).version == "a"
    assert read_form_identity(first_plain).version == "b"


def test_publishing_under_a_new_version_rewrites_the_attribute_the_form_uses():
    data = xform(f"<a/>{META}", META_BIND, root='<data id="old" orx:version="1">')
    rewritten = set_form_version(data.decode(), "2").encode()
    assert read_form_identity(rewritten).version == "2"
    assert b'orx:version="2"' in rewritten and b' version="' not in rewritten.split(b"<data")[1]
    versionless = set_form_version(xform(f"<a/>{META}", META_BIND).decode(), "3")
    assert read_form_identity(versionless.encode()).version == "3"


def test_an_xlsform_without_version_compiles_with_the_empty_version():
    compiled = compile_form(
        md_form("type | name | label\ntext | a | A", settings="form_id\nno_version"), ".md"
    )
    assert (compiled.form_id, compiled.version) == ("no_version", "")


def test_pyxform_reports_its_own_errors_before_the_missing_settings():
    survey = "type | name | label\ntext | a | A\nintegr | b | B"
    error = refused(md_form(survey, settings=""), ".md")
    assert error.code is ConversionCode.XLSFORM_INVALID
    located = {(i.sheet, i.row, i.column) for i in error.issues}
    assert ("survey", 3, "type") in located and ("settings", 2, "form_id") in located
    no_version = refused(md_form(survey, settings="form_id\nx"), ".md")
    assert no_version.code is ConversionCode.XLSFORM_INVALID
    assert "integr" in no_version.message


# Paths and types -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "context", "expected"),
    [
        ("age", "/data", "/data/age"),
        ("./age", "/data", "/data/age"),
        ("../age", "/data/group", "/data/age"),
        ("/data/orx:meta/orx:instanceID", "/data", "/data/meta/instanceID"),
        ("/data/meta/entity/@id", "/data", "/data/meta/entity/@id"),
        ("/data/rep[1]/q", "/data", "/data/rep/q"),
        ("instance('x')/root/item", "/data", "instance('x')/root/item"),
    ],
)
def test_paths_are_resolved_as_javarosa_resolves_them(ref, context, expected):
    assert absolute_path(ref, context) == expected


def test_relative_bind_paths_type_their_fields():
    data = xform(
        f"<name/><age/><grp><size/></grp>{META}",
        '<bind nodeset="age" type="int"/><bind nodeset="grp/size" type="decimal"/>' + META_BIND,
        '<input ref="name"><label>Name</label></input><input ref="age"><label>Age</label></input>'
        '<group ref="grp"><input ref="size"><label>Size</label></input></group>',
    )
    schema = parse_xform(data)
    assert schema.field("/data/age").data_type is DataType.INT
    assert schema.field("/data/grp/size").data_type is DataType.DECIMAL
    assert schema.field("/data/name").labels == {"default": "Name"}
    assert schema.field("/data/grp/size").control == "input"


def test_a_control_bound_by_bind_id_gets_its_label():
    data = xform(
        f"<age/>{META}",
        '<bind id="b_age" nodeset="/data/age" type="int"/>' + META_BIND,
        '<input bind="b_age"><label>Age</label></input>',
    )
    field = parse_xform(data).field("/data/age")
    assert field.control == "input" and field.labels == {"default": "Age"}


AUDITED = xform(
    "<name/><orx:meta><orx:audit/><orx:instanceID/></orx:meta>",
    '<bind nodeset="/data/name" type="string"/>'
    '<bind nodeset="/data/orx:meta/orx:audit" type="binary" odk:location-priority="balanced"/>'
    '<bind nodeset="/data/orx:meta/orx:instanceID" type="string" jr:preload="uid"/>',
    '<input ref="/data/name"><label>Name</label></input>',
    root='<data id="audited" version="1">',
)


def test_an_audit_log_bound_with_prefixes_is_a_file_of_the_submission():
    schema = parse_xform(AUDITED)
    audit = schema.field("/data/meta/audit")
    assert (audit.kind, audit.data_type) == ("audit", DataType.BINARY)
    plan = plan_tables(schema, table_prefix="audited").version
    _envelope, root = parse_submission(
        b'<data id="audited" version="1"><name>Awa</name><orx:meta '
        b'xmlns:orx="http://openrosa.org/xforms"><orx:audit>audit.csv</orx:audit>'
        b"<orx:instanceID>uuid:1</orx:instanceID></orx:meta></data>"
    )
    rows = submission_rows(root, schema, plan)
    assert [(a.name, a.xpath) for a in rows.attachments] == [("audit.csv", "/data/meta/audit")]
    listed = {f["path"]: f for f in central_fields(schema)}
    assert listed["/meta/audit"]["binary"] is True


def test_an_audit_log_and_an_upload_without_a_binary_bind_are_still_files():
    data = xform(
        "<doc/><meta><audit/><instanceID/></meta>",
        '<bind nodeset="/data/meta/audit" type="string"/>' + META_BIND,
        '<upload ref="/data/doc" mediatype="image/*"><label>Doc</label></upload>',
    )
    schema = parse_xform(data)
    assert schema.field("/data/meta/audit").data_type is DataType.BINARY
    doc = schema.field("/data/doc")
    assert (doc.kind, doc.data_type) == ("image", DataType.BINARY)


# Refused at upload -----------------------------------------------------------------------------


def test_a_path_twice_outside_a_repeat_is_refused_with_the_path_named():
    data = xform(f"<q/><grp><x/><x/></grp><q/>{META}", META_BIND)
    error = refused(data)
    assert error.code is ConversionCode.FORM_DUPLICATE_PATH
    assert [i.xpath for i in error.issues] == ["/data/q", "/data/grp/x"]
    assert "/data/q appears 2 times" in error.message


def test_repeat_instances_and_templates_are_not_duplicates():
    compiled = compile_form(
        md_form("type | name | label\nbegin_repeat | r | R\ntext | a | A\nend_repeat | r |"), ".md"
    )
    assert compile_form(compiled.xform.encode(), ".xml").form_id == "t"


def test_a_form_without_instance_id_is_refused_with_how_to_add_it():
    error = refused(xform("<a/>", '<bind nodeset="/data/a" type="string"/>'))
    assert error.code is ConversionCode.FORM_NO_INSTANCE_ID
    (issue,) = error.issues
    assert issue.xpath == "/data/meta/instanceID"
    assert '<bind nodeset="/data/meta/instanceID"' in error.message


REGISTRATION_IN_REPEAT = md_form(
    """
    type | name | label | save_to
    text | household | Household |
    begin_repeat | member | Member |
    text | first | First name | first_name
    end_repeat | member | |
    """,
    form_id="members",
    extra="| entities |\n| | list_name | label | repeat |\n| | people | ${first} | ${member} |\n",
)


def test_entities_from_a_repeat_are_taken_with_entities_version_2025():
    """pyxform 4 writes entities-version 2025.1.0 for them: Central creates one entity per
    repeat instance, and so does Baobab (tests/server/test_entities_repeats.py)."""
    compiled = compile_form(REGISTRATION_IN_REPEAT, ".md")
    schema = parse_xform(compiled.xform.encode())
    (entity,) = schema.entities
    assert schema.entities_version == "2025.1.0"
    assert (entity.dataset, entity.scope) == ("people", "/data/member")


def test_entities_from_a_repeat_in_an_xform_name_the_element():
    """Before entities-version 2025.1 (here none), Central refuses them (400.25)."""
    data = xform(
        '<member jr:template=""><first/><meta><entity dataset="people" create="1" id="">'
        f"<label/></entity></meta></member>{META}",
        '<bind nodeset="/data/member/first" type="string" entities:saveto="first_name" '
        'xmlns:entities="http://www.opendatakit.org/xforms/entities"/>' + META_BIND,
        '<group ref="/data/member"><repeat nodeset="/data/member">'
        '<input ref="/data/member/first"><label>First</label></input></repeat></group>',
    )
    error = refused(data)
    assert error.code is ConversionCode.ENTITY_IN_REPEAT
    assert [i.xpath for i in error.issues] == ["/data/member/meta/entity"]
    assert "repeat '/data/member'" in error.message


def test_an_entity_the_repeat_fills_is_declared_in_the_repeat():
    """pyxform puts the entity in the repeat its save_to questions are in."""
    compiled = compile_form(
        md_form(
            """
            type | name | label | save_to
            text | household | Household |
            begin_repeat | member | Member |
            text | first | First name | first_name
            end_repeat | member | |
            """,
            form_id="members",
            extra="| entities |\n| | list_name | label |\n| | people | ${household} |\n",
        ),
        ".md",
    )
    (entity,) = parse_xform(compiled.xform.encode()).entities
    assert entity.scope == "/data/member"
    assert [p.name for p in entity.properties] == ["first_name"]


def test_a_save_to_inside_a_repeat_of_an_xform_is_refused_with_the_question_named():
    data = xform(
        '<household/><member jr:template=""><first/></member><meta><instanceID/>'
        '<entity dataset="people" create="1" id=""><label/></entity></meta>',
        '<bind nodeset="/data/member/first" type="string" entities:saveto="first_name" '
        'xmlns:entities="http://www.opendatakit.org/xforms/entities"/>' + META_BIND,
        '<input ref="/data/household"><label>H</label></input><group ref="/data/member">'
        '<repeat nodeset="/data/member"><input ref="/data/member/first"><label>First</label>'
        "</input></repeat></group>",
    )
    error = refused(data)
    assert error.code is ConversionCode.ENTITY_PROPERTY_IN_REPEAT
    (issue,) = error.issues
    assert issue.xpath == "/data/member/first"
    assert "'/data/member/first'" in issue.message and "'first_name'" in issue.message
