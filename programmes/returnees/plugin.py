"""What the returnee programme adds to the core, through server/plugins.py: scores and the
duplicate check after a submission is stored, the `rss_*` and `duplicate_review` export
columns and the OData `__rss` scores, the case API, the case, duplicate review and dashboard
pages with their links, and `baobab scores` and `baobab duplicates`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from programmes.returnees.server import rest
from programmes.returnees.server.cli import add_commands
from programmes.returnees.server.duplicate_check import load_rules
from programmes.returnees.server.intake import intake_hook
from programmes.returnees.server.scoring import load_scoring
from programmes.returnees.storage.columns import Applies, is_scored, programme_cells
from programmes.returnees.web import case_pages, dashboard_pages, duplicate_pages
from server.plugins import Link, Programme
from server.settings import Settings
from server.web.render import N_


def _applies(settings: Settings) -> Applies:
    """The forms scored and screened, as the intake decides (server/intake.py): the weight
    set's form and the duplicate rules' form, from the files in BAOBAB_FORMS_DIR."""
    weights, rules = load_scoring(settings.forms_dir), load_rules(settings.forms_dir)
    return Applies(
        scored_form=weights.form_id if weights else None,
        screened_form=rules.form_id if rules else None,
    )


def _columns(
    settings: Settings, connection: Connection, form_id: int
) -> list[tuple[str, ColumnElement[Any]]]:
    return programme_cells(connection, form_id, _applies(settings))


def _scored(settings: Settings, connection: Connection, form_id: int) -> bool:
    return is_scored(connection, form_id, _applies(settings))


PROGRAMME = Programme(
    name="returnees",
    after_store=intake_hook,
    export_columns=_columns,
    odata_scores=_scored,
    rest_routes=rest.ROUTES,
    # The duplicate pages first: the case page's `.../entities/{name}/{uuid:path}` would take them.
    web_routes=(*duplicate_pages.ROUTES, *case_pages.ROUTES, *dashboard_pages.ROUTES),
    project_links=(Link(N_("Programme dashboard"), "/programme"),),
    list_links=(Link(N_("Cases"), ""),),
    commands=add_commands,
)
