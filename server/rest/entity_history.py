"""What happened to an entity and where its entities are, in Central's paths and shapes:
`GET .../entities/{uuid}/diffs` (what each version changed), `.../audits` (its audit log),
`GET .../datasets/{name}/entities/creators`, and maps: `.../entities.geojson` and
`.../entities/{uuid}/geojson` from the `geometry` property (v2025.3). Roles that may not read
sensitive data see none of it here either: no sensitive property, no name-built label, no
free text from the audit log."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from converters.form_model import DataType
from converters.geometry import POINTS_PATTERN, geometry_of, line_geometry
from server.auth import authenticate
from server.rest.entities import DATASETS, ENTITIES, readable_list
from server.rest.http import page
from server.rest.shapes import JsonObject, actor_json, audit_json
from server.services import services
from storage.accounts.access import load_actor
from storage.audit import AuditRecord, record
from storage.db import transaction
from storage.entities.queries import creator_ids, entity_audits, geometries
from storage.entities.records import entity_versions, get_entity

GEOJSON = "application/geo+json"
GEOMETRY = "geometry"  # the property Central draws entities from
_POINTS = re.compile(POINTS_PATTERN)
# Audit details a role without sensitive.read still gets: ids and codes, never free text (a
# refusal's message may quote what a device sent).
_PLAIN_DETAILS = frozenset(
    {
        "list",
        "entity",
        "entityId",
        "entityDefId",
        "entityUuids",
        "submissionId",
        "submissionDefId",
        "submissionVersion",
        "via",
        "changed",
        "code",
        "sourceId",
        "autoConvert",
    }
)


def diffs(request: Request) -> Response:
    """One list per pair of consecutive versions: `{old, new, propertyName}` for each property
    (and the label) the later version changed."""
    with transaction(services(request).engine, read_only=True) as connection:
        hidden, entity_list = readable_list(connection, request)
        found = get_entity(connection, entity_list.id, request.path_params["uuid"])
        history = entity_versions(connection, found.id)
    states = [
        {
            **({} if hidden else {"label": v.label}),  # labels are built from names
            **{k: x for k, x in v.data.items() if k not in hidden},
        }
        for v in history
    ]
    return JSONResponse([_diff(old, new) for old, new in zip(states, states[1:], strict=False)])


def _diff(old: dict[str, str], new: dict[str, str]) -> list[JsonObject]:
    return [
        {"old": old.get(name), "new": value, "propertyName": name}
        for name, value in new.items()
        if old.get(name) != value
    ]


def audits(request: Request) -> Response:
    """Newest first; `X-Extended-Metadata: true` adds each event's actor."""
    extended = request.headers.get("x-extended-metadata", "").lower() == "true"
    with transaction(services(request).engine, read_only=True) as connection:
        hidden, entity_list = readable_list(connection, request)
        found = get_entity(connection, entity_list.id, request.path_params["uuid"])
        events = entity_audits(connection, entity_list, found.uuid)
        actors = {
            e.actor_id: load_actor(connection, e.actor_id)
            for e in events
            if extended and e.actor_id is not None
        }
    body = []
    for event in events:
        shown = audit_json(_plain(event) if hidden else event)
        actor = actors.get(event.actor_id) if event.actor_id is not None else None
        if actor is not None:
            shown["actor"] = actor_json(actor)
        body.append(shown)
    return JSONResponse(body)


def _plain(event: AuditRecord) -> AuditRecord:
    details = {k: v for k, v in (event.details or {}).items() if k in _PLAIN_DETAILS}
    return AuditRecord(
        event.id,
        event.actor_id,
        event.action,
        event.actee_type,
        event.actee_id,
        details,
        event.logged_at,
    )


def creators(request: Request) -> Response:
    """Who created the list's live entities, as Central's Actor JSON, by display name."""
    with transaction(services(request).engine, read_only=True) as connection:
        _hidden, entity_list = readable_list(connection, request)
        found = [load_actor(connection, i) for i in creator_ids(connection, entity_list.id)]
    people = sorted((a for a in found if a is not None), key=lambda a: (a.display_name, a.id))
    return JSONResponse([actor_json(a) for a in people])


def geojson(request: Request) -> Response:
    """The list as a FeatureCollection, one Feature per entity with a `geometry` (`?limit=`);
    audited as an export."""
    state = services(request)
    limit, _offset = page(request)
    with transaction(state.engine) as connection:
        hidden, entity_list = readable_list(connection, request)
        shown = GEOMETRY in entity_list.properties and GEOMETRY not in hidden
        rows = geometries(connection, entity_list.id, limit=limit) if shown else []
        caller = authenticate(connection, request)
        assert caller.actor is not None  # readable_list let the caller in
        record(
            connection,
            actor_id=caller.actor.id,
            action="dataset.export",
            actee_type="dataset",
            actee_id=entity_list.name,
            now=state.clock(),
            details={"format": "geojson", "sensitiveLeftOut": len(hidden)},
        )
    features = [_feature(uuid, text) for uuid, text in rows]
    collection = {"type": "FeatureCollection", "features": [f for f in features if f["geometry"]]}
    return JSONResponse(collection, media_type=GEOJSON)


def entity_geojson(request: Request) -> Response:
    with transaction(services(request).engine, read_only=True) as connection:
        hidden, entity_list = readable_list(connection, request)
        found = get_entity(connection, entity_list.id, request.path_params["uuid"])
    text = None if GEOMETRY in hidden else found.data.get(GEOMETRY)
    return JSONResponse(_feature(found.uuid, text), media_type=GEOJSON)


def _feature(uuid: str, text: str | None) -> JsonObject:
    return {"type": "Feature", "id": uuid, "properties": None, "geometry": entity_geometry(text)}


def entity_geometry(text: str | None) -> dict[str, Any] | None:
    """An ODK location as Collect saves it to an entity: one point is a Point; several, a
    LineString, or a Polygon when the last point closes the first (a geoshape)."""
    if not text or not _POINTS.match(text):
        return None
    points = [p.split() for p in text.split(";") if p.strip()]
    if len(points) == 1:
        return geometry_of(DataType.GEOPOINT, points[0])
    closed = len(points) >= 4 and points[0][:2] == points[-1][:2]
    return line_geometry("Polygon" if closed else "LineString", text)


ROUTES = [
    Route(DATASETS + "/{name}/entities.geojson", geojson, methods=["GET"]),
    Route(ENTITIES + "/creators", creators, methods=["GET"]),
    Route(ENTITIES + "/{uuid}/diffs", diffs, methods=["GET"]),
    Route(ENTITIES + "/{uuid}/audits", audits, methods=["GET"]),
    Route(ENTITIES + "/{uuid}/geojson", entity_geojson, methods=["GET"]),
]
