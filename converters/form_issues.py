"""Every problem of a refused XLSForm, each with its sheet, row and column: pyxform stops at its
first error and ODK Validate at its first XPath error, so the survey sheet is read here too, and
what they said is located on it and worded with the `${name}`s the designer wrote.

Pure: the sheets come from pyxform's reader, in memory. What is found here only adds to a
refusal pyxform or ODK Validate made; it never refuses a form on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import fields, replace

from lxml import etree
from pyxform.question_type_dictionary import QUESTION_TYPE_DICT
from pyxform.xls2json_backends import get_xlsform
from pyxform.xls2xform import convert

from converters.errors import ConversionCode, FormError, FormIssue

Row = Mapping[str, object]

# Survey columns holding an XPath expression (pyxform's names and aliases), by the word ODK
# Validate uses for the bind attribute or control it comes from.
EXPRESSION_COLUMNS = {
    "relevant": "relevant",
    "relevance": "relevant",
    "constraint": "constraint",
    "calculation": "calculate",
    "calculate": "calculate",
    "required": "required",
    "read_only": "readonly",
    "readonly": "readonly",
    "choice_filter": "nodeset",
    "repeat_count": "jr:count",
    "count": "jr:count",
    "jr:count": "jr:count",
}
# The words of an ODK Validate message that name the attribute at fault, first match wins.
_VALIDATE_WORDS = (
    ("constraint", "constraint"),
    ("calculat", "calculate"),
    ("relevan", "relevant"),
    ("required", "required"),
    ("readonly", "readonly"),
    ("read-only", "readonly"),
    ("nodeset", "nodeset"),
    ("itemset", "nodeset"),
    ("choice filter", "nodeset"),
    ("jr:count", "jr:count"),
    ("repeat count", "jr:count"),
)
_REFERENCE = re.compile(r"\$\{(?:last-saved#)?([^}]*)\}")
_ROW = re.compile(r"^\s*\[row\s*:\s*(\d+)\]\s*")
_SHEET = re.compile(r"[Oo]n the '(\w+)' sheet")
_COLUMN = re.compile(r"the '([\w:() ]+)' (?:value|column)")
_PATH = re.compile(r"(?<![\w$/.])(/[A-Za-z_][\w.-]*(?:/[A-Za-z_][\w.:-]*)+)")
_BRACKETED = re.compile(r"\[([^\[\]]+)\]|in expression\s+(.+)$")
_SELECT = re.compile(r"^(select_one|select_multiple|select one|select multiple|rank)\s+(\S+)")
_PLAIN_TYPES = frozenset(
    {*QUESTION_TYPE_DICT, "image", "begin_group", "end_group", "begin_repeat", "end_repeat"}
)
_NAMESPACES = {"jr": "http://openrosa.org/javarosa", "odk": "http://www.opendatakit.org/xforms"}
_SHEET_ORDER = {"survey": 0, "choices": 1, "settings": 2, "entities": 3}
_KEPT_CODES = frozenset(
    {
        ConversionCode.XLSFORM_UNREADABLE,
        ConversionCode.XLSFORM_TOO_LARGE,
        ConversionCode.UNSUPPORTED_FILE_TYPE,
    }
)


def with_every_issue(error: FormError, data: bytes, file_type: str) -> FormError:
    """The refusal of an XLSForm with what pyxform's first error hid: every problem the sheets
    show (see `sheet_issues`) and every pyxform warning, sorted by sheet and row."""
    if error.code in _KEPT_CODES:
        return error
    workbook = _workbook(data, file_type)
    if workbook is None:
        return error
    survey = tuple(workbook.survey or ())
    found = list(sheet_issues(survey, workbook.choices or ()))
    warnings: tuple[FormIssue, ...] = ()
    if error.code is ConversionCode.XLSFORM_INVALID:
        warnings = _pyxform_warnings(workbook, survey)
    return _merged(error, error.issues, found, warnings)


def with_validate_issues(
    issues: Sequence[FormIssue], data: bytes | None, file_type: str | None
) -> FormError:
    """ODK Validate's refusal: each XPath error located on the survey sheet by its question and
    the column its expression is in, with the expression syntax errors it did not reach."""
    workbook = _workbook(data, file_type) if data is not None and file_type else None
    survey = tuple(workbook.survey or ()) if workbook is not None else ()
    located = [locate_validate_issue(i, survey) for i in issues]
    found = list(_syntax_issues(survey)) if survey else []
    error = FormError(ConversionCode.ODK_VALIDATE, tuple(located))
    return _merged(error, tuple(located), found, ())


def located_on_sheets(
    issues: Sequence[FormIssue], data: bytes, file_type: str
) -> tuple[FormIssue, ...]:
    """ODK Validate's warnings located as its errors are (see `locate_validate_issue`)."""
    workbook = _workbook(data, file_type)
    survey = tuple(workbook.survey or ()) if workbook is not None else ()
    return tuple(locate_validate_issue(i, survey) for i in issues)


def sheet_issues(survey: Sequence[Row], choices: Sequence[Row]) -> Iterator[FormIssue]:
    """What can be checked on the sheets alone, all of it at once: references `${name}` to a
    question that does not exist, expressions that are not XPath, select questions whose list
    is not on the choices sheet, names used twice in one group, and unknown question types."""
    names = {_name(row) for row in survey} - {""}
    lists = {str(row.get("list_name", row.get("list name", ""))).strip() for row in choices}
    yield from _reference_issues(survey, names)
    yield from _syntax_issues(survey)
    yield from _type_issues(survey, lists)
    yield from _duplicate_issues(survey)


def locate_validate_issue(issue: FormIssue, survey: Sequence[Row]) -> FormIssue:
    """An ODK Validate error on the survey row and column it came from, its XForm paths
    (`/data/household/age`) rewritten as the designer wrote them (`${age}`)."""
    rows = {_name(row): number for number, row in enumerate(survey, start=2)}
    message = _PATH.sub(lambda m: _as_reference(m.group(1), rows), issue.message)
    named = [rows[n] for n in _REFERENCE.findall(message) if n in rows]
    # The cell holding the expression the message quotes, on the row it names if several do.
    cells = _find_expression(message, survey)
    row, column = next((c for c in cells if c[0] in named), cells[0] if cells else (None, None))
    if row is None:
        row = issue.row if issue.row is not None else (named[0] if named else None)
        if row is not None and 2 <= row < len(survey) + 2:
            column = _validate_column(message, survey[row - 2])
    sheet = "survey" if row is not None else issue.sheet
    return replace(issue, message=message, sheet=sheet, row=row, column=column)


def _workbook(data: bytes, file_type: str):  # type: ignore[no-untyped-def]  # pyxform's type
    try:
        return get_xlsform(data, file_type=file_type)
    except Exception:  # an unreadable file: the refusal already says why
        return None


def _pyxform_warnings(workbook: object, survey: Sequence[Row]) -> tuple[FormIssue, ...]:
    """pyxform's warnings, which it collects over the whole form before its first error stops
    it (compiled again here: the first compile's list is lost with the exception)."""
    definition = {f.name: getattr(workbook, f.name) for f in fields(workbook)}  # type: ignore[arg-type]
    warnings: list[str] = []
    with suppress(Exception):  # the error itself is already listed
        convert(definition, warnings=warnings, validate=False)
    rows = {_name(row): number for number, row in enumerate(survey, start=2)}
    issues = []
    for text in dict.fromkeys(warnings):
        match = _ROW.match(text)
        row = int(match.group(1)) if match else None
        message = text[match.end() :] if match else text.strip()
        if row is None:
            row = next((rows[n] for n in _REFERENCE.findall(message) if n in rows), None)
        sheet, column = _SHEET.search(message), _COLUMN.search(message)
        issues.append(
            FormIssue(
                "warning",
                message,
                sheet.group(1) if sheet else "survey" if row else None,
                row,
                column.group(1) if column else None,
            )
        )
    return tuple(issues)


def _merged(
    error: FormError,
    first: Sequence[FormIssue],
    found: Iterable[FormIssue],
    warnings: Sequence[FormIssue],
) -> FormError:
    """The refusal's own issues and those found here, once each place (what pyxform or ODK
    Validate said wins over the same problem found on the sheet), errors before warnings."""
    found = list(found)
    first = [_with_column(i, found) for i in first]
    places = {_place(i) for i in first if i.row is not None}
    rows_said = {(i.sheet, i.row) for i in first if i.row is not None and i.column is None}
    extra = [i for i in found if _place(i) not in places and (i.sheet, i.row) not in rows_said]
    if not extra and not warnings:
        return error
    errors = sorted(
        [*[i for i in first if i.severity == "error"], *extra],
        key=lambda i: (_SHEET_ORDER.get(i.sheet or "", 9), i.row or 0),
    )
    listed = (*errors, *[i for i in first if i.severity != "error"], *warnings)
    context = {k: v for k, v in error.context.items() if k != "summary"}
    return FormError(error.code, tuple(listed), **context)


def _with_column(issue: FormIssue, found: Sequence[FormIssue]) -> FormIssue:
    """pyxform names a row but not always its column: the problem found on that row does."""
    if issue.row is None or issue.column is not None:
        return issue
    same = [i.column for i in found if (i.sheet, i.row) == (issue.sheet, issue.row)]
    return replace(issue, column=same[0]) if len(same) == 1 else issue


def _place(issue: FormIssue) -> tuple[str | None, int | None, str]:
    """Where an issue is; `label::French (fr)` is the place pyxform calls 'label'."""
    column = (issue.column or "").split("::")[0].strip().lower()
    return issue.sheet, issue.row, column


def _reference_issues(survey: Sequence[Row], names: set[str]) -> Iterator[FormIssue]:
    for number, row in enumerate(survey, start=2):
        for column, value in row.items():
            for name in dict.fromkeys(_REFERENCE.findall(str(value))):
                if name.strip() not in names:
                    yield FormIssue(
                        "error",
                        f"${{{name}}} names no question: no row of the 'survey' sheet has the "
                        f"name '{name}'. Correct the reference or add the question.",
                        "survey",
                        number,
                        column,
                        "baobab",
                    )


def _syntax_issues(survey: Sequence[Row]) -> Iterator[FormIssue]:
    for number, row in enumerate(survey, start=2):
        for column, value in row.items():
            if _expression_kind(column) is None or not str(value).strip():
                continue
            expression = _REFERENCE.sub(lambda m: "/" + (m.group(1) or "x"), str(value))
            try:
                etree.XPath(expression, namespaces=_NAMESPACES)
            except etree.XPathSyntaxError:
                yield FormIssue(
                    "error",
                    f"The expression «{value}» is not a valid XPath expression: check its "
                    "brackets, quotes and operators.",
                    "survey",
                    number,
                    column,
                    "baobab",
                )
            except ValueError:  # lxml refuses NUL and control characters before parsing
                yield FormIssue(
                    "error",
                    f"The expression {ascii(str(value))} holds a control character, which no "
                    "form may contain: retype the cell.",
                    "survey",
                    number,
                    column,
                    "baobab",
                )


def _type_issues(survey: Sequence[Row], lists: set[str]) -> Iterator[FormIssue]:
    for number, row in enumerate(survey, start=2):
        kind = str(row.get("type", "")).strip()
        select = _SELECT.match(kind)
        if select:
            if select.group(2) not in lists:
                yield FormIssue(
                    "error",
                    f"The list '{select.group(2)}' is not on the 'choices' sheet: add its "
                    "choices there (column list_name) or correct the name.",
                    "survey",
                    number,
                    "type",
                    "baobab",
                )
        elif kind and " " not in kind and not {kind, kind.lower()} & _PLAIN_TYPES:
            message = f"Unknown question type '{kind}'."
            yield FormIssue("error", message, "survey", number, "type", "baobab")


def _duplicate_issues(survey: Sequence[Row]) -> Iterator[FormIssue]:
    """Names must be unique within their nearest group or repeat (pyxform's rule)."""
    scopes: list[set[str]] = [set()]
    for number, row in enumerate(survey, start=2):
        kind = str(row.get("type", "")).strip().lower().replace(" ", "_")
        if kind.startswith("end_") and kind[4:] in ("group", "repeat", "loop"):
            if len(scopes) > 1:
                scopes.pop()
            continue
        name = _name(row).casefold()
        if name and name in scopes[-1]:
            yield FormIssue(
                "error",
                f"The name '{_name(row)}' is used twice in the same group: questions, groups "
                "and repeats need names of their own within their group.",
                "survey",
                number,
                "name",
                "baobab",
            )
        elif name:
            scopes[-1].add(name)
        if kind.startswith("begin_") and kind[6:] in ("group", "repeat", "loop"):
            scopes.append(set())


def _validate_column(message: str, row: Row) -> str | None:
    lowered = message.lower()
    for word, kind in _VALIDATE_WORDS:
        if word in lowered:
            for column in row:
                if _expression_kind(column) == kind:
                    return column
            break
    return None


def _find_expression(message: str, survey: Sequence[Row]) -> list[tuple[int, str]]:
    expression = _quoted_expression(message)
    if not expression:
        return []
    return [
        (number, column)
        for number, row in enumerate(survey, start=2)
        for column, value in row.items()
        if _expression_kind(column) and expression in _squeezed(str(value))
    ]


def _quoted_expression(message: str) -> str:
    match = _BRACKETED.search(message)
    expression = _squeezed(match.group(1) or match.group(2)) if match else ""
    return expression if len(expression) > 2 else ""  # not `[1]`, a position


def _squeezed(text: str) -> str:
    return "".join(text.split())


def _expression_kind(column: str) -> str | None:
    return EXPRESSION_COLUMNS.get(column.strip().lower().replace(" ", "_"))


def _as_reference(path: str, rows: Mapping[str, int]) -> str:
    name = path.rsplit("/", 1)[-1]
    return f"${{{name}}}" if name in rows else path


def _name(row: Row) -> str:
    return str(row.get("name", "")).strip()
