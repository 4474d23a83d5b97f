"""Runs ODK Validate (the Java validator shipped inside pyxform) on an XForm, when Java is there."""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pyxform.validators.odk_validate import ODKValidateError, check_xform

from converters.errors import FormIssue
from converters.form_model import CompiledForm
from converters.xlsform import odk_validate_issues

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ValidateOutcome:
    ran: bool
    errors: tuple[FormIssue, ...] = ()
    warnings: tuple[FormIssue, ...] = ()


def java_available() -> bool:
    return shutil.which("java") is not None


def should_validate(mode: str) -> bool:
    """'on' always (and fails without Java), 'off' never, 'auto' when Java is installed."""
    if mode == "on":
        return True
    return mode == "auto" and java_available()


def run_odk_validate(compiled: CompiledForm) -> ValidateOutcome:
    if not java_available():
        issue = FormIssue(
            "error",
            "ODK Validate needs Java, which is not installed "
            "(install default-jre-headless or set BAOBAB_ODK_VALIDATE=off).",
            source="odk-validate",
        )
        return ValidateOutcome(True, errors=(issue,))
    with tempfile.TemporaryDirectory(prefix="baobab-validate-") as directory:
        path = Path(directory) / f"{compiled.form_id}.xml"
        path.write_text(compiled.xform, encoding="utf-8")
        try:
            reports = check_xform(str(path))
        except ODKValidateError as error:
            return ValidateOutcome(True, errors=odk_validate_issues(str(error), compiled.name_rows))
    warnings = []
    for report in reports:
        for issue in odk_validate_issues(
            report.replace("ODK Validate Warnings:", ""), compiled.name_rows
        ):
            warnings.append(
                FormIssue(
                    "warning", issue.message, issue.sheet, issue.row, issue.column, issue.source
                )
            )
    return ValidateOutcome(True, warnings=tuple(warnings))
