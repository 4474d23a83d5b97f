"""Catching duplicate registrations before assistance is given: each new intake is compared, in
its transaction and before its entity is created, with the registrations already in the list
(created or still waiting; blocking keys find the few worth comparing). Likely duplicates go to
the review queue, the intake to "has issues", and its registration is held: no entity, so it is
in no device's list, until a person decides "different people" (its storage/duplicates.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from lxml import etree
from sqlalchemy.engine import Connection

from converters.entities import EntityAction
from converters.form_model import FormSchema
from converters.people import SPREAD, keys, likeness, person
from converters.safe_xml import element_at
from programmes.returnees.storage.duplicates import (
    candidates,
    flag_duplicate,
    is_registered,
    register_person,
)
from storage.audit import record
from storage.entities.lists import find_list
from storage.entities.records import find_entity
from storage.submissions.queries import set_review_state


@dataclass(frozen=True, slots=True)
class DuplicateRules:
    form_id: str
    list_name: str
    names: tuple[str, ...]  # field names
    birth: str | None
    phone: str | None
    document: str | None
    threshold: float
    # Shown on the decision page, never compared: where they return to, when, their photo.
    region: str | None = None
    arrival: str | None = None
    photo: str | None = None


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
        region=raw.get("region"),
        arrival=raw.get("arrival"),
        photo=raw.get("photo"),
    )


HELD_BY = "duplicates"  # what holds a flagged registration (storage/entities/approval.py)


def screen_registrations(
    connection: Connection,
    rules: DuplicateRules,
    *,
    root: etree._Element,
    schema: FormSchema,
    project_id: int,
    actions: Sequence[EntityAction],
    submission_id: int,
    actor_id: int | None,
    now: datetime,
) -> dict[str, str]:
    """Compare the intake's registrations with the list and queue likely duplicates; the
    registrations to hold (uuid -> why), which the caller passes on to apply_actions."""
    entity_list = find_list(connection, project_id, rules.list_name)
    if entity_list is None:
        return {}
    held: dict[str, str] = {}
    found = 0
    for action in actions:
        if not action.create or action.problem is not None or action.dataset != rules.list_name:
            continue
        if is_registered(connection, entity_list.id, action.uuid) or find_entity(
            connection, entity_list.id, action.uuid
        ):
            continue  # an id used before: the create is refused, the first one stays compared
        flagged = _compare(
            connection, rules, root, schema, entity_list.id, action, submission_id, now
        )
        if flagged:
            held[action.uuid] = HELD_BY
            found += flagged
    if found:
        set_review_state(connection, submission_id, "hasIssues", now)
        record(
            connection,
            actor_id=actor_id,
            action="entity.duplicate.flag",
            actee_type="entity",
            actee_id=next(iter(held)),
            now=now,
            details={"list": rules.list_name, "likely duplicates": found},
        )
    return held


def _compare(
    connection: Connection,
    rules: DuplicateRules,
    root: etree._Element,
    schema: FormSchema,
    list_id: int,
    action: EntityAction,
    submission_id: int,
    now: datetime,
) -> int:
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
    for other_uuid, other in candidates(connection, list_id, keys(someone, spread=SPREAD)):
        alike = likeness(someone, other)
        if other_uuid != action.uuid and alike.score >= rules.threshold:
            flag_duplicate(
                connection,
                list_id=list_id,
                entity_uuid=action.uuid,
                candidate_uuid=other_uuid,
                likeness=alike,
                submission_id=submission_id,
                now=now,
            )
            found += 1
    register_person(
        connection,
        list_id,
        action.uuid,
        someone,
        keys(someone),
        now,
        submission_id=submission_id,
        label=action.label,
    )
    return found
