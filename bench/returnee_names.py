"""Synthetic returnees for the duplicate benchmarks (bench/duplicate_recall.py,
bench/duplicates.py): seeded, no real people. Names follow Malian naming patterns: Manding
(Bambara, Malinke), Fula, Soninke, Songhai and Tamasheq given and family names in their French
spellings (Tamasheq family names are "Ag" or "Walet" and a father's name); a quarter of people
carry a second given name. Birth dates from 1960 to 2008, one in ten given as 1 January (an
age, not a date); phones of Malian operators; an identity document for six in ten.

`re_register` makes a second registration of a person the ways people do it; `namesake`,
`twin`, `sibling` and `parent_or_child` make the other people who look alike (hard
negatives)."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta


def _names(text: str) -> list[str]:
    return text.split()


GROUPS: dict[str, tuple[float, list[str], list[str], list[str]]] = {
    # group: (share, family names, men's given names, women's given names)
    "manding": (
        0.5,
        _names(
            "Traoré Coulibaly Diarra Keita Koné Konaté Camara Sissoko Doumbia Dembélé Samaké "
            "Sanogo Bagayoko Ballo Diakité Kanté Konaré Mariko Fofana Kouyaté Togola Dao Berthé "
            "Goïta Kamissoko Dembélé Mallé Touré Bouaré Tangara"
        ),
        _names(
            "Mamadou Moussa Oumar Seydou Bakary Sékou Modibo Drissa Siaka Lassana Tiémoko Bourama "
            "Yacouba Adama Souleymane Dramane Madou Zoumana Fousseyni Mahamadou Karim Salif Daouda "
            "Namory Brahima Abdoulaye Issa"
        ),
        _names(
            "Awa Fatoumata Aminata Mariam Kadiatou Oumou Djénéba Assitan Rokia Hawa Salimata "
            "Bintou Kadidia Nana Safiatou Korotoumou Fanta Massitan Sitan Téné Kani Mariétou"
        ),
    ),
    "fula": (
        0.2,
        _names("Diallo Sidibé Sangaré Barry Bah Dicko Sow Boly Tall Cissé Bocoum Diakité"),
        _names(
            "Hamadoun Hamidou Boubacar Amadou Alassane Sambo Allaye Hamma Oumarou Aliou Abdoulaye "
            "Ousmane"
        ),
        _names("Kadidiatou Aïssata Fatimata Ramatoulaye Hadiatou Diaka Dikko Hawa Mariam Oumou"),
    ),
    "soninke": (
        0.12,
        _names(
            "Sylla Cissé Diaby Doucouré Dramé Kanouté Tounkara Niakaté Soumaré Diawara Bathily "
            "Sakho Gassama Camara"
        ),
        _names("Samba Demba Hamady Mahamadou Fodé Sadio Moussa Bandiougou Ousmane Mamadou"),
        _names("Sira Tenin Coumba Kadiatou Founè Hawa Aminata Diaba"),
    ),
    "songhai": (
        0.12,
        _names("Maïga Touré Haïdara Cissé Yattara Dicko Baby Tandina Sankaré Djitteye Arby"),
        _names(
            "Almoustapha Abdoulaye Boureima Hamadou Issa Moussa Alhousseini Amadou Mahamane Ibrahim"
        ),
        _names("Haoua Zeinabou Fadimata Mariama Aminatou Habi Safi Assa"),
    ),
    "tamasheq": (
        0.06,
        [],  # "Ag" (son of) or "Walet" (daughter of) and a man's given name
        _names(
            "Mohamed Ahmed Alhassane Attaher Assaleh Intalla Abdallah Elmehdi Aghaly Mossa Hamzata"
        ),
        _names("Fadimata Tina Khadija Lalla Aichatou Mina Tinhinane Zeina"),
    ),
}
REGIONS = _names("Kayes Koulikoro Sikasso Ségou Mopti Tombouctou Gao Kidal Bamako Ménaka Taoudénit")
# Spellings of one name met in registers (a clerk writes what they hear).
RESPELLINGS = {
    "Traoré": ["Traore", "Trawore", "TRAORE"],
    "Coulibaly": ["Kulibali", "Coulibali", "Koulibaly"],
    "Diallo": ["Jallo", "Diallo", "Djallo"],
    "Cissé": ["Sissé", "Cisse", "Sisse"],
    "Keita": ["Keïta", "Kéita"],
    "Maïga": ["Maiga", "Mayga"],
    "Haïdara": ["Haidara", "Aïdara"],
    "Touré": ["Toure", "Turé"],
    "Mamadou": ["Mamadu", "Mahamadou"],
    "Moussa": ["Musa", "Mousa"],
    "Oumar": ["Umar", "Omar"],
    "Fatoumata": ["Fatimata", "Fatumata", "Fatoumata"],
    "Aïssata": ["Aissata", "Ayssata", "Assata"],
    "Djénéba": ["Jeneba", "Djeneba", "Dieneba"],
    "Kadiatou": ["Kadiatu", "Khadiatou"],
    "Sékou": ["Sekou", "Seku"],
    "Boubacar": ["Boubakar", "Bubacar"],
    "Mohamed": ["Mohammed", "Mahamed"],
    "Ousmane": ["Usman", "Ousmann"],
    "Dembélé": ["Dembele", "Dembelé"],
    "Sangaré": ["Sangare", "Sangharé"],
}


@dataclass(frozen=True, slots=True)
class Registration:
    person: int  # who it really is: registrations of one person share it
    given: tuple[str, ...]
    family: str
    birth: date
    phone: str | None
    document: str | None
    region: str
    kind: str  # how it was made: "first", a way of registering again, or a look-alike

    @property
    def names(self) -> list[str]:
        return [*self.given, self.family]


class People:
    """A seeded source of returnees and of the registrations that look like them."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.count = 0
        self.shares = [(name, share) for name, (share, *_) in GROUPS.items()]

    def _new_id(self) -> int:
        self.count += 1
        return self.count

    def phone(self) -> str:
        return (
            f"{self.rng.choice((6, 7, 9))}{self.rng.randint(0, 9)}{self.rng.randint(0, 999999):06d}"
        )

    def document(self) -> str | None:
        return f"ML{self.rng.randint(0, 999999999):09d}" if self.rng.random() < 0.6 else None

    def birth(self, start: int = 1960, end: int = 2008) -> date:
        year = self.rng.randint(start, end)
        if self.rng.random() < 0.1:
            return date(year, 1, 1)
        return date(year, 1, 1) + timedelta(days=self.rng.randint(0, 364))

    def _group(self) -> str:
        return self.rng.choices([g for g, _ in self.shares], [w for _, w in self.shares])[0]

    def _given(self, group: str, woman: bool) -> str:
        _share, _families, men, women = GROUPS[group]
        return self.rng.choice(women if woman else men)

    def _family(self, group: str, woman: bool) -> str:
        families = GROUPS[group][1]
        if families:
            return self.rng.choice(families)
        return f"{'Walet' if woman else 'Ag'} {self._given(group, False)}"

    def first(self) -> Registration:
        group = self._group()
        woman = self.rng.random() < 0.5
        given = [self._given(group, woman)]
        if self.rng.random() < 0.25:
            second = self._given(group, woman)
            if second != given[0]:
                given.append(second)
        return Registration(
            self._new_id(),
            tuple(given),
            self._family(group, woman),
            self.birth(),
            self.phone(),
            self.document(),
            self.rng.choice(REGIONS),
            "first",
        )

    # Registering again: a new phone (or none) and a new document (or none), always, and one
    # way of changing what else is said.
    KINDS = (
        "new phone and document",
        "spelling",
        "swapped names",
        "dropped name",
        "second given name",
        "day/month swapped",
        "birth year +-1",
        "birth year +-2",
        "other region",
        "spelling, swapped, year +-1",
    )

    def re_register(self, original: Registration, kind: str) -> Registration:
        rng = self.rng
        again = replace(
            original,
            phone=self.phone() if rng.random() < 0.85 else None,
            document=(f"ML{rng.randint(0, 999999999):09d}" if rng.random() < 0.5 else None),
            kind=kind,
        )
        if kind in ("spelling", "spelling, swapped, year +-1"):
            again = self._respell(again)
        if kind in ("swapped names", "spelling, swapped, year +-1"):
            # The family name written first, in the given name's box.
            again = replace(again, given=(again.family,), family=" ".join(again.given))
        if kind == "dropped name":  # of a person with two given names (see `fits`)
            again = replace(again, given=(rng.choice(original.given),))
        if kind == "second given name":
            group = self._group_of(original)
            extra = self._given(group, rng.random() < 0.5)
            again = replace(again, given=(*original.given, extra))
        if kind == "day/month swapped":
            b = original.birth
            again = replace(again, birth=date(b.year, b.day, b.month))
        if kind in ("birth year +-1", "spelling, swapped, year +-1"):
            again = replace(again, birth=_shift(original.birth, rng.choice((-1, 1))))
        if kind == "birth year +-2":
            again = replace(again, birth=_shift(original.birth, rng.choice((-2, 2))))
        if kind == "other region":
            again = replace(again, region=rng.choice([r for r in REGIONS if r != original.region]))
        return again

    @staticmethod
    def fits(original: Registration, kind: str) -> bool:
        """Whether `kind` can be made of `original` (a name to drop, a day to swap)."""
        if kind == "dropped name":
            return len(original.given) > 1
        if kind == "day/month swapped":
            return original.birth.day <= 12 and original.birth.day != original.birth.month
        return True

    def _respell(self, r: Registration) -> Registration:
        def respell(name: str) -> str:
            choices = RESPELLINGS.get(name)
            if choices:
                return self.rng.choice(choices)
            return _typo(self.rng, name)

        names = [*r.given, r.family]
        which = self.rng.randrange(len(names))
        names[which] = respell(names[which])
        if self.rng.random() < 0.3:  # and sometimes another
            other = self.rng.randrange(len(names))
            if other != which:
                names[other] = respell(names[other])
        return replace(r, given=tuple(names[:-1]), family=names[-1])

    def _group_of(self, r: Registration) -> str:
        for group, (_share, families, _men, _women) in GROUPS.items():
            if r.family in families:
                return group
        return "tamasheq" if r.family.startswith(("Ag ", "Walet ")) else "manding"

    # Other people who look alike: never the same person.
    NEGATIVES = ("namesake", "twin", "sibling", "parent or child")

    def look_alike(self, original: Registration, kind: str) -> Registration:
        rng = self.rng
        group = self._group_of(original)
        woman = rng.random() < 0.5
        other_given = original.given
        while other_given == original.given or set(other_given) & set(original.given):
            other_given = (self._given(group, woman),)
        fresh = {"person": self._new_id(), "document": self.document(), "kind": kind}
        if kind == "namesake":  # the same common name, another birth date and phone
            return replace(original, **fresh, birth=self.birth(), phone=self.phone())
        if kind == "twin":  # the family's phone, the same birth date
            return replace(original, **fresh, given=other_given)
        if kind == "sibling":  # the family's phone, born a year to five apart
            days = rng.randint(300, 5 * 365) * rng.choice((-1, 1))
            return replace(
                original, **fresh, given=other_given, birth=original.birth + timedelta(days=days)
            )
        # A child named after a parent, or the parent: the same name and phone, a generation apart.
        days = rng.randint(18 * 365, 40 * 365) * rng.choice((-1, 1))
        return replace(original, **fresh, birth=original.birth + timedelta(days=days))


def _shift(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _typo(rng: random.Random, name: str) -> str:
    """One letter as a clerk may hear it: a vowel for another, a letter doubled or dropped."""
    if len(name) < 4:
        return name
    at = rng.randrange(1, len(name) - 1)
    letter = name[at]
    how = rng.random()
    if letter in "aeiouéè" and how < 0.5:
        return name[:at] + rng.choice([v for v in "aeiou" if v != letter]) + name[at + 1 :]
    if how < 0.75:
        return name[:at] + letter + name[at:]
    return name[:at] + name[at + 1 :]
