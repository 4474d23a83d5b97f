"""An entity list as OData, as Central serves it (pyodk's entities.get_table, Power BI):
GET /v1/projects/{id}/datasets/{name}.svc/Entities with $top, $skip, $count and $select; each
row `__id`, `label`, `__system` and the properties (sensitive ones only for roles that may
read them). Reads are audited like exports."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.auth import Permission, authenticate
from server.cases import seen_by
from server.errors import Problem, ProblemCode
from server.rest.shapes import iso
from storage.access import load_actor
from storage.audit import record
from storage.db import transaction
from storage.entities import count_entities, list_entities
from storage.entity_lists import get_list

SERVICE = "/v1/projects/{project_id:id}/datasets/{name}.svc"


def entities(request: Request) -> Response:
    state = request.app.state
    project_id = int(request.path_params["project_id"])
    params = request.query_params
    if params.get("$filter"):
        raise Problem(
            501, ProblemCode.NOT_IMPLEMENTED, feature="$filter on entity lists (use $top/$skip)"
        )
    top, skip = _number(params.get("$top")), _number(params.get("$skip")) or 0
    with transaction(state.engine) as connection:
        caller = authenticate(connection, request)
        actor = caller.require(Permission.SUBMISSION_READ, project_id)
        entity_list = get_list(connection, project_id, request.path_params["name"])
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
                400, ProblemCode.BAD_REQUEST, reason=f"no property {', '.join(unknown)} to $select"
            )
        found = list_entities(connection, entity_list.id, limit=top, offset=skip)
        names = {e.creator_id: load_actor(connection, e.creator_id) for e in found if e.creator_id}
        total = (
            count_entities(connection, entity_list.id)
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
    return JSONResponse(body, headers={"OData-Version": "4.0"})


def _number(text: str | None) -> int | None:
    if text is None or text == "":
        return None
    if not text.isdigit():
        raise Problem(400, ProblemCode.BAD_REQUEST, reason="$top and $skip must be whole numbers")
    return min(int(text), 2**31)


ROUTES = [Route(SERVICE + "/Entities", entities, methods=["GET"])]
