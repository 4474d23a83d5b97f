"""The returnee programme's export columns follow the form's definition, not its data (issue 21,
item 7): a fresh intake already exports `duplicate_review`/`duplicate_score` and a fresh
follow-up the `rss_*` scores (empty cells), in CSV, over the CLI and in OData, so analysts'
saved queries do not break when the first pair is flagged or the first score arrives."""

from __future__ import annotations

import csv
import io
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from server.cli.main import main
from tests.support.entities import E1, intake, set_up_returnees
from tests.support.scores import RSS, followup_with

pytestmark = pytest.mark.programme  # the returnee programme's own columns

FORMS = Path(__file__).resolve().parents[2] / "forms"
DUPLICATE = ["duplicate_review", "duplicate_score"]
SCORES = ["rss_economic", "rss_social", "rss_psychosocial", "rss_composite", "rss_weight_version"]
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"


def _csv(client, admin, project, form):
    response = client.get(f"/v1/projects/{project}/forms/{form}/submissions.csv", headers=admin)
    assert response.status_code == 200, response.text
    reader = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    header, *rows = list(reader)
    return header, [dict(zip(header, row, strict=True)) for row in rows]


def _root_properties(client, admin, project, form):
    response = client.get(f"/v1/projects/{project}/forms/{form}.svc/$metadata", headers=admin)
    assert response.status_code == 200, response.text
    document = etree.fromstring(response.content)
    submissions = next(
        t for t in document.iter(f"{EDM}EntityType") if t.get("Name") == "Submissions"
    )
    return [p.get("Name") for p in submissions.findall(f"{EDM}Property")]


def test_a_fresh_intake_exports_its_duplicate_review_columns_before_any_submission(
    client, admin, project
):
    device = set_up_returnees(client, admin, project)
    empty, rows = _csv(client, admin, project, "returnee_intake")
    assert rows == []
    assert empty[-len(DUPLICATE) :] == DUPLICATE
    assert not set(SCORES) & set(empty)

    assert device.submit(intake(E1)).status_code == 201  # one registration, flagged with nothing
    one, (row,) = _csv(client, admin, project, "returnee_intake")
    assert one == empty
    assert [row[name] for name in DUPLICATE] == ["", ""]


def test_a_fresh_follow_up_exports_its_scores_and_odata_carries_them_before_any_submission(
    client, admin, project
):
    device = set_up_returnees(client, admin, project)
    empty, rows = _csv(client, admin, project, "reintegration_followup")
    assert rows == []
    assert empty[-len(SCORES) :] == SCORES
    assert not set(DUPLICATE) & set(empty)
    properties = _root_properties(client, admin, project, "reintegration_followup")
    assert "__rss" in properties
    assert "__rss" not in _root_properties(client, admin, project, "returnee_intake")

    device.submit(intake(E1))
    assert device.submit(followup_with(E1, 1, RSS)).status_code == 201
    one, (row,) = _csv(client, admin, project, "reintegration_followup")
    assert one == empty
    assert float(row["rss_economic"]) == 0.625
    assert _root_properties(client, admin, project, "reintegration_followup") == properties


def test_the_cli_export_of_a_fresh_intake_has_the_columns_too(
    client, admin, project, settings, monkeypatch, capsys, tmp_path
):
    set_up_returnees(client, admin, project)
    for name, value in {
        "BAOBAB_DATABASE_URL": settings.database_url,
        "BAOBAB_BLOB_URL": settings.blob_url,
        "BAOBAB_DATA_DIR": str(settings.data_dir),
        "BAOBAB_FORMS_DIR": str(FORMS),
        "BAOBAB_PROGRAMMES": "returnees",
        "BAOBAB_LOG_LEVEL": "warning",
    }.items():
        monkeypatch.setenv(name, value)
    target = tmp_path / "intake.csv"
    code = main(
        ["export", "returnee_intake", "--project", str(project), "--format", "csv"]
        + ["-o", str(target)]
    )
    assert code == 0, capsys.readouterr().err
    header = next(csv.reader(io.StringIO(target.read_text("utf-8-sig"))))
    assert header[-len(DUPLICATE) :] == DUPLICATE


class TestWithoutDuplicateRules:
    @pytest.fixture
    def settings(self, settings, tmp_path):
        """The programme's files without the duplicate rules: only the weight set."""
        forms = tmp_path / "forms-without-rules"
        shutil.copytree(FORMS / "scoring", forms / "scoring")
        return replace(settings, forms_dir=forms)

    def test_a_fresh_intake_has_no_duplicate_columns(self, client, admin, project):
        set_up_returnees(client, admin, project)
        header, _rows = _csv(client, admin, project, "returnee_intake")
        assert not set(DUPLICATE) & set(header)
        followup, _rows = _csv(client, admin, project, "reintegration_followup")
        assert followup[-len(SCORES) :] == SCORES
