"""reusable e-mail addresses: one live user per address, so a deleted user's address can be
given to a new account (a staff member who comes back), as Central allows

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02

The unique constraint on users.email becomes a unique index over the users not deleted. Going
back, a deleted user whose address was taken again gets `#deleted-<actor id>` after it, so that
the old constraint holds; the live user keeps the address.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

LIVE = sa.text("deleted_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_constraint("uq_users_email", type_="unique")
    op.create_index(
        "uq_users_email_live",
        "users",
        ["email"],
        unique=True,
        postgresql_where=LIVE,
        sqlite_where=LIVE,
    )


def downgrade() -> None:
    op.execute(
        "UPDATE users SET email = email || '#deleted-' || CAST(actor_id AS TEXT)"
        " WHERE deleted_at IS NOT NULL"
        " AND email IN (SELECT email FROM users GROUP BY email HAVING count(*) > 1)"
    )
    op.drop_index("uq_users_email_live", table_name="users")
    with op.batch_alter_table("users") as batch_op:
        batch_op.create_unique_constraint("uq_users_email", ["email"])
