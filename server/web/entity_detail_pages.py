"""One entity, in the core (without a programme page for its list, such as the returnee
programme's case page): its current properties as the viewer may read them, in labels; an open
conflict with the button to mark it resolved; updates held in the backlog; and every version
with where it came from (the submission that made it, the API, a web edit, a CSV upload), as
Central's entity page shows them."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from server.auth import Permission
from server.sensitive import seen_by
from server.web.entity_list_pages import LIST, list_url, trail
from server.web.entity_pages import hidden_for
from server.web.http import Web, page
from server.web.render import N_, current_language, segment
from storage.db import transaction
from storage.entities.history import entity_events
from storage.entities.list_labels import list_labels
from storage.entities.listing import held_updates
from storage.entities.lists import get_list
from storage.entities.records import entity_versions, get_entity, resolve_conflict

# Where a version came from (its source's type), as the entity and case pages name it.
SOURCES = {
    "api": N_("API"),
    "web": N_("web edit"),
    "upload": N_("CSV upload"),
    "bulk": N_("bulk creation"),
}


def resolve(web: Web, project_id: int, name: str, uuid: str) -> Response:
    """*Mark as resolved* on an entity's page (or the programme's case page): the conflict
    closed, audited, and back to the page."""
    web.require(Permission.SUBMISSION_REVIEW, project_id)
    with transaction(web.state.engine) as connection:
        entity_list = get_list(connection, project_id, name)
        resolve_conflict(connection, entity_list, uuid, web.state.clock())
        web.audit(connection, "entity.update.resolve", "entity", uuid, {"via": "web"})
    return web.redirect(f"{list_url(project_id, name)}/{segment(uuid)}", "Conflict resolved.")


def entity_page(web: Web) -> Response:
    project_id = web.path_int("project_id")
    web.require(Permission.SUBMISSION_READ, project_id)
    name, uuid = web.request.path_params["name"], web.request.path_params["uuid"]
    if web.request.method == "POST":
        return resolve(web, project_id, name, uuid)
    with transaction(web.state.engine) as connection:
        entity_list = get_list(connection, project_id, name)
        entity = get_entity(connection, entity_list.id, uuid)
        hidden = hidden_for(web, entity_list)
        shown = seen_by(entity, hidden)
        events = entity_events(connection, entity.id)
        sources = {v.version: v.source or {} for v in entity_versions(connection, entity.id)}
        held = held_updates(connection, entity_list.id, uuid)
        labels = list_labels(connection, entity_list, current_language())
        web.audit(connection, "entity.view", "entity", uuid, {"list": name, "via": "web"})
    return web.render(
        "entity.html",
        project_id=project_id,
        entity_list=entity_list,
        entity=entity,
        label=shown.label,
        data=shown.data,
        hidden=sorted(hidden),
        events=events,
        sources=sources,
        source_words=SOURCES,
        held=held,
        labels=labels,
        can_edit=web.caller.can(Permission.SUBMISSION_REVIEW, project_id),
        crumbs=trail(web, project_id, (name, list_url(project_id, name)), (shown.label, None)),
    )


# After the programmes' pages, which may answer an entity's URL first (the case page).
ROUTES = [Route(LIST + "/{uuid:path}", page(entity_page), methods=["GET", "POST"])]
