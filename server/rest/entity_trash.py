"""An entity list's trash, as Central has it (v2025.3): `POST .../entities/{uuid}/restore`, and
`POST .../entities/bulk-delete` and `.../bulk-restore` with `{"ids": [uuid, ...]}` (deleted
entities are listed by `GET .../entities?deleted=true`). Project managers only, as deleting one.
A restored entity is updated now, so every device whose list holds it fetches the list again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.auth import Permission, authorize
from server.errors import Problem, ProblemCode
from server.resolve import resolve_list
from server.rest.http import json_body, ok
from server.services import services
from storage.audit import record
from storage.db import transaction
from storage.entities.lists import EntityListRecord
from storage.entities.queries import set_deleted
from storage.entities.records import find_entity
from storage.errors import NotFound, StorageCode

ENTITIES = "/v1/projects/{project_id:id}/datasets/{name}/entities"
MAX_IDS = 10_000


def restore(request: Request) -> Response:
    """Central looks the entity up among the deleted ones: a live or unknown one is 404."""
    state = services(request)
    uuid = request.path_params["uuid"]
    with transaction(state.engine) as connection:
        _caller, actor, entity_list = resolve_list(connection, request, Permission.PROJECT_MANAGE)
        found = find_entity(connection, entity_list.id, uuid)
        if found is None or found.deleted_at is None:
            raise NotFound(StorageCode.NOT_FOUND, what=f"a deleted entity {uuid}")
        set_deleted(connection, entity_list, [uuid], state.clock(), deleted=False)
        _audit(connection, actor.id, entity_list, [uuid], state.clock(), deleted=False)
    return ok()


async def bulk_delete(request: Request) -> Response:
    await authorize(request, Permission.PROJECT_MANAGE)
    ids = _ids(await json_body(request))
    return await run_in_threadpool(_bulk, request, ids, True)


async def bulk_restore(request: Request) -> Response:
    await authorize(request, Permission.PROJECT_MANAGE)
    ids = _ids(await json_body(request))
    return await run_in_threadpool(_bulk, request, ids, False)


def _bulk(request: Request, ids: list[str], deleted: bool) -> Response:
    """Every id must be in the list (404 otherwise, and nothing changes); those already
    deleted (or live) are left as they are."""
    state = services(request)
    with transaction(state.engine) as connection:
        _caller, actor, entity_list = resolve_list(connection, request, Permission.PROJECT_MANAGE)
        changed = set_deleted(connection, entity_list, ids, state.clock(), deleted=deleted)
        _audit(connection, actor.id, entity_list, changed, state.clock(), deleted=deleted)
    return ok()


def _audit(
    connection: Connection,
    actor_id: int,
    entity_list: EntityListRecord,
    uuids: list[str],
    now: datetime,
    *,
    deleted: bool,
) -> None:
    """Central's audits: one entity's own event (entity.delete, entity.restore), or the list's
    entity.bulk.delete / entity.bulk.restore with the uuids."""
    verb = "delete" if deleted else "restore"
    if len(uuids) == 1:
        record(
            connection,
            actor_id=actor_id,
            action=f"entity.{verb}",
            actee_type="entity",
            actee_id=uuids[0],
            now=now,
            details={"list": entity_list.name, "entity": {"uuid": uuids[0]}},
        )
    elif uuids:
        record(
            connection,
            actor_id=actor_id,
            action=f"entity.bulk.{verb}",
            actee_type="dataset",
            actee_id=entity_list.name,
            now=now,
            details={"list": entity_list.name, "entityUuids": uuids},
        )


def _ids(body: dict[str, object]) -> list[str]:
    ids = body.get("ids")
    if (
        not isinstance(ids, list)
        or not ids
        or len(ids) > MAX_IDS
        or not all(isinstance(i, str) and i for i in ids)
    ):
        raise Problem(
            ProblemCode.UNEXPECTED_VALUE,
            field="ids",
            value=repr(ids)[:100],
            reason=f"send a list of 1 to {MAX_IDS} entity uuids",
        )
    return [str(i) for i in ids]


ROUTES = [
    Route(ENTITIES + "/bulk-delete", bulk_delete, methods=["POST"]),
    Route(ENTITIES + "/bulk-restore", bulk_restore, methods=["POST"]),
    Route(ENTITIES + "/{uuid}/restore", restore, methods=["POST"]),
]
