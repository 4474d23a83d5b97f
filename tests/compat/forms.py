"""The forms of the compatibility suite, written for it (markdown XLSForms, as pyxform's own tests
are, or XForms where an XLSForm cannot say it): between them, every question type pyxform
builds, notes and calculations, choice lists filtered and from files, several languages, wide
levels, repeats in groups in repeats, versionless and `orx:version` forms, client audit logs,
entity registration and follow-up."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.support.xlsforms import md_form


@dataclass(frozen=True)
class CompatForm:
    form_id: str
    source: bytes
    content_type: str  # text/markdown or application/xml
    features: tuple[str, ...]
    media: dict[str, bytes] = field(default_factory=dict)  # form attachments to upload


EVERY_TYPE = md_form(
    """
    type | name | label::English (en) | label::Français (fr) | appearance | parameters \
      | choice_filter | calculation
    start | start | | | | | |
    end | end | | | | | |
    today | today | | | | | |
    deviceid | deviceid | | | | | |
    username | username | | | | | |
    note | intro | Welcome | Bienvenue | | | |
    text | name | Name | Nom | | | |
    integer | age | Age | Âge | | | |
    decimal | income | Income | Revenu | | | |
    range | rating | Rating | Note | | start=1 end=10 step=1 | |
    range | share | Share | Part | | start=0 end=1 step=0.25 | |
    date | dob | Date of birth | Date de naissance | | | |
    time | woke | Woke at | Réveil | | | |
    dateTime | arrived | Arrived | Arrivée | | | |
    select_one yes_no | consent | Consent | Consentement | | | |
    select_multiple needs | needs | Needs | Besoins | | | |
    select_one country | country | Country | Pays | | | |
    select_one region | region | Region | Région | | | country=${country} |
    select_one_from_file villages.csv | village | Village | Village | | | |
    rank needs | priorities | Priorities | Priorités | | | |
    geopoint | location | Location | Position | | | |
    geotrace | route | Route | Itinéraire | | | |
    geoshape | plot | Plot | Parcelle | | | |
    image | photo | Photo | Photo | | | |
    audio | voice | Voice | Voix | | | |
    video | clip | Clip | Clip | | | |
    file | document | Document | Document | | | |
    barcode | code | Code | Code | | | |
    acknowledge | agree | Agree | D'accord | | | |
    calculate | double_age | | | | | | ${age} * 2
    hidden | hidden_note | | | | | |
    note | outro | Thank you | Merci | | | |
    """,
    form_id="every_type",
    version="2026120201",
    choices="""
    list_name | name | label::English (en) | label::Français (fr) | country
    yes_no | yes | Yes | Oui |
    yes_no | no | No | Non |
    needs | food | Food | Nourriture |
    needs | work | Work | Travail |
    needs | health | Health | Santé |
    country | ml | Mali | Mali |
    country | sn | Senegal | Sénégal |
    region | kayes | Kayes | Kayes | ml
    region | dakar | Dakar | Dakar | sn
    """,
)
VILLAGES = b"name,label\nkita,Kita\nbafoulabe,Bafoulab\xc3\xa9\n"


def wide_form(top: int = 220, group: int = 70, inner: int = 65) -> bytes:
    """`top` questions at the top level, then a group of `group` holding a group of `inner`:
    wider than any one SQL call may take arguments."""
    kinds = ("text", "integer", "decimal", "date")
    rows = ["type | name | label"]
    rows += [f"{kinds[n % 4]} | q{n:03d} | Question {n}" for n in range(top)]
    rows.append("begin_group | section | Section")
    rows += [f"{kinds[n % 4]} | s{n:03d} | Section {n}" for n in range(group)]
    rows.append("begin_group | detail | Detail")
    rows += [f"{kinds[n % 4]} | d{n:03d} | Detail {n}" for n in range(inner)]
    rows += ["end_group | detail |", "end_group | section |"]
    return md_form("\n".join(rows), form_id="wide", version="1")


NESTED = md_form(
    """
    type | name | label | repeat_count
    text | village | Village |
    begin_group | household | Household |
    integer | size | Size |
    begin_repeat | member | Member |
    text | member_name | Name |
    begin_group | work | Work |
    text | trade | Trade |
    begin_repeat | job | Job |
    text | title | Title |
    begin_group | pay | Pay |
    decimal | amount | Amount |
    select_multiple months | months | Months |
    end_group | pay |
    geopoint | workplace | Workplace |
    end_repeat | job |
    end_group | work |
    date | born | Born |
    end_repeat | member |
    end_group | household |
    begin_repeat | visit | Visit |
    dateTime | when | When |
    end_repeat | visit |
    """,
    form_id="nested",
    version="1",
    choices="""
    list_name | name | label
    months | jan | January
    months | feb | February
    months | mar | March
    """,
)

VERSIONLESS = md_form(
    """
    type | name | label
    text | name | Name
    integer | age | Age
    """,
    settings="form_id\nversionless",
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

AUDITED = md_form(
    """
    type | name | label | parameters
    audit | audit | | location-priority=balanced location-min-interval=60 location-max-age=120
    text | name | Name |
    integer | age | Age |
    """,
    form_id="audited",
    version="1",
)

REGISTRATION = md_form(
    """
    type | name | label | save_to
    text | first_name | First name | first_name
    text | last_name | Last name | last_name
    integer | household | Household size | household
    """,
    form_id="registration",
    version="1",
    extra=(
        "| entities |\n| | list_name | label |\n"
        "| | people | concat(${first_name}, ' ', ${last_name}) |\n"
    ),
)

FOLLOW_UP = md_form(
    """
    type | name | label | save_to
    select_one_from_file people.csv | person | Person |
    integer | household | Household size now | household
    text | note_text | Note |
    """,
    form_id="follow_up",
    version="1",
    extra=("| entities |\n| | list_name | entity_id |\n| | people | ${person} |\n"),
)

FORMS = (
    CompatForm(
        "every_type",
        EVERY_TYPE,
        "text/markdown",
        (
            "every question type",
            "notes",
            "calculates",
            "itemsets",
            "choice filters",
            "select_one_from_file",
            "languages",
            "rank",
            "range",
        ),
        {"villages.csv": VILLAGES},
    ),
    CompatForm("wide", wide_form(), "text/markdown", ("wide levels", "nested groups")),
    CompatForm("nested", NESTED, "text/markdown", ("repeats in groups in repeats",)),
    CompatForm("versionless", VERSIONLESS, "text/markdown", ("versionless",)),
    CompatForm("orx_version", ORX_VERSION, "application/xml", ("orx:version", "XForm")),
    CompatForm("audited", AUDITED, "text/markdown", ("client audit log",)),
    CompatForm("registration", REGISTRATION, "text/markdown", ("entity create",)),
    CompatForm("follow_up", FOLLOW_UP, "text/markdown", ("entity update",)),
)
