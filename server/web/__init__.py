"""The web interface: pages for form designers, project managers and analysts, served by
Baobab itself (Jinja2 templates, the project's own CSS and a little JavaScript, nothing from a
CDN), in English and French."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from starlette.routing import BaseRoute, Mount

from server.web import (
    admin_pages,
    analysis_pages,
    device_pages,
    draft_pages,
    entity_detail_pages,
    entity_list_pages,
    entity_pages,
    entity_upload,
    form_pages,
    map_pages,
    project_pages,
    public_link_pages,
    session_pages,
    submission_pages,
    submission_table_pages,
    trash_pages,
    webform_intake,
    webform_pages,
    webforms,
)


def routes(programme_routes: Sequence[BaseRoute] = ()) -> list[BaseRoute]:
    return [
        Mount(
            "/static",
            webforms.StaticFilesWithPackages(Path(__file__).parent / "static"),
            name="static",
        ),
        *session_pages.ROUTES,
        *project_pages.ROUTES,
        *form_pages.ROUTES,
        *draft_pages.ROUTES,
        *device_pages.ROUTES,
        *trash_pages.ROUTES,  # before the `{...:path}` of the submission and case pages
        # Before the submission pages: `.../submissions/{instance_id:path}` would take
        # `.../submissions/new` and `.../{instance_id}/edit` for instance IDs.
        *webform_intake.ROUTES,
        *webform_pages.ROUTES,
        *public_link_pages.ROUTES,
        *submission_table_pages.ROUTES,  # .../submissions/columns before `{instance_id:path}`
        *submission_pages.ROUTES,
        *analysis_pages.ROUTES,
        *admin_pages.ROUTES,
        *entity_list_pages.ROUTES,
        # Before the programmes' pages: the returnee programme's `.../entities/{name}/{uuid:path}`
        # (its case page) would take these.
        *entity_pages.ROUTES,
        *entity_upload.ROUTES,
        *map_pages.ROUTES,  # `.../entities/{name}/map` before a programme's `{uuid:path}`
        *programme_routes,
        *entity_detail_pages.ROUTES,  # an entity, where no programme page answers it
        *entity_list_pages.FALLBACKS,
    ]
