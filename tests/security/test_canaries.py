"""The sensitive-data rules, checked by one crawl rather than route by route: every field of the
returnee intake marked sensitive (and so every entity property saved from one) is filled with a
canary value of its own; then, as an analyst and as a viewer, every GET route of the app's route
table is requested, with real ids behind every parameter and in every format it offers, and no
canary may appear in any answer, in any file inside a zip, or in any cell of a spreadsheet."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, timedelta
from uuid import uuid4

import openpyxl
import pytest
from lxml import etree

from converters.xform_schema import parse_xform
from tests.security.access_rules import RULES, fill, params_for
from tests.security.access_world import OPENROSA, World, build_world
from tests.support.entities import INTAKE_VERSION, build
from tests.support.forms import XLSX
from tests.support.paths import FORMS

ROLES = ("analyst", "viewer")
CANARY_DATE = date(1931, 1, 1)
# Formats and options each kind of route offers, beyond its plain answer.
EXPORT_OPTIONS = (
    "",
    "?splitSelectMultiples=true&groupPaths=false&deletedFields=true",
    "?attachments=true",
    "?labels=true",
)
WEB_EXPORTS = tuple(
    f"?format={f}&attachments=1&splitSelectMultiples=1&labels=1"
    for f in ("csv.zip", "csv", "xlsx", "geojson", "sps")
)


class Canaries:
    """A unique value for each sensitive field, of a kind the field can hold."""

    def __init__(self, schema) -> None:
        self.values: dict[str, str] = {}
        self.marks: list[str] = []  # what may never be seen: each value, or its telltale part
        self.files: dict[str, bytes] = {}
        for n, field in enumerate(f for f in schema.fields if f.sensitive and f.has_column):
            value, mark = self._value(n, field.bind_type)
            self.values[field.xpath] = value
            self.marks.append(mark)
            if field.bind_type == "binary":
                self.files[value] = b"\xff\xd8\xff" + mark.encode() * 20

    @staticmethod
    def _value(n: int, bind_type: str) -> tuple[str, str]:
        if bind_type == "int":
            return str(970_000 + n), str(970_000 + n)
        if bind_type == "decimal":
            return f"97{n:02d}.8125", f"97{n:02d}.8125"
        if bind_type == "date":
            day = (CANARY_DATE + timedelta(days=n)).isoformat()
            return day, day
        if bind_type == "geopoint":
            return f"12.{n:02d}31415 -8.{n:02d}27182 350 5", f"{n:02d}31415"
        if bind_type == "binary":
            return f"cnry{n:02d}file.jpg", f"cnry{n:02d}file"
        return f"cnry{n:02d}q", f"cnry{n:02d}q"  # text, selections, calculations

    def found_in(self, body: bytes, content_type: str) -> list[str]:
        texts = [body]
        if body[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                texts += [archive.read(name) for name in archive.namelist()]
                texts += [name.encode() for name in archive.namelist()]
            if "spreadsheet" in content_type or b"xl/workbook.xml" in body:
                texts.append(_cells(body))
        return sorted({m for m in self.marks for t in texts if m.encode() in t})


def _cells(xlsx: bytes) -> bytes:
    """Every cell of a workbook as text, dates in ISO form (a date cell holds a serial)."""
    book = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True)
    out = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                out.append(value.date().isoformat() if hasattr(value, "date") else str(value))
    return "\n".join(out).encode()


def _plain(field, choices) -> str:
    """A value for a field that is not sensitive."""
    if field.xpath == "/data/consent/consent_ok":
        return "yes"
    return {
        "int": "2",
        "decimal": "1.5",
        "date": "2026-11-02",
        "dateTime": "2026-11-02T10:00:00.000+00:00",
        "time": "10:00:00.000+00:00",
        "geopoint": "12.6 -8.0 350 5",
        "binary": "plain.jpg",
    }.get(field.bind_type, choices.get(field.choice_list, "plain"))


@pytest.fixture
def world(client, engine, clock):
    return build_world(client, engine, clock)


def register_canaries(world: World) -> tuple[Canaries, str, str]:
    """A registration whose every sensitive answer is a canary; its instanceID and entity."""
    p = f"/v1/projects/{world.project}"
    # The follow-up, which takes the list of returnees to its devices as returnees.csv.
    world.api(
        "POST",
        f"{p}/forms?publish=true&ignoreWarnings=true",
        content=(FORMS / "reintegration_followup.xlsx").read_bytes(),
        headers={"Content-Type": XLSX},
    )
    xform = world.api("GET", f"{p}/forms/returnee_intake.xml").content
    schema = parse_xform(xform)
    canaries = Canaries(schema)
    choices = {c.id: c.choices[0].name for c in schema.choice_lists.values() if c.choices}
    values = {
        f.xpath: canaries.values.get(f.xpath) or _plain(f, choices)
        for f in schema.fields
        if f.has_column and not f.xpath.startswith("/data/meta/")
    }
    entity = str(uuid4())
    label = f"{values['/data/identity/first_name']} {values['/data/identity/last_name']}"
    xml = build(
        "returnee_intake",
        INTAKE_VERSION,
        values,
        {"dataset": "returnees", "id": entity, "create": "1"},
        label,
    )
    instance = etree.fromstring(xml).findtext("meta/instanceID")
    parts = [("xml_submission_file", ("submission.xml", xml, "text/xml"))]
    parts += [(name, (name, data, "image/jpeg")) for name, data in canaries.files.items()]
    key = world.people["app_user"].key
    sent = world.client.post(
        f"/v1/key/{key}/projects/{world.project}/submission", files=parts, headers=OPENROSA
    )
    assert sent.status_code == 201, sent.text
    # The canaries are really there for those who may see them.
    full = world.api("GET", f"{p}/forms/returnee_intake/submissions/{instance}.xml").content
    assert all(m.encode() in full for m in canaries.marks if "file" not in m)
    entities = world.api("GET", f"{p}/datasets/returnees/entities.csv").content
    assert canaries.values["/data/identity/phone"].encode() in entities
    return canaries, instance, entity


def crawl_urls(world: World, instance: str, entity: str, person) -> list[str]:
    """Every GET route, filled once with the world's ids and once with the canary
    registration's, plus the formats and options each offers."""
    urls: list[str] = []
    for rule in RULES:
        if rule.methods != "GET" or rule.path.startswith(("/static/", "/v1/test/")):
            continue
        base = params_for(world, rule.path, person)
        canary = {**base, "form_id": "returnee_intake", "instance_id": instance}
        canary.update({"version_id": instance, "uuid": entity, "version": INTAKE_VERSION})
        if "/attachments/{name}" in rule.path and "/submissions/" not in rule.path:
            canary["name"] = "returnees.csv"  # the entity list, served as form media
        followup = {**canary, "form_id": "reintegration_followup", "name": "returnees.csv"}
        query = rule.recipe(world, person).get("query") if rule.recipe else None
        for values in (base, canary, followup):
            url = fill(rule.path, values) + (f"?{query}" if query else "")
            urls.append(url)
            if rule.path.endswith(tuple(f"/submissions.{x}" for x in ("csv.zip", "csv", "xlsx"))):
                urls += [url + option for option in EXPORT_OPTIONS[1:]]
            if rule.path.endswith("/export/download"):
                urls += [url.split("?")[0] + option for option in WEB_EXPORTS]
            if rule.path.endswith("/fields"):
                urls.append(url + "?odata=true")
    return list(dict.fromkeys(urls))


def odata_urls(world: World, person) -> list[str]:
    """Every entity set of the intake's feed (its repeats too), expanded, and the entity list's."""
    p = f"/v1/projects/{world.project}"
    service = world.send(person, "GET", f"{p}/forms/returnee_intake.svc").json()
    sets = [s["url"] for s in service["value"]]
    urls = [f"{p}/forms/returnee_intake.svc/{s}" for s in sets]
    urls += [u + "?$expand=*" for u in urls]
    urls += [f"{p}/datasets/returnees.svc/Entities", f"{p}/datasets/returnees.svc/$metadata"]
    return urls


@pytest.mark.programme
def test_no_sensitive_value_reaches_an_analyst_or_a_viewer_by_any_route(world):
    canaries, instance, entity = register_canaries(world)
    leaks, checked, routes = [], 0, set()
    for role in ROLES:
        person = world.people[role]
        urls = crawl_urls(world, instance, entity, person) + odata_urls(world, person)
        for url in urls:
            response = world.send(person, "GET", url)
            checked += 1
            routes.add(re.sub(r"\?.*", "", url))
            assert response.status_code < 500, (url, response.status_code, response.text[:300])
            found = canaries.found_in(response.content, response.headers.get("content-type", ""))
            if found:
                leaks.append(f"{role} GET {url}: {response.status_code} shows {found}")
    print(
        f"\ncanary crawl: {len(canaries.marks)} canaries, {checked} requests "
        f"({len(routes)} distinct URLs) as {', '.join(ROLES)}: {len(leaks)} leaks"
    )
    assert checked > 300
    assert not leaks, "\n".join(leaks)


@pytest.mark.programme
def test_the_crawl_sees_canaries_where_they_may_be_seen(world):
    """The same crawl as a protection officer finds canaries (so the crawl would find a leak):
    in the submission's XML, the exports, OData and the entity list."""
    canaries, instance, entity = register_canaries(world)
    person = world.people["protection_officer"]
    seen = set()
    for url in crawl_urls(world, instance, entity, person) + odata_urls(world, person):
        response = world.send(person, "GET", url)
        if canaries.found_in(response.content, response.headers.get("content-type", "")):
            seen.add(re.sub(r"/v1/projects/\d+|/projects/\d+", "", url.split("?")[0]))
    for expected in (
        f"/forms/returnee_intake/submissions/{instance}.xml",
        "/forms/returnee_intake/submissions.csv.zip",
        "/forms/returnee_intake/submissions.xlsx",
        "/forms/returnee_intake.svc/Submissions",
        "/datasets/returnees/entities.csv",
        "/forms/reintegration_followup/attachments/returnees.csv",
    ):
        assert expected in seen, (expected, sorted(seen))
