"""public links: an actor whose token lets anyone with the link fill one form

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import big_id

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "public_links",
        sa.Column("actor_id", big_id(), nullable=False),
        sa.Column("form_id", big_id(), nullable=False),
        sa.Column("once", sa.Boolean(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("token_cipher", sa.Text(), nullable=True),
        sa.Column("created_by", big_id(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_public_links_actor_id_actors")
        ),
        sa.ForeignKeyConstraint(
            ["form_id"], ["forms.id"], name=op.f("fk_public_links_form_id_forms")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["actors.id"], name=op.f("fk_public_links_created_by_actors")
        ),
        sa.PrimaryKeyConstraint("actor_id", name=op.f("pk_public_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_public_links_token_hash")),
    )
    with op.batch_alter_table("public_links") as table:
        table.create_index(table.f("ix_public_links_form_id"), ["form_id"], unique=False)


def downgrade() -> None:
    op.drop_table("public_links")
