"""Scores of follow-up submissions as they arrive, in SQL, and recomputed with other weights."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from programmes.returnees.converters.rss import load_weights
from programmes.returnees.server.scoring import recompute
from storage.db import is_postgres
from tests.support.entities import E1, E9, intake, set_up_returnees
from tests.support.scores import RSS, followup_with

pytestmark = pytest.mark.programme  # the returnee programme's own tests

FORMS = Path(__file__).resolve().parents[2] / "forms"


def _rows(engine):
    with engine.connect() as connection:
        view = "analytics.rss_scores" if is_postgres(connection) else "analytics__rss_scores"
        return connection.execute(sa.text(f"SELECT * FROM {view}")).mappings().all()


def test_a_follow_up_is_scored_as_it_arrives(client, admin, project, engine):
    device = set_up_returnees(client, admin, project)
    device.submit(intake(E1))
    assert device.submit(followup_with(E1, 1, RSS)).status_code == 201
    (row,) = _rows(engine)
    assert row["returnee"] == E1 and row["weight_version"] == "2026.1-provisional"
    assert abs(row["economic"] - 0.625) < 1e-9  # (1 + 0.25) / 2
    assert abs(row["social"] - 0.25) < 1e-9
    assert abs(row["psychosocial"] - (5 / 7 + 0.75) / 2) < 1e-6
    assert abs(row["composite"] - (1 + 0.25 + 0.25 + 5 / 7 + 0.75) / 5) < 1e-6


def test_new_weights_recompute_every_score(client, admin, project, engine, clock, tmp_path):
    device = set_up_returnees(client, admin, project)
    device.submit(intake(E1))
    device.submit(followup_with(E1, 1, RSS))
    device.submit(followup_with(E1, 2, {**RSS, "/data/rss_social/soc_housing_access": "good"}))
    raw = json.loads((FORMS / "scoring" / "rss-2026.1-provisional.json").read_text())
    raw["version"] = "2026.2-test"
    for item in raw["items"]:
        item["composite_weight"] = 2.0 if item["dimension"] == "social" else 1.0
    weights = load_weights(json.dumps(raw))
    assert recompute(engine, weights, clock, batch=1) == 2
    rows = sorted(_rows(engine), key=lambda r: r["social"])
    assert [r["weight_version"] for r in rows] == ["2026.2-test", "2026.2-test"]
    assert abs(rows[0]["composite"] - (1 + 0.25 + 2 * 0.25 + 5 / 7 + 0.75) / 6) < 1e-6
    assert abs(rows[1]["social"] - 0.75) < 1e-9


def test_scores_and_duplicate_reviews_are_in_the_exports(client, admin, project):
    import csv
    import io

    from tests.support.entities import registration

    device = set_up_returnees(client, admin, project)
    device.submit(intake(E1))
    device.submit(followup_with(E1, 1, RSS))
    device.submit(registration(E9, "Awa", "Traore", "1998-04-12", "70000001", "X/9"))
    base = f"/v1/projects/{project}/forms"

    def table(form):
        body = client.get(f"{base}/{form}/submissions.csv", headers=admin).content
        return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))

    (followup,) = table("reintegration_followup")
    assert float(followup["rss_economic"]) == 0.625
    assert followup["rss_weight_version"] == "2026.1-provisional"
    intakes = {r["registration-case_number"]: r for r in table("returnee_intake")}
    assert intakes["X/9"]["duplicate_review"] == "open"
    assert float(intakes["X/9"]["duplicate_score"]) >= 0.8
    assert intakes["KAY/2026/001"]["duplicate_review"] == ""


def test_scores_are_in_the_odata_feed_of_a_scored_form(client, admin, project):
    device = set_up_returnees(client, admin, project)
    device.submit(intake(E1))
    device.submit(followup_with(E1, 1, RSS))
    base = f"/v1/projects/{project}/forms/reintegration_followup.svc"
    metadata = client.get(f"{base}/$metadata", headers=admin).text
    assert '<ComplexType Name="rss">' in metadata and 'Name="__rss"' in metadata
    (row,) = client.get(f"{base}/Submissions", headers=admin).json()["value"]
    assert (
        row["__rss"]["economic"] == 0.625 and row["__rss"]["weightVersion"] == "2026.1-provisional"
    )
    picked = client.get(f"{base}/Submissions?$select=__rss/composite", headers=admin).json()
    assert set(picked["value"][0]) == {"__id", "__rss"}
    assert "composite" in picked["value"][0]["__rss"]
    intake_metadata = client.get(
        f"/v1/projects/{project}/forms/returnee_intake.svc/$metadata", headers=admin
    ).text
    assert "__rss" not in intake_metadata
