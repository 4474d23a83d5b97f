"""Migration 0018 lets a deleted user's address be taken by a new account (one live user per
address); going back to 0017 (one user per address, deleted or not) gives the deleted one a
suffix so the old constraint holds, and the live user keeps the address."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from storage.db import current_revision, transaction, upgrade
from storage.schema import system as s
from tests.support.database import downgrade, head_revision

NOW = datetime(2026, 3, 4, tzinfo=UTC)


def _user(connection, actor: int, deleted: datetime | None) -> None:
    connection.execute(
        sa.insert(s.actors).values(id=actor, type="user", display_name="Fanta", created_at=NOW)
    )
    connection.execute(
        sa.insert(s.users).values(
            actor_id=actor, email="fanta@example.org", is_admin=False, deleted_at=deleted
        )
    )


def test_one_live_user_per_address_and_back(engine):
    with transaction(engine) as connection:
        _user(connection, 1, NOW)  # left, deleted
        _user(connection, 2, None)  # came back: a new account at the same address
    with pytest.raises(IntegrityError), transaction(engine) as connection:
        _user(connection, 3, None)  # a second live one is refused
    downgrade(engine, "0017")
    with engine.connect() as connection:
        emails = connection.execute(
            sa.text("SELECT actor_id, email FROM users ORDER BY actor_id")
        ).all()
    assert [tuple(row) for row in emails] == [
        (1, "fanta@example.org#deleted-1"),
        (2, "fanta@example.org"),
    ]
    upgrade(engine)
    assert current_revision(engine) == head_revision()
