"""The web interface: pages for form designers, project managers and analysts, served by
Baobab itself (Jinja2 templates, the project's own CSS and a little JavaScript, nothing from a
CDN), in English and French."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from server.web import (
    admin_pages,
    analysis_pages,
    case_pages,
    device_pages,
    draft_pages,
    form_pages,
    programme_pages,
    project_pages,
    session_pages,
    submission_pages,
)


def routes() -> list[BaseRoute]:
    return [
        Mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static"),
        *session_pages.ROUTES,
        *project_pages.ROUTES,
        *form_pages.ROUTES,
        *draft_pages.ROUTES,
        *device_pages.ROUTES,
        *submission_pages.ROUTES,
        *analysis_pages.ROUTES,
        *admin_pages.ROUTES,
        *case_pages.ROUTES,
        *programme_pages.ROUTES,
    ]
