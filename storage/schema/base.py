"""What every system table shares: the metadata with its naming convention, the id and the
creation time columns (storage/schema/system.py and storage/schema/entities.py use them)."""

from __future__ import annotations

import sqlalchemy as sa

from storage.types import UtcDateTime, big_id

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}
metadata = sa.MetaData(naming_convention=NAMING)


def id_column() -> sa.Column[int]:
    return sa.Column("id", big_id(), primary_key=True, autoincrement=True)


def created_column() -> sa.Column[object]:
    return sa.Column("created_at", UtcDateTime(), nullable=False)
