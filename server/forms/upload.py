"""Form uploads: compile (pyxform), validate (ODK Validate) and publish into the database."""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from sqlalchemy.engine import Engine

from converters.active_content import refuse_active_content
from converters.errors import ConversionCode, FormError
from converters.form_model import CompiledForm
from converters.xform_schema import parse_xform, set_form_version
from server.clock import Clock
from storage.db import transaction
from storage.forms.versions import PublishResult, publish_form

log = logging.getLogger(__name__)

MAX_FORM_BYTES = 20_000_000  # an uploaded XLSForm or XForm
MAX_MEDIA_BYTES = 100_000_000  # a form media file


def compile_upload(
    data: bytes,
    *,
    filename: str | None,
    content_type: str | None = None,
    validate: str = "auto",
    form_id_fallback: str | None = None,
) -> CompiledForm:
    """Compile an uploaded XLSForm or XForm and check it; raise FormError listing every issue."""
    # pyxform and openpyxl add ~30 MB to a process: a server worker loads them only when it
    # is actually given a form to compile.
    from converters.form_issues import located_on_sheets, with_every_issue, with_validate_issues
    from converters.xlsform import SPREADSHEET_TYPES, compile_form, detect_file_type
    from server.forms.validation import run_odk_validate, should_validate

    if not data:
        raise FormError(
            ConversionCode.XLSFORM_UNREADABLE,
            file_type=filename or "upload",
            reason="the file is empty",
        )
    file_type = detect_file_type(filename, data, content_type)
    spreadsheet = file_type in SPREADSHEET_TYPES
    try:
        compiled = compile_form(data, file_type, form_id_fallback)
    except FormError as error:
        # pyxform stops at its first error: list every problem the sheets show.
        every = with_every_issue(error, data, file_type) if spreadsheet else error
        if every is error:
            raise
        raise every from error
    xform = compiled.xform.encode("utf-8")
    parse_xform(xform)  # refuses what Baobab cannot store
    refuse_active_content(xform)
    if should_validate(validate):
        outcome = run_odk_validate(compiled)
        if outcome.errors:
            sheets = (data, file_type) if spreadsheet else (None, None)
            raise with_validate_issues(outcome.errors, *sheets)
        warnings = outcome.warnings
        if spreadsheet and warnings:
            warnings = located_on_sheets(warnings, data, file_type)
        compiled = replace(compiled, warnings=compiled.warnings + warnings)
    return compiled


def publish_upload(
    engine: Engine,
    *,
    project_id: int,
    data: bytes,
    filename: str | None,
    clock: Clock,
    content_type: str | None = None,
    validate: str = "auto",
    actor_id: int | None = None,
    version: str | None = None,
) -> PublishResult:
    """Publish an uploaded form at once, under `version` when given (its XForm rewritten to
    carry it, as Central's `draft/publish?version=` does)."""
    started = time.perf_counter()
    compiled = compile_upload(data, filename=filename, content_type=content_type, validate=validate)
    if version is not None and version != compiled.version:
        compiled = replace(
            compiled, xform=set_form_version(compiled.xform, version), version=version
        )
    with transaction(engine) as connection:
        result = publish_form(
            connection,
            project_id=project_id,
            compiled=compiled,
            now=clock(),
            source=data,
            actor_id=actor_id,
        )
    log.info(
        "published form_id=%s version=%r project=%s in %.3fs (%s)",
        compiled.form_id,
        compiled.version,
        project_id,
        time.perf_counter() - started,
        result.changes.summary(),
    )
    return result
