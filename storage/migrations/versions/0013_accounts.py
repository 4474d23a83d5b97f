"""accounts: deactivation, password resets, sessions, single sign-on (issue 19)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02

Users may be deactivated (`users.deactivated_at`); sessions remember when they were last used
and from where; password reset tokens, single sign-on attempts and the rate limits of what
strangers can reach get tables of their own.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime, big_id

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _actor(table: str, column: str, **kwargs: object) -> sa.Column[int]:
    return sa.Column(
        column,
        big_id(),
        sa.ForeignKey("actors.id", name=f"fk_{table}_{column}_actors"),
        **kwargs,  # type: ignore[arg-type]
    )


def upgrade() -> None:
    # Plain ALTER TABLE (nullable columns): batch mode would re-create the tables on SQLite.
    op.add_column("users", sa.Column("deactivated_at", UtcDateTime()))
    op.add_column("users", sa.Column("deleted_at", UtcDateTime()))
    op.add_column("sessions", sa.Column("last_used_at", UtcDateTime()))
    op.add_column("sessions", sa.Column("ip", sa.String(64)))
    op.add_column("sessions", sa.Column("user_agent", sa.Text()))
    op.create_table(
        "password_resets",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        _actor("password_resets", "actor_id", nullable=False),
        _actor("password_resets", "created_by"),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("used_at", UtcDateTime()),
    )
    op.create_index("ix_password_resets_actor_id", "password_resets", ["actor_id"])
    op.create_table(
        "oidc_attempts",
        sa.Column("state_hash", sa.String(64), primary_key=True),
        sa.Column("nonce", sa.String(128), nullable=False),
        sa.Column("code_verifier", sa.String(128), nullable=False),
        sa.Column("next_path", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "rate_events",
        sa.Column("id", big_id(), primary_key=True, autoincrement=True),
        sa.Column("bucket", sa.String(96), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_rate_events_bucket", "rate_events", ["bucket"])
    op.create_index("ix_rate_events_at", "rate_events", ["at"])


def downgrade() -> None:
    op.drop_table("rate_events")
    op.drop_table("oidc_attempts")
    op.drop_table("password_resets")
    with op.batch_alter_table("sessions") as batch:
        for column in ("user_agent", "ip", "last_used_at"):
            batch.drop_column(column)
    with op.batch_alter_table("users") as batch:
        batch.drop_column("deleted_at")
        batch.drop_column("deactivated_at")
