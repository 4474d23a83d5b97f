"""CSV exports against ODK Central's own export of the same submissions: the zip's files, their
headers and every cell, repeats with PARENT_KEY/KEY, media, options, filters, and formulas
neutralised."""

from __future__ import annotations

import csv
import io
import zipfile
from xml.sax.saxutils import escape

import pytest

from tests.server.central_data import CENTRAL, IDS, load_survey
from tests.support.forms import publish
from tests.support.xlsforms import md_form

# Cells that differ by nature between two servers: the time each received a submission and the
# id of the app user that sent it.
VOLATILE = {"SubmissionDate", "SubmitterID"}


@pytest.fixture
def survey(client, admin, project, clock):
    return load_survey(client, admin, project, clock)


def read_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def comparable(rows):
    return [{k: v for k, v in row.items() if k not in VOLATILE} for row in rows]


def export_zip(client, admin, survey, **params):
    response = client.get(f"{survey.base}/submissions.csv.zip", params=params, headers=admin)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_csv_zip_matches_centrals_cell_for_cell(client, admin, survey):
    archive = export_zip(client, admin, survey)
    assert sorted(archive.namelist()) == [
        "media/dwelling.jpg",
        "media/later.jpg",
        "sample_survey-members.csv",
        "sample_survey.csv",
    ]
    ours = archive.read("sample_survey.csv")
    central = (CENTRAL / "sample_survey.csv").read_bytes()
    assert ours.splitlines()[0] == central.splitlines()[0]  # the header, byte for byte
    assert comparable(read_csv(ours)) == comparable(read_csv(central))
    assert (
        archive.read("sample_survey-members.csv")
        == (CENTRAL / "sample_survey-members.csv").read_bytes()
    )
    assert archive.read("media/dwelling.jpg") == (CENTRAL / "dwelling.jpg").read_bytes()


def test_without_attachments_the_zip_has_only_the_csvs(client, admin, survey):
    archive = export_zip(client, admin, survey, attachments="false")
    assert sorted(archive.namelist()) == ["sample_survey-members.csv", "sample_survey.csv"]


def test_root_csv_alone(client, admin, survey):
    response = client.get(f"{survey.base}/submissions.csv", headers=admin)
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="sample_survey.csv"' in response.headers["content-disposition"]
    central = (CENTRAL / "sample_survey.csv").read_bytes()
    assert comparable(read_csv(response.content)) == comparable(read_csv(central))


def test_split_select_multiples_adds_sorted_0_1_columns(client, admin, survey):
    rows = read_csv(
        export_zip(client, admin, survey, splitSelectMultiples="true", attachments="false").read(
            "sample_survey.csv"
        )
    )
    header = list(rows[0])
    position = header.index("respondent-languages")
    assert header[position + 1 : position + 4] == [
        "respondent-languages/en",
        "respondent-languages/fr",
        "respondent-languages/pt",
    ]
    assert [(r["respondent-languages"], r["respondent-languages/pt"]) for r in rows] == [
        ("en pt", "1"),
        ("pt", "1"),
        ("fr pt", "1"),
    ]
    assert [r["respondent-languages/en"] for r in rows] == ["1", "0", "0"]


def test_group_paths_can_be_left_out(client, admin, survey):
    rows = read_csv(
        export_zip(client, admin, survey, groupPaths="false", attachments="false").read(
            "sample_survey.csv"
        )
    )
    assert "resp_name" in rows[0] and "respondent-resp_name" not in rows[0]


def test_filter_by_review_state_and_date(client, admin, survey):
    client.patch(
        f"{survey.base}/submissions/{IDS[0]}", json={"reviewState": "approved"}, headers=admin
    )
    archive = export_zip(
        client,
        admin,
        survey,
        attachments="false",
        **{"$filter": "__system/reviewState eq 'approved'"},
    )
    assert [r["KEY"] for r in read_csv(archive.read("sample_survey.csv"))] == [IDS[0]]
    members = read_csv(archive.read("sample_survey-members.csv"))
    assert {r["PARENT_KEY"] for r in members} == {IDS[0]}
    none = export_zip(
        client,
        admin,
        survey,
        attachments="false",
        **{"$filter": "__system/submissionDate lt 2000-01-01"},
    )
    assert read_csv(none.read("sample_survey.csv")) == []


def test_deleted_fields_keep_the_columns_of_older_versions(client, admin, project):
    publish(
        client,
        admin,
        project,
        md_form("type | name | label\ntext | old | Old\ntext | kept | Kept", form_id="evolving"),
    )
    base = f"/v1/projects/{project}/forms/evolving"
    client.post(
        f"{base}/draft",
        content=md_form(
            "type | name | label\ntext | kept | Kept\ntext | new | New",
            form_id="evolving",
            version="2",
        ),
        headers={**admin, "Content-Type": "text/markdown"},
    )
    assert client.post(f"{base}/draft/publish", headers=admin).status_code == 200
    current = client.get(f"{base}/submissions.csv", headers=admin).text.splitlines()[0]
    everything = client.get(
        f"{base}/submissions.csv?deletedFields=true", headers=admin
    ).text.splitlines()[0]
    assert "old" not in current.split(",") and "new" in current.split(",")
    assert {"old", "new", "kept"} <= set(everything.split(","))


NAMES = {  # what a device sent -> what the CSV holds
    '=HYPERLINK("http://x")': '\'=HYPERLINK("http://x")',
    "+SUM(A1:A9)": "'+SUM(A1:A9)",
    "-2+3": "'-2+3",
    "@cmd": "'@cmd",
    "\tx": "'\tx",
    "+22370123456": "+22370123456",
    "-4.5": "-4.5",
    "Awa = Fanta": "Awa = Fanta",
}


def test_formulas_are_neutralised_but_phone_numbers_are_not(client, admin, project, device):
    from tests.support.paths import sample

    for number, name in enumerate(NAMES):
        xml = (
            sample("simple.xml")
            .replace(b"<name>Mamadou Diallo</name>", f"<name>{escape(name)}</name>".encode())
            .replace(b"000000000001", f"{number:012d}".encode())
        )
        assert device.submit(xml).status_code == 201
    rows = read_csv(
        client.get(f"/v1/projects/{project}/forms/household/submissions.csv", headers=admin).content
    )
    assert {row["respondent-name"] for row in rows} == set(NAMES.values())


def test_exports_are_audited_with_their_filters(client, admin, survey):
    client.get(f"{survey.base}/submissions.csv.zip?attachments=false", headers=admin)
    audits = client.get("/v1/audits?action=submission.export", headers=admin).json()
    assert audits[0]["action"] == "submission.export"
    assert audits[0]["details"]["format"] == "csv.zip"
    assert audits[0]["details"]["filters"] == {"attachments": "false"}


def test_viewers_without_rights_cannot_export(client, survey):
    response = client.get(f"{survey.base}/submissions.csv.zip")
    assert response.status_code == 401
