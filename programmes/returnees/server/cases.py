"""A returnee's case (web page and API): the entity as the caller may see it, the intake and
every follow-up in time order, the score trend per dimension, the assistance recorded, open
conflicts. Names and other sensitive properties only for roles that may read them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection

from converters.form_logic import form_language
from converters.form_model import FormSchema
from converters.submission_view import Entry, read_group
from converters.xform_schema import parse_xform
from programmes.returnees.storage.scores import entity_scores
from server.auth import Caller, Permission
from server.sensitive import seen_by
from storage.entities.history import EntityEvent, entity_events
from storage.entities.lists import EntityListRecord, get_list
from storage.entities.records import EntityRecord, get_entity
from storage.forms.versions import get_form, get_xform
from storage.submissions.queries import get_submission, get_xml

ASSISTANCE_GROUP = "/data/assistance_received"  # in the follow-up form


@dataclass
class Case:
    entity_list: EntityListRecord
    entity: EntityRecord
    label: str  # the entity's label, or its case number for roles that may not see names
    data: dict[str, str]  # the properties the caller may see
    hidden: list[str]  # the properties kept from the caller
    events: list[EntityEvent]
    scores: list[dict[str, Any]]
    assistance: list[tuple[str, list[Entry]]] = field(default_factory=list)  # instance, answers


def load_case(
    connection: Connection,
    caller: Caller,
    project_id: int,
    list_name: str,
    uuid: str,
    language: str,
) -> Case:
    entity_list = get_list(connection, project_id, list_name)
    entity = get_entity(connection, entity_list.id, uuid)
    hidden = (
        frozenset() if caller.can(Permission.SENSITIVE_READ, project_id) else entity_list.sensitive
    )
    shown = seen_by(entity, hidden)
    events = entity_events(connection, entity.id)
    case = Case(
        entity_list,
        entity,
        shown.label,
        shown.data,
        sorted(hidden),
        events,
        entity_scores(connection, uuid),
    )
    schemas: dict[str, FormSchema] = {}
    for event in events:
        if event.form is None or event.instance_id is None:
            continue
        form = get_form(connection, project_id, event.form)
        if form.current_version_id is None:
            continue
        if event.form not in schemas:
            schemas[event.form] = parse_xform(
                get_xform(connection, form.current_version_id).encode("utf-8")
            )
        schema = schemas[event.form]
        if ASSISTANCE_GROUP not in {g.xpath for g in schema.groups}:
            continue
        submission = get_submission(connection, form.id, event.instance_id)
        xml = get_xml(connection, submission.current.id).encode("utf-8")
        answers = read_group(schema, xml, ASSISTANCE_GROUP, form_language(schema, language))
        if answers:
            case.assistance.append((event.instance_id, answers))
    return case
