"""entities in the field: offline branches and their backlog, list settings (approval,
ownerOnly, access filter), app users' properties

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime, big_id

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _reference(table: str, column: str, target: str, **kwargs: object) -> sa.Column[int]:
    return sa.Column(
        column,
        big_id(),
        sa.ForeignKey(f"{target}.id", name=f"fk_{table}_{column}_{target}"),
        **kwargs,  # type: ignore[arg-type]
    )


def upgrade() -> None:
    # Plain ALTER TABLE ... ADD COLUMN: batch mode re-creates a table on SQLite, and dropping
    # entity_lists (or entities) fails there as soon as rows refer to it.
    op.add_column("entity_versions", sa.Column("branch_id", sa.String(64)))
    op.add_column("entity_versions", sa.Column("trunk_version", sa.Integer))
    op.add_column("entity_versions", sa.Column("branch_base_version", sa.Integer))
    op.add_column("entity_versions", sa.Column("source", sa.JSON))
    op.add_column(
        "entity_lists",
        sa.Column("approval_required", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "entity_lists",
        sa.Column("owner_only", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.add_column("entity_lists", sa.Column("access_filter", sa.JSON))
    op.create_table(
        "entity_backlog",
        sa.Column("id", big_id(), primary_key=True, autoincrement=True),
        _reference("entity_backlog", "list_id", "entity_lists", nullable=False),
        sa.Column("entity_uuid", sa.String(64), nullable=False),
        sa.Column("branch_id", sa.String(64)),
        sa.Column("branch_base_version", sa.Integer, nullable=False),
        _reference("entity_backlog", "submission_id", "submissions", nullable=False),
        _reference(
            "entity_backlog", "submission_version_id", "submission_versions", nullable=False
        ),
        sa.Column("held_at", UtcDateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_entity_backlog_list_entity_branch",
        "entity_backlog",
        ["list_id", "entity_uuid", "branch_id", "branch_base_version"],
    )
    op.create_index("ix_entity_backlog_held_at", "entity_backlog", ["held_at"])
    op.create_table(
        "actor_properties",
        sa.Column("id", big_id(), primary_key=True, autoincrement=True),
        _reference("actor_properties", "project_id", "projects", nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("project_id", "name", name="uq_actor_properties_project_id_name"),
    )
    op.create_table(
        "actor_property_values",
        _reference("actor_property_values", "actor_id", "actors", primary_key=True),
        _reference("actor_property_values", "property_id", "actor_properties", primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("actor_property_values")
    op.drop_table("actor_properties")
    op.drop_table("entity_backlog")
    for column in ("access_filter", "owner_only", "approval_required"):
        op.drop_column("entity_lists", column)
    for column in ("source", "branch_base_version", "trunk_version", "branch_id"):
        op.drop_column("entity_versions", column)
