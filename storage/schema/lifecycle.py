"""The system tables of the data lifecycle (issue 18): what purge leaves behind so that a purged
submission is never silently created again. Part of storage/schema/system.py, which re-exports
them."""

from __future__ import annotations

import sqlalchemy as sa

from storage.schema.base import metadata
from storage.types import UtcDateTime

# One row per purged submission: sha256 of "<form id>\0<instanceID>" (every instanceID the
# submission had, edits included), so a device resending it is refused (Central's 409.18) and
# nothing of the person stays readable. The form id, not its xmlFormId: a purged form's ids go
# with it.
purged_submissions = sa.Table(
    "purged_submissions",
    metadata,
    sa.Column("instance_hash", sa.String(64), primary_key=True),
    sa.Column("purged_at", UtcDateTime(), nullable=False),
)
