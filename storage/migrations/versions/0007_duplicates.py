"""duplicate registrations: person profiles, blocking keys, review queue

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime, big_id

revision = "0007"
down_revision = "0006"
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
    op.create_table(
        "person_profiles",
        _reference("person_profiles", "entity_id", "entities", primary_key=True),
        _reference("person_profiles", "list_id", "entity_lists", nullable=False),
        sa.Column("profile", sa.JSON, nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "person_keys",
        _reference("person_keys", "entity_id", "entities", primary_key=True),
        sa.Column("key", sa.String(120), primary_key=True),
        _reference("person_keys", "list_id", "entity_lists", nullable=False),
    )
    op.create_index("ix_person_keys_list_id_key", "person_keys", ["list_id", "key"])
    op.create_table(
        "duplicate_flags",
        sa.Column("id", big_id(), primary_key=True, autoincrement=True),
        _reference("duplicate_flags", "list_id", "entity_lists", nullable=False),
        _reference("duplicate_flags", "entity_id", "entities", nullable=False),
        _reference("duplicate_flags", "candidate_id", "entities", nullable=False),
        _reference("duplicate_flags", "submission_id", "submissions"),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        _reference("duplicate_flags", "decided_by", "actors"),
        sa.Column("decided_at", UtcDateTime(timezone=True)),
        sa.Column("note", sa.Text),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "entity_id", "candidate_id", name="uq_duplicate_flags_entity_id_candidate_id"
        ),
    )
    op.create_index("ix_duplicate_flags_list_id_status", "duplicate_flags", ["list_id", "status"])


def downgrade() -> None:
    op.drop_table("duplicate_flags")
    op.drop_table("person_keys")
    op.drop_table("person_profiles")
