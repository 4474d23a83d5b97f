"""A pair of registrations side by side, for the decision page: each detail as each intake
gave it (names, birth date, phone, document, region, arrival date, photo), whether the two
differ, and what the comparison found to agree and to differ. Read from the intakes' current
XML through the programme's duplicate rules (forms/duplicates.json)."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree
from sqlalchemy.engine import Connection

from converters.form_model import FormSchema
from converters.people import Likeness, births_alike, likeness, person, sound
from converters.safe_xml import element_at, parse_xml
from converters.xform_schema import parse_xform
from programmes.returnees.server.duplicate_check import DuplicateRules
from programmes.returnees.storage.duplicate_merges import Merge, merges_of
from programmes.returnees.storage.duplicate_pairs import Registration
from storage.entities.lists import find_list
from storage.forms.versions import get_xform


@dataclass(frozen=True, slots=True)
class Detail:
    key: str  # names, birth, phone, document, region, arrival
    left: str
    right: str
    differs: bool  # as the comparison sees them
    spelt: bool  # written differently but alike (spelling, accents, order, format)


@dataclass(frozen=True, slots=True)
class Side:
    registration: Registration
    photo: str | None  # the photo's file name in the intake, if any


@dataclass(frozen=True, slots=True)
class PairView:
    details: list[Detail]
    left: Side
    right: Side
    likeness: Likeness | None


def pair_view(
    connection: Connection, rules: DuplicateRules | None, left: Registration, right: Registration
) -> PairView:
    schemas: dict[int, FormSchema] = {}
    a, b = _answers(connection, rules, left, schemas), _answers(connection, rules, right, schemas)
    details = [
        Detail(
            key,
            a.get(key, ""),
            b.get(key, ""),
            _differs(key, a.get(key), b.get(key)),
            a.get(key, "") != b.get(key, ""),
        )
        for key in ("names", "birth", "phone", "document", "region", "arrival")
    ]
    alike = None
    if left.person is not None and right.person is not None:
        alike = likeness(left.person, right.person)
    elif rules is not None:
        one = person([a.get("names")], a.get("birth"), a.get("phone"), a.get("document"))
        other = person([b.get("names")], b.get("birth"), b.get("phone"), b.get("document"))
        alike = likeness(one, other)
    return PairView(
        details, Side(left, a.get("photo") or None), Side(right, b.get("photo") or None), alike
    )


def _answers(
    connection: Connection,
    rules: DuplicateRules | None,
    registration: Registration,
    schemas: dict[int, FormSchema],
) -> dict[str, str]:
    version = registration.form_version_id
    if rules is None or registration.xml is None or version is None:
        return {}
    schema = schemas.get(version)
    if schema is None:
        schema = schemas[version] = parse_xform(get_xform(connection, version).encode("utf-8"))
    root = parse_xml(registration.xml.encode("utf-8"))
    fields = {f.name: f for f in schema.fields}

    def answer(name: str | None) -> str:
        field = fields.get(name or "")
        element = element_at(root, field.xpath) if field else None
        return _text(element)

    return {
        "names": " ".join(v for v in (answer(n) for n in rules.names) if v),
        "birth": answer(rules.birth),
        "phone": answer(rules.phone),
        "document": answer(rules.document),
        "region": answer(rules.region),
        "arrival": answer(rules.arrival),
        "photo": answer(rules.photo),
    }


def _text(element: etree._Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _differs(key: str, left: str | None, right: str | None) -> bool:
    """Whether the two differ as the comparison sees them (spelling and word order aside)."""
    if not left or not right:
        return bool(left) != bool(right)
    if key == "names":
        return sorted(sound(left).split()) != sorted(sound(right).split())
    if key == "birth":
        one, other = person([], left, None, None).birth, person([], right, None, None).birth
        return one is None or other is None or births_alike(one, other) < 1.0
    if key in ("phone", "document"):
        a, b = person([], None, left, left), person([], None, right, right)
        return (a.phone, a.document) != (b.phone, b.document)
    return left.strip().casefold() != right.strip().casefold()


def case_merges(
    connection: Connection, project_id: int, list_name: str, uuid: str
) -> tuple[Merge | None, list[Merge]]:
    """For a case page: the merge that closed this registration, and those merged into it."""
    entity_list = find_list(connection, project_id, list_name)
    if entity_list is None:
        return None, []
    return merges_of(connection, entity_list.id, uuid)
