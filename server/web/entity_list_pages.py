"""The project's entity lists page, and the URLs and breadcrumbs every entity page shares. A
list opens on its table unless a programme gives it a page of its own (the returnee programme:
its cases); a programme may add links beside each list and above them."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from server.auth import Permission
from server.web.http import Web, page
from server.web.render import segment, translate
from storage.db import transaction
from storage.entities.lists import list_lists
from storage.projects import get_project

LIST = "/projects/{project_id:id}/entities/{name}"


def list_url(project_id: int, name: str) -> str:
    return f"/projects/{project_id}/entities/{segment(name)}"


def trail(web: Web, project_id: int, *rest: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    with transaction(web.state.engine, read_only=True) as connection:
        project = get_project(connection, project_id)
    return [
        (translate("Projects"), "/projects"),
        (project.name, f"/projects/{project_id}"),
        *rest,
    ]


def lists(web: Web) -> Response:
    project_id = web.path_int("project_id")
    web.require(Permission.SUBMISSION_READ, project_id)
    with transaction(web.state.engine, read_only=True) as connection:
        found = list_lists(connection, project_id)
    programmes = web.state.programmes
    return web.render(
        "entity_lists.html",
        project_id=project_id,
        lists=found,
        project_links=programmes.project_links,
        list_links=programmes.list_links,
        crumbs=trail(web, project_id, (translate("Entity lists"), None)),
    )


def opening(web: Web) -> Response:
    """The list's URL with no programme page there (the returnee programme's cases): the
    list's table, where each entity is (server/web/entity_detail_pages.py shows one)."""
    project_id = web.path_int("project_id")
    web.require(Permission.SUBMISSION_READ, project_id)
    return web.redirect(f"{list_url(project_id, web.request.path_params['name'])}/table")


ROUTES = [Route("/projects/{project_id:id}/entities", page(lists), methods=["GET"])]
# After the programmes' pages, which may answer the list's own URL first.
FALLBACKS = [Route(LIST, page(opening), methods=["GET"])]
