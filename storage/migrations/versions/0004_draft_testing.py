"""draft test keys and the submissions sent to a draft

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime, big_id

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("form_versions") as batch_op:
        batch_op.add_column(sa.Column("draft_token_hash", sa.String(64)))
        batch_op.add_column(sa.Column("draft_token_cipher", sa.Text))
        batch_op.create_unique_constraint("uq_form_versions_draft_token_hash", ["draft_token_hash"])
    op.create_table(
        "draft_submissions",
        sa.Column("id", big_id(), primary_key=True, autoincrement=True),
        sa.Column(
            "form_version_id",
            big_id(),
            sa.ForeignKey(
                "form_versions.id",
                ondelete="CASCADE",
                name="fk_draft_submissions_form_version_id_form_versions",
            ),
            nullable=False,
        ),
        sa.Column("instance_id", sa.Text, nullable=False),
        sa.Column("instance_name", sa.Text),
        sa.Column("xml", sa.Text, nullable=False),
        sa.Column("files", sa.JSON, nullable=False),
        sa.Column("device_id", sa.Text),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("form_version_id", "instance_id"),
    )


def downgrade() -> None:
    op.drop_table("draft_submissions")
    with op.batch_alter_table("form_versions") as batch_op:
        batch_op.drop_constraint("uq_form_versions_draft_token_hash", type_="unique")
        batch_op.drop_column("draft_token_cipher")
        batch_op.drop_column("draft_token_hash")
