"""SPSS syntax that reads an exported CSV with the right types and applies the form's labels:
variable labels from the questions, value labels from the choice lists (Stata users can run it
through SPSS or read the same labels from the form)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from converters.export_labels import column_label, pick
from converters.export_model import ExportColumn
from converters.form_model import ChoiceList

_NOT_NAME = re.compile(r"[^A-Za-z0-9_.]")
_FORMATS = {
    "integer": "F20.0",
    "decimal": "F24.8",
    "coordinate": "F24.8",
    "flag": "F1.0",
    "date": "SDATE10",
}
_SYSTEM_FORMATS = {
    "AttachmentsPresent": "F8.0",
    "AttachmentsExpected": "F8.0",
    "Edits": "F8.0",
    "SubmitterID": "F12.0",
}
TEXT_FORMAT = "A2000"


def spss_names(headers: Sequence[str]) -> list[str]:
    """Valid, unique SPSS variable names (letters first, at most 64 bytes, no '-')."""
    names: list[str] = []
    taken: set[str] = set()
    for header in headers:
        base = _NOT_NAME.sub("_", header).strip("._") or "v"
        if not base[0].isalpha():
            base = "v_" + base
        base = base[:60]
        name, number = base, 2
        while name.lower() in taken:
            name = f"{base[:56]}_{number}"
            number += 1
        taken.add(name.lower())
        names.append(name)
    return names


def spss_syntax(
    csv_name: str,
    columns: Sequence[ExportColumn],
    choice_lists: Mapping[str, ChoiceList],
    language: str | None,
    title: str,
) -> str:
    names = spss_names([c.header for c in columns])
    lines = [
        f"* SPSS syntax for {csv_name}: {title}.",
        "* Written by Baobab. Put it next to the CSV and run it (File > Open > Syntax, Run All).",
        "GET DATA /TYPE=TXT",
        f"  /FILE='{_quote(csv_name)}'",
        "  /ENCODING='UTF8' /DELCASE=LINE /DELIMITERS=',' /QUALIFIER='\"'",
        "  /ARRANGEMENT=DELIMITED /FIRSTCASE=2",
        "  /VARIABLES=",
    ]
    lines += [f"  {name} {_format(column)}" for name, column in zip(names, columns, strict=True)]
    lines[-1] += "."
    lines += ["CACHE.", "EXECUTE.", "", "VARIABLE LABELS"]
    labelled = [
        (name, column_label(column, choice_lists, language))
        for name, column in zip(names, columns, strict=True)
    ]
    labelled = [(name, label) for name, label in labelled if label]
    lines += [f"  {name} '{_quote(label)}'" for name, label in labelled]
    lines[-1] += "."
    values = [
        _value_labels(name, column, choice_lists, language)
        for name, column in zip(names, columns, strict=True)
    ]
    values = [v for v in values if v]
    if values:
        lines += ["", "VALUE LABELS"]
        for block in values:
            lines += block + ["  /"]
        lines[-1] = lines[-2] + "."
        del lines[-2]
    lines += ["EXECUTE.", ""]
    return "\n".join(lines)


def _format(column: ExportColumn) -> str:
    if column.kind == "system":
        return _SYSTEM_FORMATS.get(column.header, TEXT_FORMAT)
    return _FORMATS.get(column.kind, TEXT_FORMAT)


def _value_labels(
    name: str, column: ExportColumn, choice_lists: Mapping[str, ChoiceList], language: str | None
) -> list[str]:
    if column.kind == "flag":
        return [f"  {name} 1 'Selected' 0 'Not selected'"]
    field = column.field
    if field is None or field.kind != "select_one" or column.kind != "text":
        return []
    choices = choice_lists.get(field.choice_list or "")
    if choices is None or not choices.choices:
        return []
    pairs = [
        f"'{_quote(c.name)}' '{_quote(pick(c.labels, language) or c.name)}'"
        for c in choices.choices
    ]
    return [f"  {name} " + " ".join(pairs)]


def _quote(text: str) -> str:
    return text.replace("'", "''").replace("\n", " ")
