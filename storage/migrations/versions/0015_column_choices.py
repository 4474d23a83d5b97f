"""column choices: the questions each person shows in a form's submissions table (issue 21)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02

One row per person and form, kept server side so the choice follows the person across
devices; it goes with the form or the person (ON DELETE CASCADE).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime, big_id

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "column_choices",
        sa.Column(
            "actor_id",
            big_id(),
            sa.ForeignKey(
                "actors.id", name="fk_column_choices_actor_id_actors", ondelete="CASCADE"
            ),
            nullable=False,
        ),
        sa.Column(
            "form_id",
            big_id(),
            sa.ForeignKey("forms.id", name="fk_column_choices_form_id_forms", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("columns", sa.Text(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("actor_id", "form_id", name="pk_column_choices"),
    )


def downgrade() -> None:
    op.drop_table("column_choices")
