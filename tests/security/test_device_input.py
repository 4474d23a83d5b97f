"""Device input has ranges, through the whole app: instanceIDs in a safe character set, locations
as numbers on the globe, a bounded number of repeat instances per submission. A submission
outside them is a 4xx naming the field and writes nothing. Entity actions out of range are in
test_device_input_entities.py."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from lxml import etree
from starlette.testclient import TestClient

from converters.errors import ConversionCode, SubmissionError
from converters.submission import parse_submission, submission_rows
from converters.table_plan import plan_tables
from server.app import create_app
from tests.security.footprint import footprint
from tests.support.accounts import PASSWORDS
from tests.support.database import rows
from tests.support.devices import make_device
from tests.support.forms import publish
from tests.support.openrosa import message
from tests.support.paths import sample
from tests.support.xlsforms import md_form, schema_of

SIMPLE = sample("simple.xml")
EDIT = sample("edit_deprecated.xml")
REPEATS = sample("with_repeat.xml")
LOCATION = "/data/respondent/location"


@pytest.fixture
def unchanged(device, engine, blob_store, tmp_path):
    before = footprint(engine, blob_store, tmp_path)

    def check():
        assert footprint(engine, blob_store, tmp_path) == before

    return check


def with_text(xml: bytes, path: str, text: str) -> bytes:
    """`xml` with the element at `path` (from the root, '/'-separated) holding `text`, escaped
    as XML needs."""
    root = etree.fromstring(xml)
    element = root.find(path)
    assert element is not None, path
    element.text = text
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


BAD_IDS = [
    "uuid:a b",
    "uuid:a/b",
    "../../etc/passwd",
    ":uuid",
    "-x",
    "uuid:x\ty",
    "uuid:café",
    'uuid:"x"',
    "uuid:<x>",
    "uuid:x;y",
    "uuid:%2e%2e",
    "u" * 101,
]


@pytest.mark.parametrize("instance_id", BAD_IDS)
def test_an_instance_id_outside_the_safe_set_is_400_naming_the_field(
    device, unchanged, instance_id
):
    response = device.submit(with_text(SIMPLE, "meta/instanceID", instance_id))
    assert response.status_code == 400, response.text
    nature, text = message(response)
    assert nature == "error" and "meta/instanceID" in text and "uuid:" in text
    unchanged()


@pytest.mark.parametrize(
    "instance_id",
    [
        "uuid:44ec9d92-f91c-4af7-9f6f-e98cb259bdd2",  # Collect, Enketo, ODK Web Forms
        "uuid:DFD3036C-C383-4D89-B6AD-E8B107A28FAC",
        "uuid:visit-1",
        "1741079521992",
        "ODK_Aggregate:2.0.5-x",
        "a" * 100,
    ],
)
def test_the_ids_clients_generate_are_taken(device, engine, instance_id):
    response = device.submit(with_text(SIMPLE, "meta/instanceID", instance_id))
    assert response.status_code == 201, response.text
    assert [r["instance_id"] for r in rows(engine, "submissions", "id")] == [instance_id]


def test_a_deprecated_id_outside_the_safe_set_is_400_naming_it(device, unchanged):
    response = device.submit(with_text(EDIT, "meta/deprecatedID", "uuid:x'; DROP TABLE x; --"))
    assert response.status_code == 400
    assert "meta/deprecatedID" in message(response)[1]
    unchanged()


def test_over_rest_the_refusal_is_json_naming_the_field(client, admin, device, unchanged):
    response = client.post(
        f"/v1/projects/{device.project}/forms/household/submissions",
        content=with_text(SIMPLE, "meta/instanceID", "uuid:a b"),
        headers={**admin, "Content-Type": "application/xml"},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 400.8 and "meta/instanceID" in body["message"]
    assert body["details"]["field"] == "meta/instanceID"
    unchanged()


@pytest.mark.parametrize(
    "text",
    [
        '1\t2\t3\t4 =HYPERLINK("http://x") 5',
        "12.6392\t-8.0029",
        "12.6392  -8.0029",
        "12.6392 -8.0029 350 4.5 9",
        "12.6392",
        "91 0",
        "0 181",
        "-90.5 0",
        "NaN 1",
        "1e999 1",
        "12,6 -8,0",
        "=1+1 2",
        "0x1F 2",
    ],
)
def test_a_geopoint_that_is_not_numbers_on_the_globe_is_400_naming_its_xpath(
    device, unchanged, text
):
    response = device.submit(with_text(SIMPLE, "respondent/location", text))
    assert response.status_code == 400, response.text
    nature, said = message(response)
    assert nature == "error" and LOCATION in said and "latitude -90 to 90" in said
    unchanged()


@pytest.mark.parametrize(
    ("text", "latitude", "longitude"),
    [
        ("5.0E-4 -1.0E-4 0.0 4.5", 0.0005, -0.0001),  # Collect near 0°: Java's Double.toString
        ("1e-7 2e+1", 1e-7, 20),  # JavaScript's Number.toString (Enketo, Web Forms)
        ("90 -180", 90, -180),
        ("\n  -90 180 0  \n", -90, 180),  # pretty-printed XML
    ],
)
def test_geopoints_as_clients_write_them_are_taken(device, engine, text, latitude, longitude):
    assert device.submit(with_text(SIMPLE, "respondent/location", text)).status_code == 201
    (row,) = rows(engine, "household")
    assert row["respondent__location_latitude"] == pytest.approx(latitude)
    assert row["respondent__location_longitude"] == pytest.approx(longitude)


WALKS = md_form(
    "type | name | label\ngeotrace | route | Route\ngeoshape | plot | Plot", form_id="walks"
)


def walk(route: str, plot: str) -> bytes:
    root = etree.fromstring(
        b'<data id="walks" version="1"><route/><plot/><meta><instanceID/></meta></data>'
    )
    root.find("route").text, root.find("plot").text = route, plot
    root.find("meta/instanceID").text = f"uuid:{uuid.uuid4()}"
    return etree.tostring(root)


@pytest.fixture
def walker(client, admin, project):
    publish(client, admin, project, WALKS)
    return make_device(client, admin, project, form_ids=("walks",))


@pytest.mark.parametrize(
    ("route", "plot", "xpath"),
    [
        ("12 -8;1\t2", "10 -9;12 -8;11 -7", "/data/route"),
        ("12 -8;13 -8", "10 -9;not a point;11 -7", "/data/plot"),
        ("12 -8;95 -8", "10 -9;12 -8;11 -7", "/data/route"),
        ("12 -8;;13 -8", "10 -9;12 -8;11 -7", "/data/route"),
        ("12 -8;13 -8", '10 -9;=HYPERLINK("x") 1', "/data/plot"),
    ],
)
def test_a_trace_or_shape_whose_points_are_not_geopoints_is_400_naming_it(
    walker, engine, route, plot, xpath
):
    response = walker.submit(walk(route, plot))
    assert response.status_code == 400, response.text
    assert xpath in message(response)[1]
    assert rows(engine, "walks") == []


def test_traces_and_shapes_as_clients_write_them_are_taken(walker, engine):
    collect = "12.5 -8.0 350.2 5.0;12.6 -8.1 351.0 5.0"  # Collect: ';', no space, none at the end
    others = "1.0E-4 2 0 0; 3 4;"  # a space after ';', one at the end
    assert walker.submit(walk(collect, others)).status_code == 201
    assert [(r["route"], r["plot"]) for r in rows(engine, "walks")] == [(collect, others)]


def members(count: int) -> bytes:
    root = etree.fromstring(REPEATS)
    template = root.find("members")
    for _ in range(count - len(root.findall("members"))):
        template.addnext(etree.fromstring(etree.tostring(template)))
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def test_more_repeat_instances_than_the_setting_are_refused_before_anything_is_stored(
    settings, clock, device, engine, blob_store, tmp_path
):
    before = footprint(engine, blob_store, tmp_path)
    limited = create_app(
        dataclasses.replace(settings, max_repeat_instances=3), clock=clock, passwords=PASSWORDS
    )
    with TestClient(limited, base_url="http://baobab.test") as client:
        device = dataclasses.replace(device, client=client)
        response = device.submit(members(4))
        assert response.status_code == 400, response.text
        said = message(response)[1]
        assert "/data/members" in said and "3 repeat instances" in said
        assert footprint(engine, blob_store, tmp_path) == before
        assert device.submit(members(3)).status_code == 201
    assert len(rows(engine, "household__members")) == 3


NESTED = """
type | name | label
begin_repeat | trip | Trip
text | place | Place
begin_repeat | stop | Stop
text | what | What
end_repeat | |
end_repeat | |
"""


def test_the_limit_counts_every_repeat_together_and_names_the_one_that_passes_it():
    schema = schema_of(NESTED, form_id="trips")
    plan = plan_tables(schema, table_prefix="trips").version
    trips = "".join(
        f"<trip><place>p{n}</place><stop><what>a</what></stop><stop><what>b</what></stop></trip>"
        for n in range(2)
    )
    xml = f'<data id="trips" version="1">{trips}<meta><instanceID>uuid:t</instanceID></meta></data>'
    _envelope, root = parse_submission(xml.encode())
    assert len(submission_rows(root, schema, plan, max_repeat_instances=6).rows) == 7
    with pytest.raises(SubmissionError) as refused:
        submission_rows(root, schema, plan, max_repeat_instances=5)
    assert refused.value.code is ConversionCode.SUBMISSION_TOO_MANY_REPEATS
    assert refused.value.context == {"xpath": "/data/trip/stop", "limit": 5}


def test_stored_xml_can_be_read_again_without_the_id_check():
    stored = with_text(SIMPLE, "meta/instanceID", "an id from before the check")
    with pytest.raises(SubmissionError) as refused:
        parse_submission(stored)
    assert refused.value.code is ConversionCode.SUBMISSION_BAD_ID
    envelope, _root = parse_submission(stored, check_ids=False)
    assert envelope.instance_id == "an id from before the check"
