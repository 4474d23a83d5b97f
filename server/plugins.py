"""The seam between the core ODK server and a programme built on it (issue 15): the typed hooks
a programme fills, and `load_programmes`, which imports the ones BAOBAB_PROGRAMMES names. The
core imports no programme module: each is found by name as the package `programmes.<name>`,
whose `plugin` module holds `PROGRAMME: Programme` (tests/test_architecture.py checks both
directions)."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lxml import etree
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement
from starlette.routing import BaseRoute

from converters.entities import EntityAction
from converters.form_model import FormSchema
from server.clock import Clock
from server.settings import Settings
from storage.exports.csv_queries import ExportColumns
from storage.forms.versions import FormRecord
from storage.submissions.store import StoredSubmission, Submitter

if TYPE_CHECKING:
    from server.cli.support import Commands


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """A submission just stored, in its transaction, before its entity actions are applied."""

    form: FormRecord
    schema: FormSchema
    root: etree._Element
    stored: StoredSubmission
    submitter: Submitter
    actions: Sequence[EntityAction]  # the entity actions it carries, read once for all
    clock: Clock


# Runs in the submission's transaction (an error refuses the submission); returns the
# registrations it holds back from their entity list, {entity uuid: what holds it}, which the
# core records in `entity_pending.held_by` instead of creating the entity.
AfterStore = Callable[[Connection, StoredEvent], Mapping[str, str]]
# The columns a programme adds to a form's main export table (storage/exports/csv_queries.py),
# under these settings: they follow the form's definition and the programme's files, never its
# data, so a form exports the same columns before its first submission as after.
ProgrammeColumns = Callable[[Settings, Connection, int], Sequence[tuple[str, ColumnElement[Any]]]]
# Whether a form's OData entities carry the `__rss` reintegration scores (converters/odata.py),
# under these settings; stable in the same way.
ODataScores = Callable[[Settings, Connection, int], bool]


@dataclass(frozen=True, slots=True)
class Link:
    """A link the core's pages show for a programme: `label` is English, marked with N_ and
    translated by the page; `path` follows the project's or the entity list's own URL."""

    label: str
    path: str


def _no_intake(_settings: Settings) -> AfterStore | None:
    return None


@dataclass(frozen=True, slots=True)
class Programme:
    """What one programme adds to the core. Every hook is optional."""

    name: str
    # Built once when the app starts (it may read its own files in BAOBAB_FORMS_DIR); None
    # when the programme has nothing to do with submissions under these settings.
    after_store: Callable[[Settings], AfterStore | None] = _no_intake
    export_columns: ProgrammeColumns | None = None
    odata_scores: ODataScores | None = None
    rest_routes: Sequence[BaseRoute] = ()
    web_routes: Sequence[BaseRoute] = ()  # mounted after the core's entity pages
    project_links: Sequence[Link] = ()  # on the entity lists page: project URL + path
    list_links: Sequence[Link] = ()  # beside each entity list: list URL + path
    commands: Callable[[Commands], None] | None = None  # `baobab <group> ...`


@dataclass(frozen=True, slots=True)
class Programmes:
    """The programmes loaded, in the order configured; what the core asks of them together."""

    loaded: tuple[Programme, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.loaded)

    def intake_hooks(self, settings: Settings) -> tuple[AfterStore, ...]:
        hooks = (p.after_store(settings) for p in self.loaded)
        return tuple(hook for hook in hooks if hook is not None)

    def export_columns(self, settings: Settings) -> ExportColumns | None:
        """The programmes' export columns under these settings, as storage takes them (None
        when no programme adds any)."""
        hooks = [p.export_columns for p in self.loaded if p.export_columns is not None]
        if not hooks:
            return None

        def columns(connection: Connection, form_id: int) -> list[tuple[str, ColumnElement[Any]]]:
            return [column for hook in hooks for column in hook(settings, connection, form_id)]

        return columns

    def odata_scores(self, settings: Settings, connection: Connection, form_id: int) -> bool:
        return any(
            p.odata_scores is not None and p.odata_scores(settings, connection, form_id)
            for p in self.loaded
        )

    @property
    def rest_routes(self) -> list[BaseRoute]:
        return [route for p in self.loaded for route in p.rest_routes]

    @property
    def web_routes(self) -> list[BaseRoute]:
        return [route for p in self.loaded for route in p.web_routes]

    @property
    def project_links(self) -> list[Link]:
        return [link for p in self.loaded for link in p.project_links]

    @property
    def list_links(self) -> list[Link]:
        return [link for p in self.loaded for link in p.list_links]

    def add_commands(self, commands: Commands) -> None:
        for programme in self.loaded:
            if programme.commands is not None:
                programme.commands(commands)


NO_PROGRAMMES = Programmes()
_NAME = re.compile(r"[a-z][a-z0-9_]*")


def load_programmes(names: Sequence[str]) -> Programmes:
    """Import `programmes.<name>.plugin` for each name (BAOBAB_PROGRAMMES): its PROGRAMME."""
    loaded = []
    for name in names:
        if not _NAME.fullmatch(name):
            raise ValueError(f"BAOBAB_PROGRAMMES: {name!r} is not a programme name")
        try:
            module = importlib.import_module(f"programmes.{name}.plugin")
        except ModuleNotFoundError as error:
            if error.name not in ("programmes", f"programmes.{name}", f"programmes.{name}.plugin"):
                raise  # the programme exists and one of its own imports failed
            raise ValueError(f"BAOBAB_PROGRAMMES: no programme named {name!r}") from error
        programme = getattr(module, "PROGRAMME", None)
        if not isinstance(programme, Programme):
            raise ValueError(f"BAOBAB_PROGRAMMES: programmes.{name}.plugin has no PROGRAMME")
        loaded.append(programme)
    return Programmes(tuple(loaded))
