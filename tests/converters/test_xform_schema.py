"""XForm -> FormSchema: every field type, groups, repeats, choices per language, meta, entities."""

from __future__ import annotations

import pytest

from converters.errors import ConversionCode, FormError
from converters.form_model import DataType
from converters.xform_schema import parse_xform, read_form_identity
from converters.xlsform import compile_form
from tests.support.xlsforms import md_form, schema_of

ALL_TYPES = """
type | name | label::English (en) | label::French (fr) | calculation | parameters | choice_filter
start | start | | | | |
end | end | | | | |
today | today | | | | |
deviceid | deviceid | | | | |
username | username | | | | |
phonenumber | phonenumber | | | | |
email | email | | | | |
audit | audit | | | | |
begin_group | identity | Identity | Identité | | |
text | full_name | Name | Nom | | |
integer | hh_size | Household | Ménage | | |
decimal | income | Income | Revenu | | |
date | dob | Birth | Naissance | | |
dateTime | arrival | Arrival | Arrivée | | |
time | wake | Wake | Réveil | | |
geopoint | location | Where | Où | | |
geotrace | route | Route | Route | | |
geoshape | area | Area | Zone | | |
select_one sex | sex | Sex | Sexe | | |
select_one region | region | Region | Région | | | country=${sex}
select_multiple needs | needs | Needs | Besoins | | |
rank needs | priorities | Priorities | Priorités | | |
image | photo | Photo | Photo | | max-pixels=1024 |
audio | voice | Voice | Voix | | |
video | clip | Clip | Clip | | |
file | scan | Scan | Scan | | |
barcode | code | Code | Code | | |
acknowledge | ack | OK? | OK ? | | |
range | rating | Rating | Note | | start=0;end=10;step=1 |
range | dose | Dose | Dose | | start=0;end=1;step=0.5 |
calculate | age | | | 1 + 1 |
note | info | Note | Note | | |
end_group | | | | | |
"""
CHOICES = """
list_name | name | label::English (en) | label::French (fr) | country
sex | male | Male | Homme |
sex | female | Female | Femme |
region | kayes | Kayes | Kayes | male
needs | medical | Medical | Médical |
needs | psycho | Psychosocial | Psychosocial |
"""


@pytest.fixture(scope="module")
def schema():
    return schema_of(ALL_TYPES, choices=CHOICES, form_id="all_types", version="v9")


def _kinds(schema):
    return {f.name: (f.kind, f.data_type) for f in schema.fields}


def test_identity_comes_from_the_primary_instance(schema):
    assert (schema.form_id, schema.version, schema.root_path) == ("all_types", "v9", "/data")
    assert schema.languages == ("English (en)", "French (fr)")


def test_every_xlsform_type_is_recognised(schema):
    kinds = _kinds(schema)
    expected = {
        "start": ("start", DataType.DATETIME),
        "end": ("end", DataType.DATETIME),
        "today": ("today", DataType.DATE),
        "deviceid": ("deviceid", DataType.STRING),
        "username": ("username", DataType.STRING),
        "email": ("email", DataType.STRING),
        "phonenumber": ("phonenumber", DataType.STRING),
        "audit": ("audit", DataType.BINARY),
        "full_name": ("text", DataType.STRING),
        "hh_size": ("integer", DataType.INT),
        "income": ("decimal", DataType.DECIMAL),
        "dob": ("date", DataType.DATE),
        "arrival": ("dateTime", DataType.DATETIME),
        "wake": ("time", DataType.TIME),
        "location": ("geopoint", DataType.GEOPOINT),
        "route": ("geotrace", DataType.GEOTRACE),
        "area": ("geoshape", DataType.GEOSHAPE),
        "sex": ("select_one", DataType.STRING),
        "needs": ("select_multiple", DataType.STRING),
        "priorities": ("rank", DataType.STRING),
        "photo": ("image", DataType.BINARY),
        "voice": ("audio", DataType.BINARY),
        "clip": ("video", DataType.BINARY),
        "scan": ("file", DataType.BINARY),
        "code": ("barcode", DataType.STRING),
        "ack": ("acknowledge", DataType.STRING),
        "rating": ("range", DataType.INT),
        "dose": ("range", DataType.DECIMAL),
        "age": ("calculate", DataType.STRING),
        "info": ("note", DataType.STRING),
        "instanceID": ("instanceID", DataType.STRING),
    }
    assert {name: kinds[name] for name in expected} == expected


def test_notes_get_no_column(schema):
    assert not schema.field("/data/identity/info").has_column
    assert schema.field("/data/identity/full_name").has_column


def test_labels_and_choices_carry_every_language(schema):
    sex = schema.field("/data/identity/sex")
    assert sex.labels == {"English (en)": "Sex", "French (fr)": "Sexe"}
    choices = schema.choice_lists[sex.choice_list].choices
    assert [(c.name, c.labels["French (fr)"]) for c in choices] == [
        ("male", "Homme"),
        ("female", "Femme"),
    ]


def test_choice_filter_and_extra_choice_columns_are_kept(schema):
    region = schema.field("/data/identity/region")
    assert region.choice_filter == "country= /data/identity/sex"
    assert schema.choice_lists["region"].choices[0].extras == {"country": "male"}


def test_groups_are_recorded_and_fields_keep_their_full_path(schema):
    assert [g.xpath for g in schema.groups] == ["/data/identity", "/data/meta"]
    assert schema.groups[0].labels["French (fr)"] == "Identité"
    assert schema.field("/data/identity/full_name").repeat is None


def test_upload_media_types_and_rank_control(schema):
    assert schema.field("/data/identity/photo").mediatype == "image/*"
    assert schema.field("/data/identity/priorities").control == "rank"
    assert schema.field("/data/identity/priorities").is_multiple


def test_nested_repeats_point_at_their_parent_and_template_copies_are_ignored():
    schema = schema_of("""
        type | name | label
        begin_repeat | members | Members
        text | m_name | Name
        begin_repeat | jobs | Jobs
        text | title | Title
        end_repeat | |
        end_repeat | |
        """)
    assert [(r.xpath, r.parent) for r in schema.repeats] == [
        ("/data/members", None),
        ("/data/members/jobs", "/data/members"),
    ]
    names = [f.xpath for f in schema.fields]
    assert names.count("/data/members/jobs/title") == 1
    assert schema.field("/data/members/jobs/title").repeat == "/data/members/jobs"


def test_same_name_in_two_groups_gives_two_fields():
    schema = schema_of("""
        type | name | label
        begin_group | a | A
        integer | age | Age
        end_group | |
        begin_group | b | B
        integer | age | Age
        end_group | |
        """)
    assert [f.xpath for f in schema.fields if f.name == "age"] == ["/data/a/age", "/data/b/age"]


def test_meta_fields_are_recognised():
    schema = schema_of(
        "type | name | label\ntext | a | A",
        settings="form_id | version | instance_name\nm | 1 | concat('x', ${a})",
    )
    kinds = _kinds(schema)
    assert kinds["instanceID"][0] == "instanceID"
    assert kinds["instanceName"][0] == "instanceName"


def test_entity_declarations_and_their_properties():
    entities = "| entities |\n| | list_name | label |\n| | people | ${full_name} |\n"
    compiled = compile_form(
        md_form(
            "type | name | label | save_to\ntext | full_name | Name | full_name\n"
            "integer | age | Age | age\ntext | other | Other |",
            extra=entities,
        ),
        ".md",
    )
    schema = parse_xform(compiled.xform.encode())
    (entity,) = schema.entities
    assert (entity.dataset, entity.create, entity.scope) == ("people", "1", None)
    assert [(p.name, p.xpath) for p in entity.properties] == [
        ("full_name", "/data/full_name"),
        ("age", "/data/age"),
    ]
    assert schema.entities_version.startswith("2024.1")
    assert schema.field("/data/full_name").saveto == "full_name"
    assert all("entity" not in f.xpath for f in schema.fields)


def test_entity_update_from_a_follow_up_form():
    entities = "| entities |\n| | list_name | entity_id | label |\n| | people | ${person} | |\n"
    compiled = compile_form(
        md_form(
            "type | name | label | save_to\nselect_one_from_file people.csv | person | Who |\n"
            "integer | visits | Visits | visits",
            extra=entities,
        ),
        ".md",
    )
    schema = parse_xform(compiled.xform.encode())
    (entity,) = schema.entities
    assert entity.update == "1"
    assert schema.choice_lists["people"].source == "jr://file-csv/people.csv"
    assert "people.csv" in schema.media_files


def test_custom_bind_attributes_mark_sensitive_fields():
    schema = schema_of(
        "type | name | label | bind::baobab:sensitive\ntext | name | Name | true\n"
        "integer | age | Age |",
        settings='form_id | version | namespaces\ns | 1 | baobab="urn:baobab:xforms:1"',
    )
    assert schema.field("/data/name").sensitive
    assert not schema.field("/data/age").sensitive


def test_what_is_computed_from_a_sensitive_field_is_sensitive_unless_marked_false():
    schema = schema_of(
        "type | name | label | calculation | bind::baobab:sensitive\n"
        "text | first | First name | | true\n"
        "text | last | Family name | | true\n"
        "date | dob | Date of birth | | true\n"
        "text | town | Town | |\n"
        "calculate | full | | concat(${first}, ' ', ${last}) |\n"
        "calculate | greeting | | concat('Hello ', ${full}) |\n"  # two calculations away
        "calculate | age | | int((today() - ${dob}) div 365.25) | false\n"  # on purpose
        "calculate | older | | if(${age} > 59, 'yes', 'no') |\n"  # from a readable one only
        "calculate | place | | concat('In ', ${town}) |\n"
        "begin_repeat | members | Members | |\n"
        "text | m_name | Member's name | | true\n"
        "calculate | m_initial | | substr(${m_name}, 0, 1) |\n"  # ../m_name within the repeat
        "calculate | m_count | | count(${m_name}) |\n"
        "end_repeat | | | |",
        settings="form_id | version | instance_name | namespaces\n"
        "s | 1 | concat(${greeting}, '!') | baobab=\"urn:baobab:xforms:1\"",
    )
    hidden = schema.sensitive_xpaths()
    for xpath in (
        "/data/first",
        "/data/full",
        "/data/greeting",
        "/data/members/m_name",
        "/data/members/m_initial",
        "/data/members/m_count",
        "/data/meta/instanceName",
    ):
        assert xpath in hidden, xpath
    for xpath in ("/data/age", "/data/older", "/data/town", "/data/place"):
        assert xpath not in hidden, xpath
    assert schema.field("/data/age").declared_not_sensitive
    assert "../m_name" in schema.field("/data/members/m_initial").bind["calculate"]


def test_legacy_select_bind_types_are_accepted():
    compiled = compile_form(
        md_form(
            "type | name | label\nselect_one yn | q | Q",
            choices="list_name | name | label\nyn | y | Yes",
        ),
        ".md",
    )
    xml = compiled.xform.replace(
        'nodeset="/data/q" type="string"', 'nodeset="/data/q" type="select1"'
    )
    assert parse_xform(xml.encode()).field("/data/q").kind == "select_one"


def test_encrypted_forms_are_refused_clearly():
    compiled = compile_form(
        md_form(
            "type | name | label\ntext | a | A",
            settings="form_id | version | public_key\ne | 1 | MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A",
        ),
        ".md",
    )
    with pytest.raises(FormError) as caught:
        parse_xform(compiled.xform.encode())
    assert caught.value.code is ConversionCode.XFORM_UNSUPPORTED
    assert "encrypted" in caught.value.message


@pytest.mark.parametrize(
    "xml",
    [
        b"<not-closed>",
        b"<h:html xmlns:h='http://www.w3.org/1999/xhtml'/>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
    ],
)
def test_broken_or_hostile_xforms_are_form_errors(xml):
    with pytest.raises(FormError):
        parse_xform(xml)


def test_identity_can_be_read_alone():
    compiled = compile_form(
        md_form(
            "type | name | label\ntext | a | A",
            settings="form_id | version | form_title\nq | 5 | Q form",
        ),
        ".md",
    )
    identity = read_form_identity(compiled.xform.encode())
    assert (identity.form_id, identity.version, identity.title, identity.root_name) == (
        "q",
        "5",
        "Q form",
        "data",
    )
