"""What a submission asks of ODK Entities: read from its meta/entity element (dataset, id,
create, update, baseVersion, label, as Collect fills them in) and the answers the form saves to
entity properties (save_to)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from converters.form_model import FormSchema
from converters.safe_xml import element_at, element_children, local_name

_TRUE = {"1", "true", "true()", "yes"}


@dataclass(frozen=True, slots=True)
class EntityAction:
    dataset: str
    uuid: str
    create: bool
    update: bool
    base_version: int | None
    label: str | None
    properties: Mapping[str, str]  # property name -> the answer as sent ("" when blank)


def entity_actions(root: etree._Element, schema: FormSchema) -> list[EntityAction]:
    """One action per entity the submission declares for the whole submission (entities
    declared inside repeats are not read yet)."""
    actions = []
    for declaration in schema.entities:
        if declaration.scope is not None:
            continue
        element = element_at(root, declaration.xpath)
        if element is None:
            continue
        uuid = (element.get("id") or "").strip()
        create = (element.get("create") or "").strip().lower() in _TRUE
        update = (element.get("update") or "").strip().lower() in _TRUE
        if not uuid or not (create or update):
            continue
        label_element = next(
            (c for c in element_children(element) if local_name(c) == "label"), None
        )
        label = (label_element.text or "").strip() if label_element is not None else None
        base = (element.get("baseVersion") or "").strip()
        properties = {}
        for prop in declaration.properties:
            answer = element_at(root, prop.xpath)
            if answer is not None:
                properties[prop.name] = (answer.text or "").strip()
        actions.append(
            EntityAction(
                dataset=(element.get("dataset") or declaration.dataset).strip(),
                uuid=uuid.removeprefix("uuid:"),
                create=create,
                update=update,
                base_version=int(base) if base.isdigit() else None,
                label=label or None,
                properties=properties,
            )
        )
    return actions
