"""Spreadsheet cells that cannot run: a text that a spreadsheet would read as a formula gets a
leading apostrophe (OWASP's CSV-injection advice). Numbers like "+22370123456" or "-4.5" are
not formulas and stay as they are, so exports still match what devices sent."""

from __future__ import annotations

import re

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
