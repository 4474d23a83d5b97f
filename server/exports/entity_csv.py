"""An entity list written out as CSV (name, label, __version, then the properties), streamed in
blocks from one read-only transaction, in one of two copies: ODK Collect's, every cell exactly
as stored (the copy the manifest's hash names), or a person's, opened in a spreadsheet: every
cell neutralised, and for roles that may not read sensitive data, without the sensitive
properties and with the case number for a label (server/sensitive.py `seen_by`, as every other
entity route). A device gets only its subset of a list with ownerOnly or an access filter
(`device_scope`)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy.engine import Connection, Engine

from converters.cells import csv_row_writer
from server.auth import Caller, Permission
from server.sensitive import seen_by
from storage.db import transaction
from storage.entities.lists import EntityListRecord
from storage.entities.scope import EntityScope, scope_for, stream_live

BLOCK_ROWS = 1000


@dataclass(frozen=True, slots=True)
class ListCopy:
    """Which copy of a list goes out. `for_collect`: the cells as stored, every property (only
    for those who collect data with the form). Otherwise a person's: cells neutralised, the
    `hidden` properties left out. `scope`: only the entities a device may get."""

    for_collect: bool
    hidden: frozenset[str] = frozenset()
    scope: EntityScope | None = None

    def etag(self, state: str) -> str:
        """The copy's version tag from the state of the list as it goes out
        (storage.entities.queries.scoped_state): Collect's is the manifest's hash itself; a
        person's differs, so no cache mixes them."""
        if self.for_collect:
            return state
        tag = f"{state}:person:{','.join(sorted(self.hidden))}"
        return hashlib.md5(tag.encode(), usedforsecurity=False).hexdigest()


COLLECT_COPY = ListCopy(for_collect=True)


def device_scope(
    connection: Connection, caller: Caller, entity_list: EntityListRecord
) -> EntityScope | None:
    """What the caller's devices get of the list. Whoever may list entities in the project
    (Central's project-level entity.list: here the roles that read submissions, and managers)
    gets all of it; the others (app users, data collectors) get what the list's ownerOnly or
    access filter leaves them (lib/resources/forms.js: only the form-attachment CSV, its
    manifest hash, and here also the list's integrity check)."""
    if caller.actor is None or caller.can(Permission.SUBMISSION_READ, entity_list.project_id):
        return None
    return scope_for(connection, entity_list, caller.actor.id)


def attachment_copy(
    caller: Caller, entity_list: EntityListRecord, form_id: int, scope: EntityScope | None = None
) -> ListCopy:
    """The copy served as a form's attachment: Collect's to whoever may submit to the form (app
    users, data collectors, managers: the list the form needs, byte for byte, narrowed to the
    caller's `scope`), a person's to the others (analysts, viewers, protection officers),
    without the sensitive properties unless they may read them (as every entity route,
    server/rest/entities.py `_readable`)."""
    project_id = entity_list.project_id
    if caller.can(Permission.SUBMISSION_CREATE, project_id, form_id):
        return ListCopy(for_collect=True, scope=scope)
    may_see = caller.can(Permission.SENSITIVE_READ, project_id)
    hidden = frozenset() if may_see else entity_list.sensitive
    return ListCopy(for_collect=False, hidden=hidden, scope=scope)


def entity_list_csv(
    engine: Engine, entity_list: EntityListRecord, copy: ListCopy
) -> Iterator[bytes]:
    properties = [p for p in entity_list.properties if p not in copy.hidden]
    buffer = io.StringIO()
    write = csv_row_writer(buffer, exact=copy.for_collect)
    write(["name", "label", "__version", *properties])
    with transaction(engine, read_only=True) as connection:
        stream = stream_live(connection, entity_list.id, copy.scope)
        for count, stored in enumerate(stream, start=1):
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
