"""at most one draft (unpublished definition) per form

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("form_versions") as batch_op:
        batch_op.create_index(
            "uq_form_versions_draft",
            ["form_id"],
            unique=True,
            postgresql_where=sa.text("published_at IS NULL"),
            sqlite_where=sa.text("published_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("form_versions") as batch_op:
        batch_op.drop_index("uq_form_versions_draft")
