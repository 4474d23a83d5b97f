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
# SPSS's limits, in bytes: longer labels are cut by SPSS anyway (PSPP takes 255 for any string).
TITLE_BYTES = 60
VARIABLE_LABEL_BYTES = 255
VALUE_LABEL_BYTES = 120
VALUE_BYTES = 255
LINE_BYTES = 256  # SPSS reads longer lines of syntax only in some modes
PIECE_BYTES = 80  # a piece of a long literal: its line stays under LINE_BYTES, '' and all
# What may not stand in a literal: control characters (CR, LF, tab...), Unicode's line and
# paragraph separators, and the bidirectional controls that could make a reader of the syntax
# see a string end where it does not.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Words SPSS keeps for itself: a variable named `to` or `by` would change what a command means.
_RESERVED = {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"}


def spss_names(headers: Sequence[str]) -> list[str]:
    """Valid, unique SPSS variable names (letters first, at most 64 bytes, no '-', no reserved
    word)."""
    names: list[str] = []
    taken: set[str] = set()
    for header in headers:
        base = _NOT_NAME.sub("_", header).strip("._") or "v"
        if not base[0].isalpha():
            base = "v_" + base
        if base.upper() in _RESERVED:
            base += "_"
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
    """The syntax, built so that no text from the form or its data can leave its string: user
    text is never put in a comment, only in string literals made by `spss_string`."""
    names = spss_names([c.header for c in columns])
    lines = [
        "* SPSS syntax written by Baobab for the CSV file named in /FILE below.",
        "* Put it next to that file and run it (File > Open > Syntax, Run All).",
    ]
    if title.strip():
        lines.append(f"TITLE {spss_string(title, TITLE_BYTES, split=False)}.")
    lines += [
        "GET DATA /TYPE=TXT",
        f"  /FILE={spss_string(csv_name, split=False)}",
        "  /ENCODING='UTF8' /DELCASE=LINE /DELIMITERS=',' /QUALIFIER='\"'",
        "  /ARRANGEMENT=DELIMITED /FIRSTCASE=2",
        "  /VARIABLES=",
    ]
    lines += [f"  {name} {_format(column)}" for name, column in zip(names, columns, strict=True)]
    lines[-1] += "."
    lines += ["CACHE.", "EXECUTE."]
    labelled = [
        (name, column_label(column, choice_lists, language))
        for name, column in zip(names, columns, strict=True)
    ]
    labels = [
        f"  {name} {spss_string(label, VARIABLE_LABEL_BYTES)}" for name, label in labelled if label
    ]
    if labels:
        lines += ["", "VARIABLE LABELS", *labels]
        lines[-1] += "."
    values = [
        _value_labels(name, column, choice_lists, language)
        for name, column in zip(names, columns, strict=True)
    ]
    blocks = [block for block in values if block]
    if blocks:
        lines += ["", "VALUE LABELS"]
        for number, block in enumerate(blocks):
            lines += (["  /"] if number else []) + block
        lines[-1] += "."
    lines += ["EXECUTE.", ""]
    return "\n".join(lines)


def spss_string(text: str, limit: int = 32767, *, split: bool = True) -> str:
    """`text` as an SPSS string literal that nothing can leave: line breaks and other control
    characters become spaces (a literal must stay on its line, and SPSS would read what follows
    a line break as a command), apostrophes are doubled, and the text is cut to `limit` UTF-8
    bytes. With `split`, a long literal is written as pieces joined by '+' on lines of their
    own, as SPSS allows, so no line passes its 256 characters."""
    cleaned = _fit(_UNSAFE.sub(" ", text), limit)
    pieces = _pieces(cleaned) if split else [cleaned]
    return " +\n    ".join("'" + piece.replace("'", "''") + "'" for piece in pieces)


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
        f"{spss_string(c.name, VALUE_BYTES)} "
        + spss_string(pick(c.labels, language) or c.name, VALUE_LABEL_BYTES)
        for c in choices.choices
    ]
    line = f"  {name} " + " ".join(pairs)
    if "\n" not in line and len(line.encode("utf-8")) < LINE_BYTES:
        return [line]
    return [f"  {name}", *[f"    {pair}" for pair in pairs]]


def _fit(text: str, limit: int) -> str:
    """`text` cut to at most `limit` bytes of UTF-8, never inside a character."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", errors="ignore")


def _pieces(text: str) -> list[str]:
    pieces: list[str] = []
    current, size = "", 0
    for character in text:
        width = len(character.encode("utf-8"))
        if size + width > PIECE_BYTES:
            pieces.append(current)
            current, size = "", 0
        current += character
        size += width
    return [*pieces, current]
