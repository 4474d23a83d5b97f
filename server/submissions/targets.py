"""A per-process cache of what intake needs for a form version: its schema, table plans and
SQLAlchemy tables (and, on PostgreSQL, the compiled statements of the pipelined write). Keyed by
the form's schema generation, which every publish increments, so a new version (possibly
widening columns) is picked up by every worker on its next request.

It also remembers the form as last read for each (project, formId, version) a submission named,
so that the next submission to it can send its form lookup together with its INSERTs
(storage/submissions/pipelined.py): the write goes ahead only if the database still says
the same, so a form published or closed through another process takes effect at once."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from converters.form_model import FormSchema
from storage.db import is_postgres
from storage.forms.data_tables import load_plan
from storage.forms.ddl import build_tables
from storage.forms.versions import FormRecord, load_version_plan
from storage.submissions.pipelined import PipelinedWriter, SeenForm, serial_sequences
from storage.submissions.store import FormTarget


@dataclass(frozen=True, slots=True)
class CachedTarget:
    schema: FormSchema
    target: FormTarget
    writer: PipelinedWriter | None = None  # PostgreSQL only


class FormTargets:
    def __init__(self, max_entries: int = 256) -> None:
        self._entries: dict[tuple[int, int], CachedTarget] = {}
        self._seen: dict[tuple[int, str, str], SeenForm] = {}
        self._lock = threading.Lock()
        self._max = max_entries

    def get(
        self, connection: Connection, form: FormRecord, form_version_id: int, version: str
    ) -> CachedTarget:
        key = (form_version_id, form.schema_generation)
        with self._lock:
            cached = self._entries.get(key)
        if cached is not None:
            return cached
        schema, version_plan = load_version_plan(connection, form_version_id)
        physical = load_plan(connection, form.id)
        target = FormTarget(
            form_id=form.id,
            form_version_id=form_version_id,
            version=version,
            physical=physical,
            version_plan=version_plan,
            tables=build_tables(physical),
        )
        writer = None
        if is_postgres(connection):
            sequences = serial_sequences(connection, [t.name for t in physical.tables])
            writer = PipelinedWriter(target, connection.dialect, sequences)
        cached = CachedTarget(schema, target, writer)
        with self._lock:
            if len(self._entries) >= self._max:
                self._entries.clear()
            self._entries[key] = cached
        return cached

    def remember(self, form: FormRecord, version: str, version_id: int) -> None:
        """The form and version a submission was just written to, as read in its lookup."""
        with self._lock:
            if len(self._seen) >= self._max:
                self._seen.clear()
            self._seen[(form.project_id, form.xml_form_id, version)] = SeenForm(form, version_id)

    def recall(
        self, project_id: int, xml_form_id: str, version: str
    ) -> tuple[SeenForm, CachedTarget] | None:
        """The form as last seen and its target, if both are known and it took submissions;
        the pipelined write checks that the database still says the same."""
        with self._lock:
            seen = self._seen.get((project_id, xml_form_id, version))
            if seen is None:
                return None
            cached = self._entries.get((seen.version_id, seen.form.schema_generation))
        if cached is None or cached.writer is None or seen.form.state == "closed":
            return None
        return seen, cached
