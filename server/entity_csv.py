"""An entity list written out as CSV (name, label, __version, then the properties), streamed in
blocks from one read-only transaction, in one of two copies: ODK Collect's, every cell exactly
as stored (the copy the manifest's hash names), or a person's, opened in a spreadsheet: every
cell neutralised, and for roles that may not read sensitive data, without the sensitive
properties and with the case number for a label (server/cases.py `seen_by`, as every other
entity route)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from converters.cells import csv_row_writer
from server.auth import Caller, Permission
from server.cases import seen_by
from storage.db import transaction
from storage.entities import stream_entities
from storage.entity_lists import EntityListRecord

BLOCK_ROWS = 1000


@dataclass(frozen=True, slots=True)
class ListCopy:
    """Which copy of a list goes out. `for_collect`: the cells as stored, every property (only
    for those who collect data with the form). Otherwise a person's: cells neutralised, the
    `hidden` properties left out."""

    for_collect: bool
    hidden: frozenset[str] = frozenset()

    def etag(self, state: str) -> str:
        """The copy's version tag from the list's state (storage.entity_lists.list_state):
        Collect's is the manifest's hash itself; a person's differs, so no cache mixes them."""
        if self.for_collect:
            return state
        tag = f"{state}:person:{','.join(sorted(self.hidden))}"
        return hashlib.md5(tag.encode(), usedforsecurity=False).hexdigest()


COLLECT_COPY = ListCopy(for_collect=True)


def attachment_copy(caller: Caller, entity_list: EntityListRecord, form_id: int) -> ListCopy:
    """The copy served as a form's attachment: Collect's to whoever may submit to the form (app
    users, data collectors, managers: the full list the form needs, byte for byte), a person's
    to the others (analysts, viewers, protection officers), without the sensitive properties
    unless they may read them (as every entity route, server/rest/entities.py `_readable`)."""
    project_id = entity_list.project_id
    if caller.can(Permission.SUBMISSION_CREATE, project_id, form_id):
        return COLLECT_COPY
    may_see = caller.can(Permission.SENSITIVE_READ, project_id)
    return ListCopy(for_collect=False, hidden=frozenset() if may_see else entity_list.sensitive)


def entity_list_csv(
    engine: Engine, entity_list: EntityListRecord, copy: ListCopy
) -> Iterator[bytes]:
    properties = [p for p in entity_list.properties if p not in copy.hidden]
    buffer = io.StringIO()
    write = csv_row_writer(buffer, exact=copy.for_collect)
    write(["name", "label", "__version", *properties])
    with transaction(engine, read_only=True) as connection:
        for count, stored in enumerate(stream_entities(connection, entity_list.id), start=1):
            entity = seen_by(stored, copy.hidden)
            values = entity.data
            write(
                [
                    entity.uuid,
                    entity.label,
                    str(entity.version),
                    *[values.get(p, "") for p in properties],
                ]
            )
            if count % BLOCK_ROWS == 0:
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue().encode("utf-8")
