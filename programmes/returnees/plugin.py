"""What the returnee programme adds to the core, through server/plugins.py: scores and the
duplicate check after a submission is stored, the `rss_*` and `duplicate_review` export
columns and the OData `__rss` scores, the case API, the case, duplicate review and dashboard
pages with their links, and `baobab scores` and `baobab duplicates`."""

from __future__ import annotations

from programmes.returnees.server import rest
from programmes.returnees.server.cli import add_commands
from programmes.returnees.server.intake import intake_hook
from programmes.returnees.storage.columns import is_scored, programme_cells
from programmes.returnees.web import case_pages, dashboard_pages, duplicate_pages
from server.plugins import Link, Programme
from server.web.render import N_

PROGRAMME = Programme(
    name="returnees",
    after_store=intake_hook,
    export_columns=programme_cells,
    odata_scores=is_scored,
    rest_routes=rest.ROUTES,
    # The duplicate pages first: the case page's `.../entities/{name}/{uuid:path}` would take them.
    web_routes=(*duplicate_pages.ROUTES, *case_pages.ROUTES, *dashboard_pages.ROUTES),
    project_links=(Link(N_("Programme dashboard"), "/programme"),),
    list_links=(Link(N_("Cases"), ""),),
    commands=add_commands,
)
