"""ODK Entities over REST, in Central's paths and shapes (pyodk's entity_lists and entities):
GET /v1/projects/{id}/datasets[/{name}], GET|POST .../datasets/{name}/entities (`?deleted=true`:
the trash), GET|PATCH|DELETE .../entities/{uuid}, GET .../entities/{uuid}/versions, and the
list as CSV (.../datasets/{name}/entities.csv, what Collect gets as a form attachment). The
list's settings are in dataset_settings.py, the trash in entity_trash.py, history and maps in
entity_history.py."""

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
from server.errors import Problem, ProblemCode
from server.exports.entity_csv import ListCopy, entity_list_csv
from server.resolve import resolve_list
from server.rest.dataset_settings import dataset_json, metadata_json, settings_from
from server.rest.entity_shapes import versions_json
from server.rest.http import attachment_header, flag, json_body, ok, page, text_field
from server.rest.shapes import JsonObject, iso
from server.sensitive import seen_by, withheld_header
from server.services import services
from storage.accounts.actor_properties import list_properties
from storage.audit import record
from storage.db import transaction
from storage.entities.lists import (
    CASE_NUMBER,
    EntityListRecord,
    ensure_list,
    find_list,
    list_lists,
    update_settings,
)
from storage.entities.queries import list_deleted
from storage.entities.records import (
    LABEL,
    EntityRecord,
    create_entity,
    delete_entity,
    entity_versions,
    get_entity,
    list_entities,
    resolve_conflict,
    update_entity,
)
from storage.errors import Conflict, StorageCode
from storage.exports.entity_views import refresh_entity_view

DATASETS = "/v1/projects/{project_id:id}/datasets"
ENTITIES = DATASETS + "/{name}/entities"
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$")  # an XML name, as Central allows


def entity_json(entity: EntityRecord, *, data: bool = False) -> JsonObject:
    current: JsonObject = {
        "label": entity.label,
        "current": True,
        "createdAt": iso(entity.updated_at or entity.created_at),
        "creatorId": entity.creator_id or 0,
        "userAgent": "",
        "version": entity.version,
        "baseVersion": entity.base_version,  # as stored: the server version it was made on
        "branchId": entity.branch_id,
        "trunkVersion": entity.trunk_version,
        "branchBaseVersion": entity.branch_base_version,
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


def datasets(request: Request) -> Response:
    project_id = int(request.path_params["project_id"])
    with transaction(services(request).engine, read_only=True) as connection:
        authenticate(connection, request).require(Permission.SUBMISSION_READ, project_id)
        found = list_lists(connection, project_id)
    return JSONResponse([dataset_json(f) for f in found])


def dataset(request: Request) -> Response:
    with transaction(services(request).engine, read_only=True) as connection:
        _hidden, found = _readable(connection, request)
        return JSONResponse(metadata_json(connection, found))


def entities(request: Request) -> Response:
    """The live entities, or with `?deleted=true` the deleted ones (Central v2025.3)."""
    limit, offset = page(request)
    with transaction(services(request).engine, read_only=True) as connection:
        hidden, entity_list = _readable(connection, request)
        read = list_deleted if flag(request, "deleted") else list_entities
        found = read(connection, entity_list.id, limit=limit, offset=offset)
    return JSONResponse([entity_json(seen_by(e, hidden)) for e in found])


def entity(request: Request) -> Response:
    with transaction(services(request).engine, read_only=True) as connection:
        hidden, entity_list = _readable(connection, request)
        found = get_entity(connection, entity_list.id, request.path_params["uuid"])
    return JSONResponse(entity_json(seen_by(found, hidden), data=True))


def versions(request: Request) -> Response:
    with transaction(services(request).engine, read_only=True) as connection:
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
    relevant = flag(request, "relevantToConflict")
    return JSONResponse(versions_json(history, found, relevant_only=relevant))


def readable_list(
    connection: Connection, request: Request
) -> tuple[frozenset[str], EntityListRecord]:
    """The list in the URL for a caller who may read it, and the properties kept from the
    caller (the sensitive ones, for roles that may not read them)."""
    caller, _actor, entity_list = resolve_list(connection, request, Permission.SUBMISSION_READ)
    may_see = caller.can(Permission.SENSITIVE_READ, entity_list.project_id)
    return (frozenset() if may_see else entity_list.sensitive), entity_list


_readable = readable_list


async def create_list(request: Request) -> Response:
    """POST .../datasets {name}: a list made by hand (pyodk entity_lists.create); publishing a
    form that declares it does the same."""
    await authorize(request, Permission.PROJECT_MANAGE)
    body = await json_body(request)
    return await run_in_threadpool(_create_list, request, body)


def _create_list(request: Request, body: dict[str, object]) -> Response:
    """With Central's settings in the body too (approvalRequired, ownerOnly, accessFilter)."""
    state = services(request)
    project_id = int(request.path_params["project_id"])
    name = text_field(body, "name") or ""
    if not NAME.match(name):
        raise Problem(ProblemCode.BAD_REQUEST, reason=f"'{name}' is not a valid entity list name")
    with transaction(state.engine) as connection:
        actor = authenticate(connection, request).require(Permission.PROJECT_MANAGE, project_id)
        if find_list(connection, project_id, name) is not None:
            raise Conflict(StorageCode.ALREADY_EXISTS, what="entity list", key=f"name {name}")
        created = ensure_list(connection, project_id, name, [], state.clock())
        approval, owner_only, rules = settings_from(
            body, created, list_properties(connection, project_id)
        )
        created = update_settings(
            connection, created, approval_required=approval, owner_only=owner_only, rules=rules
        )
        refresh_entity_view(connection, created)
        record(
            connection,
            actor_id=actor.id,
            action="dataset.create",
            actee_type="dataset",
            actee_id=name,
            now=state.clock(),
        )
        return JSONResponse(metadata_json(connection, created))


async def create_property(request: Request) -> Response:
    """POST .../datasets/{name}/properties {name} (pyodk entity_list_properties.create)."""
    await authorize(request, Permission.PROJECT_MANAGE)
    body = await json_body(request)
    return await run_in_threadpool(_create_property, request, text_field(body, "name") or "")


def _create_property(request: Request, name: str) -> Response:
    state = services(request)
    project_id = int(request.path_params["project_id"])
    if not NAME.match(name) or name in ("name", "label") or name.startswith("__"):
        raise Problem(ProblemCode.BAD_REQUEST, reason=f"'{name}' is not a valid property name")
    with transaction(state.engine) as connection:
        _caller, _actor, entity_list = resolve_list(connection, request, Permission.PROJECT_MANAGE)
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
    state = services(request)
    label = text_field(body, "label") or ""
    given = body.get("uuid")
    entity_id = (
        given.strip() if isinstance(given, str) and given.strip() else str(uuid_module.uuid4())
    )
    with transaction(state.engine) as connection:
        _caller, actor, entity_list = resolve_list(connection, request, Permission.PROJECT_MANAGE)
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
    state = services(request)
    base = request.query_params.get("baseVersion")
    force = flag(request, "force")
    if base is not None and not base.isdigit():
        raise Problem(ProblemCode.BAD_REQUEST, reason="baseVersion must be a whole number")
    if base is None and not force and not flag(request, "resolve"):
        raise Problem(ProblemCode.MISSING_PARAMETER, field="baseVersion (or force=true)")
    with transaction(state.engine) as connection:
        _caller, actor, entity_list = resolve_list(
            connection, request, Permission.SUBMISSION_REVIEW
        )
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
    state = services(request)
    with transaction(state.engine) as connection:
        _caller, actor, entity_list = resolve_list(connection, request, Permission.PROJECT_MANAGE)
        delete_entity(connection, entity_list, request.path_params["uuid"], state.clock())
        record(
            connection,
            actor_id=actor.id,
            action="entity.delete",
            actee_type="entity",
            actee_id=request.path_params["uuid"],
            now=state.clock(),
            details={"list": entity_list.name, "entity": {"uuid": request.path_params["uuid"]}},
        )
    return ok()


async def csv_export(request: Request) -> Response:
    """The list for a person (Collect gets it as a form attachment): cells neutralised for
    spreadsheets, sensitive properties only for roles that may read them."""

    def find() -> tuple[frozenset[str], EntityListRecord, str]:
        with transaction(services(request).engine, read_only=True) as connection:
            caller, actor, entity_list = resolve_list(
                connection, request, Permission.SUBMISSION_READ
            )
        project_id = entity_list.project_id
        if caller.can(Permission.SENSITIVE_READ, project_id):
            return frozenset(), entity_list, ""
        return entity_list.sensitive, entity_list, actor.roles.get(project_id, "")

    hidden, entity_list, role = await run_in_threadpool(find)
    return StreamingResponse(
        entity_list_csv(
            services(request).engine, entity_list, ListCopy(for_collect=False, hidden=hidden)
        ),
        media_type="text/csv; charset=utf-8",
        headers={
            **attachment_header(f"{entity_list.name}.csv"),
            **withheld_header(len(hidden), role),
        },
    )


def _data(body: dict[str, object]) -> dict[str, str]:
    data = body.get("data", {})
    if not isinstance(data, dict):
        raise Problem(ProblemCode.BAD_REQUEST, reason="'data' must be an object")
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
