"""An entity list in the web interface: a table of every property the viewer may read (search
ignoring accents and case, a filter on one property's value, conflict and held-update badges,
pages of 50), and editing an entity's label and properties, which makes a new version exactly
as the REST API's PATCH does (same base-version check, audited). Creating entities from a CSV
file is server/web/entity_upload.py."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from sqlalchemy.engine import Connection
from starlette.responses import Response
from starlette.routing import Route

from server.auth import Permission
from server.errors import Problem, ProblemCode
from server.sensitive import seen_by
from server.web.entity_list_pages import list_url, trail
from server.web.http import Web, page
from server.web.params import whole_number
from server.web.render import current_language, segment, translate
from storage.db import transaction
from storage.entities.list_labels import ListLabels, list_labels
from storage.entities.listing import (
    TableQuery,
    entity_page,
    held_elsewhere,
    readable_properties,
)
from storage.entities.lists import EntityListRecord, get_list
from storage.entities.records import EntityRecord, entity_versions, find_entity, update_entity
from storage.errors import NotFound, StorageCode

LIST = "/projects/{project_id:id}/entities/{name}"
PAGE_SIZE = 50
MAX_VALUE = 10_000  # characters in a label or a property value
WEB = {"type": "web"}  # the source of a version edited on the web


def hidden_for(web: Web, entity_list: EntityListRecord) -> frozenset[str]:
    """The properties kept from the viewer, as the REST and OData routes keep them."""
    if web.caller.can(Permission.SENSITIVE_READ, entity_list.project_id):
        return frozenset()
    return entity_list.sensitive


# The entity table's filters, which its map takes too (server/web/map_pages.py).
TABLE_FILTERS = ("q", "property", "value", "conflict", "held")


def read_table_query(web: Web, entity_list: EntityListRecord, labels: ListLabels) -> TableQuery:
    """The table's filters from the query string (the table's and the map's): a search over
    what the viewer may read, one property equal to a value (typed as its label or its name),
    only conflicts, only held updates. A property the viewer may not read is refused as one
    the list does not have."""
    hidden = hidden_for(web, entity_list)
    readable = readable_properties(entity_list, hidden)
    chosen = web.query("property")
    if chosen and chosen not in readable:
        raise Problem(
            ProblemCode.BAD_REQUEST,
            reason=translate(
                "the list has no property '%(name)s' that your role may read", name=chosen
            ),
        )
    return TableQuery(
        readable,
        label=not hidden,
        text=web.query("q"),
        filter=(chosen, labels.stored(chosen, web.query("value") or "")) if chosen else None,
        conflicts_only=web.query("conflict") == "1",
        held_only=web.query("held") == "1",
    )


def table(web: Web) -> Response:
    project_id = web.path_int("project_id")
    web.require(Permission.SUBMISSION_READ, project_id)
    name = web.request.path_params["name"]
    number = max(whole_number(web.query("page")) or 1, 1)
    with transaction(web.state.engine) as connection:
        entity_list = get_list(connection, project_id, name)
        hidden = hidden_for(web, entity_list)
        readable = readable_properties(entity_list, hidden)
        labels = list_labels(connection, entity_list, current_language())
        query = read_table_query(web, entity_list, labels)
        rows, total = entity_page(
            connection, entity_list, query, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
        )
        elsewhere = held_elsewhere(connection, entity_list)
        web.audit(connection, "entity.list.view", "dataset", name, {"page": number, "via": "web"})
    params = {k: v for k, v in web.request.query_params.items() if k != "page"}
    return web.render(
        "entity_table.html",
        project_id=project_id,
        entity_list=entity_list,
        columns=readable,
        labels=labels,
        hidden=sorted(hidden),
        rows=[(seen_by(r.entity, hidden), r.held) for r in rows],
        total=total,
        held_elsewhere=elsewhere,
        filters=web.request.query_params,
        page_number=number,
        pages=max(1, -(-total // PAGE_SIZE)),
        query=lambda **changes: "?" + urlencode({**params, **changes}),
        can_edit=web.caller.can(Permission.SUBMISSION_REVIEW, project_id),
        can_upload=web.caller.can(Permission.PROJECT_MANAGE, project_id),
        crumbs=trail(
            web,
            project_id,
            (translate("Entity lists"), f"/projects/{project_id}/entities"),
            (name, None),
        ),
    )


def edit(web: Web) -> Response:
    """The REST PATCH's rules: roles that may review, the version the form was opened on must
    still be the current one (else nothing is written and the person sees what changed)."""
    project_id = web.path_int("project_id")
    web.require(Permission.SUBMISSION_REVIEW, project_id)
    name, uuid = web.request.path_params["name"], web.request.path_params["uuid"]
    if web.request.method == "POST":
        return _save(web, project_id, name, uuid)
    with transaction(web.state.engine, read_only=True) as connection:
        entity_list = get_list(connection, project_id, name)
        entity = _live(connection, entity_list, uuid)
    hidden = hidden_for(web, entity_list)
    return _form(web, entity_list, entity, hidden, values=None)


def _save(web: Web, project_id: int, name: str, uuid: str) -> Response:
    base = whole_number(web.field("base_version"))
    with transaction(web.state.engine) as connection:
        entity_list = get_list(connection, project_id, name)
        current = _live(connection, entity_list, uuid, lock=True)
        hidden = hidden_for(web, entity_list)
        label, values, errors = _posted(web, entity_list, hidden)
        if base is None:
            raise Problem(ProblemCode.MISSING_PARAMETER, field="base_version")
        if base != current.version:
            moved = _changed_since(connection, current, base)
            return _form(web, entity_list, current, hidden, values, label, stale=moved)
        if errors:
            return _form(web, entity_list, current, hidden, values, label, errors=errors)
        changes = {k: v for k, v in values.items() if current.data.get(k, "") != v}
        new_label = label if label is not None and label != current.label else None
        if not changes and new_label is None:
            return web.redirect(_case_url(entity_list, uuid), "Nothing changed.")
        updated = update_entity(
            connection,
            entity_list,
            uuid,
            label=new_label,
            data=changes,
            base_version=None,
            creator_id=web.actor.id,
            now=web.state.clock(),
            source=WEB,
        )
        changed = sorted(changes) + (["label"] if new_label is not None else [])
        web.audit(
            connection,
            "entity.update.version",
            "entity",
            uuid,
            {
                "list": entity_list.name,
                "via": "web",
                "changed": changed,  # names only: the values are in the version
                "baseVersion": base,
                "version": updated.version,
            },
        )
    return web.redirect(_case_url(entity_list, uuid), "Saved as a new version.")


def _posted(
    web: Web, entity_list: EntityListRecord, hidden: frozenset[str]
) -> tuple[str | None, dict[str, str], dict[str, str]]:
    """The label (None when the role may not read it) and the properties the role may read,
    as posted, with a message per field that is wrong. Other fields are never read."""
    errors: dict[str, str] = {}
    label: str | None = None
    if not hidden:
        label = web.field("label")
        if not label:
            errors["label"] = translate("An entity needs a label.")
    posted = set(web.form.keys()) if web.form is not None else set()
    values = {  # a property missing from the post (added since the page was opened) stays
        p: web.field(f"p.{p}")
        for p in readable_properties(entity_list, hidden)
        if f"p.{p}" in posted
    }
    for key, value in ({"label": label or ""} | values).items():
        if len(value) > MAX_VALUE:
            errors[key] = translate("At most %(num)d characters.", num=MAX_VALUE)
    return label, values, errors


def _changed_since(connection: Connection, current: EntityRecord, base: int) -> list[str]:
    """What changed between the version the form was opened on and the current one."""
    history = entity_versions(connection, current.id)
    then = next((v for v in history if v.version == base), None)
    if then is None:
        return sorted(current.data)
    moved = [k for k in current.data if then.data.get(k, "") != current.data.get(k, "")]
    return sorted(moved) + (["label"] if then.label != current.label else [])


def _form(
    web: Web,
    entity_list: EntityListRecord,
    entity: EntityRecord,
    hidden: frozenset[str],
    values: Mapping[str, str] | None,
    label: str | None = None,
    *,
    errors: Mapping[str, str] | None = None,
    stale: list[str] | None = None,
) -> Response:
    shown = seen_by(entity, hidden)
    project_id = entity_list.project_id
    status = 409 if stale is not None else 400 if errors else 200
    return web.render(
        "entity_edit.html",
        status=status,
        project_id=project_id,
        entity_list=entity_list,
        entity=shown,
        label_editable=not hidden,
        label=label if label is not None else entity.label,
        values={
            p: {**shown.data, **(values or {})}.get(p, "")
            for p in readable_properties(entity_list, hidden)
        },
        hidden=sorted(hidden),
        errors=errors or {},
        stale=[k for k in stale if k not in hidden] if stale is not None else None,
        crumbs=trail(
            web,
            project_id,
            (entity_list.name, f"{list_url(project_id, entity_list.name)}/table"),
            (shown.label, _case_url(entity_list, entity.uuid)),
            (translate("Edit"), None),
        ),
    )


def _live(
    connection: Connection, entity_list: EntityListRecord, uuid: str, *, lock: bool = False
) -> EntityRecord:
    found = find_entity(connection, entity_list.id, uuid, lock=lock)
    if found is None or found.deleted_at is not None:
        raise NotFound(StorageCode.NOT_FOUND, what=f"the entity {uuid}")
    return found


def _case_url(entity_list: EntityListRecord, uuid: str) -> str:
    return f"{list_url(entity_list.project_id, entity_list.name)}/{segment(uuid)}"


# Before case_pages' `.../{uuid:path}`, which would take them for entity ids (Collect's ids are
# UUIDs, and the API's too unless given).
ROUTES = [
    Route(LIST + "/table", page(table), methods=["GET"]),
    Route(LIST + "/{uuid:path}/edit", page(edit), methods=["GET", "POST"]),
]
