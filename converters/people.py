"""Telling whether two registrations are the same person, for the eligibility review of the
returnee programme: names written as they sound (accents, case, the French spellings of Manding,
Fula and Soninke names: Coulibaly/Kulibali, Diallo/Jallo, Traoré/Trawore), in any word order;
dates of birth with some tolerance; phone and identity document numbers."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz

# Applied in order to lowercase, accent-free text: spellings of one sound made one.
_SOUNDS = (
    ("tch", "c"),
    ("dj", "j"),
    ("dy", "j"),
    ("dia", "ja"),
    ("dio", "jo"),
    ("ou", "u"),
    ("w", "u"),
    ("ph", "f"),
    ("qu", "k"),
    ("q", "k"),
    ("ce", "se"),
    ("ci", "si"),
    ("c", "k"),
    ("x", "ks"),
    ("y", "i"),
    ("h", ""),
)
_NOT_LETTERS = re.compile(r"[^a-z ]+")
_DOUBLES = re.compile(r"(.)\1+")


@dataclass(frozen=True, slots=True)
class Person:
    names: tuple[str, ...]  # sound keys of each name, in no particular order
    birth: date | None
    phone: str | None  # the last 8 digits
    document: str | None  # letters and digits, upper case


@dataclass(frozen=True, slots=True)
class Likeness:
    score: float  # 0 to 1
    reasons: tuple[str, ...]  # which details agree: name, birth date, phone, document


def sound(name: str) -> str:
    """A name as it sounds: 'Kéïta' and 'Keita', 'Coulibaly' and 'Kulibali' give the same key."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = _NOT_LETTERS.sub(" ", text.replace("-", " ").replace("'", " "))
    for spelling, key in _SOUNDS:
        text = text.replace(spelling, key)
    return " ".join(_DOUBLES.sub(r"\1", word) for word in text.split())


def person(
    names: list[str | None], birth: str | None, phone: str | None, document: str | None
) -> Person:
    words = tuple(w for n in names if n for w in sound(n).split() if len(w) > 1)
    digits = re.sub(r"\D", "", phone or "")
    code = re.sub(r"[^A-Za-z0-9]", "", document or "").upper()
    return Person(words, _day(birth), digits[-8:] if len(digits) >= 8 else None, code or None)


def keys(someone: Person, *, spread: int = 0) -> set[str]:
    """Blocking keys: a registration is compared only with those sharing one. Each name word
    with the birth year (years within `spread` when looking), the phone, the document."""
    found = set()
    years = (
        range(someone.birth.year - spread, someone.birth.year + spread + 1)
        if someone.birth
        else [0]
    )
    for word in someone.names:
        found |= {f"n:{word}:{year}" for year in years}
    if someone.phone:
        found.add(f"p:{someone.phone}")
    if someone.document:
        found.add(f"d:{someone.document}")
    return found


def likeness(a: Person, b: Person) -> Likeness:
    """How likely two registrations are the same person, and why."""
    parts: list[tuple[float, float]] = []  # (weight, agreement)
    reasons = []
    name = _names(a.names, b.names)
    parts.append((0.5, name))
    if name >= 0.85:
        reasons.append("name")
    if a.birth and b.birth:
        birth = _births(a.birth, b.birth)
        parts.append((0.2, birth))
        if birth >= 0.7:
            reasons.append("birth date")
    if a.phone and b.phone:
        parts.append((0.15, 1.0 if a.phone == b.phone else 0.0))
        if a.phone == b.phone:
            reasons.append("phone")
    if a.document and b.document:
        parts.append((0.15, 1.0 if a.document == b.document else 0.0))
        if a.document == b.document:
            reasons.append("document")
    score = sum(w * v for w, v in parts) / sum(w for w, _ in parts)
    if "document" in reasons:
        score = max(score, 0.9)  # the same identity document is the same person
    if "phone" in reasons and name >= 0.6:
        score = max(score, 0.8)
    return Likeness(round(score, 3), tuple(reasons))


def _names(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    if not a or not b:
        return 0.0
    first, second = " ".join(a), " ".join(b)
    ordered = fuzz.token_sort_ratio(first, second)
    subset = fuzz.token_set_ratio(first, second) * 0.95  # a middle name more or less
    return max(ordered, subset) / 100


def _births(a: date, b: date) -> float:
    if a == b:
        return 1.0
    if (a.year, a.month, a.day) == (b.year, b.day, b.month):
        return 0.8  # day and month swapped
    if abs((a - b).days) <= 31:
        return 0.7
    if a.year == b.year:
        return 0.5
    if abs(a.year - b.year) == 1:
        return 0.3
    return 0.0


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip()[:10]) if text else None
    except ValueError:
        return None
