"""Export downloads, streamed while they are made: Central's submissions.csv.zip and
submissions.csv, plus XLSX, GeoJSON and SPSS syntax. Every export is written to the audit log
with who asked, for what, and with which filters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.exports.form_data import FormData, load_form_data, submission_filter
from server.exports.formats import FORMATS, ExportSpec, export_chunks
from server.exports.streaming import streamed
from server.rest.http import attachment_header, flag
from server.sensitive import withheld_header
from server.services import services
from storage.audit import record
from storage.db import transaction
from storage.exports.csv_queries import CsvOptions

FILTERS = (
    "attachments",
    "groupPaths",
    "splitSelectMultiples",
    "deletedFields",
    "$filter",
    "language",
    "labels",
    "geometry",
    "spss",
)


def spec_of(request: Request, export: str) -> ExportSpec:
    options = CsvOptions(
        group_paths=flag(request, "groupPaths", default=True),
        split_select_multiples=flag(request, "splitSelectMultiples"),
        filter=submission_filter(request.query_params.get("$filter")),
    )
    return ExportSpec(
        export,
        options,
        media=flag(request, "attachments", default=True),
        spss=flag(request, "spss"),
        language=request.query_params.get("language") or None,
        labels=flag(request, "labels"),
        geometry=request.query_params.get("geometry") or None,
    )


def audit_export(request: Request, data: FormData, export: str) -> None:
    """Who took which data out, with which options and filters (exports and OData reads)."""
    state = services(request)
    with transaction(state.engine) as connection:
        record(
            connection,
            actor_id=data.caller.actor.id if data.caller.actor else None,
            action="submission.export",
            actee_type="form",
            actee_id=data.form.xml_form_id,
            now=state.clock(),
            details={
                "format": export,
                "project": data.form.project_id,
                "filters": {
                    k: v
                    for k, v in request.query_params.items()
                    if k in FILTERS or k.startswith("$")
                },
                "sensitiveLeftOut": len(data.model.hidden),
            },
        )


def withheld(data: FormData) -> dict[str, str]:
    """The Baobab-Withheld-Fields header of an export or feed of `data` (server/sensitive.py)."""
    actor = data.caller.actor
    role = actor.roles.get(data.form.project_id, "") if actor is not None else ""
    return withheld_header(len(data.model.hidden), role)


def endpoint(export: str) -> Callable[[Request], Awaitable[Response]]:
    async def download(request: Request) -> Response:
        spec = spec_of(request, export)
        data = await run_in_threadpool(
            load_form_data, request, deleted_fields=flag(request, "deletedFields")
        )
        await run_in_threadpool(audit_export, request, data, export)
        state = services(request)
        return await streamed(
            export_chunks(state.engine, state.blobs, data, spec, state.clock()),
            what=f"export {export}",
            form=data.form,
            media_type=FORMATS[export],
            headers={
                **attachment_header(spec.file_name(data.form.xml_form_id)),
                **withheld(data),
            },
        )

    return download


_FORM = "/v1/projects/{project_id:id}/forms/{form_id}"
ROUTES = [
    Route(f"{_FORM}/submissions.{export}", endpoint(export), methods=["GET", "POST"])
    for export in FORMATS
]
