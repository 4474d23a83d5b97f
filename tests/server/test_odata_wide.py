"""OData on the forms real surveys have: more questions at one level than a SQL call takes
arguments, repeats inside groups and inside repeats, notes, an entity label, names starting with
'_'. Every entity set and every navigation link answers, in Central's shape."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import quote

import pytest
from lxml import etree

from tests.support.wide_form import WIDE_IDS, load_wide_form

TOP, GROUP, INNER = 120, 60, 55  # wider than one SQL call takes (PostgreSQL: 100 arguments)
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"


@pytest.fixture
def wide(client, admin, project):
    return load_wide_form(client, admin, project, TOP, GROUP, INNER)


@pytest.fixture
def survey(client, admin, project):
    """The same shape, narrow: what it shows does not depend on the width."""
    return load_wide_form(client, admin, project, 3, 2, 2)


def feed(client, admin, url, **params):
    response = client.get(url, params=params, headers=admin)
    assert response.status_code == 200, response.text[:500]
    return json.loads(response.content)  # the whole body must parse


def odata_id(*parts: str) -> str:
    """Central's repeat row id: sha1 of `Submissions#<id>%%g#%%r#0...`."""
    return hashlib.sha1("%%".join(parts).encode(), usedforsecurity=False).hexdigest()


def test_a_form_wider_than_a_sql_call_streams_every_answer(client, admin, wide):
    rows = feed(client, admin, f"{wide}/Submissions")["value"]
    assert [r["__id"] for r in rows] == list(reversed(WIDE_IDS))
    row = rows[1]  # the first submission
    assert [k for k in row if k.startswith("q")] == [f"q{i}" for i in range(1, TOP + 1)]
    assert row["q120"] == 1120
    assert list(row["g"])[:GROUP] == [f"a{i}" for i in range(1, GROUP + 1)]
    assert row["g"]["h"] == {f"b{i}": f"b{i}-1" for i in range(1, INNER + 1)}
    paged = feed(client, admin, f"{wide}/Submissions", **{"$top": "1", "$count": "true"})
    assert paged["value"][0]["__id"] == WIDE_IDS[1] and paged["@odata.count"] == 2


def test_expanded_rows_of_a_wide_form_nest_every_level(client, admin, wide):
    row = feed(client, admin, f"{wide}/Submissions", **{"$expand": "*"})["value"][1]
    assert [r["name"] for r in row["g"]["r"]] == ["r1-1", "r2-1"]
    assert [i["n"] for i in row["g"]["r"][0]["rg"]["inner"]] == [110, 111]
    first_r = row["g"]["r"][0]
    assert first_r["__id"] == odata_id(f"Submissions#{WIDE_IDS[0]}", "g#", "r#0")
    link = f"Submissions('uuid%3A{WIDE_IDS[0][5:]}')/g/r('{first_r['__id']}')/rg/inner"
    assert first_r["rg"]["inner@odata.navigationLink"] == link  # as in Submissions.g.r


def test_notes_and_the_entity_label_are_there_in_form_order(client, admin, survey):
    row = feed(client, admin, f"{survey}/Submissions")["value"][1]
    keys = list(row)
    assert keys[0] == "intro" and row["intro"] is None  # a note, sent empty
    assert keys[keys.index("g") + 1 :] == ["calc_note", "meta", "__id", "__system"]
    assert row["calc_note"] == "x1001"  # a note the form computes: its value, as sent
    assert list(row["meta"].items()) == [
        ("entity", {"label": "a1-1 a2-1"}),
        ("instanceID", WIDE_IDS[0]),
    ]


def test_names_starting_with_an_underscore_keep_it(client, admin, survey):
    """Central's sanitizeOdataIdentifier puts '_' before a leading character that is neither
    a letter nor '_': `_private` stays `_private`."""
    row = feed(client, admin, f"{survey}/Submissions")["value"][1]
    assert row["_private"] == "p1" and "__private" not in row
    selected = feed(client, admin, f"{survey}/Submissions", **{"$select": "_private"})
    assert selected["value"][1] == {"_private": "p1", "__id": WIDE_IDS[0]}


def test_a_repeat_in_a_group_is_linked_from_inside_the_group(client, admin, survey):
    row = feed(client, admin, f"{survey}/Submissions")["value"][1]
    assert "r@odata.navigationLink" not in row and "r" not in row
    assert list(row["g"]) == ["a1", "a2", "h", "r@odata.navigationLink"]
    assert row["g"]["r@odata.navigationLink"] == f"Submissions('{quote(WIDE_IDS[0], safe='')}')/g/r"
    repeat = feed(client, admin, f"{survey}/Submissions.g.r")["value"]
    first_r = odata_id(f"Submissions#{WIDE_IDS[0]}", "g#", "r#0")
    mine = next(r for r in repeat if r["__id"] == first_r)
    link = f"Submissions('uuid%3A{WIDE_IDS[0][5:]}')"
    assert mine == {
        "name": "r1-1",
        "rg": {"inner@odata.navigationLink": f"{link}/g/r('{first_r}')/rg/inner"},
        "__id": first_r,
        "__Submissions-id": WIDE_IDS[0],
    }


def test_every_navigation_link_answers_with_its_rows(client, admin, survey):
    """Follow every link from every row of every set: each answers 200 with the rows below
    the row that gave it, keyed to it."""
    service = feed(client, admin, survey)
    sets = [s["url"] for s in service["value"]]
    assert sets == ["Submissions", "Submissions.g.r", "Submissions.g.r.rg.inner"]
    followed = 0
    for name in sets:
        for row in feed(client, admin, f"{survey}/{name}")["value"]:
            for link in _links(row):
                rows = feed(client, admin, f"{survey}/{link}")["value"]
                followed += 1
                parent_key = next(k for k in rows[0] if k.startswith("__Submissions"))
                assert {r[parent_key] for r in rows} == {row["__id"]}, link
    assert followed == 2 + 4  # a link per submission, one per `r` row


def _links(value):
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith("@odata.navigationLink"):
                yield item
            else:
                yield from _links(item)


def test_a_key_on_another_set_than_the_parent_matches_no_row(client, admin, survey):
    first_r = odata_id(f"Submissions#{WIDE_IDS[0]}", "g#", "r#0")
    good = feed(client, admin, f"{survey}/Submissions('{WIDE_IDS[0]}')/g/r('{first_r}')/rg/inner")
    assert [r["n"] for r in good["value"]] == [110, 111]
    other = feed(client, admin, f"{survey}/Submissions('{WIDE_IDS[0]}')/g/r/rg/inner('{first_r}')")
    assert other["value"] == []
    for missing in ("Submissions('x')/g", "Submissions('x')/nope", "Submissions/g/r"):
        assert client.get(f"{survey}/{missing}", headers=admin).status_code == 404


def test_select_reaches_into_groups_and_their_repeats(client, admin, survey):
    row = feed(client, admin, f"{survey}/Submissions", **{"$select": "g/h/b2,g/r,q2"})["value"][0]
    assert row == {
        "q2": 2002,
        "g": {
            "h": {"b2": "b2-2"},
            "r@odata.navigationLink": f"Submissions('uuid%3A{WIDE_IDS[1][5:]}')/g/r",
        },
        "__id": WIDE_IDS[1],
    }


def test_metadata_declares_what_the_rows_hold(client, admin, survey):
    response = client.get(f"{survey}/$metadata", headers=admin)
    edmx = etree.fromstring(response.content)
    types = {t.get("Name"): t for t in edmx.iter(f"{EDM}EntityType", f"{EDM}ComplexType")}
    root = [(p.get("Name"), p.get("Type")) for p in types["Submissions"]][3:]  # Key, __id, __system
    assert root[:3] == [("intro", "Edm.String"), ("_private", "Edm.String"), ("q1", "Edm.Int64")]
    ns = "org.opendatakit.user.survey"
    assert root[-3:] == [
        ("g", f"{ns}.g"),
        ("calc_note", "Edm.String"),
        ("meta", f"{ns}.meta"),
    ]
    group = types["g"]
    navigation = group.find(f"{EDM}NavigationProperty")
    assert (navigation.get("Name"), navigation.get("Type")) == (
        "r",
        f"Collection({ns}.Submissions.g.r)",
    )
    nested = types["g.r.rg"].find(f"{EDM}NavigationProperty")
    assert nested.get("Type") == f"Collection({ns}.Submissions.g.r.rg.inner)"
    assert [p.get("Name") for p in types["meta"]] == ["entity", "instanceID"]
    assert [p.get("Name") for p in types["meta.entity"]] == ["label"]
    inner = [p.get("Name") for p in types["Submissions.g.r.rg.inner"] if p.get("Name")]
    assert inner == ["__id", "__Submissions-g-r-id", "n"]
