"""The `baobab` command, run in-process against a real database: clear messages, exit codes,
and no tracebacks for a user's mistakes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from storage.db import is_postgres, transaction
from storage.exports.form_views import view_ref
from tests.support.xlsforms import md_form


@pytest.fixture
def form_file(tmp_path):
    def write(name, survey, **kwargs):
        path = tmp_path / name
        path.write_bytes(md_form(survey, **kwargs))
        return path

    return write


def test_db_upgrade_reports_success(baobab):
    assert baobab("db", "upgrade")[:2] == (0, "database is up to date\n")


def test_users_create_generates_a_password_once(baobab, engine):
    code, out, _ = baobab("users", "create", "Awa@Example.org", "--admin", "--name", "Awa")
    assert code == 0
    assert "created user" in out and "awa@example.org (administrator)" in out
    assert "password: " in out
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT password_hash FROM users")).scalar()
    assert stored.startswith("$argon2id$")
    code, out, err = baobab("users", "create", "awa@example.org")
    assert code == 1 and "already exists" in err and "Traceback" not in err
    assert "awa@example.org" in baobab("users", "list")[1]


def test_users_create_reads_the_password_from_stdin(baobab):
    code, out, _ = baobab(
        "users", "create", "b@example.org", "--password-stdin", stdin="a long passphrase\n"
    )
    assert code == 0 and "password:" not in out
    code, _, err = baobab("users", "create", "c@example.org", "--password-stdin", stdin="short\n")
    assert code == 1 and "at least 10 characters" in err


def test_projects_create_and_list(baobab):
    assert baobab("projects", "create", "Returns Mali")[:2] == (
        0,
        "created project 1 Returns Mali\n",
    )
    assert baobab("projects", "list")[1] == "1\tReturns Mali\n"


def test_forms_check_reports_ok_and_warnings(baobab, form_file):
    path = form_file(
        "ok.md",
        "type | name | label::English (en) | hint::English (en)\ntext | a | A | hint",
        form_id="checked",
    )
    code, out, _ = baobab("forms", "check", str(path))
    assert code == 0 and out.startswith("ok: checked version 1")


def test_forms_check_fails_with_sheet_and_row(baobab, form_file):
    path = form_file("bad.md", "type | name | label\ntext | a | A\nintegr | b | B")
    code, out, err = baobab("forms", "check", str(path))
    assert code == 1
    assert "error: sheet 'survey', row 3, column 'type': Unknown question type 'integr'" in err
    assert "Traceback" not in err


def test_forms_check_of_a_missing_file_is_a_clear_error(baobab, tmp_path):
    code, _, err = baobab("forms", "check", str(tmp_path / "nope.xlsx"))
    assert code == 1 and "no such file" in err


def test_forms_publish_then_list_then_publish_again(baobab, form_file, engine):
    baobab("projects", "create", "P")
    path = form_file("f.md", "type | name | label\ninteger | age | Age", form_id="intake")
    code, out, _ = baobab("forms", "publish", str(path), "--project", "1")
    assert code == 0 and "published intake version 1 in project 1" in out
    assert "1 new tables (2 columns), 0 columns added, 0 widened" in out
    assert sa.inspect(engine).has_table("intake")
    assert baobab("forms", "list")[1] == "1\tintake\topen\tintake\n"
    code, out, _ = baobab("forms", "publish", str(path), "--project", "1")
    assert code == 0 and "already published" in out


def test_db_refresh_views_re_creates_a_dropped_view(baobab, form_file, engine):
    baobab("projects", "create", "P")
    path = form_file("f.md", "type | name | label\ninteger | age | Age", form_id="intake")
    assert baobab("forms", "publish", str(path), "--project", "1")[0] == 0
    with transaction(engine) as connection:
        view = view_ref(connection, "intake" if is_postgres(connection) else "analytics__intake")
        connection.execute(sa.text(f"DROP VIEW {view}"))
    assert baobab("db", "refresh-views")[:2] == (
        0,
        "analytics views re-created for 1 form(s) and every entity list\n",
    )
    with engine.connect() as connection:
        assert connection.execute(sa.text(f"SELECT count(*) FROM {view}")).scalar() == 0


def test_forms_publish_into_a_missing_project_fails_cleanly(baobab, form_file):
    path = form_file("f.md", "type | name | label\ninteger | age | Age")
    code, _, err = baobab("forms", "publish", str(path), "--project", "42")
    assert code == 1 and "Could not find the project 42" in err


def test_forms_publish_of_a_changed_form_with_the_same_version_is_refused(baobab, form_file):
    baobab("projects", "create", "P")
    baobab(
        "forms",
        "publish",
        str(form_file("a.md", "type | name | label\ntext | a | A")),
        "--project",
        "1",
    )
    code, _, err = baobab(
        "forms",
        "publish",
        str(form_file("b.md", "type | name | label\ntext | b | B")),
        "--project",
        "1",
    )
    assert code == 1 and "already has a version '1'" in err


def test_bad_setting_is_reported_without_a_traceback(baobab, monkeypatch):
    monkeypatch.setenv("BAOBAB_PORT", "eighty")
    code, _, err = baobab("projects", "list")
    assert code == 1 and "BAOBAB_PORT='eighty'" in err


def test_no_command_prints_help(baobab):
    assert baobab()[0] == 2
    assert baobab("forms")[0] == 2


def test_scores_recompute_uses_the_shipped_weights_or_a_given_file(baobab, tmp_path):
    assert baobab("projects", "create", "Kayes")[0] == 0
    code, out, _ = baobab("forms", "publish", "forms/reintegration_followup.xlsx", "--project", "1")
    assert code == 0, out
    code, out, _ = baobab("scores", "recompute")
    assert (code, out) == (
        0,
        "0 submission(s) of reintegration_followup scored with weights 2026.1-provisional "
        "(provisional weights)\n",
    )
    broken = tmp_path / "broken.json"
    broken.write_text('{"version": "x"}')
    code, _, err = baobab("scores", "recompute", "--weights", str(broken))
    assert code != 0 and "broken.json" in err
