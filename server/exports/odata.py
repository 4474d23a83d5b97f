"""The OData v4 feed of a form, as ODK Central serves it (Power BI, Excel, ruODK, pyodk):
/v1/projects/{id}/forms/{formId}.svc, its $metadata, and one entity set per table."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from converters.errors import ConversionCode, ConversionError
from converters.export_model import OutTable
from converters.odata import (
    decode_skiptoken,
    encode_skiptoken,
    metadata_document,
    parse_resource,
    selectable,
    service_document,
)
from server.errors import Problem, ProblemCode
from server.exports.form_data import FormData, load_form_data, submission_filter
from server.exports.routes import audit_export, withheld
from server.exports.streaming import streamed
from server.services import services
from storage.db import transaction
from storage.errors import NotFound, StorageCode
from storage.exports.odata_queries import EntityQuery, entity_count, entity_rows
from storage.submissions.queries import get_submission

HEADERS = {"OData-Version": "4.0"}
JSON_TYPE = "application/json; charset=utf-8; odata.metadata=minimal"
SUPPORTED = {
    "$format",
    "$count",
    "$skip",
    "$top",
    "$filter",
    "$wkt",
    "$expand",
    "$select",
    "$skiptoken",
}


def _service_url(request: Request, feed: FormData) -> str:
    base = services(request).settings.base_url
    return f"{base}/v1/projects/{feed.form.project_id}/forms/{feed.form.xml_form_id}.svc"


async def service(request: Request) -> Response:
    _check_format(request)
    feed = await run_in_threadpool(load_form_data, request)
    return JSONResponse(
        service_document(feed.model, _service_url(request, feed)),
        headers={**HEADERS, **withheld(feed)},
        media_type=JSON_TYPE,
    )


async def metadata(request: Request) -> Response:
    feed = await run_in_threadpool(load_form_data, request)
    return Response(
        metadata_document(feed.model),
        headers={**HEADERS, **withheld(feed)},
        media_type="application/xml; charset=utf-8",
    )


async def entities(request: Request) -> Response:
    _check_format(request)
    feed = await run_in_threadpool(load_form_data, request)
    resource = request.path_params["resource"]
    table, query = _resolve(feed, resource, request)
    await run_in_threadpool(audit_export, request, feed, f"odata:{resource}")
    if query.instance_id is not None:  # Submissions('uuid:...'): 404 if there is no such one
        await run_in_threadpool(_require_submission, request, feed, query.instance_id)
    context = f"{_service_url(request, feed)}/$metadata#{table.odata_name}"
    if query.top is not None or request.query_params.get("$count", "").lower() == "true":
        body = await run_in_threadpool(_page, request, feed, table, query, context)
        return Response(body, headers={**HEADERS, **withheld(feed)}, media_type=JSON_TYPE)
    return await streamed(
        _stream(request, feed, table, query, context),
        what=f"OData {table.odata_name}",
        form=feed.form,
        media_type=JSON_TYPE,
        headers={**HEADERS, **withheld(feed)},
    )


def _require_submission(request: Request, feed: FormData, instance_id: str) -> None:
    with transaction(services(request).engine, read_only=True) as connection:
        get_submission(connection, feed.form.id, instance_id)


def _resolve(feed: FormData, resource: str, request: Request) -> tuple[OutTable, EntityQuery]:
    """The entity set a path names (`Submissions.hh.members`, or a navigation link such as
    `Submissions('uuid:…')/hh/members('3f2a…')/jobs`) and the query on it."""
    path = parse_resource(resource)
    table = feed.model.by_odata_name(path.entity_set) if path is not None else None
    if path is None or table is None:
        raise NotFound(StorageCode.NOT_FOUND, what=f"the entity set '{resource}'")
    query = replace(
        _query(request),
        instance_id=path.instance_id,
        parent_set=path.parent_set,
        parent_key=path.parent_key,
    )
    unknown = sorted(query.select - selectable(feed.model, table)) if query.select else []
    if unknown:
        raise ConversionError(
            ConversionCode.ODATA_BAD_QUERY,
            reason=f"could not find a property named '{'/'.join(unknown[0])}' in {resource}",
        )
    return table, query


def _query(request: Request) -> EntityQuery:
    params = request.query_params
    unknown = [k for k in params if k.startswith("$") and k not in SUPPORTED]
    if unknown:
        raise Problem(ProblemCode.NOT_IMPLEMENTED, feature=", ".join(unknown))
    expand = params.get("$expand") or None
    if expand not in (None, "*"):
        raise Problem(ProblemCode.NOT_IMPLEMENTED, feature=f"$expand={expand}")
    select = None
    if params.get("$select"):
        if expand:
            raise Problem(ProblemCode.NOT_IMPLEMENTED, feature="$expand with $select")
        select = frozenset(tuple(p.strip().split("/")) for p in params["$select"].split(","))
    return EntityQuery(
        top=_number(params, "$top"),
        skip=_number(params, "$skip") or 0,
        after=decode_skiptoken(params["$skiptoken"]) if params.get("$skiptoken") else None,
        filter=submission_filter(params.get("$filter")),
        select=select,
        expand=expand == "*",
        wkt=params.get("$wkt", "").lower() == "true",
    )


MAX_ROWS = 10**15


def _number(params: Any, name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":  # ruODK sends empty $top and $skip
        return None
    if not value.isdigit():
        raise Problem(ProblemCode.BAD_REQUEST, reason=f"{name} must be a whole number")
    return min(int(value), MAX_ROWS)  # more than there can be, within the database's integers


def _check_format(request: Request) -> None:
    wanted = (request.query_params.get("$format") or "").lower()
    accept = request.headers.get("accept", "")
    if wanted in ("xml", "atom") or (
        accept and "json" not in accept and "*/*" not in accept and "xml" in accept and not wanted
    ):
        raise Problem(ProblemCode.NOT_ACCEPTABLE, reason="this feed is JSON only")


def _page(
    request: Request, feed: FormData, table: OutTable, query: EntityQuery, context: str
) -> bytes:
    state = services(request)
    with transaction(state.engine, read_only=True) as connection:
        count = None
        if request.query_params.get("$count", "").lower() == "true":
            count = entity_count(
                connection, feed.model, table, feed.tables, feed.form.id, query, state.clock()
            )
        rows = []
        if query.top != 0:
            limit = None if query.top is None else query.top + 1
            rows = list(
                entity_rows(
                    connection,
                    feed.model,
                    table,
                    feed.tables,
                    feed.form.id,
                    query,
                    state.clock(),
                    limit,
                )
            )
    parts = [
        b'{"value":[',
        ",".join(r.json for r in rows[: query.top]).encode("utf-8"),
        b'],"@odata.context":',
        json.dumps(context).encode("utf-8"),
    ]
    if query.top is not None and len(rows) > query.top:
        parts += [
            b',"@odata.nextLink":',
            json.dumps(_next_link(request, rows[query.top - 1].position)).encode("utf-8"),
        ]
    if count is not None:
        parts.append(f',"@odata.count":{count}'.encode())
    parts.append(b"}")
    return b"".join(parts)


def _next_link(request: Request, position: dict[str, Any]) -> str:
    params = [
        (k, v) for k, v in request.query_params.multi_items() if k not in ("$skip", "$skiptoken")
    ]
    params.append(("$skiptoken", encode_skiptoken(position)))
    base = services(request).settings.base_url + request.url.path
    return f"{base}?{urlencode(params)}"


def _stream(
    request: Request, feed: FormData, table: OutTable, query: EntityQuery, context: str
) -> Iterator[bytes]:
    """The whole entity set, a row at a time: memory stays flat whatever its size. The first
    chunk holds the first row, so that a query the database refuses is a plain error."""
    state = services(request)
    with transaction(state.engine, read_only=True) as connection:
        buffer: list[bytes] = [b'{"value":[']
        separator = b""
        for row in entity_rows(
            connection, feed.model, table, feed.tables, feed.form.id, query, state.clock()
        ):
            buffer.append(separator + row.json.encode("utf-8"))
            if not separator or len(buffer) >= 500:
                yield b"".join(buffer)
                buffer.clear()
            separator = b","
        yield b"".join(buffer)
    yield b'],"@odata.context":' + json.dumps(context).encode("utf-8") + b"}"


_FORM = "/v1/projects/{project_id:id}/forms/{form_id}.svc"
ROUTES = [
    Route(_FORM, service, methods=["GET"]),
    Route(_FORM + "/$metadata", metadata, methods=["GET"]),
    Route(_FORM + "/{resource:path}", entities, methods=["GET"]),
]
