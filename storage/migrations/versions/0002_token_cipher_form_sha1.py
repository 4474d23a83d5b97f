"""keep app-user tokens encrypted (QR codes can be shown again); form sha1 for Central clients

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("field_keys") as batch_op:
        batch_op.add_column(sa.Column("token_cipher", sa.Text(), nullable=True))
    with op.batch_alter_table("form_versions") as batch_op:
        batch_op.add_column(sa.Column("xform_sha1", sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("form_versions") as batch_op:
        batch_op.drop_column("xform_sha1")
    with op.batch_alter_table("field_keys") as batch_op:
        batch_op.drop_column("token_cipher")
