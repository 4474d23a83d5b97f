"""ODK Entities over REST, in Central's paths and shapes (pyodk's entity_lists and entities):
GET /v1/projects/{id}/datasets[/{name}], GET|POST .../datasets/{name}/entities,
GET|PATCH|DELETE .../entities/{uuid}, GET .../entities/{uuid}/versions, and the list as CSV
(.../datasets/{name}/entities.csv, what Collect gets as a form attachment)."""

from __future__ import annotations

import re
import uuid as uuid_module
from dataclasses import replace

from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from server.auth import Permission, authenticate, authorize
from server.cases import seen_by
from server.entity_csv import ListCopy, entity_list_csv
from server.errors import Problem, ProblemCode
from server.rest.http import attachment_header, flag, json_body, ok, page, text_field
from server.rest.shapes import JsonObject, iso
from storage.audit import record
from storage.db import transaction
from storage.entities import (
    LABEL,
    EntityRecord,
    EntityVersionRecord,
    create_entity,
    delete_entity,
    entity_versions,
    get_entity,
    list_entities,
    resolve_conflict,
    update_entity,
)
from storage.entity_lists import (
    CASE_NUMBER,
    EntityListRecord,
    ensure_list,
    find_list,
    get_list,
    list_lists,
)
from storage.entity_views import refresh_entity_view
from storage.errors import Conflict, StorageCode

DATASETS = "/v1/projects/{project_id:id}/datasets"
ENTITIES = DATASETS + "/{name}/entities"
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$")  # an XML name, as Central allows


def list_json(entity_list: EntityListRecord, *, full: bool = False) -> JsonObject:
    body: JsonObject = {
        "name": entity_list.name,
        "projectId": entity_list.project_id,
        "createdAt": iso(entity_list.created_at),
        "approvalRequired": False,
        "ownerOnly": False,
    }
    if full:
        body["properties"] = [
            {"name": p, "odataName": p, "publishedAt": iso(entity_list.created_at), "forms": []}
            for p in entity_list.properties
        ]
    return body


def entity_json(entity: EntityRecord, *, data: bool = False) -> JsonObject:
    current: JsonObject = {
        "label": entity.label,
        "current": True,
        "createdAt": iso(entity.updated_at or entity.created_at),
        "creatorId": entity.creator_id or 0,
        "userAgent": "",
        "version": entity.version,
        "baseVersion": entity.version - 1 if entity.version > 1 else None,
        "conflictingProperties": None,
    }
    if data:
        current["data"] = entity.data
    return {
        "uuid": entity.uuid,
        "creatorId": entity.creator_id or 0,
        "createdAt": iso(entity.created_at),
        "updatedAt": iso(entity.updated_at),
        "deletedAt": iso(entity.deleted_at),
        "conflict": entity.conflict,
        "currentVersion": current,
    }


def version_json(version: EntityVersionRecord, latest: int) -> JsonObject:
    return {
        "label": version.label,
        "current": version.version == latest,
        "createdAt": iso(version.created_at),
        "creatorId": version.creator_id or 0,
        "userAgent": "",
        "version": version.version,
        "baseVersion": version.base_version,
        "conflictingProperties": version.conflicting_properties,
        "conflict": version.conflict,
        "data": version.data,
        "dataReceived": version.received,
        "source": {"submissionVersionId": version.submission_version_id},
    }


def datasets(request: Request) -> Response:
    project_id = int(request.path_params["project_id"])
    with transaction(request.app.state.engine, read_only=True) as connection:
        authenticate(connection, request).require(Permission.SUBMISSION_READ, project_id)
        found = list_lists(connection, project_id)
    return JSONResponse([list_json(f) for f in found])


def dataset(request: Request) -> Response:
    with transaction(request.app.state.engine, read_only=True) as connection:
        _hidden, found = _readable(connection, request)
    return JSONResponse(list_json(found, full=True))


def entities(request: Request) -> Response:
    limit, offset = page(request)
    with transaction(request.app.state.engine, read_only=True) as connection:
        hidden, entity_list = _readable(connection, request)
        found = list_entities(connection, entity_list.id, limit=limit, offset=offset)
    return JSONResponse([entity_json(seen_by(e, hidden)) for e in found])


def entity(request: Request) -> Response:
    with transaction(request.app.state.engine, read_only=True) as connection:
        hidden, entity_list = _readable(connection, request)
        found = get_entity(connection, entity_list.id, request.path_params["uuid"])
    return JSONResponse(entity_json(seen_by(found, hidden), data=True))


def versions(request: Request) -> Response:
    with transaction(request.app.state.engine, read_only=True) as connection:
        hidden, entity_list = _readable(connection, request)
        found = get_entity(connection, entity_list.id, request.path_params["uuid"])
        history = entity_versions(connection, found.id)
    if hidden:
        history = [
            replace(
                v,
                label=found.data.get(CASE_NUMBER) or found.uuid,
                data={k: x for k, x in v.data.items() if k not in hidden},
                received={k: x for k, x in v.received.items() if k not in hidden and k != LABEL},
            )
            for v in history
        ]
    return JSONResponse([version_json(v, found.version) for v in history])


def _readable(connection: Connection, request: Request) -> tuple[frozenset[str], EntityListRecord]:
    """The list in the URL for a caller who may read it, and the properties kept from the
    caller (the sensitive ones, for roles that may not read them)."""
    project_id = int(request.path_params["project_id"])
    caller = authenticate(connection, request)
    caller.require(Permission.SUBMISSION_READ, project_id)
    entity_list = get_list(connection, project_id, request.path_params["name"])
    may_see = caller.can(Permission.SENSITIVE_READ, project_id)
    return (frozenset() if may_see else entity_list.sensitive), entity_list


async def create_list(request: Request) -> Response:
    """POST .../datasets {name}: a list made by hand (pyodk entity_lists.create); publishing a
    form that declares it does the same."""
    await authorize(request, Permission.PROJECT_MANAGE)
    body = await json_body(request)
    return await run_in_threadpool(_create_list, request, text_field(body, "name") or "")


def _create_list(request: Request, name: str) -> Response:
    state = request.app.state
    project_id = int(request.path_params["project_id"])
    if not NAME.match(name):
        raise Problem(
            400, ProblemCode.BAD_REQUEST, reason=f"'{name}' is not a valid entity list name"
        )
    with transaction(state.engine) as connection:
        actor = authenticate(connection, request).require(Permission.PROJECT_MANAGE, project_id)
        if find_list(connection, project_id, name) is not None:
            raise Conflict(StorageCode.ALREADY_EXISTS, what="entity list", key=f"name {name}")
        created = ensure_list(connection, project_id, name, [], state.clock())
        refresh_entity_view(connection, created)
        record(
            connection,
            actor_id=actor.id,
            action="dataset.create",
            actee_type="dataset",
            actee_id=name,
            now=state.clock(),
        )
    return JSONResponse(list_json(created, full=True))


async def create_property(request: Request) -> Response:
    """POST .../datasets/{name}/properties {name} (pyodk entity_list_properties.create)."""
    await authorize(request, Permission.PROJECT_MANAGE)
    body = await json_body(request)
    return await run_in_threadpool(_create_property, request, text_field(body, "name") or "")


def _create_property(request: Request, name: str) -> Response:
    state = request.app.state
    project_id = int(request.path_params["project_id"])
    if not NAME.match(name) or name in ("name", "label") or name.startswith("__"):
        raise Problem(400, ProblemCode.BAD_REQUEST, reason=f"'{name}' is not a valid property name")
    with transaction(state.engine) as connection:
        authenticate(connection, request).require(Permission.PROJECT_MANAGE, project_id)
        entity_list = get_list(connection, project_id, request.path_params["name"])
        if name in entity_list.properties:
            raise Conflict(StorageCode.ALREADY_EXISTS, what="property", key=f"name {name}")
        grown = ensure_list(connection, project_id, entity_list.name, [name], state.clock())
        refresh_entity_view(connection, grown)
    return ok()


async def create(request: Request) -> Response:
    await authorize(request, Permission.PROJECT_MANAGE)
    body = await json_body(request)
    return await run_in_threadpool(_create, request, body)


def _create(request: Request, body: dict[str, object]) -> Response:
    state = request.app.state
    project_id = int(request.path_params["project_id"])
    label = text_field(body, "label") or ""
    given = body.get("uuid")
    entity_id = (
        given.strip() if isinstance(given, str) and given.strip() else str(uuid_module.uuid4())
    )
    with transaction(state.engine) as connection:
        actor = authenticate(connection, request).require(Permission.PROJECT_MANAGE, project_id)
        entity_list = get_list(connection, project_id, request.path_params["name"])
        created = create_entity(
            connection,
            entity_list,
            uuid=entity_id,
            label=label,
            data=_data(body),
            creator_id=actor.id,
            now=state.clock(),
        )
        record(
            connection,
            actor_id=actor.id,
            action="entity.create",
            actee_type="entity",
            actee_id=entity_id,
            now=state.clock(),
            details={"list": entity_list.name, "via": "api"},
        )
    return JSONResponse(entity_json(created, data=True))


async def update(request: Request) -> Response:
    await authorize(request, Permission.SUBMISSION_REVIEW)
    body = await json_body(request)
    return await run_in_threadpool(_update, request, body)


def _update(request: Request, body: dict[str, object]) -> Response:
    """Central's rule: `baseVersion` must be the current version unless `force=true`;
    `resolve=true` marks a conflict as dealt with."""
    state = request.app.state
    project_id = int(request.path_params["project_id"])
    base = request.query_params.get("baseVersion")
    force = flag(request, "force")
    if base is not None and not base.isdigit():
        raise Problem(400, ProblemCode.BAD_REQUEST, reason="baseVersion must be a whole number")
    if base is None and not force and not flag(request, "resolve"):
        raise Problem(400, ProblemCode.MISSING_PARAMETER, field="baseVersion (or force=true)")
    with transaction(state.engine) as connection:
        actor = authenticate(connection, request).require(Permission.SUBMISSION_REVIEW, project_id)
        entity_list = get_list(connection, project_id, request.path_params["name"])
        uuid = request.path_params["uuid"]
        current = get_entity(connection, entity_list.id, uuid)
        if base is not None and int(base) != current.version and not force:
            raise Conflict(
                StorageCode.ENTITY_STALE, uuid=uuid, current=current.version, given=int(base)
            )
        changed = "label" in body or "data" in body
        if changed:
            label = body.get("label")
            update_entity(
                connection,
                entity_list,
                uuid,
                label=label if isinstance(label, str) and label.strip() else None,
                data=_data(body),
                base_version=None,
                creator_id=actor.id,
                now=state.clock(),
            )
        if flag(request, "resolve"):
            resolve_conflict(connection, entity_list, uuid, state.clock())
        record(
            connection,
            actor_id=actor.id,
            action="entity.update.resolve" if flag(request, "resolve") else "entity.update.version",
            actee_type="entity",
            actee_id=uuid,
            now=state.clock(),
            details={"list": entity_list.name, "via": "api", "changed": changed},
        )
        updated = get_entity(connection, entity_list.id, uuid)
    return JSONResponse(entity_json(updated, data=True))


def delete(request: Request) -> Response:
    state = request.app.state
    project_id = int(request.path_params["project_id"])
    with transaction(state.engine) as connection:
        actor = authenticate(connection, request).require(Permission.PROJECT_MANAGE, project_id)
        entity_list = get_list(connection, project_id, request.path_params["name"])
        delete_entity(connection, entity_list, request.path_params["uuid"], state.clock())
        record(
            connection,
            actor_id=actor.id,
            action="entity.delete",
            actee_type="entity",
            actee_id=request.path_params["uuid"],
            now=state.clock(),
            details={"list": entity_list.name},
        )
    return ok()


async def csv_export(request: Request) -> Response:
    """The list for a person (Collect gets it as a form attachment): cells neutralised for
    spreadsheets, sensitive properties only for roles that may read them."""

    def find() -> tuple[frozenset[str], EntityListRecord]:
        with transaction(request.app.state.engine, read_only=True) as connection:
            return _readable(connection, request)

    hidden, entity_list = await run_in_threadpool(find)
    return StreamingResponse(
        entity_list_csv(
            request.app.state.engine, entity_list, ListCopy(for_collect=False, hidden=hidden)
        ),
        media_type="text/csv; charset=utf-8",
        headers=attachment_header(f"{entity_list.name}.csv"),
    )


def _data(body: dict[str, object]) -> dict[str, str]:
    data = body.get("data", {})
    if not isinstance(data, dict):
        raise Problem(400, ProblemCode.BAD_REQUEST, reason="'data' must be an object")
    return {str(k): "" if v is None else str(v) for k, v in data.items()}


ROUTES = [
    Route(DATASETS, datasets, methods=["GET"]),
    Route(DATASETS, create_list, methods=["POST"]),
    Route(DATASETS + "/{name}/properties", create_property, methods=["POST"]),
    Route(DATASETS + "/{name}/entities.csv", csv_export, methods=["GET"]),
    Route(DATASETS + "/{name}", dataset, methods=["GET"]),
    Route(ENTITIES, entities, methods=["GET"]),
    Route(ENTITIES, create, methods=["POST"]),
    Route(ENTITIES + "/{uuid}", entity, methods=["GET"]),
    Route(ENTITIES + "/{uuid}", update, methods=["PATCH"]),
    Route(ENTITIES + "/{uuid}", delete, methods=["DELETE"]),
    Route(ENTITIES + "/{uuid}/versions", versions, methods=["GET"]),
]
