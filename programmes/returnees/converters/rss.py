"""Reintegration sustainability scores (IOM's RSS): each answer mapped to [0, 1] (the choice's
`score`, the distress checklist by how many signs are ticked), then per dimension and overall
the weighted mean of the answered items, with weights from a versioned set (forms/scoring)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from converters.errors import ConversionCode, ConversionError
from converters.form_model import FormSchema
from converters.safe_xml import element_at

DIMENSIONS = ("economic", "social", "psychosocial")


@dataclass(frozen=True, slots=True)
class ItemWeight:
    item: str  # the field's name in the form
    dimension: str
    dimension_weight: float
    composite_weight: float


@dataclass(frozen=True, slots=True)
class WeightSet:
    version: str
    provisional: bool
    form_id: str
    threshold: float
    items: tuple[ItemWeight, ...]
    distress_item: str
    distress_signs: tuple[str, ...]
    distress_none: str


@dataclass(frozen=True, slots=True)
class Scores:
    weight_version: str
    economic: float | None
    social: float | None
    psychosocial: float | None
    composite: float | None
    items: Mapping[str, float | None]


def load_weights(text: str, source: str = "weights") -> WeightSet:
    """A weight set from its JSON; a clear error naming the item when one is wrong."""
    try:
        raw = json.loads(text)
        items = tuple(
            ItemWeight(
                str(entry["item"]),
                str(entry["dimension"]),
                float(entry["dimension_weight"]),
                float(entry["composite_weight"]),
            )
            for entry in raw["items"]
        )
        distress = raw.get("distress") or {}
        weights = WeightSet(
            version=str(raw["version"]),
            provisional=bool(raw.get("provisional", False)),
            form_id=str(raw["form_id"]),
            threshold=float(raw.get("threshold", 0.5)),
            items=items,
            distress_item=str(distress.get("item", "")),
            distress_signs=tuple(str(s) for s in distress.get("signs", ())),
            distress_none=str(distress.get("none", "none")),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise _invalid(source, f"{type(error).__name__}: {error}") from error
    for item in items:
        if item.dimension not in DIMENSIONS:
            raise _invalid(
                source, f"item {item.item}: dimension '{item.dimension}' is not one of {DIMENSIONS}"
            )
        if item.dimension_weight < 0 or item.composite_weight < 0:
            raise _invalid(source, f"item {item.item}: weights cannot be negative")
    return weights


def score(answers: Mapping[str, str | None], schema: FormSchema, weights: WeightSet) -> Scores:
    """Scores of one submission; `answers` maps field names to the values sent."""
    fields = {f.name: f for f in schema.fields}
    items: dict[str, float | None] = {}
    for weight in weights.items:
        field = fields.get(weight.item)
        value = (answers.get(weight.item) or "").strip()
        if field is None or not value:
            items[weight.item] = None
        elif weight.item == weights.distress_item:
            items[weight.item] = _distress(value.split(), weights)
        else:
            choices = schema.choice_lists.get(field.choice_list or "")
            found = next((c for c in choices.choices if c.name == value), None) if choices else None
            text = found.extras.get("score", "").strip() if found else ""
            items[weight.item] = float(text) if text else None
    return Scores(
        weight_version=weights.version,
        economic=_mean(weights, items, "economic"),
        social=_mean(weights, items, "social"),
        psychosocial=_mean(weights, items, "psychosocial"),
        composite=_mean(weights, items, None),
        items=items,
    )


def submission_answers(
    root: etree._Element, schema: FormSchema, weights: WeightSet
) -> dict[str, str | None]:
    """The answers a weight set scores, by field name, read from a submission."""
    fields = {f.name: f for f in schema.fields}
    answers: dict[str, str | None] = {}
    for weight in weights.items:
        field = fields.get(weight.item)
        element = element_at(root, field.xpath) if field else None
        answers[weight.item] = element.text if element is not None else None
    return answers


def _distress(chosen: list[str], weights: WeightSet) -> float | None:
    if chosen == [weights.distress_none]:
        return 1.0
    signs = [c for c in chosen if c in weights.distress_signs]
    if not signs or not weights.distress_signs:
        return None  # refused, or nothing the checklist counts
    return round(1 - len(signs) / len(weights.distress_signs), 6)


def _mean(
    weights: WeightSet, items: Mapping[str, float | None], dimension: str | None
) -> float | None:
    total = weighted = 0.0
    for weight in weights.items:
        value = items.get(weight.item)
        if value is None or (dimension is not None and weight.dimension != dimension):
            continue
        share = weight.dimension_weight if dimension is not None else weight.composite_weight
        total += share
        weighted += share * value
    return round(weighted / total, 6) if total else None


def _invalid(source: str, reason: str) -> ConversionError:
    return ConversionError(ConversionCode.WEIGHTS_INVALID, source=source, reason=reason)
