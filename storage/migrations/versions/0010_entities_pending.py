"""entities in the field: registrations waiting for approval or review, held actions kept with
the backlog, resolved conflicts; duplicate registrations named by entity uuid

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

person_profiles, person_keys and duplicate_flags named a registration by its entity id, so a
registration could be compared only once its entity existed. They now name it by the uuid the
submission carries, so a registration that waits (for approval, or for this very review) is
compared and flagged before its entity is created. The rows are carried over through a copy
(CREATE TABLE ... AS SELECT joined to entities), which works alike on PostgreSQL and SQLite.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime, big_id

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _reference(table: str, column: str, target: str, **kwargs: object) -> sa.Column[int]:
    return sa.Column(
        column,
        big_id(),
        sa.ForeignKey(f"{target}.id", name=f"fk_{table}_{column}_{target}"),
        **kwargs,  # type: ignore[arg-type]
    )


# Of the current version, as its label and data (Central's currentVersion), and the version
# current when its conflict was last resolved.
_ENTITY_COLUMNS: tuple[tuple[str, sa.types.TypeEngine[int] | sa.String], ...] = (
    ("base_version", sa.Integer()),
    ("branch_id", sa.String(64)),
    ("trunk_version", sa.Integer()),
    ("branch_base_version", sa.Integer()),
    ("resolved_version", sa.Integer()),
)


def upgrade() -> None:
    # Plain ALTER TABLE: batch mode would re-create `entities` on SQLite, which the rows that
    # refer to it (versions, profiles) forbid.
    for name, kind in _ENTITY_COLUMNS:
        op.add_column("entities", sa.Column(name, kind))
    op.execute(
        "UPDATE entities SET base_version = (SELECT v.base_version FROM entity_versions v "
        "WHERE v.entity_id = entities.id AND v.version = entities.version)"
    )
    op.add_column("entity_backlog", sa.Column("action", sa.JSON))
    op.create_table(
        "entity_pending",
        sa.Column("id", big_id(), primary_key=True, autoincrement=True),
        _reference("entity_pending", "list_id", "entity_lists", nullable=False),
        sa.Column("entity_uuid", sa.String(64), nullable=False),
        _reference("entity_pending", "submission_id", "submissions", nullable=False),
        _reference(
            "entity_pending", "submission_version_id", "submission_versions", nullable=False
        ),
        sa.Column("action", sa.JSON, nullable=False),
        sa.Column("held_by", sa.String(32)),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "submission_id",
            "list_id",
            "entity_uuid",
            name="uq_entity_pending_submission_id_list_id_entity_uuid",
        ),
    )
    op.create_index("ix_entity_pending_list_id", "entity_pending", ["list_id"])
    _copy_out()
    op.drop_table("duplicate_flags")
    op.drop_table("person_keys")
    op.drop_table("person_profiles")
    _create_by_uuid()
    _copy_in()


def _copy_out() -> None:
    op.execute(
        "CREATE TABLE tmp_person_profiles AS SELECT p.list_id, e.uuid AS entity_uuid, "
        "p.profile, p.created_at FROM person_profiles p JOIN entities e ON e.id = p.entity_id"
    )
    op.execute(
        "CREATE TABLE tmp_person_keys AS SELECT k.list_id, e.uuid AS entity_uuid, k.key "
        "FROM person_keys k JOIN entities e ON e.id = k.entity_id"
    )
    op.execute(
        "CREATE TABLE tmp_duplicate_flags AS SELECT f.id, f.list_id, n.uuid AS entity_uuid, "
        "o.uuid AS candidate_uuid, f.submission_id, f.score, f.reasons, f.status, "
        "f.decided_by, f.decided_at, f.note, f.created_at FROM duplicate_flags f "
        "JOIN entities n ON n.id = f.entity_id JOIN entities o ON o.id = f.candidate_id"
    )


def _create_by_uuid() -> None:
    op.create_table(
        "person_profiles",
        _reference("person_profiles", "list_id", "entity_lists", primary_key=True),
        sa.Column("entity_uuid", sa.String(64), primary_key=True),
        _reference("person_profiles", "submission_id", "submissions"),
        sa.Column("label", sa.Text),
        sa.Column("profile", sa.JSON, nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "person_keys",
        _reference("person_keys", "list_id", "entity_lists", primary_key=True),
        sa.Column("entity_uuid", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(120), primary_key=True),
    )
    op.create_index("ix_person_keys_list_id_key", "person_keys", ["list_id", "key"])
    op.create_table(
        "duplicate_flags",
        sa.Column("id", big_id(), primary_key=True, autoincrement=True),
        _reference("duplicate_flags", "list_id", "entity_lists", nullable=False),
        sa.Column("entity_uuid", sa.String(64), nullable=False),
        sa.Column("candidate_uuid", sa.String(64), nullable=False),
        _reference("duplicate_flags", "submission_id", "submissions"),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        _reference("duplicate_flags", "decided_by", "actors"),
        sa.Column("decided_at", UtcDateTime(timezone=True)),
        sa.Column("note", sa.Text),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "list_id",
            "entity_uuid",
            "candidate_uuid",
            name="uq_duplicate_flags_list_id_entity_uuid_candidate_uuid",
        ),
    )
    op.create_index("ix_duplicate_flags_list_id_status", "duplicate_flags", ["list_id", "status"])


def _copy_in() -> None:
    op.execute(
        "INSERT INTO person_profiles (list_id, entity_uuid, profile, created_at) "
        "SELECT list_id, entity_uuid, profile, created_at FROM tmp_person_profiles"
    )
    op.execute(
        "INSERT INTO person_keys (list_id, entity_uuid, key) "
        "SELECT list_id, entity_uuid, key FROM tmp_person_keys"
    )
    op.execute(
        "INSERT INTO duplicate_flags (id, list_id, entity_uuid, candidate_uuid, submission_id, "
        "score, reasons, status, decided_by, decided_at, note, created_at) "
        "SELECT id, list_id, entity_uuid, candidate_uuid, submission_id, score, reasons, "
        "status, decided_by, decided_at, note, created_at FROM tmp_duplicate_flags"
    )
    if op.get_bind().dialect.name == "postgresql":  # ids were copied: move the sequence on
        op.execute(
            "SELECT setval(pg_get_serial_sequence('duplicate_flags', 'id'), "
            "COALESCE((SELECT max(id) FROM duplicate_flags), 0) + 1, false)"
        )
    for name in ("tmp_duplicate_flags", "tmp_person_keys", "tmp_person_profiles"):
        op.drop_table(name)


def downgrade() -> None:
    """Back to entity ids: registrations whose entity does not exist are dropped."""
    op.execute(
        "CREATE TABLE tmp_person_profiles AS SELECT e.id AS entity_id, p.list_id, p.profile, "
        "p.created_at FROM person_profiles p JOIN entities e "
        "ON e.list_id = p.list_id AND e.uuid = p.entity_uuid"
    )
    op.execute(
        "CREATE TABLE tmp_person_keys AS SELECT e.id AS entity_id, k.key, k.list_id "
        "FROM person_keys k JOIN entities e ON e.list_id = k.list_id AND e.uuid = k.entity_uuid"
    )
    op.execute(
        "CREATE TABLE tmp_duplicate_flags AS SELECT f.id, f.list_id, n.id AS entity_id, "
        "o.id AS candidate_id, f.submission_id, f.score, f.reasons, f.status, f.decided_by, "
        "f.decided_at, f.note, f.created_at FROM duplicate_flags f "
        "JOIN entities n ON n.list_id = f.list_id AND n.uuid = f.entity_uuid "
        "JOIN entities o ON o.list_id = f.list_id AND o.uuid = f.candidate_uuid"
    )
    op.drop_table("duplicate_flags")
    op.drop_table("person_keys")
    op.drop_table("person_profiles")
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
    op.execute("INSERT INTO person_profiles SELECT * FROM tmp_person_profiles")
    op.execute("INSERT INTO person_keys SELECT * FROM tmp_person_keys")
    op.execute("INSERT INTO duplicate_flags SELECT * FROM tmp_duplicate_flags")
    for name in ("tmp_duplicate_flags", "tmp_person_keys", "tmp_person_profiles"):
        op.drop_table(name)
    op.drop_index("ix_entity_pending_list_id", "entity_pending")
    op.drop_table("entity_pending")
    op.drop_column("entity_backlog", "action")
    for name, _kind in reversed(_ENTITY_COLUMNS):
        op.drop_column("entities", name)
