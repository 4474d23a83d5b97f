"""The OData feed against ODK Central's own answers for the same form and submissions
(shared/reference/central): service document, $metadata, rows, repeats, $expand, $select,
$filter, $top/$skiptoken paging and $count, $wkt."""

from __future__ import annotations

import base64
import json

import pytest
from lxml import etree

from tests.server.central_data import (
    CENTRAL,
    IDS,
    load_survey,
    reference_json,
    without_volatile,
)
from tests.support.devices import make_device
from tests.support.forms import publish
from tests.support.xlsforms import md_form


@pytest.fixture
def survey(client, admin, project, clock):
    return load_survey(client, admin, project, clock)


def token(position) -> str:
    """A $skiptoken as the feed writes them, holding `position`."""
    return "01" + base64.b64encode(json.dumps(position).encode()).decode()


def get(client, admin, survey, path, **params):
    response = client.get(f"{survey.base}.svc{path}", params=params, headers=admin)
    assert response.status_code == 200, response.text
    return response


def test_service_document_lists_the_submissions_and_every_repeat(client, admin, survey):
    response = get(client, admin, survey, "")
    assert response.headers["odata-version"] == "4.0"
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["value"] == [
        {"name": "Submissions", "kind": "EntitySet", "url": "Submissions"},
        {"name": "Submissions.members", "kind": "EntitySet", "url": "Submissions.members"},
    ]
    assert body["@odata.context"].endswith("/forms/sample_survey.svc/$metadata")


def test_metadata_is_the_edmx_central_serves(client, admin, survey):
    ours = etree.fromstring(get(client, admin, survey, "/$metadata").content)
    central = etree.fromstring((CENTRAL / "odata_metadata.xml").read_bytes())
    assert _shape(ours) == _shape(central)


def _shape(element):
    """Tags and attributes in document order, ignoring whitespace and annotations' details."""
    return [
        (etree.QName(e).localname, dict(e.attrib)) for e in element.iter() if isinstance(e.tag, str)
    ]


def test_submissions_match_central_row_for_row(client, admin, survey):
    ours = get(client, admin, survey, "/Submissions").json()
    central = reference_json("odata_submissions.json")
    assert [r["__id"] for r in ours["value"]] == list(reversed(IDS))
    assert without_volatile(ours["value"]) == without_volatile(central["value"])


def test_repeat_rows_match_central_with_their_hashed_ids(client, admin, survey):
    ours = get(client, admin, survey, "/Submissions.members").json()
    assert ours["value"] == reference_json("odata_members.json")["value"]


def test_expand_inlines_the_repeats(client, admin, survey):
    ours = get(client, admin, survey, "/Submissions", **{"$expand": "*"}).json()
    central = reference_json("odata_submissions_expand.json")
    assert without_volatile(ours["value"]) == without_volatile(central["value"])


def test_select_and_filter_like_central(client, admin, survey):
    ours = get(
        client,
        admin,
        survey,
        "/Submissions",
        **{
            "$filter": "__system/submissionDate gt 2000-01-01T00:00:00Z",
            "$select": "__id,district",
        },
    ).json()
    assert ours["value"] == reference_json("odata_filter.json")["value"]


def test_wkt_gives_points_as_text(client, admin, survey):
    ours = get(client, admin, survey, "/Submissions", **{"$wkt": "true", "$top": "1"}).json()
    central = reference_json("odata_wkt.json")
    assert without_volatile(ours["value"]) == without_volatile(central["value"])


def test_top_and_count_page_with_a_skiptoken_that_never_repeats_rows(client, admin, survey):
    first = get(client, admin, survey, "/Submissions", **{"$top": "2", "$count": "true"}).json()
    assert first["@odata.count"] == 3 and len(first["value"]) == 2
    link = first["@odata.nextLink"]
    assert "%24skiptoken=01" in link
    second = client.get(link.replace("http://baobab.test", ""), headers=admin).json()
    ids = [r["__id"] for r in first["value"] + second["value"]]
    assert ids == list(reversed(IDS)) and "@odata.nextLink" not in second


def test_repeat_rows_page_across_submissions_without_repeats_or_gaps(client, admin, survey):
    everything = get(client, admin, survey, "/Submissions.members").json()["value"]
    assert len(everything) == 7
    paged, link = [], f"{survey.base}.svc/Submissions.members?%24top=2"
    while link:
        page = client.get(link.replace("http://baobab.test", ""), headers=admin).json()
        assert len(page["value"]) <= 2
        paged += page["value"]
        link = page.get("@odata.nextLink")
        if len(paged) == 2:  # a submission arriving meanwhile shifts nothing
            fourth = (CENTRAL / "submission1.xml").read_bytes().replace(IDS[0].encode(), b"uuid:x")
            assert survey.device.submit(fourth, {}, device_id=None).status_code == 201
    assert [r["__id"] for r in paged] == [r["__id"] for r in everything]


def test_count_alone_with_top_zero(client, admin, survey):
    body = get(client, admin, survey, "/Submissions", **{"$top": "0", "$count": "true"}).json()
    assert body["value"] == [] and body["@odata.count"] == 3


def test_filter_on_review_state_and_single_entity(client, admin, survey):
    client.patch(
        f"{survey.base}/submissions/{IDS[1]}", json={"reviewState": "approved"}, headers=admin
    )
    approved = get(
        client, admin, survey, "/Submissions", **{"$filter": "__system/reviewState eq 'approved'"}
    ).json()
    assert [r["__id"] for r in approved["value"]] == [IDS[1]]
    single = get(client, admin, survey, f"/Submissions('{IDS[0]}')").json()
    assert [r["__id"] for r in single["value"]] == [IDS[0]]
    nested = get(client, admin, survey, f"/Submissions('{IDS[0]}')/members").json()
    assert [r["m_name"] for r in nested["value"]] == ["rho epsilon", "cassava kappa", "mu gamma"]


def test_empty_top_and_skip_are_absent_as_ruodk_sends_them(client, admin, survey):
    body = get(
        client,
        admin,
        survey,
        "/Submissions",
        **{"$top": "", "$skip": "", "$count": "false", "$wkt": "false"},
    ).json()
    assert len(body["value"]) == 3


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"$orderby": "__id"}, 501),
        ({"$expand": "members"}, 501),
        ({"$filter": "__system/submissionDate gt"}, 400),
        ({"$filter": "district eq 'x'"}, 400),
        ({"$top": "two"}, 400),
        ({"$skiptoken": "nonsense"}, 400),
        ({"$skiptoken": token({"created": "yesterday", "id": 1})}, 400),
        ({"$skiptoken": token({"created": "2026-01-01T00:00:00", "id": 1})}, 400),  # no zone
        ({"$skiptoken": token({"created": "2026-01-01T00:00:00+00:00", "id": "1"})}, 400),
        ({"$skiptoken": token([1, 2])}, 400),
        ({"$select": "__id,nope"}, 400),
        ({"$select": "respondent/nope"}, 400),
    ],
)
def test_unsupported_or_broken_queries_are_clear_errors(client, admin, survey, params, status):
    response = client.get(f"{survey.base}.svc/Submissions", params=params, headers=admin)
    assert response.status_code == status
    assert response.json()["message"]


def test_unknown_entity_set_is_404(client, admin, survey):
    response = client.get(f"{survey.base}.svc/Nope", headers=admin)
    assert response.status_code == 404


def test_an_unknown_submission_is_404(client, admin, survey):
    assert client.get(f"{survey.base}.svc/Submissions('{IDS[0]}')", headers=admin).json()["value"]
    for path in ("Submissions('uuid:nope')", "Submissions('uuid:nope')/members"):
        response = client.get(f"{survey.base}.svc/{path}", headers=admin)
        assert response.status_code == 404 and "uuid:nope" in response.json()["message"]


def test_select_takes_groups_system_members_and_parent_keys(client, admin, survey):
    row = get(
        client, admin, survey, "/Submissions", **{"$select": "respondent,__system/edits"}
    ).json()["value"][0]
    assert set(row) == {"__id", "respondent", "__system"} and row["__system"] == {"edits": 0}
    members = get(
        client, admin, survey, "/Submissions.members", **{"$select": "m_name,__Submissions-id"}
    ).json()["value"][0]
    assert set(members) == {"__id", "m_name", "__Submissions-id"}


def test_app_users_cannot_read_the_feed(client, survey):
    response = client.get(f"{survey.device.base}/forms/sample_survey.svc/Submissions")
    assert response.status_code == 403


TRACES = md_form(
    "| | type | name | label |\n| | geotrace | route | Route |\n| | geoshape | plot | Plot |",
    form_id="walks",
)


def test_traces_and_shapes_are_geojson_or_wkt_and_malformed_text_is_null(client, admin, project):
    publish(client, admin, project, TRACES)
    device = make_device(client, admin, project, form_ids=("walks",))
    answers = [
        ("uuid:w1", "12.5 -8 350.2 5;12.6 -8.1 351 5", "10 -9;12 -8;11 -7"),
        ("uuid:w2", "12.5 -8", "12.5 -8"),  # one point: neither a line nor a shape
    ]
    for instance, route, plot in answers:
        xml = (
            f'<data id="walks" version="1"><route>{route}</route><plot>{plot}</plot>'
            f"<meta><instanceID>{instance}</instanceID></meta></data>"
        )
        assert device.submit(xml.encode()).status_code == 201
    feed = f"/v1/projects/{project}/forms/walks.svc/Submissions"
    rows = {r["__id"]: r for r in client.get(feed, headers=admin).json()["value"]}
    assert rows["uuid:w1"]["route"] == {
        "type": "LineString",
        "coordinates": [[-8, 12.5, 350.2], [-8.1, 12.6, 351]],
    }
    assert rows["uuid:w1"]["plot"] == {
        "type": "Polygon",
        "coordinates": [[[-9, 10], [-8, 12], [-7, 11], [-9, 10]]],
    }
    assert (rows["uuid:w2"]["route"], rows["uuid:w2"]["plot"]) == (None, None)
    wkt = {
        r["__id"]: r
        for r in client.get(feed, params={"$wkt": "true"}, headers=admin).json()["value"]
    }
    assert wkt["uuid:w1"]["route"] == "LINESTRING (-8 12.5 350.2, -8.1 12.6 351)"
    assert wkt["uuid:w1"]["plot"] == "POLYGON ((-9 10, -8 12, -7 11, -9 10))"
    assert wkt["uuid:w2"]["plot"] is None
    metadata = client.get(f"/v1/projects/{project}/forms/walks.svc/$metadata", headers=admin)
    assert 'Name="route" Type="Edm.GeographyLineString"' in metadata.text
    assert 'Name="plot" Type="Edm.GeographyPolygon"' in metadata.text
