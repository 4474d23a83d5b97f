"""XLSForm compilation: every mistake a form designer makes is reported with its sheet and row."""

from __future__ import annotations

import shutil

import pytest

from converters.errors import ConversionCode, FormError
from converters.xlsform import compile_form, detect_file_type, odk_validate_issues
from server.forms.validation import run_odk_validate
from tests.support.xlsforms import md_form, workbook_bytes

needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate needs Java")


def _error(data: bytes, file_type: str = ".md") -> FormError:
    with pytest.raises(FormError) as caught:
        compile_form(data, file_type)
    return caught.value


def test_valid_markdown_form_compiles_with_its_id_version_and_title():
    compiled = compile_form(
        md_form(
            "type | name | label\ntext | name | Name",
            settings="form_id | version | form_title\nintake | 2026 | Intake",
        ),
        ".md",
    )
    assert (compiled.form_id, compiled.version, compiled.title) == ("intake", "2026", "Intake")
    assert 'id="intake"' in compiled.xform and 'version="2026"' in compiled.xform
    assert compiled.name_rows == {"name": 2}


@pytest.mark.parametrize("file_type", [".xlsx", ".xls"])
def test_spreadsheet_forms_compile(file_type):
    data = workbook_bytes(
        {
            "survey": [["type", "name", "label"], ["text", "a", "A"], ["integer", "b", "B"]],
            "settings": [["form_id", "version"], ["sheet_form", "3"]],
        },
        file_type,
    )
    compiled = compile_form(data, file_type)
    assert (compiled.form_id, compiled.version, compiled.file_type) == (
        "sheet_form",
        "3",
        file_type,
    )


def test_csv_form_compiles():
    data = b"survey,,,\n,type,name,label\n,text,a,A\nsettings,,,\n,form_id,version,\n,csv_form,7,\n"
    assert compile_form(data, ".csv").form_id == "csv_form"


def test_unknown_question_type_names_the_survey_row_and_type_column():
    error = _error(md_form("type | name | label\ntext | a | A\nintegr | b | B"))
    (issue,) = error.issues
    assert error.code is ConversionCode.XLSFORM_INVALID
    assert (issue.sheet, issue.row, issue.column) == ("survey", 3, "type")
    assert "integr" in issue.message


def test_unmatched_group_names_its_row():
    error = _error(md_form("type | name | label\nbegin_group | g | G\ntext | a | A"))
    (issue,) = error.issues
    assert (issue.sheet, issue.row) == ("survey", 2)
    assert "Unmatched 'begin_group'" in issue.message


def test_select_from_a_missing_choice_list_names_its_row():
    error = _error(
        md_form(
            "type | name | label\ntext | a | A\nselect_one yn | b | B",
            choices="list_name | name | label\nyesno | y | Yes",
        )
    )
    (issue,) = error.issues
    assert (issue.sheet, issue.row) == ("survey", 3)
    assert "yn" in issue.message


def test_duplicate_choice_names_the_choices_sheet_and_row():
    error = _error(
        md_form(
            "type | name | label\nselect_one yn | b | B",
            choices="list_name | name | label\nyn | y | Yes\nyn | y | Yes again",
        )
    )
    (issue,) = error.issues
    assert (issue.sheet, issue.row) == ("choices", 3)


def test_reference_to_unknown_field_names_sheet_row_and_column():
    error = _error(md_form("type | name | label | relevant\ntext | a | A | ${zzz} = 1"))
    (issue,) = error.issues
    assert (issue.sheet, issue.row, issue.column) == ("survey", 2, "relevant")


def test_question_without_label_is_located_by_its_name():
    error = _error(md_form("type | name | label\ntext | a | A\ntext | b |"))
    (issue,) = error.issues
    assert (issue.sheet, issue.row) == ("survey", 3)


def test_form_without_settings_is_refused_with_how_to_fix_it():
    error = _error(md_form("type | name | label\ntext | a | A", settings=""))
    assert error.code is ConversionCode.MISSING_FORM_ID
    assert {i.column for i in error.issues} == {"form_id"}
    assert all(i.sheet == "settings" for i in error.issues)
    assert "Add a 'settings' sheet" in error.message


def test_form_without_version_is_taken_with_the_empty_version_as_central_does():
    compiled = compile_form(
        md_form("type | name | label\ntext | a | A", settings="form_id\nonly_id"), ".md"
    )
    assert (compiled.form_id, compiled.version) == ("only_id", "")


def test_corrupt_spreadsheet_is_unreadable_not_a_crash():
    error = _error(b"PK\x03\x04 not really a zip", ".xlsx")
    assert error.code is ConversionCode.XLSFORM_UNREADABLE


def test_warnings_are_kept_with_their_rows():
    compiled = compile_form(
        md_form(
            "type | name | label::English (en) | label::French (fr) | hint::English (en)\n"
            "text | a | A | A fr | a hint"
        ),
        ".md",
    )
    assert any("French (fr)" in w.message and w.severity == "warning" for w in compiled.warnings)


def test_xform_upload_is_read_as_is():
    compiled = compile_form(md_form("type | name | label\ntext | a | A", form_id="x1"), ".md")
    again = compile_form(compiled.xform.encode(), ".xml")
    assert (again.form_id, again.version, again.xform) == ("x1", "1", compiled.xform)


def test_xform_without_version_is_taken_with_the_empty_version():
    compiled = compile_form(md_form("type | name | label\ntext | a | A"), ".md")
    xml = compiled.xform.replace(' version="1"', "").encode()
    assert compile_form(xml, ".xml").version == ""


@pytest.mark.parametrize(
    ("name", "content_type", "data", "expected"),
    [
        ("f.XLSX", None, b"", ".xlsx"),
        ("f.xml", None, b"", ".xml"),
        (None, "application/vnd.ms-excel", b"", ".xls"),
        (None, None, b"PK\x03\x04", ".xlsx"),
        (None, "application/xml; charset=utf-8", b"", ".xml"),
        (None, None, b"  <h:html", ".xml"),
    ],
)
def test_file_type_is_detected_from_name_content_type_or_bytes(name, content_type, data, expected):
    assert detect_file_type(name, data, content_type) == expected


def test_unsupported_file_type_is_refused():
    with pytest.raises(FormError) as caught:
        detect_file_type("form.pdf", b"%PDF", None)
    assert caught.value.code is ConversionCode.UNSUPPORTED_FILE_TYPE


def test_odk_validate_output_is_located_by_field_name():
    output = (
        "ODK Validate Errors:\n>> XForm is invalid.\n: bind for ${age} contains invalid "
        "constraint expression [. > > 3]\nResult: Invalid"
    )
    (issue,) = odk_validate_issues(output, {"name": 2, "age": 5})
    assert (issue.sheet, issue.row, issue.source) == ("survey", 5, "odk-validate")
    assert "invalid constraint expression" in issue.message


@needs_java
def test_odk_validate_finds_what_pyxform_lets_through():
    compiled = compile_form(
        md_form("type | name | label | constraint\ntext | a | A |\ninteger | b | B | . > > 3"),
        ".md",
    )
    outcome = run_odk_validate(compiled)
    assert outcome.ran
    assert [(i.sheet, i.row) for i in outcome.errors] == [("survey", 3)]


@needs_java
def test_odk_validate_accepts_a_valid_form():
    compiled = compile_form(md_form("type | name | label\ninteger | b | B"), ".md")
    assert run_odk_validate(compiled).errors == ()
