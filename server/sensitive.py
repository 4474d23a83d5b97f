"""What a role that may not read an entity list's sensitive properties sees of an entity:
the same rule for the REST API, OData, CSV downloads and every page; and the header by which
every export and feed says how much it left out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from storage.entities.lists import CASE_NUMBER
from storage.entities.records import EntityRecord

WITHHELD_HEADER = "Baobab-Withheld-Fields"


def withheld_header(count: int, role: str) -> dict[str, str]:
    """How many fields (or entity properties) the caller's role is not given, and why, as an
    RFC 8941 structured header: `48;reason="sensitive";role="analyst"`, or `0`. The bodies
    keep Central's shapes; the pages say the same in words (server/web/withheld.py)."""
    value = f'{count};reason="sensitive";role="{role}"' if count else "0"
    return {WITHHELD_HEADER: value}


def name_hidden(hidden: Iterable[str]) -> bool:
    """Whether the instance name (`meta/instanceName`, what lists show for a submission) is
    among the `hidden` fields: computed from a sensitive answer, as a name concatenated from the
    person's names would be, it is shown to nobody who may not read that answer."""
    return any(xpath.endswith("/meta/instanceName") for xpath in hidden)


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
