"""Errors raised by the converters: bad XLSForms, bad XForms and bad submissions.

    ConversionError
    ├── FormError           an XLSForm or XForm that cannot be compiled or understood
    └── SubmissionError     submission XML that cannot be read or does not fit its form

Each carries a stable ``code`` (``ConversionCode``), a ``context`` dict, and for forms the list
of ``FormIssue`` records (sheet, row, column) a designer needs to find the mistake.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class ConversionCode(Enum):
    """Stable codes with message templates, formatted with the error's context."""

    XLSFORM_INVALID = "The XLSForm has errors: {summary}"
    XLSFORM_UNREADABLE = "The file could not be read as an XLSForm ({file_type}): {reason}"
    XLSFORM_TOO_LARGE = "The XLSForm is too large: {reason}."
    UNSUPPORTED_FILE_TYPE = (
        "Unsupported form file type '{file_type}'. Upload an XLSForm (.xlsx, .xls, .csv, .md) "
        "or an XForm (.xml)."
    )
    MISSING_FORM_ID = (
        "The form has no form_id. Add a 'settings' sheet with a 'form_id' column and give the "
        "form a short, unique id (for example: returnee_intake)."
    )
    ODK_VALIDATE = "ODK Validate found errors: {summary}"
    XFORM_INVALID = "The XForm is not valid: {reason}"
    XFORM_UNSUPPORTED = "The XForm uses something Baobab does not support: {reason}"
    XML_MALFORMED = "The XML is not well-formed: {reason}"
    XFORM_ACTIVE_CONTENT = (
        "The XForm contains what a web browser would run, which a form never needs: {summary}"
    )
    XML_FORBIDDEN = "The XML contains {what}, which is not allowed."
    # What a form must not be, checked when it is uploaded (converters/xform_checks.py).
    FORM_NO_INSTANCE_ID = (
        "The form has no meta/instanceID. Add <meta><instanceID/></meta> as the last child of "
        'the primary instance root <{root}>, bound with <bind nodeset="/{root}/meta/instanceID" '
        'type="string" readonly="true()" jr:preload="uid"/>: every submission needs its own '
        "ID, and ODK Collect sends one only when the form asks for it."
    )
    FORM_DUPLICATE_PATH = (
        "{xpath} appears {count} times in the form's primary instance but is not a repeat: a "
        "submission would carry {count} answers for one question and only one could be kept. "
        "Give each copy its own name, or make it a repeat."
    )
    ENTITY_IN_REPEAT = (
        "The form saves entities of the list '{dataset}' from inside the repeat '{repeat}', "
        "which entities-version '{version}' does not allow (as ODK Central, 400.25): those "
        "entities would be lost. Compile the form with pyxform 4 or later (entities-version "
        "2025.1.0), or declare the entity for the whole form, outside any repeat."
    )
    ENTITY_PROPERTY_IN_REPEAT = (
        "The question '{field}' inside the repeat '{repeat}' saves to the entity property "
        "'{property}' of an entity declared outside that repeat: the value would be lost. "
        "Declare the entity in the repeat (the entities sheet's repeat column), move the "
        "question out of the repeat, or remove its save_to."
    )
    SUBMISSION_NO_FORM_ID = "The submission's root element <{root}> has no 'id' attribute."
    SUBMISSION_NO_INSTANCE_ID = (
        "The submission has no meta/instanceID. Every submission needs a unique instanceID."
    )
    SUBMISSION_WRONG_FORM = "The submission is for form '{got}' but was sent to form '{expected}'."
    ODATA_BAD_QUERY = "The OData query is not valid: {reason}"
    WEIGHTS_INVALID = "The score weights in {source} are not valid: {reason}"
    ODATA_FILTER_INVALID = "The $filter is not valid: {reason}"
    SUBMISSION_BAD_VALUE = "The value '{value}' at {xpath} is not a valid {expected}."
    SUBMISSION_UNEXPECTED_REPEAT = (
        "{xpath} appears {count} times but is not a repeat in form version '{version}'."
    )
    SUBMISSION_BAD_ID = (
        "The {field} '{value}' cannot be used: an ID starts with a letter or a digit and holds "
        "only letters, digits, ':', '.', '_' and '-', at most {limit} characters (Collect, "
        "Enketo and ODK Web Forms send 'uuid:' and a UUID)."
    )
    SUBMISSION_TOO_MANY_REPEATS = (
        "The repeat {xpath} takes the submission past {limit} repeat instances (all repeats "
        "together), the most this server accepts in one submission."
    )
    # What a submission asks of an entity that cannot apply; the submission is kept and the
    # action is audited as entity.error with the message.
    ENTITY_NO_ID = "The entity declared at {xpath} has no id."
    ENTITY_BAD_ID = "The entity id '{value}' is not a UUID."
    ENTITY_BAD_VERSION = (
        "The entity {uuid} has {field} '{value}', which is not a whole number from 1 to {limit}."
    )
    ENTITY_BAD_BRANCH = "The entity {uuid} has branchId '{value}', which is not a UUID."
    ENTITY_NO_BASE_VERSION = "The update of the entity {uuid} has no baseVersion."
    ENTITY_TOO_LONG = "The entity {uuid} has a {field} of {length} characters; at most {limit}."
    ENTITY_WRONG_LIST = "The form saves entities to the list '{expected}', not to '{got}'."


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


class ConversionError(Exception):
    """Base class: a code from ``ConversionCode`` plus the values its message refers to."""

    def __init__(self, code: ConversionCode, **context: object) -> None:
        self.code = code
        self.context = context
        super().__init__(self.message)

    @property
    def message(self) -> str:
        try:
            return self.code.value.format(**self.context)
        except (KeyError, IndexError):
            return self.code.value


class FormError(ConversionError):
    """A form that cannot be published; ``issues`` locates each problem."""

    def __init__(
        self, code: ConversionCode, issues: tuple[FormIssue, ...] = (), **context: object
    ) -> None:
        self.issues = issues
        if "summary" not in context:
            context["summary"] = "; ".join(_describe(i) for i in issues) or code.name
        super().__init__(code, **context)


class SubmissionError(ConversionError):
    """Submission XML that is malformed, hostile, or does not fit its form."""


def _describe(issue: FormIssue) -> str:
    where = issue.location()
    return f"{issue.message} ({where})" if where else issue.message
