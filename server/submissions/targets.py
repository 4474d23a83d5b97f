"""A per-process cache of what intake needs for a form version: its schema, table plans and
SQLAlchemy tables. Keyed by the form's schema generation, which every publish increments, so a
new version (possibly widening columns) is picked up by every worker on its next request."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from converters.form_model import FormSchema
from storage.forms.data_tables import load_plan
from storage.forms.ddl import build_tables
from storage.forms.versions import FormRecord, load_version_plan
from storage.submissions.store import FormTarget


@dataclass(frozen=True, slots=True)
class CachedTarget:
    schema: FormSchema
    target: FormTarget


class FormTargets:
    def __init__(self, max_entries: int = 256) -> None:
        self._entries: dict[tuple[int, int], CachedTarget] = {}
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
        cached = CachedTarget(
            schema,
            FormTarget(
                form_id=form.id,
                form_version_id=form_version_id,
                version=version,
                physical=physical,
                version_plan=version_plan,
                tables=build_tables(physical),
            ),
        )
        with self._lock:
            if len(self._entries) >= self._max:
                self._entries.clear()
            self._entries[key] = cached
        return cached
