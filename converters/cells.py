"""Spreadsheet cells that cannot run: a text that a spreadsheet would read as a formula gets a
leading apostrophe (OWASP's CSV-injection advice). Numbers like "+22370123456" or "-4.5" are
not formulas and stay as they are, so exports still match what devices sent, and a negative
number stays a number that Excel reads. Every cell a person downloads passes `neutralise`: the
CSV writer below applies it to each cell, the XLSX writer to each text cell, and the exports'
SELECTs to each text column (storage/exports/csv_queries.py), so PostgreSQL's COPY output is inert
too. Applying it twice changes nothing."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Sequence
from typing import TextIO

FORMULA_START = ("=", "@", "\t", "\r")
# A plain signed decimal number (an exponent allowed, as PostgreSQL writes large doubles):
# spreadsheets read it as a number, never as a formula.
_NUMBER_BODY = r"[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?"
_SIGNED_NUMBER = re.compile(rf"^[+-]{_NUMBER_BODY}$")
# The same rule as a PostgreSQL regular expression (storage/sql_functions.py uses it).
POSTGRES_FORMULA = rf"^([=@\t\r]|[+-](?!{_NUMBER_BODY}$))"


def neutralise(text: str | None) -> str | None:
    if not text:
        return text
    if text.startswith(FORMULA_START) or (text[0] in "+-" and not _SIGNED_NUMBER.match(text)):
        return "'" + text
    return text


def inert(value: object) -> object:
    """A cell as it may reach a person: text neutralised, anything else (a number) as it is."""
    return neutralise(value) if isinstance(value, str) else value


def contains_word(text: str | None, word: str) -> bool | None:
    """Whether a space-separated select_multiple answer contains `word`."""
    if text is None:
        return None
    return word in text.split()


def csv_row_writer(out: TextIO, *, exact: bool = False) -> Callable[[Sequence[object]], object]:
    """csv.writer's writerow with "\\n" line ends, every cell neutralised for the person who
    opens the file. `exact=True` writes the cells as they are: only for what ODK Collect reads
    (an entity list as a form attachment), never for a person.

    A row holding a bare "\\r" is quoted whole: Python's csv quotes only the line terminator's
    characters, and an unquoted CR starts a new row in Excel (whose first cell would then escape
    `neutralise`). PostgreSQL's COPY quotes it."""
    plain = csv.writer(out, lineterminator="\n")
    quoted = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)

    def write(row: Sequence[object]) -> object:
        cells = row if exact else [inert(value) for value in row]
        if any(isinstance(value, str) and "\r" in value for value in cells):
            return quoted.writerow(cells)
        return plain.writerow(cells)

    return write
