"""A returnee's case over REST (Baobab's own): GET /v1/projects/{id}/datasets/{name}/entities/
{uuid}/case, what the case page shows, as JSON. Each read is audited."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.auth import Permission, authenticate
from server.cases import load_case
from server.rest.entities import ENTITIES
from server.rest.shapes import iso
from storage.audit import record
from storage.db import transaction


def case(request: Request) -> Response:
    state = request.app.state
    project_id = int(request.path_params["project_id"])
    language = request.query_params.get("language", "en")
    with transaction(state.engine) as connection:
        caller = authenticate(connection, request)
        actor = caller.require(Permission.SUBMISSION_READ, project_id)
        found = load_case(
            connection,
            caller,
            project_id,
            request.path_params["name"],
            request.path_params["uuid"],
            language,
        )
        record(
            connection,
            actor_id=actor.id,
            action="entity.case.view",
            actee_type="entity",
            actee_id=found.entity.uuid,
            now=state.clock(),
            details={"list": found.entity_list.name, "via": "api"},
        )
    entity = found.entity
    return JSONResponse(
        {
            "uuid": entity.uuid,
            "label": found.label,
            "version": entity.version,
            "conflict": entity.conflict,
            "createdAt": iso(entity.created_at),
            "data": found.data,
            "hiddenProperties": found.hidden,
            "events": [
                {
                    "version": e.version,
                    "at": iso(e.at),
                    "form": e.form,
                    "instanceId": e.instance_id,
                    "conflict": e.conflict,
                    "conflictingProperties": e.conflicting,
                    "changed": sorted(k for k in e.received if k not in found.hidden),
                }
                for e in found.events
            ],
            "scores": [
                {
                    "instanceId": s["instance_id"],
                    "submittedAt": iso(s["created_at"]),
                    "weightVersion": s["weight_version"],
                    "economic": s["economic"],
                    "social": s["social"],
                    "psychosocial": s["psychosocial"],
                    "composite": s["composite"],
                }
                for s in found.scores
            ],
            "assistance": [
                {
                    "instanceId": instance,
                    "answers": [
                        {"question": a.label, "answer": a.value}
                        for a in answers
                        if a.kind != "heading"
                    ],
                }
                for instance, answers in found.assistance
            ],
        }
    )


ROUTES = [Route(ENTITIES + "/{uuid}/case", case, methods=["GET"])]
