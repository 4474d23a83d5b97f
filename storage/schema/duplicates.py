"""The system tables of "same person" merges (issue 17): which registration was kept, which
closed, and the follow-ups moved to the kept case, so a manager can undo it. Part of
storage/schema/system.py, which re-exports them."""

from __future__ import annotations

import sqlalchemy as sa

from storage.schema.base import created_column as _created
from storage.schema.base import id_column as _id
from storage.schema.base import metadata
from storage.types import UtcDateTime

# One row per decision "same person": the registration kept (the earlier), the one merged into
# it (its entity closed, if it had one), the follow-ups sent for the merged one and re-attached
# to the kept case (submission ids, with the scores moved). Undone by a manager: the entity
# reopened, the follow-ups given back, the pair open again; the row stays, with who undid it.
person_merges = sa.Table(
    "person_merges",
    metadata,
    _id(),
    sa.Column("list_id", sa.ForeignKey("entity_lists.id"), nullable=False),
    # SET NULL: a pair deleted with its person (an erasure) leaves the merge's record.
    sa.Column("flag_id", sa.ForeignKey("duplicate_flags.id", ondelete="SET NULL")),
    sa.Column("kept_uuid", sa.String(64), nullable=False),
    sa.Column("merged_uuid", sa.String(64), nullable=False),
    sa.Column("entity_closed", sa.Boolean, nullable=False),  # it existed and was closed
    sa.Column("followups", sa.JSON, nullable=False),  # submission ids re-attached
    sa.Column("merged_by", sa.ForeignKey("actors.id")),
    _created(),
    sa.Column("undone_by", sa.ForeignKey("actors.id")),
    sa.Column("undone_at", UtcDateTime()),
    sa.Index("ix_person_merges_list_id_merged_uuid", "list_id", "merged_uuid"),
    sa.Index("ix_person_merges_list_id_kept_uuid", "list_id", "kept_uuid"),
)
