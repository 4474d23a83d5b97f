"""A refused XLSForm lists every problem with its sheet, row and column (converters/form_issues.py):
pyxform stops at its first error and ODK Validate at its first XPath error, so the survey sheet
is read too, and ODK Validate's messages are located on the column their expression came from
and worded with the designer's `${name}`s. Real pyxform, real ODK Validate when Java is there."""

from __future__ import annotations

import shutil

import pytest

from converters.errors import ConversionCode, FormError, FormIssue
from converters.form_issues import locate_validate_issue, sheet_issues
from converters.xlsform import compile_form
from server.forms.upload import compile_upload
from tests.support.xlsforms import workbook_bytes

needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate needs Java")

HEADER = ["type", "name", "label", "relevant", "constraint", "calculation"]
CHOICES = [["list_name", "name", "label"], ["yes_no", "yes", "Yes"], ["yes_no", "no", "No"]]
SETTINGS = [["form_id", "version"], ["broken", "1"]]


def _xlsx(survey, choices=CHOICES) -> bytes:
    return workbook_bytes({"survey": [HEADER, *survey], "choices": choices, "settings": SETTINGS})


def _refusal(data: bytes, validate: str = "off") -> FormError:
    with pytest.raises(FormError) as caught:
        compile_upload(data, filename="broken.xlsx", validate=validate)
    return caught.value


def _places(error: FormError, severity: str = "error") -> list[tuple[str | None, int | None, str]]:
    return [(i.sheet, i.row, i.column or "") for i in error.issues if i.severity == severity]


def test_a_form_with_six_mistakes_lists_all_six_by_sheet_row_and_column():
    data = _xlsx(
        [
            ["text", "name", "Name of ${nobody}", "", "", ""],  # row 2: unknown reference
            ["integer", "age", "Age", "${agee} > 0", ". > > 3", ""],  # 3: reference and XPath
            ["select_one regions", "region", "Region", "", "", ""],  # 4: no such list
            ["txet", "note1", "Note", "", "", ""],  # 5: unknown type
            ["integer", "age", "Age again", "", "", ""],  # 6: name used twice
            ["calculate", "total", "", "", "", "${age} +* 2"],  # 7: not XPath
        ]
    )
    error = _refusal(data)
    assert error.code is ConversionCode.XLSFORM_INVALID
    assert _places(error) == [
        ("survey", 2, "label"),
        ("survey", 3, "relevant"),
        ("survey", 3, "constraint"),
        ("survey", 4, "type"),
        ("survey", 5, "type"),
        ("survey", 6, "name"),
        ("survey", 7, "calculation"),
    ]
    messages = [i.message for i in error.issues]
    assert "${nobody}" in messages[0] and "${agee}" in messages[1]
    assert "regions" in messages[3] and "txet" in messages[4]
    # pyxform's own first error is among them, not repeated by the sheet check
    assert sum(i.source == "pyxform" for i in error.issues) == 1
    assert "(sheet 'survey', row 7, column 'calculation')" in error.message


def test_pyxform_warnings_come_with_the_errors_after_them():
    # A choice without a label is a pyxform warning, not an error.
    choices = [*CHOICES, ["yes_no", "maybe", ""]]
    data = _xlsx(
        [
            ["select_one yes_no", "agree", "Agree?", "", "", ""],
            ["integer", "n", "N", "${missing} = 1", "", ""],
        ],
        choices,
    )
    error = _refusal(data)
    severities = [i.severity for i in error.issues]
    assert severities[0] == "error" and ("survey", 3, "relevant") in _places(error)
    assert "warning" in severities
    assert ("choices", 4, "label") in _places(error, "warning")
    assert severities.index("warning") > max(i for i, s in enumerate(severities) if s == "error")


def test_a_valid_form_is_not_refused_by_the_sheet_checks():
    data = _xlsx(
        [
            ["text", "name", "Name", "", "", ""],
            ["begin_group", "g", "G", "${name} != ''", "", ""],
            ["integer", "age", "Age of ${name}", "", ". >= 0 and . < 130", ""],
            ["end_group", "", "", "", "", ""],
            ["begin_group", "h", "H", "", "", ""],
            ["integer", "age2", "Age", "", "", ""],
            ["end_group", "", "", "", "", ""],
            ["calculate", "twice", "", "", "", "${age} * 2"],
        ]
    )
    assert compile_upload(data, filename="ok.xlsx", validate="off").form_id == "broken"
    workbook_rows = [dict(zip(HEADER, r, strict=True)) for r in [["image", "p", "P", "", "", ""]]]
    assert list(sheet_issues(workbook_rows, [])) == []


def test_an_odk_validate_path_is_rewritten_and_located_on_its_column():
    survey = [
        {"type": "begin_repeat", "name": "household"},
        {"type": "text", "name": "ident", "label": "Id", "constraint": "string-length(.) = 8"},
        {"type": "end_repeat"},
        {"type": "calculate", "name": "n", "calculation": "count(${ident}) +* 1"},
    ]
    said = FormIssue(
        "error",
        "bind for /data/household/ident contains invalid constraint expression "
        "[string-length(.) = 8]",
        source="odk-validate",
    )
    located = locate_validate_issue(said, survey)
    assert (located.sheet, located.row, located.column) == ("survey", 3, "constraint")
    assert "${ident}" in located.message and "/data/" not in located.message
    # No question named: found by the expression it quotes.
    quoted = FormIssue("error", "null in expression count( ${ident} ) +* 1", source="odk-validate")
    located = locate_validate_issue(quoted, survey)
    assert (located.row, located.column) == (5, "calculation")


@needs_java
def test_odk_validate_errors_name_their_column_and_every_syntax_error_is_listed():
    # pyxform passes both expressions; ODK Validate stops at the first.
    data = _xlsx(
        [
            ["integer", "age", "Age", "", ". > > 3", ""],
            ["text", "name", "Name", "", "", ""],
            ["calculate", "total", "", "", "", "${age} +* 2"],
        ]
    )
    assert compile_form(data, ".xlsx").form_id == "broken"
    error = _refusal(data, validate="on")
    assert error.code is ConversionCode.ODK_VALIDATE
    assert _places(error) == [("survey", 2, "constraint"), ("survey", 4, "calculation")]
    validate = next(i for i in error.issues if i.source == "odk-validate")
    assert "${age}" in validate.message and "/broken/" not in validate.message


def test_a_control_character_in_an_expression_is_a_located_problem_not_a_crash():
    """Found by tests/security/test_fuzz.py: lxml refuses such a string before parsing it."""
    markdown = (
        b"| survey |\n"
        b"| | type | name | label | relevant |\n"
        b"| | text | a | A | \x1b |\n"
        b"| | text | | B | |\n"
        b"| settings |\n"
        b"| | form_id | version |\n"
        b"| | broken | 1 |\n"
    )
    with pytest.raises(FormError) as caught:
        compile_upload(markdown, filename="broken.md", validate="off")
    error = caught.value
    assert ("survey", 2, "relevant") in _places(error)
    assert any("control character" in i.message for i in error.issues)
