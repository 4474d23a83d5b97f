"""duplicates: same-person merges (issue 17)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02

`person_merges` records each "same person" decision (the registration kept, the one closed,
the follow-ups re-attached) so a manager can undo it. The blocking keys change (pairs of
names' consonant skeletons with the birth year, each name with the whole birth date), so the
keys of every registration already compared are made again from its stored profile, in
batches.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import sqlalchemy as sa
from alembic import op

from converters.people import Person, keys
from storage.types import UtcDateTime, big_id

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

BATCH = 2000


def _reference(
    column: str, target: str, *, ondelete: str | None = None, **kwargs: object
) -> sa.Column[int]:
    return sa.Column(
        column,
        big_id(),
        sa.ForeignKey(
            f"{target}.id", name=f"fk_person_merges_{column}_{target}", ondelete=ondelete
        ),
        **kwargs,  # type: ignore[arg-type]
    )


def upgrade() -> None:
    op.create_table(
        "person_merges",
        sa.Column("id", big_id(), primary_key=True, autoincrement=True),
        _reference("list_id", "entity_lists", nullable=False),
        _reference("flag_id", "duplicate_flags", ondelete="SET NULL"),
        sa.Column("kept_uuid", sa.String(64), nullable=False),
        sa.Column("merged_uuid", sa.String(64), nullable=False),
        sa.Column("entity_closed", sa.Boolean(), nullable=False),
        sa.Column("followups", sa.JSON(), nullable=False),
        _reference("merged_by", "actors"),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        _reference("undone_by", "actors"),
        sa.Column("undone_at", UtcDateTime()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_merges")),
    )
    op.create_index(
        "ix_person_merges_list_id_merged_uuid", "person_merges", ["list_id", "merged_uuid"]
    )
    op.create_index("ix_person_merges_list_id_kept_uuid", "person_merges", ["list_id", "kept_uuid"])
    _rekey(keys)


def _rekey(make: Callable[[Person], set[str]]) -> None:
    """Every stored profile's blocking keys made again by `make`."""
    connection = op.get_bind()
    profiles = sa.table(
        "person_profiles",
        sa.column("list_id", sa.Integer),
        sa.column("entity_uuid", sa.String),
        sa.column("profile", sa.JSON),
    )
    keyed = sa.table(
        "person_keys",
        sa.column("list_id", sa.Integer),
        sa.column("entity_uuid", sa.String),
        sa.column("key", sa.String),
    )
    connection.execute(sa.delete(keyed))
    after: tuple[int, str] | None = None
    while True:
        query = sa.select(profiles.c.list_id, profiles.c.entity_uuid, profiles.c.profile)
        if after is not None:
            query = query.where(
                sa.tuple_(profiles.c.list_id, profiles.c.entity_uuid) > sa.tuple_(*after)
            )
        rows = connection.execute(
            query.order_by(profiles.c.list_id, profiles.c.entity_uuid).limit(BATCH)
        ).all()
        if not rows:
            return
        fresh = []
        for list_id, entity_uuid, profile in rows:
            birth = profile.get("birth")
            someone = Person(
                tuple(profile.get("names") or ()),
                date.fromisoformat(birth) if birth else None,
                profile.get("phone"),
                profile.get("document"),
            )
            fresh += [
                {"list_id": list_id, "entity_uuid": entity_uuid, "key": key}
                for key in sorted(make(someone))
            ]
        if fresh:
            connection.execute(sa.insert(keyed), fresh)
        after = (rows[-1][0], rows[-1][1])


def downgrade() -> None:
    op.drop_index("ix_person_merges_list_id_kept_uuid", table_name="person_merges")
    op.drop_index("ix_person_merges_list_id_merged_uuid", table_name="person_merges")
    op.drop_table("person_merges")
    _rekey(_keys_0013)


def _keys_0013(someone: Person) -> set[str]:
    """The keys revision 0013's code looks up: each name with the birth year, phone, document."""
    year = someone.birth.year if someone.birth else 0
    found = {f"n:{word}:{year}" for word in someone.names}
    if someone.phone:
        found.add(f"p:{someone.phone}")
    if someone.document:
        found.add(f"d:{someone.document}")
    return found
