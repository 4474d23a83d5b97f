"""What a role that may not read an entity list's sensitive properties sees of an entity:
the same rule for the REST API, OData, CSV downloads and every page."""

from __future__ import annotations

from dataclasses import replace

from storage.entities.lists import CASE_NUMBER
from storage.entities.records import EntityRecord


def seen_by(entity: EntityRecord, hidden: frozenset[str]) -> EntityRecord:
    """The entity as a role that may not read the `hidden` properties sees it: without them,
    and with its case number (or uuid) for a label, since labels are built from names."""
    if not hidden:
        return entity
    return replace(
        entity,
        label=entity.data.get(CASE_NUMBER) or entity.uuid,
        data={k: v for k, v in entity.data.items() if k not in hidden},
    )
