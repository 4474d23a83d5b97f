"""Every form Baobab ships compiles, passes ODK Validate, names its form_id and version, and
publishes into real tables; the intake registers returnees and the follow-up updates them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from converters.xform_schema import parse_xform
from converters.xlsform import compile_form
from server.clock import system_clock
from server.forms import compile_upload, publish_upload
from storage.db import transaction
from storage.projects import create_project

FORMS = sorted((Path(__file__).resolve().parent.parent / "forms").glob("*.xlsx"))


def test_the_programme_forms_are_shipped():
    assert {p.stem for p in FORMS} >= {"returnee_intake", "reintegration_followup"}


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
