"""indexes by submission: reading a submission's audits, and what hangs on a submission when it
is purged, erased or exported (issues 21 and 22)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02

The submission page's activity feed reads the audits about one submission; the intake's export
reads each registration's strongest duplicate flag; purge and erasure delete what hangs on the
submissions they remove. Each was a scan of its whole table, growing with the programme.
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_audits_actee", "audits", ["actee_type", "actee_id"]),
    ("ix_person_profiles_submission_id", "person_profiles", ["submission_id"]),
    ("ix_duplicate_flags_submission_id", "duplicate_flags", ["submission_id"]),
    ("ix_entity_backlog_submission_id", "entity_backlog", ["submission_id"]),
    ("ix_entity_versions_submission_version_id", "entity_versions", ["submission_version_id"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
