"""`baobab export`: the same bytes the HTTP export gives, written whole or not at all, audited,
and clear errors for a wrong form, filter or path."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

from server.cli.main import main
from tests.server.central_data import IDS, load_survey


@pytest.fixture
def survey(client, admin, project, clock):
    return load_survey(client, admin, project, clock)


@pytest.fixture
def baobab(monkeypatch, settings, capsys):
    monkeypatch.setenv("BAOBAB_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("BAOBAB_BLOB_URL", settings.blob_url)
    monkeypatch.setenv("BAOBAB_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("BAOBAB_LOG_LEVEL", "warning")

    def run(*args):
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def export(baobab, survey):
    """`baobab export sample_survey --project P ARGS`."""
    return lambda *args: baobab("export", "sample_survey", "--project", str(survey.project), *args)


def test_csv_zip_is_the_same_archive_as_over_http(export, client, admin, survey, tmp_path):
    target = tmp_path / "survey.zip"
    code, _, err = export("-o", str(target))
    assert code == 0, err
    assert f"wrote {target}" in err
    ours = zipfile.ZipFile(target)
    over_http = zipfile.ZipFile(
        io.BytesIO(client.get(f"{survey.base}/submissions.csv.zip", headers=admin).content)
    )
    assert sorted(ours.namelist()) == sorted(over_http.namelist())
    for name in ours.namelist():
        assert ours.read(name) == over_http.read(name), name
    assert not (tmp_path / "survey.zip.part").exists()


def test_filter_and_options_reach_the_export(export, client, admin, survey, tmp_path):
    reviewed = client.patch(
        f"{survey.base}/submissions/{IDS[1]}", json={"reviewState": "approved"}, headers=admin
    )
    assert reviewed.status_code == 200, reviewed.text
    target = tmp_path / "approved.csv"
    code, _, err = export(
        "--format",
        "csv",
        "--no-group-paths",
        "--filter",
        "__system/reviewState eq 'approved'",
        "-o",
        str(target),
    )
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(target.read_text("utf-8"))))
    assert [(row["KEY"], row["ReviewState"]) for row in rows] == [(IDS[1], "approved")]
    assert "resp_age" in rows[0] and "respondent-resp_age" not in rows[0]


def test_geojson_and_xlsx_are_written(export, survey, tmp_path):
    geojson = tmp_path / "points.geojson"
    assert export("--format", "geojson", "-o", str(geojson))[0] == 0
    features = json.loads(geojson.read_text("utf-8"))["features"]
    assert features and all(f["geometry"]["type"] == "Point" for f in features)
    xlsx = tmp_path / "survey.xlsx"
    assert export("--format", "xlsx", "-o", str(xlsx))[0] == 0
    assert zipfile.ZipFile(xlsx).read("[Content_Types].xml").startswith(b"<?xml")


def test_an_export_is_audited_as_done_from_the_command_line(export, client, admin, tmp_path):
    export("--format", "csv", "-o", str(tmp_path / "x.csv"))
    entries = client.get("/v1/audits", params={"action": "submission.export"}, headers=admin).json()
    assert [(e["actorId"], e["details"]["via"], e["details"]["format"]) for e in entries] == [
        (None, "cli", "csv")
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("export", "nope", "--project", "{project}", "-o", "{tmp}/x.csv"), "nope"),
        (
            (
                "export",
                "sample_survey",
                "--project",
                "{project}",
                "--filter",
                "age gt 3",
                "-o",
                "{tmp}/x.csv",
            ),
            "age",
        ),
        (("export", "sample_survey", "--project", "{project}", "-o", "{tmp}"), "directory"),
        (
            ("export", "sample_survey", "--project", "{project}", "-o", "{tmp}/no/such/x.csv"),
            "no/such",
        ),
    ],
)
def test_mistakes_are_clear_errors_and_leave_no_file(baobab, survey, tmp_path, args, message):
    args = [a.format(project=survey.project, tmp=tmp_path) for a in args]
    before = set(tmp_path.rglob("*"))
    code, _, err = baobab(*args)
    assert code == 1 and message in err and "Traceback" not in err
    assert set(tmp_path.rglob("*")) == before
