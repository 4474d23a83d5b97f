"""An entity list as OData, as Central serves it (pyodk's entities.get_table, Power BI):
GET /v1/projects/{id}/datasets/{name}.svc/Entities with $top, $skip, $count, $select, $filter
and $orderby on the system columns (__id, __system/createdAt, updatedAt, deletedAt, creatorId,
conflict: lib/data/entity.js odataToColumnMap; deleted entities only when the filter is about
deletedAt); each row `__id`, `label`, `__system` and the properties (sensitive ones only for
roles that may read them). Reads are audited like exports."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from converters.odata_filter import parse_filter
from server.auth import Permission
from server.errors import Problem, ProblemCode
from server.resolve import resolve_list
from server.rest.shapes import iso
from server.sensitive import seen_by, withheld_header
from server.services import services
from storage.accounts.access import load_actor
from storage.audit import record
from storage.db import transaction
from storage.entities.queries import ODATA_COLUMNS, count_matching, odata_condition, query_entities
from storage.exports.odata_filter import mentions_deleted

SERVICE = "/v1/projects/{project_id:id}/datasets/{name}.svc"


def entities(request: Request) -> Response:
    state = services(request)
    project_id = int(request.path_params["project_id"])
    params = request.query_params
    if params.get("$search"):
        raise Problem(ProblemCode.NOT_IMPLEMENTED, feature="$search on entity lists")
    top, skip = _number(params.get("$top")), _number(params.get("$skip")) or 0
    expression = parse_filter(params["$filter"]) if params.get("$filter") else None
    order = _order(params.get("$orderby", ""))
    with transaction(state.engine) as connection:
        caller, actor, entity_list = resolve_list(connection, request, Permission.SUBMISSION_READ)
        hidden = (
            frozenset()
            if caller.can(Permission.SENSITIVE_READ, project_id)
            else entity_list.sensitive
        )
        properties = [p for p in entity_list.properties if p not in hidden]
        chosen = [c.strip() for c in params.get("$select", "").split(",") if c.strip()]
        unknown = sorted(set(chosen) - {"__id", "label", "__system", *properties})
        if unknown:
            raise Problem(
                ProblemCode.BAD_REQUEST, reason=f"no property {', '.join(unknown)} to $select"
            )
        where = odata_condition(expression, state.clock()) if expression is not None else None
        deleted = expression is not None and mentions_deleted(expression)
        found = query_entities(
            connection,
            entity_list.id,
            where=where,
            deleted=deleted,
            order=order,
            limit=top,
            offset=skip,
        )
        names = {e.creator_id: load_actor(connection, e.creator_id) for e in found if e.creator_id}
        total = (
            count_matching(connection, entity_list.id, where=where, deleted=deleted)
            if params.get("$count", "").lower() == "true"
            else None
        )
        record(
            connection,
            actor_id=actor.id,
            action="dataset.export",
            actee_type="dataset",
            actee_id=entity_list.name,
            now=state.clock(),
            details={"format": "odata", "filters": dict(params), "sensitiveLeftOut": len(hidden)},
        )
    rows = []
    for entity in (seen_by(e, hidden) for e in found):
        creator = names.get(entity.creator_id) if entity.creator_id else None
        row: dict[str, object] = {
            "__id": entity.uuid,
            "label": entity.label,
            "__system": {
                "createdAt": iso(entity.created_at),
                "creatorId": str(entity.creator_id or ""),
                "creatorName": creator.display_name if creator else "",
                "updates": entity.version - 1,
                "updatedAt": iso(entity.updated_at),
                "deletedAt": iso(entity.deleted_at),
                "version": entity.version,
                "conflict": entity.conflict,
            },
            **{p: entity.data.get(p) for p in properties},
        }
        rows.append({k: v for k, v in row.items() if not chosen or k in chosen})
    base = f"{state.settings.base_url}/v1/projects/{project_id}/datasets/{entity_list.name}.svc"
    body: dict[str, object] = {"@odata.context": f"{base}/$metadata#Entities", "value": rows}
    if total is not None:
        body["@odata.count"] = total
    role = actor.roles.get(project_id, "") if actor is not None else ""
    return JSONResponse(
        body, headers={"OData-Version": "4.0", **withheld_header(len(hidden), role)}
    )


def _number(text: str | None) -> int | None:
    if text is None or text == "":
        return None
    if not text.isdigit():
        raise Problem(ProblemCode.BAD_REQUEST, reason="$top and $skip must be whole numbers")
    return min(int(text), 2**31)


def _order(text: str) -> list[tuple[str, bool]]:
    """`$orderby=__system/updatedAt desc,__id`: (column, descending) pairs, on the columns
    $filter takes (never a property or the label: row order would tell a hidden value)."""
    order = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        name, _, direction = part.partition(" ")
        direction = direction.strip().lower() or "asc"
        if name not in ODATA_COLUMNS or direction not in ("asc", "desc"):
            raise Problem(
                ProblemCode.BAD_REQUEST,
                reason=f"cannot $orderby '{part}': use {', '.join(ODATA_COLUMNS)}, asc or desc",
            )
        order.append((name, direction == "desc"))
    return order


ROUTES = [Route(SERVICE + "/Entities", entities, methods=["GET"])]
