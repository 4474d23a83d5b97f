"""The Alembic migrations build exactly the schema storage/schema/system.py declares, on an empty
and on
a populated database, and can run again without harm."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage.db import current_revision, make_engine, transaction, upgrade
from storage.projects import create_project, list_projects
from storage.schema import system as schema
from tests.support.database import head_revision


def test_migrations_match_the_declared_schema(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, schema.metadata)
    assert differences == []
    assert current_revision(engine) == head_revision() == "0018"


def test_upgrade_on_a_populated_database_keeps_its_rows(engine):
    with transaction(engine) as connection:
        create_project(connection, "Kayes", datetime(2026, 1, 1, tzinfo=UTC))
    upgrade(engine)
    with transaction(engine, read_only=True) as connection:
        assert [p.name for p in list_projects(connection)] == ["Kayes"]


def test_upgrade_creates_every_table_on_an_empty_sqlite_database(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'nested' / 'fresh.db'}")
    assert current_revision(engine) is None
    upgrade(engine)
    assert set(schema.metadata.tables) <= set(sa.inspect(engine).get_table_names())
    engine.dispose()
