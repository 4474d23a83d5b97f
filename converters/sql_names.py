"""Readable, deterministic, SQL-safe names (at most 63 bytes) for tables and columns, made
from XLSForm names."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Container, Iterable

MAX_BYTES = 63  # PostgreSQL's NAMEDATALEN - 1
SEPARATOR = "__"
_NOT_WORD = re.compile(r"[^a-z0-9_]+")
_UNDERSCORES = re.compile(r"_+")


def sql_part(text: str) -> str:
    """One name part: ASCII, lower case, [a-z0-9_], never starting with '_' or a digit."""
    ascii_text = (
        unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    )
    cleaned = _UNDERSCORES.sub("_", _NOT_WORD.sub("_", ascii_text)).strip("_")
    if not cleaned:
        return "f_" + _digest(text)
    if cleaned[0].isdigit():
        return "f_" + cleaned
    return cleaned


def sql_name(parts: Iterable[str]) -> str:
    """Join parts with '__'; names over 63 bytes keep their start plus a hash of the whole."""
    return fit(SEPARATOR.join(sql_part(p) for p in parts))


def fit(name: str, limit: int = MAX_BYTES) -> str:
    if len(name) <= limit:
        return name
    digest = _digest(name)
    return name[: limit - len(digest) - 1].rstrip("_") + "_" + digest


def unique_name(candidate: str, taken: Container[str]) -> str:
    """The candidate, or the candidate with the smallest free '_N' suffix, within 63 bytes."""
    if candidate not in taken:
        return candidate
    number = 2
    while True:
        suffix = f"_{number}"
        name = fit(candidate, MAX_BYTES - len(suffix)) + suffix
        if name not in taken:
            return name
        number += 1


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:8]
