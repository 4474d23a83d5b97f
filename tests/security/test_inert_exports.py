"""Every file an analyst opens is inert. A form whose title, question labels and choice labels
hold a formula and a line break, submissions whose answers, instanceID, repeat keys, submitter
name, device id, review state and form version are formulas, and a geopoint stored (before
intake checked them) as formulas: each export format is downloaded and opened. No CSV or XLSX
cell is a formula or starts like one, genuine negative numbers stay numbers (XLSX number cells),
GeoJSON stays valid, and the SPSS syntax runs no command of the form's."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from xml.sax.saxutils import escape

import openpyxl
import pytest
import sqlalchemy as sa

from server.auth import Caller
from server.exports.form_data import read_form_data
from storage.db import transaction
from storage.forms.versions import get_form
from storage.schema import system as s
from tests.security.inert import FORMULA, commands
from tests.support.devices import make_device

BREAK = "\r\nHOST COMMAND=['calc.exe']."
TITLE = '=HYPERLINK("http://evil.example/")' + BREAK + "\r"
FORM = {
    "survey": [
        ["type", "name", "label"],
        ["text", "name", "=cmd|' /C calc'!A0" + BREAK],
        ["integer", "age", "+SUM(1)" + BREAK],
        ["decimal", "income", "@income" + BREAK],
        ["geopoint", "location", "-location\n."],
        ["select_one sex", "sex", "\t=Sex"],
        ["select_multiple needs", "needs", "=needs"],
        ["begin_repeat", "members", "=members"],
        ["text", "m_name", "=m" + BREAK],
        ["begin_repeat", "jobs", "=jobs"],
        ["text", "title", "-title"],
        ["end_repeat", "", ""],
        ["end_repeat", "", ""],
    ],
    "choices": [
        ["list_name", "name", "label"],
        ["sex", "male", '=HYPERLINK("http://evil.example/")' + BREAK],
        ["sex", "female", "-Woman"],
        ["needs", "food", "+Food"],
    ],
    "settings": [["form_id", "version", "form_title"], ["hostile", "1", TITLE]],
}
ANSWERS = ["=1+1\n=2", "+SUM(A1)", "@cmd", "\t=1", "\r=1", "-2+3", '=HYPERLINK("x")']
SYSTEM = {  # what each system column was made to hold, as an older server might have stored it
    "KEY": '=HYPERLINK("http://evil.example/key")',
    "SubmitterName": "=cmd|' /C calc'!A0",
    "DeviceID": "@SUM(1+1)",
    "ReviewState": "=1+1",
    "FormVersion": "+1+1",
}
STORED_GEOPOINT = "=1+1 @2 -3+1 \t4"  # split on spaces: every part a formula


def workbook(sheets: dict[str, list[list[str]]]) -> bytes:
    """The XLSForm as .xlsx, every cell a string: openpyxl would store "=..." as a formula."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for line in sheet.iter_rows():
            for cell in line:
                cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def submission(number: int, name: str, location: str) -> bytes:
    return (
        f'<data id="hostile" version="1"><name>{escape(name, {chr(13): "&#13;"})}</name>'
        f"<age>-5</age><income>-12.5</income><location>{location}</location>"
        "<sex>male</sex><needs>food</needs>"
        f"<members><m_name>{escape(ANSWERS[number % len(ANSWERS)])}</m_name>"
        "<jobs><title>-2+3</title></jobs></members>"
        f"<meta><instanceID>uuid:00000000-0000-4000-8000-{number:012d}</instanceID></meta>"
        "</data>"
    ).encode()


@pytest.fixture
def hostile(client, admin, project, engine):
    response = client.post(
        f"/v1/projects/{project}/forms?publish=true&ignoreWarnings=true",
        content=workbook(FORM),
        headers={
            **admin,
            "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        },
    )
    assert response.status_code == 200, response.text
    device = make_device(client, admin, project, ("hostile",))
    for number, name in enumerate(ANSWERS):
        assert device.submit(submission(number, name, "-8.25 -12.5 -3 4.5")).status_code == 201
    with transaction(engine) as connection:
        form = get_form(connection, project, "hostile")
        data = read_form_data(connection, form, Caller(None, "test"))
        root = data.tables[data.model.root.name]
        location = next(f for f in data.model.root.fields if f.field.name == "location")
        first = s.submissions.c.instance_id == "uuid:00000000-0000-4000-8000-000000000000"
        submission_id = connection.execute(sa.select(s.submissions.c.id).where(first)).scalar()
        connection.execute(
            sa.update(s.submissions)
            .where(s.submissions.c.id == submission_id)
            .values(
                instance_id=SYSTEM["KEY"],
                device_id=SYSTEM["DeviceID"],
                review_state=SYSTEM["ReviewState"],
            )
        )
        connection.execute(
            sa.update(s.actors)
            .where(s.actors.c.id == device.actor_id)
            .values(display_name=SYSTEM["SubmitterName"])
        )
        connection.execute(
            sa.update(root)
            .where(root.c._submission_id == submission_id)
            .values({"_form_version": SYSTEM["FormVersion"], location.value.name: STORED_GEOPOINT})
        )
        for table in data.model.tables[1:]:
            rows = data.tables[table.name]
            connection.execute(
                sa.update(rows)
                .where(rows.c._submission_id == submission_id)
                .values(_key=sa.literal("=HYPERLINK(") + rows.c._key + sa.literal(")"))
            )
    return f"/v1/projects/{project}/forms/hostile/submissions"


def csv_cells(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))


def assert_inert(cells) -> None:
    for cell in cells:
        assert not FORMULA.match(cell), repr(cell)


def by_header(table: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(table[0], row, strict=True)) for row in table[1:]]


def test_every_csv_cell_is_inert_and_numbers_stay_numbers(client, admin, hostile):
    response = client.get(f"{hostile}.csv.zip?attachments=false", headers=admin)
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.namelist() == ["hostile.csv", "hostile-members.csv", "hostile-jobs.csv"]
    tables = {name: csv_cells(archive.read(name)) for name in archive.namelist()}
    for table in tables.values():
        assert_inert(cell for row in table for cell in row)
    rows = by_header(tables["hostile.csv"])
    assert {r["name"] for r in rows} == {"'" + a if FORMULA.match(a) else a for a in ANSWERS}
    hit = next(r for r in rows if r["KEY"] != r["meta-instanceID"])
    for column, value in SYSTEM.items():
        assert hit[column] == "'" + value, column
    assert [hit[f"location-{p}"] for p in ("Latitude", "Longitude", "Altitude", "Accuracy")] == [
        "'=1+1",
        "'@2",
        "'-3+1",
        "'\t4",
    ]
    plain = next(r for r in rows if r is not hit)
    assert (plain["location-Latitude"], plain["location-Longitude"]) == ("-8.25", "-12.5")
    assert {(r["age"], r["income"]) for r in rows} == {("-5", "-12.5")}
    members, jobs = by_header(tables["hostile-members.csv"]), by_header(tables["hostile-jobs.csv"])
    assert "'" + SYSTEM["KEY"] in {r["PARENT_KEY"] for r in members}
    assert any(r["KEY"].startswith("'=HYPERLINK(") for r in members)
    assert any(r["PARENT_KEY"].startswith("'=HYPERLINK(") for r in jobs)
    assert {r["title"] for r in jobs} == {"'-2+3"}
    single = client.get(f"{hostile}.csv", headers=admin).content
    assert single == archive.read("hostile.csv")


@pytest.mark.parametrize("labels", [False, True])
def test_no_xlsx_cell_is_a_formula_and_numbers_are_numbers(client, admin, hostile, labels):
    response = client.get(f"{hostile}.xlsx", params={"labels": str(labels).lower()}, headers=admin)
    assert response.status_code == 200, response.text
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["hostile", "hostile-members", "hostile-jobs"]
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.value
                if isinstance(cell.value, str):  # OOXML writes CR as _x000D_
                    assert not FORMULA.match(cell.value.replace("_x000D_", "\r")), cell.value
    rows = list(book["hostile"].iter_rows(values_only=True))
    header = rows[0]
    if labels:
        assert header[1].startswith("'=cmd|") and "'+SUM(1)" in header[2]
        sex = header.index("'=Sex")  # pyxform strips the label's tab
        assert {r[sex] for r in rows[1:]} == {"'" + FORM["choices"][1][2].replace("\r", "")}
        return
    found = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    assert {(r["age"], r["income"]) for r in found} == {(-5, -12.5)}
    hit = next(r for r in found if r["location-Latitude"] == "'=1+1")
    assert hit["KEY"] == "'" + SYSTEM["KEY"]
    assert {r["location-Latitude"] for r in found if r is not hit} == {-8.25}


def test_geojson_stays_valid_and_skips_a_geopoint_stored_as_formulas(client, admin, hostile):
    response = client.get(f"{hostile}.geojson", headers=admin)
    assert response.status_code == 200
    features = json.loads(response.content)["features"]
    assert len(features) == len(ANSWERS) - 1  # the stored formulas give no point
    assert {tuple(f["geometry"]["coordinates"]) for f in features} == {(-12.5, -8.25, -3)}
    for feature in features:
        assert_inert(v for v in feature["properties"].values() if isinstance(v, str))


def test_spss_syntax_runs_nothing_of_the_forms(client, admin, hostile):
    syntax = client.get(f"{hostile}.sps", headers=admin).text
    assert "HOST" not in commands(syntax)
    title = [line for line in syntax.split("\n") if line.startswith("TITLE")]
    assert title == ["TITLE '=HYPERLINK(\"http://evil.example/\") HOST COMMAND=[''calc.exe'']'."]
    archive = zipfile.ZipFile(
        io.BytesIO(client.get(f"{hostile}.csv.zip?spss=true", headers=admin).content)
    )
    for name in ("hostile.sps", "hostile-members.sps", "hostile-jobs.sps"):
        assert "HOST" not in commands(archive.read(name).decode("utf-8"))
