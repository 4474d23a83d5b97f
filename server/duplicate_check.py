"""Catching duplicate registrations before assistance is given: each new intake is compared,
in its own transaction, with the returnees already in the list (blocking keys find the few worth
comparing); likely duplicates go to the review queue and the intake to "has issues"."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from lxml import etree
from sqlalchemy.engine import Connection

from converters.form_model import FormSchema
from converters.people import keys, likeness, person
from converters.safe_xml import element_at
from storage.audit import record
from storage.duplicates import candidates, flag_duplicate, register_person
from storage.entities import get_entity
from storage.entity_lists import find_list
from storage.submission_queries import set_review_state


@dataclass(frozen=True, slots=True)
class DuplicateRules:
    form_id: str
    list_name: str
    names: tuple[str, ...]  # field names
    birth: str | None
    phone: str | None
    document: str | None
    threshold: float


def load_rules(forms_dir: Path) -> DuplicateRules | None:
    path = forms_dir / "duplicates.json"
    if not path.exists():
        return None
    raw = json.loads(path.read_text(encoding="utf-8"))
    return DuplicateRules(
        form_id=str(raw["form_id"]),
        list_name=str(raw["list"]),
        names=tuple(raw.get("names", ())),
        birth=raw.get("birth"),
        phone=raw.get("phone"),
        document=raw.get("document"),
        threshold=float(raw.get("threshold", 0.75)),
    )


def check_registration(
    connection: Connection,
    rules: DuplicateRules,
    *,
    root: etree._Element,
    schema: FormSchema,
    project_id: int,
    entity_uuid: str,
    submission_id: int,
    actor_id: int | None,
    now: datetime,
) -> int:
    """Compare the registration with the list, queue likely duplicates; how many were found."""
    entity_list = find_list(connection, project_id, rules.list_name)
    if entity_list is None:
        return 0
    entity = get_entity(connection, entity_list.id, entity_uuid)
    fields = {f.name: f for f in schema.fields}

    def answer(name: str | None) -> str | None:
        field = fields.get(name or "")
        element = element_at(root, field.xpath) if field else None
        return (element.text or "").strip() or None if element is not None else None

    someone = person(
        [answer(n) for n in rules.names],
        answer(rules.birth),
        answer(rules.phone),
        answer(rules.document),
    )
    found = 0
    for other_id, other in candidates(connection, entity_list.id, keys(someone, spread=1)):
        if other_id == entity.id:
            continue
        alike = likeness(someone, other)
        if alike.score >= rules.threshold:
            flag_duplicate(
                connection,
                list_id=entity_list.id,
                entity_id=entity.id,
                candidate_id=other_id,
                likeness=alike,
                submission_id=submission_id,
                now=now,
            )
            found += 1
    register_person(connection, entity_list.id, entity.id, someone, keys(someone), now)
    if found:
        set_review_state(connection, submission_id, "hasIssues", now)
        record(
            connection,
            actor_id=actor_id,
            action="entity.duplicate.flag",
            actee_type="entity",
            actee_id=entity_uuid,
            now=now,
            details={"list": rules.list_name, "likely duplicates": found},
        )
    return found
