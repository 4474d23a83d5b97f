"""Every form Baobab ships is built from its source (forms/<form_id>/*.csv, by
scripts/build_forms.py), compiles, passes ODK Validate, names its form_id and version, and
publishes into real tables; the intake registers returnees and the follow-up updates them."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell

from converters.xform_schema import parse_xform
from converters.xlsform import compile_form
from scripts.build_forms import FORMS_DIR, build_forms, build_workbook, form_sources
from server.clock import system_clock
from server.forms.upload import compile_upload, publish_upload
from storage.db import transaction
from storage.projects import create_project

FORMS = sorted(FORMS_DIR.glob("*.xlsx"))
SOURCES = form_sources()


def test_the_programme_forms_are_shipped():
    assert {p.stem for p in FORMS} >= {"returnee_intake", "reintegration_followup"}


def test_every_shipped_form_has_a_source_and_every_source_is_shipped(tmp_path):
    assert [p.stem for p in FORMS] == [s.name for s in SOURCES]
    assert [p.name for p in build_forms(FORMS_DIR, tmp_path)] == [p.name for p in FORMS]


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.name)
def test_shipped_form_is_its_source_built(source, tmp_path):
    """Fails when a CSV was edited without `make forms`, or the .xlsx was edited by hand."""
    built = tmp_path / f"{source.name}.xlsx"
    built.write_bytes(build_workbook(source))
    differences = workbook_differences(built, FORMS_DIR / built.name)
    assert not differences, (
        f"forms/{built.name} is not what forms/{source.name}/*.csv build; run `make forms`:\n"
        + "\n".join(differences[:20])
    )


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.name)
def test_building_a_form_gives_the_same_bytes_every_time(source):
    assert build_workbook(source) == build_workbook(source)


def test_a_choice_list_both_forms_use_has_the_same_choices_in_both():
    """Region, cercle, commune and assistance codes are written to the same entity properties
    and read by the same analysts, whichever form collected them."""
    lists = {source.name: choice_lists(source / "choices.csv") for source in SOURCES}
    intake, followup = lists["returnee_intake"], lists["reintegration_followup"]
    shared = intake.keys() & followup.keys()
    assert {"region", "cercle", "commune", "assistance"} <= shared
    assert {name: intake[name] for name in shared} == {name: followup[name] for name in shared}


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.name)
def test_every_translated_cell_is_in_english_and_french(source):
    for sheet in ("survey", "choices"):
        for line, row in enumerate(sheet_rows(source / f"{sheet}.csv"), start=2):
            for column in row:
                if column.endswith("::English (en)"):
                    french = column.replace("::English (en)", "::French (fr)")
                    assert bool(row[column]) == bool(row[french]), (sheet, line, column)


def test_the_score_previews_average_exactly_the_scored_items_of_their_dimension():
    """The follow-up's on-device previews are long XPath sums written out in survey.csv; they
    must follow the items when an item or its answer list changes."""
    source = FORMS_DIR / "reintegration_followup"
    survey = sheet_rows(source / "survey.csv")
    lists = choice_lists(source / "choices.csv")
    scored = {
        (row["type"].removeprefix("select_one "), row["name"])
        for row in survey
        if row["type"].startswith("select_one ")
        and any("score" in choice for choice in lists[row["type"].removeprefix("select_one ")])
    }
    calculation = {row["name"]: row["calculation"] for row in survey}
    term = re.compile(r"instance\('(\w+)'\)/root/item\[name = \$\{(\w+)\} and score != ''\]")
    for preview, prefix in [
        ("preview_economic", "econ_"),
        ("preview_social", "soc_"),
        ("preview_psychosocial", "psy_"),
    ]:
        items = {(list_name, name) for list_name, name in scored if name.startswith(prefix)}
        assert items, prefix
        assert set(term.findall(calculation[preview])) == items, preview
    signs = [c for c in lists["distress"] if c["name"] not in ("none", "refuse", "dk")]
    assert f"div {len(signs)}," in calculation["distress_score_preview"]


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.stem)
def test_shipped_form_has_form_id_and_version_matching_its_file(path):
    compiled = compile_form(path.read_bytes(), ".xlsx")
    assert compiled.form_id == path.stem
    assert compiled.version


@pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate needs Java")
@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.stem)
def test_shipped_form_passes_odk_validate(path):
    compiled = compile_upload(path.read_bytes(), filename=path.name, validate="on")
    assert not [w for w in compiled.warnings if w.source == "odk-validate"]


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.stem)
def test_shipped_form_is_bilingual_and_marks_sensitive_fields(path):
    schema = parse_xform(compile_form(path.read_bytes(), ".xlsx").xform.encode())
    assert set(schema.languages) == {"English (en)", "French (fr)"}
    assert any(f.sensitive for f in schema.fields)


def test_intake_registers_returnees_and_follow_up_updates_them():
    intake = parse_xform(compile_form(FORMS_BY_NAME["returnee_intake"], ".xlsx").xform.encode())
    followup = parse_xform(
        compile_form(FORMS_BY_NAME["reintegration_followup"], ".xlsx").xform.encode()
    )
    (created,) = intake.entities
    (updated,) = followup.entities
    assert created.dataset == updated.dataset == "returnees"
    assert created.create and updated.update
    assert "returnees.csv" in followup.media_files
    assert {"first_name", "last_name"} <= {p.name for p in created.properties}


def test_shipped_forms_publish_into_tables(engine):
    with transaction(engine) as connection:
        project = create_project(connection, "Mali", system_clock())
    for path in FORMS:
        result = publish_upload(
            engine,
            project_id=project.id,
            data=path.read_bytes(),
            filename=path.name,
            clock=system_clock,
            validate="off",
        )
        assert sa.inspect(engine).has_table(result.form.table_prefix)


FORMS_BY_NAME = {p.stem: p.read_bytes() for p in FORMS}


def workbook_differences(built: Path, committed: Path) -> list[str]:
    """Each sheet, cell (value and type, bold, wrap) and layout the builder sets that differs,
    as `built` (from the source) against `committed`."""
    a, b = load_workbook(built), load_workbook(committed)
    if a.sheetnames != b.sheetnames:
        return [f"the source gives sheets {a.sheetnames}, the .xlsx has {b.sheetnames}"]
    differences = []
    for ws_a, ws_b in zip(a.worksheets, b.worksheets, strict=True):
        panes = ws_a.freeze_panes, ws_b.freeze_panes
        if panes[0] != panes[1]:
            differences.append(f"{ws_a.title}: the source freezes {panes[0]}, the .xlsx {panes[1]}")
        for letter in sorted(ws_a.column_dimensions.keys() | ws_b.column_dimensions.keys()):
            width_a = ws_a.column_dimensions[letter].width
            width_b = ws_b.column_dimensions[letter].width
            if width_a != width_b:
                differences.append(
                    f"{ws_a.title}!{letter}: the source gives width {width_a}, the .xlsx {width_b}"
                )
        rows = max(ws_a.max_row, ws_b.max_row)
        columns = max(ws_a.max_column, ws_b.max_column)
        for row in range(1, rows + 1):
            for column in range(1, columns + 1):
                cell_a, cell_b = ws_a.cell(row, column), ws_b.cell(row, column)
                if cell_facts(cell_a) != cell_facts(cell_b):
                    differences.append(
                        f"{ws_a.title}!{cell_a.coordinate}: the source gives "
                        f"{cell_facts(cell_a)}, the .xlsx has {cell_facts(cell_b)}"
                    )
    return differences


def cell_facts(cell: Cell) -> tuple[object, ...]:
    # The type too: 1 == 1.0 in Python, and the cell "1" is not the number 1.
    value = cell.value
    return (
        type(value).__name__,
        value,
        cell.font.b,
        cell.alignment.wrap_text,
        cell.alignment.vertical,
    )


def sheet_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


def choice_lists(path: Path) -> dict[str, list[dict[str, str]]]:
    """list_name -> its choices, each with its non-empty cells only."""
    lists: dict[str, list[dict[str, str]]] = {}
    for row in sheet_rows(path):
        choice = {column: text for column, text in row.items() if text}
        lists.setdefault(row["list_name"], []).append(choice)
    return lists
