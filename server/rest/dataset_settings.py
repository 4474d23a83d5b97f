"""An entity list's settings, as Central 2026 has them: `PATCH /v1/projects/{id}/datasets/{name}`
with `approvalRequired` (registrations wait for a reviewer's approval before they reach
follow-up lists), `ownerOnly` and `accessFilter` (what each device gets: the entities its actor
created, or those whose property matches the actor's); and the list's JSON in every route."""

from __future__ import annotations

from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.auth import Permission, authorize
from server.errors import Problem, ProblemCode
from server.resolve import resolve_list
from server.rest.http import json_body
from server.rest.shapes import JsonObject, iso
from server.services import services
from storage.accounts.actor_properties import list_properties
from storage.audit import record
from storage.db import transaction
from storage.entities.approval import create_pending, pending_registrations
from storage.entities.lists import AccessRule, EntityListRecord, update_settings
from storage.entities.queries import FormRef, forms_of, last_update

DATASET = "/v1/projects/{project_id:id}/datasets/{name}"


MAX_RULES = 20


def dataset_json(entity_list: EntityListRecord) -> JsonObject:
    """A list as Central's dataset list gives it; `accessFilter` only when there is one."""
    body: JsonObject = {
        "name": entity_list.name,
        "projectId": entity_list.project_id,
        "createdAt": iso(entity_list.created_at),
        "approvalRequired": entity_list.approval_required,
        "ownerOnly": entity_list.owner_only,
    }
    if entity_list.owner_only:
        body["accessFilter"] = {"type": "ownerOnly"}
    elif entity_list.rules:
        body["accessFilter"] = {
            "type": "property",
            "rules": [
                {"datasetProperty": r.dataset_property, "actorProperty": r.actor_property}
                for r in entity_list.rules
            ],
        }
    return body


def metadata_json(connection: Connection, entity_list: EntityListRecord) -> JsonObject:
    """Central's dataset metadata (Datasets.getMetadata): the list, when it last changed, the
    forms that fill it (sourceForms) and read it (linkedForms), and its properties."""
    forms = forms_of(connection, entity_list)
    published = iso(entity_list.created_at)
    return {
        **dataset_json(entity_list),
        "lastUpdate": iso(last_update(connection, entity_list)),
        "sourceForms": [_form(f) for f in forms.source],
        "linkedForms": [_form(f) for f in forms.linked],
        "properties": [
            {
                "name": p,
                "publishedAt": published,
                "odataName": p,
                "forms": [_form(f) for f in forms.by_property.get(p, ())],
            }
            for p in entity_list.properties
        ],
    }


def _form(form: FormRef) -> JsonObject:
    return {"xmlFormId": form.xml_form_id, "name": form.name}


async def update(request: Request) -> Response:
    await authorize(request, Permission.PROJECT_MANAGE)
    body = await json_body(request)
    return await run_in_threadpool(_update, request, body)


def _update(request: Request, body: dict[str, object]) -> Response:
    """Central's rules (lib/resources/datasets.js): turning approvalRequired off while
    registrations wait is refused (400.29) unless `convert=true` (their entities are created
    now) or `convert=false` (they never will be)."""
    state = services(request)
    project_id = int(request.path_params["project_id"])
    convert = request.query_params.get("convert")
    if convert not in (None, "true", "false"):
        raise Problem(
            ProblemCode.UNEXPECTED_VALUE,
            field="convert",
            value=convert,
            reason="use true or false",
        )
    with transaction(state.engine) as connection:
        _caller, actor, entity_list = resolve_list(connection, request, Permission.PROJECT_MANAGE)
        approval, owner_only, rules = settings_from(
            body, entity_list, list_properties(connection, project_id)
        )
        switching_off = entity_list.approval_required and not approval
        if switching_off and convert is None:
            waiting = pending_registrations(connection, entity_list)
            if waiting:
                raise Problem(ProblemCode.PENDING_SUBMISSIONS, count=waiting)
        updated = update_settings(
            connection,
            entity_list,
            approval_required=approval,
            owner_only=owner_only,
            rules=rules,
        )
        details: dict[str, object] = {"data": _sent(body, updated)}
        if body.get("approvalRequired") is False:
            details["autoConvert"] = convert == "true"
        if switching_off and convert == "true":
            details["converted"] = create_pending(connection, updated, state.clock(), actor.id)
        record(
            connection,
            actor_id=actor.id,
            action="dataset.update",
            actee_type="dataset",
            actee_id=updated.name,
            now=state.clock(),
            details=details,
        )
        return JSONResponse(metadata_json(connection, updated))


def settings_from(
    body: dict[str, object], entity_list: EntityListRecord, actor_properties: list[str]
) -> tuple[bool, bool, tuple[AccessRule, ...]]:
    """(approvalRequired, ownerOnly, rules) after the PATCH. ownerOnly and a property filter
    exclude each other: `ownerOnly: true` clears the rules; both sent must agree (the 400 that
    Central's #1972 asks for)."""
    approval = _flag(body, "approvalRequired", entity_list.approval_required)
    owner_only = _flag(body, "ownerOnly", entity_list.owner_only)
    rules = () if owner_only else entity_list.rules
    if "accessFilter" not in body:
        return approval, owner_only, rules
    given = body["accessFilter"]
    kind = given.get("type") if isinstance(given, dict) else None
    if given is None:
        filtered, rules = False, ()
    elif kind == "ownerOnly":
        filtered, rules = True, ()
    elif kind == "property" and isinstance(given, dict):
        filtered, rules = False, _rules(given.get("rules"), entity_list, actor_properties)
    else:
        raise Problem(
            ProblemCode.UNEXPECTED_VALUE,
            field="accessFilter",
            value=repr(given)[:100],
            reason='use null, {"type": "ownerOnly"} or {"type": "property", "rules": [...]}',
        )
    if "ownerOnly" in body and owner_only != filtered:
        raise Problem(
            ProblemCode.UNEXPECTED_VALUE,
            field="ownerOnly",
            value=str(owner_only).lower(),
            reason="ownerOnly and accessFilter say different things; send one of them",
        )
    return approval, filtered, rules


def _flag(body: dict[str, object], name: str, current: bool) -> bool:
    value = body.get(name, current)
    if not isinstance(value, bool):
        reason = "use true or false"
        raise Problem(
            ProblemCode.UNEXPECTED_VALUE, field=name, value=repr(value)[:100], reason=reason
        )
    return value


def _rules(
    given: object, entity_list: EntityListRecord, actor_properties: list[str]
) -> tuple[AccessRule, ...]:
    if not isinstance(given, list) or not given or len(given) > MAX_RULES:
        raise Problem(
            ProblemCode.UNEXPECTED_VALUE,
            field="accessFilter.rules",
            value=repr(given)[:100],
            reason=f"rules must be a list of 1 to {MAX_RULES} rules",
        )
    rules: list[AccessRule] = []
    for item in given:
        dataset_property = item.get("datasetProperty") if isinstance(item, dict) else None
        actor_property = item.get("actorProperty") if isinstance(item, dict) else None
        if dataset_property not in entity_list.properties:
            raise Problem(
                ProblemCode.UNEXPECTED_VALUE,
                field="datasetProperty",
                value=repr(dataset_property)[:100],
                reason=f"the list '{entity_list.name}' has no such property",
            )
        if actor_property not in actor_properties:
            raise Problem(
                ProblemCode.UNEXPECTED_VALUE,
                field="actorProperty",
                value=repr(actor_property)[:100],
                reason="the project has no such actor property (POST .../actor-properties)",
            )
        assert isinstance(dataset_property, str) and isinstance(actor_property, str)
        rules.append(AccessRule(dataset_property, actor_property))
    return tuple(dict.fromkeys(rules))


def _sent(body: dict[str, object], updated: EntityListRecord) -> dict[str, object]:
    """What the PATCH set, for the audit log (Central's `data`), as it was understood."""
    shown = dataset_json(updated)
    sent: dict[str, object] = {k: shown[k] for k in ("approvalRequired", "ownerOnly") if k in body}
    if "accessFilter" in body:
        sent["accessFilter"] = shown.get("accessFilter")
    return sent


ROUTES = [Route(DATASET, update, methods=["PATCH"])]
