"""XLSForm (or XForm) bytes -> a compiled XForm, with every pyxform error located by sheet and row.

Pure: pyxform reads the bytes in memory. ODK Validate needs Java and a file, so running it is
the server's job; ``odk_validate_issues`` here only turns its output into located issues.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import fields, replace

from pyxform.errors import PyXFormError
from pyxform.xls2json_backends import get_xlsform
from pyxform.xls2xform import convert

from converters.errors import ConversionCode, FormError, FormIssue
from converters.form_model import CompiledForm
from converters.xform_checks import StructureProblem, refuse, structure_problems
from converters.xform_schema import read_form_identity
from converters.xlsform_limits import check_xlsform_size

SPREADSHEET_TYPES = (".xlsx", ".xlsm", ".xls", ".csv", ".md")
XFORM_TYPE = ".xml"

_ROW = re.compile(r"^\s*\[row\s*:\s*(\d+)\]\s*")
_SHEET = re.compile(r"(?:On|on|in) the '(\w+)' sheet")
_COLUMN = re.compile(r"the '([\w:() ]+)' (?:value|column)")
_UNKNOWN_TYPE = re.compile(r"Unknown question type '([^']*)'")
_NAMED = re.compile(r"(?:element|question|group|repeat) named '([^']*)'")
_VALIDATE_FILE_LINE = re.compile(r"^\$\{[^}]*\}(\.xml)?$")  # the temp file's name, masked
_JAVA_NOISE = re.compile(r"\s*Bad node: org\.javarosa\S*")
_VALIDATE_REF = re.compile(r"\$\{(\w[\w.-]*)\}|(/[\w.-]+(?:/[\w.:-]+)+)")


def detect_file_type(filename: str | None, data: bytes, content_type: str | None = None) -> str:
    """Pick the form file type from the name, else the content type, else the bytes."""
    if filename and "." in filename:
        ext = "." + filename.rsplit(".", 1)[1].lower()
        if ext in (*SPREADSHEET_TYPES, XFORM_TYPE):
            return ext
        raise FormError(ConversionCode.UNSUPPORTED_FILE_TYPE, file_type=ext)
    kind = (content_type or "").split(";")[0].strip().lower()
    by_content_type = {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
        "application/vnd.ms-excel": ".xls",
        "application/xml": XFORM_TYPE,
        "text/xml": XFORM_TYPE,
        "text/csv": ".csv",
        "text/markdown": ".md",
    }
    if kind in by_content_type:
        return by_content_type[kind]
    head = data[:8]
    if head.startswith(b"PK"):
        return ".xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return ".xls"
    if data.lstrip()[:1] == b"<":
        return XFORM_TYPE
    raise FormError(ConversionCode.UNSUPPORTED_FILE_TYPE, file_type=kind or "unknown")


def compile_form(data: bytes, file_type: str, form_id_fallback: str | None = None) -> CompiledForm:
    """Compile an XLSForm, or read an XForm as it is; refuse a form without an id, or one whose
    structure would lose data (converters/xform_checks.py). A form without a version is taken
    with the version '', as Central takes it. `form_id_fallback` names an XLSForm whose settings
    sheet gives no form_id (Central takes it from the X-XlsForm-FormId-Fallback header, pyodk
    sends the file's name)."""
    if file_type == XFORM_TYPE:
        return _read_xform(data)
    if file_type not in SPREADSHEET_TYPES:
        raise FormError(ConversionCode.UNSUPPORTED_FILE_TYPE, file_type=file_type)
    return compile_xlsform(data, file_type, form_id_fallback)


def compile_xlsform(
    data: bytes, file_type: str, form_id_fallback: str | None = None
) -> CompiledForm:
    check_xlsform_size(data, file_type)
    workbook = _read_workbook(data, file_type)
    name_rows = _survey_name_rows(workbook.survey or ())
    settings = dict((workbook.settings or [{}])[0]) if workbook.settings else {}
    form_id = str(settings.get("form_id") or settings.get("id_string") or "").strip()
    definition = {f.name: getattr(workbook, f.name) for f in fields(workbook)}
    fallback = (form_id_fallback or "").strip()
    if not form_id and fallback and not fallback.lower().endswith((".xls", ".xlsx", ".xml")):
        form_id = definition["fallback_form_name"] = fallback
    # pyxform runs first, so that a form without a form_id still gets its own errors listed.
    no_id = FormIssue(
        "error", ConversionCode.MISSING_FORM_ID.template, "settings", 2, "form_id", "baobab"
    )
    warnings: list[str] = []
    try:
        result = convert(definition, warnings=warnings, validate=False)
    except PyXFormError as error:
        issue = _issue_from_pyxform(error, "error", workbook)
        issues = (issue,) if form_id else (issue, no_id)
        raise FormError(ConversionCode.XLSFORM_INVALID, issues) from error
    except Exception as error:  # pyxform lets TypeError/KeyError escape on odd sheets
        issue = FormIssue("error", f"pyxform could not process the form: {error!r}")
        raise FormError(ConversionCode.XLSFORM_INVALID, (issue,)) from error
    if not form_id:
        raise FormError(ConversionCode.MISSING_FORM_ID, (no_id,))

    xform = result.xform.encode()
    refuse([_on_sheets(p, workbook, name_rows) for p in structure_problems(xform)])
    identity = read_form_identity(xform)
    return CompiledForm(
        xform=result.xform,
        form_id=identity.form_id,
        version=identity.version or "",
        title=identity.title or identity.form_id,
        file_type=file_type,
        warnings=tuple(_issue_from_text(w, "warning", name_rows) for w in warnings),
        itemsets=result.itemsets,
        name_rows=name_rows,
    )


def odk_validate_issues(output: str, name_rows: Mapping[str, int]) -> tuple[FormIssue, ...]:
    """Turn ODK Validate's report into issues, locating `${name}` references on the survey sheet."""
    issues = []
    for line in output.splitlines():
        text = _JAVA_NOISE.sub("", line.strip().lstrip(":").strip()).strip()
        if not text or _is_validate_boilerplate(text):
            continue
        row = None
        for match in _VALIDATE_REF.finditer(text):
            name = match.group(1) or match.group(2).rsplit("/", 1)[-1]
            if name in name_rows:
                row = name_rows[name]
                break
        sheet = "survey" if row is not None else None
        issues.append(FormIssue("error", text, sheet, row, None, "odk-validate"))
    return tuple(issues)


def _is_validate_boilerplate(text: str) -> bool:
    return bool(_VALIDATE_FILE_LINE.match(text)) or text.startswith(
        (
            ">> XForm is invalid",
            "ODK Validate Errors",
            "The following files failed",
            "Result: Invalid",
            "Xform is valid",
            "Xform parsing completed",
        )
    )


def _read_workbook(data: bytes, file_type: str):  # type: ignore[no-untyped-def]  # pyxform type
    try:
        return get_xlsform(data, file_type=file_type)
    except PyXFormError as error:
        raise FormError(
            ConversionCode.XLSFORM_UNREADABLE, file_type=file_type, reason=str(error)
        ) from error
    except Exception as error:  # corrupt files raise zipfile/xlrd/csv errors
        raise FormError(
            ConversionCode.XLSFORM_UNREADABLE, file_type=file_type, reason=repr(error)
        ) from error


def _read_xform(data: bytes) -> CompiledForm:
    identity = read_form_identity(data)
    refuse(structure_problems(data))
    return CompiledForm(
        xform=data.decode("utf-8"),
        form_id=identity.form_id,
        version=identity.version or "",
        title=identity.title or identity.form_id,
        file_type=XFORM_TYPE,
    )


def _on_sheets(
    problem: StructureProblem, workbook: object, name_rows: Mapping[str, int]
) -> StructureProblem:
    """A problem found in the compiled XForm, located on the XLSForm's sheets and worded with
    the names the designer wrote (`member`, not `/data/member`)."""
    name = problem.xpath.rsplit("/", 1)[-1]
    context = {k: _last_name(v) for k, v in problem.context.items()}
    if problem.code is ConversionCode.ENTITY_IN_REPEAT:
        # The entities sheet's row of the list. pyxform also moves an entity into the repeat
        # its save_to questions are in when that row names no repeat.
        entities: Sequence[Mapping[str, object]] = getattr(workbook, "entities", None) or ()
        number, declared = next(
            ((n, r) for n, r in enumerate(entities, 2) if r.get("list_name") == context["dataset"]),
            (None, {}),
        )
        where = "repeat" if declared.get("repeat") else "list_name"
        return replace(problem, context=context, sheet="entities", row=number, column=where)
    row = name_rows.get(name)
    return replace(
        problem,
        context=context,
        sheet="survey" if row else None,
        row=row,
        column="save_to" if problem.code is ConversionCode.ENTITY_PROPERTY_IN_REPEAT else None,
    )


def _last_name(value: object) -> object:
    return value.rsplit("/", 1)[-1] if isinstance(value, str) and value.startswith("/") else value


def _survey_name_rows(survey: Sequence[Mapping[str, object]]) -> dict[str, int]:
    rows: dict[str, int] = {}
    for number, row in enumerate(survey, start=2):
        name = str(row.get("name", "")).strip()
        if name and name not in rows:
            rows[name] = number
    return rows


def _issue_from_pyxform(error: PyXFormError, severity: str, workbook: object) -> FormIssue:
    context = getattr(error, "context", None) or {}
    survey = getattr(workbook, "survey", None) or ()
    issue = _issue_from_text(str(error), severity, _survey_name_rows(survey))
    if issue.row is None:
        unknown = _UNKNOWN_TYPE.search(str(error))
        if unknown:
            row = _find_row(survey, "type", unknown.group(1))
            issue = FormIssue(severity, issue.message, "survey", row, "type")
    return FormIssue(
        severity,
        issue.message,
        context.get("sheet") or issue.sheet,
        context.get("row") or issue.row,
        context.get("column") or issue.column,
    )


def _issue_from_text(text: str, severity: str, name_rows: Mapping[str, int]) -> FormIssue:
    row = None
    message = text.strip()
    match = _ROW.match(message)
    if match:
        row = int(match.group(1))
        message = message[match.end() :]
    sheet_match = _SHEET.search(message)
    sheet = sheet_match.group(1) if sheet_match else None
    column_match = _COLUMN.search(message)
    column = column_match.group(1) if column_match else None
    if row is None:
        named = _NAMED.search(message)
        if named and named.group(1) in name_rows:
            row, sheet = name_rows[named.group(1)], sheet or "survey"
    if row is not None and sheet is None:
        sheet = "survey"
    return FormIssue(severity, message, sheet, row, column)


def _find_row(rows: Sequence[Mapping[str, object]], column: str, value: str) -> int | None:
    for number, row in enumerate(rows, start=2):
        if str(row.get(column, "")).strip() == value:
            return number
    return None
