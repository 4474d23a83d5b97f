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
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        _hold_form_versions()
    with op.batch_alter_table("form_versions") as batch_op:
        batch_op.add_column(sa.Column("draft_token_hash", sa.String(64)))
        batch_op.add_column(sa.Column("draft_token_cipher", sa.Text))
        batch_op.create_unique_constraint("uq_form_versions_draft_token_hash", ["draft_token_hash"])
    if sqlite:
        _put_back_form_versions()
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
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        _hold_form_versions()
    with op.batch_alter_table("form_versions") as batch_op:
        batch_op.drop_constraint("uq_form_versions_draft_token_hash", type_="unique")
        batch_op.drop_column("draft_token_cipher")
        batch_op.drop_column("draft_token_hash")
    if sqlite:
        _put_back_form_versions()


# SQLite cannot add or drop a constraint: the batches above rebuild form_versions (copy, DROP,
# rename). With foreign keys on, which they are for every connection (storage/db.py) and which
# cannot be turned off inside the migration's transaction, dropping a form_versions row that
# submission_versions, form_attachments or form_version_columns refer to fails (issue 18: a
# database at 0003 with one submission could not be upgraded). So the rows leave the table
# before the rebuild and come back after it, with the check deferred to the commit: the DELETE
# counts one pending violation per referring row and the INSERT of the same ids clears them.
# Nothing refers to form_versions with ON DELETE CASCADE at 0003 (draft_submissions, which does,
# is not there yet, or gone first on the way down), so the DELETE removes nothing else.
_HOLD = "_form_versions_0004"
_COLUMNS = (
    "id, form_id, version, title, xform, xform_md5, xform_sha256, xform_sha1, source, "
    "source_type, warnings, itemsets, created_by, created_at, published_at"
)


def _hold_form_versions() -> None:
    op.execute("PRAGMA defer_foreign_keys = ON")  # until the transaction ends
    op.execute(f"CREATE TABLE {_HOLD} AS SELECT {_COLUMNS} FROM form_versions")  # noqa: S608 (constants)
    op.execute("DELETE FROM form_versions")


def _put_back_form_versions() -> None:
    op.execute(f"INSERT INTO form_versions ({_COLUMNS}) SELECT {_COLUMNS} FROM {_HOLD}")  # noqa: S608
    op.execute(f"DROP TABLE {_HOLD}")
