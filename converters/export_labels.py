"""Human labels for exported columns and answers, in a chosen language: question labels for
headers, choice labels for codes. Shared by the XLSX and SPSS writers."""

from __future__ import annotations

from collections.abc import Mapping

from converters.export_model import ExportColumn
from converters.form_model import ChoiceList, Field


def pick(labels: Mapping[str, str], language: str | None) -> str:
    """The label in `language` (its full name, "French (fr)", or its code, "fr"), else the
    form's first language."""
    if language:
        for name, text in labels.items():
            if name == language or name.endswith(f"({language})"):
                return text
    return next(iter(labels.values()), "")


def choice_label(
    field: Field, value: str, choice_lists: Mapping[str, ChoiceList], language: str | None
) -> str:
    choices = choice_lists.get(field.choice_list or "")
    found = next((c for c in choices.choices if c.name == value), None) if choices else None
    return (pick(found.labels, language) or value) if found else value


def answer_label(
    field: Field, value: str, choice_lists: Mapping[str, ChoiceList], language: str | None
) -> str:
    """A select answer's labels (space-separated codes become '; '-separated labels)."""
    if field.kind == "select_one":
        return choice_label(field, value, choice_lists, language)
    if field.kind in ("select_multiple", "rank"):
        return "; ".join(choice_label(field, v, choice_lists, language) for v in value.split())
    return value


def column_label(
    column: ExportColumn, choice_lists: Mapping[str, ChoiceList], language: str | None
) -> str:
    field = column.field
    if field is None:
        return column.header
    label = pick(field.labels, language) or field.name
    if column.choice is not None:
        return f"{label}: {choice_label(field, column.choice, choice_lists, language)}"
    if column.kind == "coordinate":
        return f"{label} ({column.header.rsplit('-', 1)[-1].lower()})"
    return label
