"""The columns a person chose for a form's submissions table: kept per person and form,
replaced by a new choice, forgotten on reset, and gone with the form."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from storage.accounts.users import create_user
from storage.db import transaction
from storage.projects import create_project
from storage.schema import system as s
from storage.submissions.column_choices import choose_columns, chosen_columns, forget_columns

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def _form(connection, project_id: int, name: str) -> int:
    return connection.execute(
        sa.insert(s.forms)
        .values(project_id=project_id, xml_form_id=name, table_prefix=f"f_{name}", created_at=NOW)
        .returning(s.forms.c.id)
    ).scalar_one()


def test_a_choice_is_kept_per_person_and_form_and_replaced(engine):
    with transaction(engine) as connection:
        awa = create_user(connection, email="awa@example.org", password_hash=None, now=NOW)
        musa = create_user(connection, email="musa@example.org", password_hash=None, now=NOW)
        project = create_project(connection, "Kayes", NOW)
        intake, visit = (
            _form(connection, project.id, "intake"),
            _form(connection, project.id, "visit"),
        )
        assert chosen_columns(connection, awa.id, intake) is None  # never chose: the default
        choose_columns(connection, awa.id, intake, ["/data/b", "/data/a", "/data/b"], NOW)
        assert chosen_columns(connection, awa.id, intake) == ("/data/b", "/data/a")
        assert chosen_columns(connection, musa.id, intake) is None
        assert chosen_columns(connection, awa.id, visit) is None
        choose_columns(connection, awa.id, intake, ["/data/c"], NOW)
        assert chosen_columns(connection, awa.id, intake) == ("/data/c",)
        forget_columns(connection, awa.id, intake)
        assert chosen_columns(connection, awa.id, intake) is None


def test_a_choice_goes_with_its_form(engine):
    with transaction(engine) as connection:
        awa = create_user(connection, email="awa@example.org", password_hash=None, now=NOW)
        project = create_project(connection, "Kayes", NOW)
        form_id = _form(connection, project.id, "intake")
        choose_columns(connection, awa.id, form_id, ["/data/a"], NOW)
        connection.execute(sa.delete(s.forms).where(s.forms.c.id == form_id))
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(s.column_choices)).scalar()
            == 0
        )


def test_a_damaged_row_counts_as_no_choice(engine):
    with transaction(engine) as connection:
        awa = create_user(connection, email="awa@example.org", password_hash=None, now=NOW)
        project = create_project(connection, "Kayes", NOW)
        form_id = _form(connection, project.id, "intake")
        connection.execute(
            sa.insert(s.column_choices).values(
                actor_id=awa.id, form_id=form_id, columns="not json", updated_at=NOW
            )
        )
        assert chosen_columns(connection, awa.id, form_id) is None
