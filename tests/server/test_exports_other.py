"""XLSX (typed cells, one sheet per table, labels by language), GeoJSON and SPSS syntax."""

from __future__ import annotations

import io
from datetime import datetime

import openpyxl
import pytest

from converters.export_model import ExportColumn
from tests.server.central_data import IDS, load_survey
from tests.support.devices import make_device
from tests.support.forms import publish
from tests.support.xlsforms import md_form

BILINGUAL = md_form(
    """
    type | name | label::English (en) | label::French (fr)
    select_one sex | sex | Sex | Sexe
    select_multiple needs | needs | Needs | Besoins
    integer | age | Age | Âge
    geotrace | route | Route | Trajet
    """,
    form_id="bilingual",
    choices="""
    list_name | name | label::English (en) | label::French (fr)
    sex | male | Man | Homme
    sex | female | Woman | Femme
    needs | food | Food | Nourriture
    needs | work | Work | Travail
    """,
)


@pytest.fixture
def survey(client, admin, project, clock):
    return load_survey(client, admin, project, clock)


def workbook(client, admin, path, **params):
    response = client.get(path, params=params, headers=admin)
    assert response.status_code == 200, response.text
    return openpyxl.load_workbook(io.BytesIO(response.content))


def test_xlsx_has_one_typed_sheet_per_table(client, admin, survey):
    book = workbook(client, admin, f"{survey.base}/submissions.xlsx")
    assert book.sheetnames == ["sample_survey", "sample_survey-members"]
    rows = list(book["sample_survey"].iter_rows(values_only=True))
    header = rows[0]
    first = dict(zip(header, rows[1], strict=True))
    assert first["KEY"] == IDS[2]
    assert first["respondent-resp_age"] == 19 and isinstance(first["respondent-resp_age"], int)
    assert first["household-hh_income"] == pytest.approx(5418.86)
    assert first["respondent-dob"] == datetime(1948, 3, 3)  # a date cell
    assert first["q_visit_time"] == datetime(2026, 3, 4, 11, 3, 21)  # device's clock time
    assert first["respondent-resp_phone"] == "+254787010445"  # text stays text
    assert first["location-Latitude"] == pytest.approx(0.85793)
    members = list(book["sample_survey-members"].iter_rows(values_only=True))
    assert members[0][-2:] == ("PARENT_KEY", "KEY")
    assert len(members) == 8


def test_xlsx_labels_in_a_chosen_language(client, admin, project, device):
    publish(client, admin, project, BILINGUAL)
    client.post(
        f"/v1/projects/{project}/forms/bilingual/assignments/app-user/{device.actor_id}",
        headers=admin,
    )
    xml = (
        b'<data id="bilingual" version="1"><sex>female</sex><needs>food work</needs>'
        b"<age>30</age><meta><instanceID>uuid:b1</instanceID></meta></data>"
    )
    assert device.submit(xml).status_code == 201
    path = f"/v1/projects/{project}/forms/bilingual/submissions.xlsx"
    codes = list(workbook(client, admin, path)["bilingual"].iter_rows(values_only=True))
    assert codes[1][1:3] == ("female", "food work")
    french = list(
        workbook(client, admin, path, labels="true", language="fr")["bilingual"].iter_rows(
            values_only=True
        )
    )
    assert french[0][1:4] == ("Sexe", "Besoins", "Âge")
    assert french[1][1:4] == ("Femme", "Nourriture; Travail", 30)


def test_geojson_has_a_feature_per_located_submission(client, admin, survey):
    response = client.get(f"{survey.base}/submissions.geojson", headers=admin)
    assert response.status_code == 200
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert len(features) == 3
    first = features[0]
    assert first["geometry"] == {"type": "Point", "coordinates": [36.80375, 0.85793, 1589.7]}
    assert first["properties"]["KEY"] == IDS[2]
    assert first["properties"]["question"] == "location"
    assert first["properties"]["district"] == "south"


def test_geojson_has_traces_that_start_south_or_west(client, admin, project):
    """A trace starting with a negative coordinate: its CSV cell is defused for spreadsheets
    ("'-12.5 -8...") yet its feature is the LineString sent."""
    publish(client, admin, project, BILINGUAL)
    device = make_device(client, admin, project, form_ids=("bilingual",))
    xml = (
        '<data id="bilingual" version="1"><route>-12.5 -8 350 5;-12.6 -8.1 351 5</route>'
        "<meta><instanceID>uuid:south</instanceID></meta></data>"
    )
    assert device.submit(xml.encode()).status_code == 201
    base = f"/v1/projects/{project}/forms/bilingual"
    features = client.get(f"{base}/submissions.geojson", headers=admin).json()["features"]
    assert [f["geometry"] for f in features] == [
        {"type": "LineString", "coordinates": [[-8, -12.5, 350], [-8.1, -12.6, 351]]}
    ]
    assert features[0]["properties"]["KEY"] == "uuid:south"


def test_spss_syntax_reads_the_csv_with_labels(client, admin, project):
    publish(client, admin, project, BILINGUAL)
    syntax = client.get(
        f"/v1/projects/{project}/forms/bilingual/submissions.sps?language=fr", headers=admin
    ).text
    assert "/FILE='bilingual.csv'" in syntax
    assert "  age F20.0" in syntax and "  sex A2000" in syntax
    assert "  sex 'Sexe'" in syntax and "  age 'Âge'" in syntax
    assert "  sex 'male' 'Homme' 'female' 'Femme'" in syntax
    assert "meta_instanceID" in syntax  # '-' is not allowed in SPSS names


def test_the_zip_can_carry_spss_syntax_for_each_csv(client, admin, survey):
    import zipfile

    response = client.get(
        f"{survey.base}/submissions.csv.zip?spss=true&attachments=false", headers=admin
    )
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert "sample_survey.sps" in names and "sample_survey-members.sps" in names


def test_spss_names_are_valid_and_unique():
    from converters.spss import spss_names

    assert spss_names(["a-b", "a_b", "1x", "SubmissionDate", "x" * 80]) == [
        "a_b",
        "a_b_2",
        "v_1x",
        "SubmissionDate",
        "x" * 60,
    ]


def test_xlsx_keeps_text_that_no_longer_fits_a_retyped_column():
    from server.exports.xlsx import _writer

    written = []

    class Sheet:
        def write_string(self, *args):
            written.append(("string", args))

        def write_number(self, *args):
            written.append(("number", args))

    write = _writer(ExportColumn("age", "integer"), {}, None, False, {})
    write(Sheet(), 1, 0, "forty")
    write(Sheet(), 2, 0, "40")
    write(Sheet(), 3, 0, "=1+1")  # text, neutralised as every text cell
    write(Sheet(), 4, 0, "1_000")  # int() would take it
    write(Sheet(), 5, 0, "-12")
    write(Sheet(), 6, 0, "1234567890123456")  # more digits than Excel keeps
    assert written == [
        ("string", (1, 0, "forty", None)),
        ("number", (2, 0, 40)),
        ("string", (3, 0, "'=1+1", None)),
        ("string", (4, 0, "1_000", None)),
        ("number", (5, 0, -12)),
        ("string", (6, 0, "1234567890123456", None)),
    ]
    decimal = _writer(ExportColumn("lat", "coordinate"), {}, None, False, {})
    for text in ("nan", "inf", "1e999", "-12.5"):
        decimal(Sheet(), 7, 0, text)
    assert written[-4:] == [
        ("string", (7, 0, "nan", None)),
        ("string", (7, 0, "inf", None)),
        ("string", (7, 0, "1e999", None)),
        ("number", (7, 0, -12.5)),
    ]


def test_xlsx_continues_a_full_sheet_on_the_next(engine, survey, tmp_path, clock):
    """Excel holds 1,048,576 rows a sheet: the rows that do not fit go to `name~2`, not away."""
    from server.auth import Caller
    from server.exports.form_data import read_form_data
    from server.exports.xlsx import write_xlsx
    from storage.db import transaction
    from storage.exports.csv_queries import CsvOptions, csv_tables
    from storage.forms.versions import get_form

    path = tmp_path / "split.xlsx"
    with transaction(engine, read_only=True) as connection:
        form = get_form(connection, survey.project, "sample_survey")
        data = read_form_data(connection, form, Caller(None, "test"), deleted_fields=False)
        tables = csv_tables(connection, data.model, data.tables, form.id, CsvOptions(), clock())
        write_xlsx(path, connection, tables, {}, language=None, labels=False, sheet_rows=3)
    book = openpyxl.load_workbook(path)
    members = [n for n in book.sheetnames if n.startswith("sample_survey-members")]
    assert members == [
        "sample_survey-members",
        "sample_survey-members~2",
        "sample_survey-members~3",
    ]
    rows = [list(book[n].iter_rows(values_only=True)) for n in members]
    assert [len(r) - 1 for r in rows] == [3, 3, 1]
    assert all(r[0] == rows[0][0] for r in rows)  # every sheet has the header
    keys = [row[-1] for r in rows for row in r[1:]]
    assert len(set(keys)) == 7
