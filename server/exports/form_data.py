"""What OData and the exports read from a form: its export model (current version, optionally
with the fields of older versions) and the SQLAlchemy tables behind it."""

from __future__ import annotations

from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from starlette.requests import Request

from converters.export_model import ExportModel, build_export_model, without_fields
from converters.form_model import FormSchema
from converters.odata_filter import parse_filter
from server.auth import Caller, Permission
from server.plugins import NO_PROGRAMMES, Programmes
from server.resolve import resolve_form
from server.services import services
from server.settings import Settings
from storage.db import transaction
from storage.errors import NotFound, StorageCode
from storage.exports.csv_queries import ExportColumns
from storage.exports.odata_filter import check_filter
from storage.forms.data_tables import load_plan
from storage.forms.ddl import build_tables
from storage.forms.sensitive_fields import sensitive_xpaths
from storage.forms.versions import FormRecord, load_version_plan


@dataclass(frozen=True, slots=True)
class FormData:
    form: FormRecord
    model: ExportModel
    tables: dict[str, sa.Table]
    caller: Caller
    title: str
    version: str
    schema: FormSchema
    extra_columns: ExportColumns | None = None  # the programmes' (server/plugins.py)


def submission_filter(text: str | None) -> object | None:
    """A $filter (OData syntax) on submission metadata, parsed and checked before any query."""
    if not text:
        return None
    expression = parse_filter(text)
    check_filter(expression)
    return expression


def load_form_data(request: Request, *, deleted_fields: bool = False) -> FormData:
    """The form in the URL, for a caller who may read its submissions."""
    with transaction(services(request).engine, read_only=True) as connection:
        caller, form = resolve_form(connection, request, Permission.SUBMISSION_READ)
        return read_form_data(
            connection,
            form,
            caller,
            deleted_fields=deleted_fields,
            programmes=services(request).programmes,
            settings=services(request).settings,
        )


def read_form_data(
    connection: Connection,
    form: FormRecord,
    caller: Caller,
    *,
    deleted_fields: bool = False,
    programmes: Programmes = NO_PROGRAMMES,
    settings: Settings | None = None,
) -> FormData:
    """The form's export model and tables; with `programmes`, their columns and scores under
    `settings` (the defaults when None)."""
    settings = settings or Settings()
    if form.current_version_id is None:
        raise NotFound(StorageCode.FORM_NOT_FOUND, form_id=form.xml_form_id)
    schema, version_plan = load_version_plan(connection, form.current_version_id)
    physical = load_plan(connection, form.id)
    model = build_export_model(schema, version_plan, physical if deleted_fields else None)
    if not caller.can(Permission.SENSITIVE_READ, form.project_id):
        model = without_fields(model, hidden_xpaths(connection, form, caller))
    if programmes.odata_scores(settings, connection, form.id):
        model = replace(model, scored=True)
    return FormData(
        form,
        model,
        build_tables(physical),
        caller,
        schema.title,
        schema.version or "",
        schema,
        programmes.export_columns(settings),
    )


def hidden_xpaths(connection: Connection, form: FormRecord, caller: Caller) -> frozenset[str]:
    """The fields the caller may not read: those marked sensitive in any version, for roles
    without the right to sensitive data; nothing for the others."""
    if caller.can(Permission.SENSITIVE_READ, form.project_id):
        return frozenset()
    return sensitive_xpaths(connection, form.id)


def without_hidden(schema: FormSchema, hidden: frozenset[str]) -> FormSchema:
    """The schema as a role that may not read `hidden` fields sees it: pages built on it (the
    submissions table, a submission, the dashboard) never show them."""
    if not hidden:
        return schema
    return replace(schema, fields=tuple(f for f in schema.fields if f.xpath not in hidden))
