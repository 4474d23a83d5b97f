"""Telling whether two registrations are the same person, for the eligibility review of the
returnee programme, scored to fit the fraud it looks for: someone who registers again keeps
their name and birth date (as spelt or remembered that day) but brings a new phone and a new
or no document. So:

- names are compared as they sound (accents, case, the French spellings of Manding, Fula,
  Soninke, Songhai and Tamasheq names: Coulibaly/Kulibali, Diallo/Jallo, Traoré/Trawore), word
  by word in any order, a second given name more or less; every name of the shorter must
  find its like, so siblings sharing a family name stay apart;
- birth dates with the tolerances people give: day and month swapped, the year off by one or
  two with the same day and month, a typo within a month;
- a strong name match with a close birth date reaches the queue whatever the phone and
  document say (a different phone or document is weak evidence against); the same document
  is the same person; the same phone is strong evidence only with close names (families
  share a phone, which alone never makes a pair).

`likeness` says what agrees and what differs, so the queue can show both."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from itertools import combinations

from rapidfuzz.distance import JaroWinkler
from rapidfuzz.fuzz import ratio

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
_VOWELS = re.compile(r"[aeiou]+")

STRONG_NAME = 0.88  # every name has its like: the same person's name, as spelt that day
CLOSE_NAME = 0.75  # close enough for a shared phone to count
CLOSE_BIRTH = 0.75  # the same birth date as people give it again
SPREAD = 2  # birth years looked at on either side when finding candidates


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
    differences: tuple[str, ...] = ()  # which details both have and differ


def sound(name: str) -> str:
    """A name as it sounds: 'Kéïta' and 'Keita', 'Coulibaly' and 'Kulibali' give the same key."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = _NOT_LETTERS.sub(" ", text.replace("-", " ").replace("'", " "))
    for spelling, key in _SOUNDS:
        text = text.replace(spelling, key)
    return " ".join(_DOUBLES.sub(r"\1", word) for word in text.split())


def skeleton(word: str) -> str:
    """A sound key's consonants (its first letter kept): Fatoumata and Fatimata, Aissata and
    Assata meet. Coarse on purpose: for finding candidates, never for scoring."""
    return _DOUBLES.sub(r"\1", word[:1] + _VOWELS.sub("", word[1:]))


def person(
    names: list[str | None], birth: str | None, phone: str | None, document: str | None
) -> Person:
    words = tuple(w for n in names if n for w in sound(n).split() if len(w) > 1)
    digits = re.sub(r"\D", "", phone or "")
    code = re.sub(r"[^A-Za-z0-9]", "", document or "").upper()
    return Person(words, _day(birth), digits[-8:] if len(digits) >= 8 else None, code or None)


def keys(someone: Person, *, spread: int = 0) -> set[str]:
    """Blocking keys: a registration is compared only with those sharing one. Each pair of its
    names' skeletons (in any order) with the birth year (the years within `spread` when
    looking), the phone, the document. A pair of names with a year is rare even in a list of
    100,000, so the candidates stay few as the list grows; a lone name is keyed alone."""
    found = set()
    years = (
        range(someone.birth.year - spread, someone.birth.year + spread + 1)
        if someone.birth
        else [0]
    )
    shapes = sorted({skeleton(word) for word in someone.names})
    pairs = [f"{a}+{b}" for a, b in combinations(shapes, 2)] or shapes
    for pair in pairs:
        found |= {f"n:{pair}:{year}" for year in years}
    # Each name with the whole birth date (day and month swapped too when looking): a name
    # misspelt beyond its skeleton still meets its other names' registrations.
    days = _dates(someone.birth, swapped=spread > 0)
    found |= {f"b:{shape}:{day}" for shape in shapes for day in days}
    if someone.phone:
        found.add(f"p:{someone.phone}")
    if someone.document:
        found.add(f"d:{someone.document}")
    return found


def _dates(birth: date | None, *, swapped: bool) -> list[str]:
    if birth is None:
        return []
    days = [birth]
    if swapped and birth.day <= 12 and birth.day != birth.month:
        days.append(date(birth.year, birth.day, birth.month))
    if swapped:  # the year given again, one or two off
        days += [_shift(birth, years) for years in (-2, -1, 1, 2)]
    return [day.isoformat() for day in days]


def _shift(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def likeness(a: Person, b: Person) -> Likeness:
    """How likely two registrations are the same person, what agrees and what differs."""
    reasons: list[str] = []
    differences: list[str] = []
    name = names_alike(a.names, b.names)
    (reasons if name >= STRONG_NAME else differences).append("name")
    birth = births_alike(a.birth, b.birth) if a.birth and b.birth else None
    if birth is not None:
        (reasons if birth >= CLOSE_BIRTH else differences).append("birth date")
    # The core: name and birth date, which a person brings again.
    score = 0.6 * name + 0.4 * birth if birth is not None else 0.9 * name
    same_phone = a.phone is not None and a.phone == b.phone
    same_document = a.document is not None and a.document == b.document
    if a.phone and b.phone:
        (reasons if same_phone else differences).append("phone")
    if a.document and b.document:
        (reasons if same_document else differences).append("document")
    if same_phone and name >= STRONG_NAME:
        score += 0.1  # a family's phone too, so only with close names
    elif a.phone and b.phone and not same_phone:
        score -= 0.02  # a new SIM card is cheap: weak evidence against
    if a.document and b.document and not same_document:
        score -= 0.03
    if name >= STRONG_NAME and birth is not None and birth >= CLOSE_BIRTH:
        score = max(score, 0.85)  # whatever the phone and document say
    if same_document:
        score = max(score, 0.95)  # the same identity document is the same person
    return Likeness(round(min(max(score, 0.0), 1.0), 3), tuple(reasons), tuple(differences))


def names_alike(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Each name of the shorter matched with its likeliest in the other (each used once): the
    mean of those matches, lowered by the weakest (a different given name among shared family
    names is another person) and a little for each name one has and the other has not."""
    if not a or not b:
        return 0.0
    short, long = (list(a), list(b)) if len(a) <= len(b) else (list(b), list(a))
    pairs = sorted(
        ((_word(x, y), i, j) for i, x in enumerate(short) for j, y in enumerate(long)),
        reverse=True,
    )
    used_short: set[int] = set()
    used_long: set[int] = set()
    matches: list[float] = []
    for value, i, j in pairs:
        if i not in used_short and j not in used_long:
            used_short.add(i)
            used_long.add(j)
            matches.append(value)
    mean = sum(matches) / len(matches)
    weakest = min(matches)
    value = min(mean, weakest + 0.1)
    if len(short) == 1 and len(long) > 1:
        value *= 0.8  # one name alone says little
    return value * (0.97 ** (len(long) - len(short)))


def _word(x: str, y: str) -> float:
    if x == y:
        return 1.0
    # Jaro-Winkler is generous with short names (Awa and Fatumata share their letters), so
    # only a close one counts; the edit ratio otherwise.
    close = JaroWinkler.similarity(x, y)
    return max(close - 0.05 if close >= 0.9 else 0.0, ratio(x, y) / 100)


def births_alike(a: date | None, b: date | None) -> float:
    if a is None or b is None:
        return 0.0
    if a == b:
        return 1.0
    if (a.year, a.month, a.day) == (b.year, b.day, b.month):
        return 0.9  # day and month swapped
    years = abs(a.year - b.year)
    if (a.month, a.day) == (b.month, b.day) and years <= 2:
        if (a.month, a.day) == (1, 1):  # an age, not a date: the day says nothing
            return 0.7 if years == 1 else 0.55
        return 0.9 if years == 1 else 0.8  # the year given again, one or two off
    if _one_digit(a, b) or abs((a - b).days) <= 31:
        return 0.45  # a typo, a guess within the month, or someone else born that month
    if years == 0:
        return 0.4
    if years == 1:
        return 0.2
    return 0.0


def _one_digit(a: date, b: date) -> bool:
    return sum(x != y for x, y in zip(a.isoformat(), b.isoformat(), strict=True)) == 1


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip()[:10]) if text else None
    except ValueError:
        return None
