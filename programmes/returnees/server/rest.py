"""A returnee's case over REST (Baobab's own): GET /v1/projects/{id}/datasets/{name}/entities/
{uuid}/case, what the case page shows, as JSON. Each read is audited."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from programmes.returnees.server.cases import load_case
from programmes.returnees.storage.duplicates import DuplicateFlag, decide, list_flags
from server.auth import Permission, authenticate, authorize
from server.rest.entities import ENTITIES
from server.rest.http import json_body, text_field
from server.rest.shapes import iso
from server.services import services
from storage.audit import record
from storage.db import transaction
from storage.entities.lists import get_list


def case(request: Request) -> Response:
    state = services(request)
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


def duplicates(request: Request) -> Response:
    """The review queue: GET .../datasets/{name}/duplicates[?status=open|duplicate|distinct]."""
    project_id = int(request.path_params["project_id"])
    status = request.query_params.get("status") or "open"
    with transaction(services(request).engine, read_only=True) as connection:
        authenticate(connection, request).require(Permission.SUBMISSION_REVIEW, project_id)
        entity_list = get_list(connection, project_id, request.path_params["name"])
        found, _total = list_flags(connection, entity_list.id, status=status, limit=10_000)
    return JSONResponse([_flag_json(f) for f in found])


async def decide_duplicate(request: Request) -> Response:
    """POST .../datasets/{name}/duplicates/{id} {"decision": "duplicate"|"distinct"|"unsure",
    "note"}: "duplicate" merges the registration into the earlier one."""
    await authorize(request, Permission.SUBMISSION_REVIEW)
    body = await json_body(request)
    return await run_in_threadpool(_decide, request, body)


def _decide(request: Request, body: dict[str, object]) -> Response:
    state = services(request)
    project_id = int(request.path_params["project_id"])
    note = body.get("note")
    with transaction(state.engine) as connection:
        actor = authenticate(connection, request).require(Permission.SUBMISSION_REVIEW, project_id)
        entity_list = get_list(connection, project_id, request.path_params["name"])
        decided = decide(
            connection,
            entity_list.id,
            int(request.path_params["flag_id"]),
            text_field(body, "decision") or "",
            actor.id,
            note if isinstance(note, str) and note.strip() else None,
            state.clock(),
        )
        record(
            connection,
            actor_id=actor.id,
            action="entity.duplicate.decide",
            actee_type="entity",
            actee_id=decided.entity_uuid,
            now=state.clock(),
            details={"candidate": decided.candidate_uuid, "decision": decided.status},
        )
    return JSONResponse(_flag_json(decided))


def _flag_json(flag: DuplicateFlag) -> dict[str, object]:
    return {
        "id": flag.id,
        "uuid": flag.entity_uuid,
        "label": flag.entity_label,
        "candidateUuid": flag.candidate_uuid,
        "candidateLabel": flag.candidate_label,
        "score": flag.score,
        "reasons": flag.reasons,
        "differences": flag.differences,
        "status": flag.status,
        "createdAt": iso(flag.created_at),
        "decidedAt": iso(flag.decided_at),
        "note": flag.note,
    }


DUPLICATES = "/v1/projects/{project_id:id}/datasets/{name}/duplicates"
ROUTES = [
    Route(ENTITIES + "/{uuid}/case", case, methods=["GET"]),
    Route(DUPLICATES, duplicates, methods=["GET"]),
    Route(DUPLICATES + "/{flag_id:id}", decide_duplicate, methods=["POST"]),
]
