"""Reintegration sustainability scores from answers: choice scores, missing answers, the
distress checklist, and weighted means per dimension and overall."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from converters.errors import ConversionError
from converters.xform_schema import parse_xform
from converters.xlsform import compile_form
from programmes.returnees.converters.rss import load_weights, score

pytestmark = pytest.mark.programme  # the returnee programme's own tests

FORMS = Path(__file__).resolve().parents[2] / "forms"
SCHEMA = parse_xform(
    compile_form((FORMS / "reintegration_followup.xlsx").read_bytes(), ".xlsx").xform.encode()
)
WEIGHTS = load_weights((FORMS / "scoring" / "rss-2026.1-provisional.json").read_text())


def test_the_shipped_weights_are_provisional_and_cover_three_dimensions():
    assert WEIGHTS.provisional and WEIGHTS.form_id == "reintegration_followup"
    assert {w.dimension for w in WEIGHTS.items} == {"economic", "social", "psychosocial"}
    names = {f.name for f in SCHEMA.fields}
    assert {w.item for w in WEIGHTS.items} <= names  # every weighted item is a question


def test_choice_scores_missing_answers_and_means():
    answers = {
        "econ_satisfaction": "very_satisfied",  # 1
        "econ_food_cut": "often",  # 0.25
        "econ_can_borrow": "dk",  # missing, not 0
        "soc_housing_access": "poor",  # 0.25
        "psy_distress": "none",  # 1
        "psy_safety": "very_unsafe",  # 0
    }
    scores = score(answers, SCHEMA, WEIGHTS)
    assert scores.items["econ_can_borrow"] is None
    assert scores.economic == pytest.approx((1 + 0.25) / 2)
    assert scores.social == pytest.approx(0.25)
    assert scores.psychosocial == pytest.approx(0.5)
    assert scores.composite == pytest.approx((1 + 0.25 + 0.25 + 1 + 0) / 5)
    assert scores.weight_version == "2026.1-provisional"


def test_the_distress_checklist_scores_lower_with_more_signs():
    def distress(value):
        return score({"psy_distress": value}, SCHEMA, WEIGHTS).items["psy_distress"]

    assert distress("none") == 1.0
    assert distress("anger") == pytest.approx(6 / 7)
    assert distress("anger sadness fear stress loneliness low_self_esteem poor_concentration") == 0
    assert distress("refuse") is None and distress("") is None


def test_weights_change_the_composite_and_a_dimension_without_answers_is_missing():
    raw = json.loads((FORMS / "scoring" / "rss-2026.1-provisional.json").read_text())
    for item in raw["items"]:
        if item["item"] == "econ_satisfaction":
            item["composite_weight"] = 3.0
    raw["version"] = "test"
    heavy = load_weights(json.dumps(raw))
    answers = {"econ_satisfaction": "very_dissatisfied", "psy_safety": "very_safe"}
    assert score(answers, SCHEMA, WEIGHTS).composite == pytest.approx(0.5)
    assert score(answers, SCHEMA, heavy).composite == pytest.approx(0.25)
    assert score(answers, SCHEMA, heavy).social is None


def test_a_broken_weight_set_names_what_is_wrong():
    with pytest.raises(ConversionError, match="dimension 'cultural'"):
        load_weights(
            json.dumps(
                {
                    "version": "x",
                    "form_id": "f",
                    "items": [
                        {
                            "item": "a",
                            "dimension": "cultural",
                            "dimension_weight": 1,
                            "composite_weight": 1,
                        }
                    ],
                }
            ),
            "bad.json",
        )
    with pytest.raises(ConversionError, match="KeyError"):
        load_weights("{}", "empty.json")
