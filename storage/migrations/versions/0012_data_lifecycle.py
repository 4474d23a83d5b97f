"""data lifecycle: trash, purge and erasure (issue 18)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN of a nullable column: no table rebuild on SQLite, nothing rewritten on
    # PostgreSQL.
    op.add_column("forms", sa.Column("trashed_with", sa.String(16), nullable=True))
    op.add_column("submissions", sa.Column("trashed_with", sa.String(16), nullable=True))
    op.create_index("ix_submissions_deleted_at", "submissions", ["deleted_at"])
    op.create_table(
        "purged_submissions",
        sa.Column("instance_hash", sa.String(64), nullable=False),
        sa.Column("purged_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("instance_hash", name=op.f("pk_purged_submissions")),
    )


def downgrade() -> None:
    op.drop_table("purged_submissions")
    op.drop_index("ix_submissions_deleted_at", table_name="submissions")
    with op.batch_alter_table("submissions") as table:
        table.drop_column("trashed_with")
    with op.batch_alter_table("forms") as table:
        table.drop_column("trashed_with")
