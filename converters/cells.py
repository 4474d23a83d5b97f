"""Spreadsheet cells that cannot run: a text that a spreadsheet would read as a formula gets a
leading apostrophe (OWASP's CSV-injection advice). Numbers like "+22370123456" or "-4.5" are
not formulas and stay as they are, so exports still match what devices sent."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Sequence
from typing import TextIO

FORMULA_START = ("=", "@", "\t", "\r")
_SIGNED_NUMBER = re.compile(r"^[+-][0-9]+(\.[0-9]+)?$")
# The same rule as a PostgreSQL regular expression (storage/sql_functions.py uses it).
POSTGRES_FORMULA = r"^([=@\t\r]|[+-](?![0-9]+(\.[0-9]+)?$))"


def neutralise(text: str | None) -> str | None:
    if not text:
        return text
    if text.startswith(FORMULA_START) or (text[0] in "+-" and not _SIGNED_NUMBER.match(text)):
        return "'" + text
    return text


def contains_word(text: str | None, word: str) -> bool | None:
    """Whether a space-separated select_multiple answer contains `word`."""
    if text is None:
        return None
    return word in text.split()


def csv_row_writer(out: TextIO) -> Callable[[Sequence[object]], object]:
    """csv.writer's writerow with "\\n" line ends that also quotes a value holding a bare
    "\\r": Python's csv quotes only the line terminator's characters, and an unquoted CR starts
    a new row in Excel (whose first cell then escapes `neutralise`). PostgreSQL's COPY quotes it."""
    plain = csv.writer(out, lineterminator="\n")
    quoted = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)

    def write(row: Sequence[object]) -> object:
        if any(isinstance(value, str) and "\r" in value for value in row):
            return quoted.writerow(row)
        return plain.writerow(row)

    return write
