"""reintegration sustainability scores per submission

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime, big_id

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rss_scores",
        sa.Column(
            "submission_id",
            big_id(),
            sa.ForeignKey(
                "submissions.id",
                ondelete="CASCADE",
                name="fk_rss_scores_submission_id_submissions",
            ),
            primary_key=True,
        ),
        sa.Column(
            "form_id",
            big_id(),
            sa.ForeignKey("forms.id", name="fk_rss_scores_form_id_forms"),
            nullable=False,
        ),
        sa.Column("entity_uuid", sa.String(64)),
        sa.Column("weight_version", sa.Text, nullable=False),
        sa.Column("economic", sa.Float),
        sa.Column("social", sa.Float),
        sa.Column("psychosocial", sa.Float),
        sa.Column("composite", sa.Float),
        sa.Column("items", sa.JSON, nullable=False),
        sa.Column("computed_at", UtcDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_rss_scores_entity_uuid", "rss_scores", ["entity_uuid"])


def downgrade() -> None:
    op.drop_table("rss_scores")
