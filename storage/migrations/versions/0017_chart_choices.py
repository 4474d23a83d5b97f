"""chart choices: the questions each person charts on a form's dashboard, and how (issue 21)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02

One row per person and form, as the submissions table's column choices (0015): kept server
side so the choice follows the person across devices; it goes with the form or the person
(ON DELETE CASCADE). `charts` is a JSON list of [xpath, kind] pairs, in the person's order.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime, big_id

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chart_choices",
        sa.Column(
            "actor_id",
            big_id(),
            sa.ForeignKey("actors.id", name="fk_chart_choices_actor_id_actors", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "form_id",
            big_id(),
            sa.ForeignKey("forms.id", name="fk_chart_choices_form_id_forms", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("charts", sa.Text(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("actor_id", "form_id", name="pk_chart_choices"),
    )


def downgrade() -> None:
    op.drop_table("chart_choices")
