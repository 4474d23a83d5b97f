"""ODK Entities: entity lists, entities and their versions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime, big_id

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _id() -> sa.Column[int]:
    return sa.Column("id", big_id(), primary_key=True, autoincrement=True)


def _reference(name: str, target: str, table: str, *, nullable: bool = True) -> sa.Column[int]:
    return sa.Column(
        name,
        big_id(),
        sa.ForeignKey(f"{target}.id", name=f"fk_{table}_{name}_{target}"),
        nullable=nullable,
    )


def upgrade() -> None:
    op.create_table(
        "entity_lists",
        _id(),
        _reference("project_id", "projects", "entity_lists", nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("properties", sa.JSON, nullable=False),
        sa.Column("sensitive", sa.JSON, nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("project_id", "name", name="uq_entity_lists_project_id_name"),
    )
    op.create_table(
        "entities",
        _id(),
        _reference("list_id", "entity_lists", "entities", nullable=False),
        sa.Column("uuid", sa.String(64), nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("conflict", sa.String(8)),
        _reference("creator_id", "actors", "entities"),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UtcDateTime(timezone=True)),
        sa.Column("deleted_at", UtcDateTime(timezone=True)),
        sa.UniqueConstraint("list_id", "uuid", name="uq_entities_list_id_uuid"),
    )
    op.create_table(
        "entity_versions",
        _id(),
        _reference("entity_id", "entities", "entity_versions", nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("base_version", sa.Integer),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("received", sa.JSON, nullable=False),
        sa.Column("conflicting_properties", sa.JSON),
        sa.Column("conflict", sa.String(8)),
        _reference("submission_version_id", "submission_versions", "entity_versions"),
        _reference("creator_id", "actors", "entity_versions"),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("entity_id", "version", name="uq_entity_versions_entity_id_version"),
    )


def downgrade() -> None:
    op.drop_table("entity_versions")
    op.drop_table("entities")
    op.drop_table("entity_lists")
