"""Errors raised by the converters: bad XLSForms, bad XForms and bad submissions.

    ConversionError
    ├── FormError           an XLSForm or XForm that cannot be compiled or understood
    └── SubmissionError     submission XML that cannot be read or does not fit its form

Each carries a stable ``code`` (``ConversionCode``), a ``context`` dict, and for forms the list
of ``FormIssue`` records (sheet, row, column) a designer needs to find the mistake.

This module also holds the base of every coded error of all three layers (``ErrorCode``,
``CodedError``): it is the bottom layer, which storage and server import.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, unique


class ErrorCode(Enum):
    """A stable error case of any layer: its Central problem code (as Central's ``404.1``; the
    integer part is the HTTP status) and its message template, formatted with the error's
    context. Each layer's codes subclass it; members are written ``NAME = (404.1, "template")``.
    """

    def __init__(self, central: float, template: str) -> None:
        self.central = central
        self.template = template

    @property
    def status(self) -> int:
        return int(self.central)


class CodedError(Exception):
    """The one base of every error that carries a code (ConversionError, StorageError and the
    server's Problem): the code, the values its message refers to, and the HTTP status the
    code implies. server/errors.py renders any of them from the code alone."""

    def __init__(self, code: ErrorCode, **context: object) -> None:
        self.code = code
        self.context = context
        super().__init__(self.message)

    @property
    def status(self) -> int:
        return self.code.status

    @property
    def message(self) -> str:
        try:
            return self.code.template.format(**self.context)
        except (KeyError, IndexError):
            return self.code.template


@unique
class ConversionCode(ErrorCode):
    """The converters' codes. A code raised in a FormError is Central's 400.15 (the form is not
    valid); a submission's or a query's is 400, with Central's decimal where it has one."""

    XLSFORM_INVALID = (400.15, "The XLSForm has errors: {summary}")
    XLSFORM_UNREADABLE = (
        400.15,
        "The file could not be read as an XLSForm ({file_type}): {reason}",
    )
    XLSFORM_TOO_LARGE = (400.15, "The XLSForm is too large: {reason}.")
    UNSUPPORTED_FILE_TYPE = (
        400.15,
        "Unsupported form file type '{file_type}'. Upload an XLSForm (.xlsx, .xls, .csv, .md) "
        "or an XForm (.xml).",
    )
    MISSING_FORM_ID = (
        400.15,
        "The form has no form_id. Add a 'settings' sheet with a 'form_id' column and give the "
        "form a short, unique id (for example: returnee_intake).",
    )
    ODK_VALIDATE = (400.15, "ODK Validate found errors: {summary}")
    XFORM_INVALID = (400.15, "The XForm is not valid: {reason}")
    XFORM_UNSUPPORTED = (400.15, "The XForm uses something Baobab does not support: {reason}")
    XML_MALFORMED = (400.0, "The XML is not well-formed: {reason}")
    XFORM_ACTIVE_CONTENT = (
        400.15,
        "The XForm contains what a web browser would run, which a form never needs: {summary}",
    )
    XML_FORBIDDEN = (400.0, "The XML contains {what}, which is not allowed.")
    # The same two refusals for a form's XML, which Central answers as a form error (400.15).
    FORM_XML_MALFORMED = (400.15, "The XML is not well-formed: {reason}")
    FORM_XML_FORBIDDEN = (400.15, "The XML contains {what}, which is not allowed.")
    # What a form must not be, checked when it is uploaded (converters/xform_checks.py).
    FORM_NO_INSTANCE_ID = (
        400.15,
        "The form has no meta/instanceID. Add <meta><instanceID/></meta> as the last child of "
        'the primary instance root <{root}>, bound with <bind nodeset="/{root}/meta/instanceID" '
        'type="string" readonly="true()" jr:preload="uid"/>: every submission needs its own '
        "ID, and ODK Collect sends one only when the form asks for it.",
    )
    FORM_DUPLICATE_PATH = (
        400.15,
        "{xpath} appears {count} times in the form's primary instance but is not a repeat: a "
        "submission would carry {count} answers for one question and only one could be kept. "
        "Give each copy its own name, or make it a repeat.",
    )
    ENTITY_IN_REPEAT = (
        400.15,
        "The form saves entities of the list '{dataset}' from inside the repeat '{repeat}', "
        "which entities-version '{version}' does not allow (as ODK Central, 400.25): those "
        "entities would be lost. Compile the form with pyxform 4 or later (entities-version "
        "2025.1.0), or declare the entity for the whole form, outside any repeat.",
    )
    ENTITY_PROPERTY_IN_REPEAT = (
        400.15,
        "The question '{field}' inside the repeat '{repeat}' saves to the entity property "
        "'{property}' of an entity declared outside that repeat: the value would be lost. "
        "Declare the entity in the repeat (the entities sheet's repeat column), move the "
        "question out of the repeat, or remove its save_to.",
    )
    SUBMISSION_NO_FORM_ID = (400.2, "The submission's root element <{root}> has no 'id' attribute.")
    SUBMISSION_NO_INSTANCE_ID = (
        400.2,
        "The submission has no meta/instanceID. Every submission needs a unique instanceID.",
    )
    SUBMISSION_WRONG_FORM = (
        400.8,
        "The submission is for form '{got}' but was sent to form '{expected}'.",
    )
    ODATA_BAD_QUERY = (400.0, "The OData query is not valid: {reason}")
    WEIGHTS_INVALID = (400.0, "The score weights in {source} are not valid: {reason}")
    ODATA_FILTER_INVALID = (400.0, "The $filter is not valid: {reason}")
    SUBMISSION_BAD_VALUE = (400.0, "The value '{value}' at {xpath} is not a valid {expected}.")
    SUBMISSION_UNEXPECTED_REPEAT = (
        400.0,
        "{xpath} appears {count} times but is not a repeat in form version '{version}'.",
    )
    SUBMISSION_BAD_ID = (
        400.8,
        "The {field} '{value}' cannot be used: an ID starts with a letter or a digit and holds "
        "only letters, digits, ':', '.', '_' and '-', at most {limit} characters (Collect, "
        "Enketo and ODK Web Forms send 'uuid:' and a UUID).",
    )
    SUBMISSION_TOO_MANY_REPEATS = (
        400.0,
        "The repeat {xpath} takes the submission past {limit} repeat instances (all repeats "
        "together), the most this server accepts in one submission.",
    )
    # What a submission asks of an entity that cannot apply; the submission is kept and the
    # action is audited as entity.error with the message.
    ENTITY_NO_ID = (400.28, "The entity declared at {xpath} has no id.")
    ENTITY_BAD_ID = (400.28, "The entity id '{value}' is not a UUID.")
    ENTITY_BAD_VERSION = (
        400.28,
        "The entity {uuid} has {field} '{value}', which is not a whole number from 1 to {limit}.",
    )
    ENTITY_BAD_BRANCH = (400.28, "The entity {uuid} has branchId '{value}', which is not a UUID.")
    ENTITY_NO_BASE_VERSION = (400.28, "The update of the entity {uuid} has no baseVersion.")
    ENTITY_TOO_LONG = (
        400.28,
        "The entity {uuid} has a {field} of {length} characters; at most {limit}.",
    )
    ENTITY_WRONG_LIST = (
        400.28,
        "The form saves entities to the list '{expected}', not to '{got}'.",
    )


@dataclass(frozen=True, slots=True)
class FormIssue:
    """One error or warning about a form, located as precisely as the source allows."""

    severity: str  # "error" or "warning"
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    source: str = "pyxform"  # "pyxform", "odk-validate" or "baobab"
    xpath: str | None = None  # the XForm element at fault, when the issue is about one

    def location(self) -> str:
        parts = []
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)


class ConversionError(CodedError):
    """Base class of the converters' errors: a code from ``ConversionCode``."""

    code: ConversionCode

    def __init__(self, code: ConversionCode, **context: object) -> None:
        super().__init__(code, **context)


class FormError(ConversionError):
    """A form that cannot be published; ``issues`` locates each problem."""

    def __init__(
        self, code: ConversionCode, issues: tuple[FormIssue, ...] = (), **context: object
    ) -> None:
        self.issues = issues
        if "summary" not in context:
            listed = "; ".join(_describe(i) for i in issues)
            context["summary"] = listed or _SUMMARY_NAMES.get(code, code.name)
        super().__init__(code, **context)


# A form error with no issue to list is summed up by its code's name; the two XML refusals a
# form shares with submissions go by the name they share (as before forms had codes of their own).
_SUMMARY_NAMES = {
    ConversionCode.FORM_XML_MALFORMED: ConversionCode.XML_MALFORMED.name,
    ConversionCode.FORM_XML_FORBIDDEN: ConversionCode.XML_FORBIDDEN.name,
}


class SubmissionError(ConversionError):
    """Submission XML that is malformed, hostile, or does not fit its form."""


def _describe(issue: FormIssue) -> str:
    where = issue.location()
    return f"{issue.message} ({where})" if where else issue.message
