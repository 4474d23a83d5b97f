"""Migration 0010 on a populated database: the duplicate review's rows, which named
registrations by entity id, name them by entity uuid afterwards (and back on downgrade), and
each entity's current version keeps its base."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from storage.db import transaction, upgrade
from storage.projects import create_project
from tests.support.database import downgrade, query_rows

NOW = datetime(2026, 3, 4, tzinfo=UTC)
NEW, OLD = "0b0c7a6e-0000-4000-8000-0000000000e2", "0b0c7a6e-0000-4000-8000-0000000000e1"


def test_duplicate_reviews_are_carried_over_by_uuid_and_back(engine):
    downgrade(engine, "0009")
    with transaction(engine) as connection:
        project = create_project(connection, "Kayes", NOW)
        run = connection.execute
        run(
            sa.text(
                "INSERT INTO entity_lists (id, project_id, name, properties, sensitive, "
                "created_at) VALUES (7, :p, 'returnees', '[]', '[]', :now)"
            ),
            {"p": project.id, "now": NOW.replace(tzinfo=None)},
        )
        for entity_id, uuid in ((11, OLD), (12, NEW)):
            run(
                sa.text(
                    "INSERT INTO entities (id, list_id, uuid, label, data, version, created_at) "
                    "VALUES (:id, 7, :uuid, 'Awa', '{}', 2, :now)"
                ),
                {"id": entity_id, "uuid": uuid, "now": NOW.replace(tzinfo=None)},
            )
            for version, base in ((1, None), (2, 1)):
                run(
                    sa.text(
                        "INSERT INTO entity_versions (entity_id, version, base_version, label, "
                        "data, received, created_at) VALUES (:id, :v, :b, 'Awa', '{}', '{}', :now)"
                    ),
                    {"id": entity_id, "v": version, "b": base, "now": NOW.replace(tzinfo=None)},
                )
            run(
                sa.text(
                    "INSERT INTO person_profiles (entity_id, list_id, profile, created_at) "
                    'VALUES (:id, 7, \'{"names": ["awa"]}\', :now)'
                ),
                {"id": entity_id, "now": NOW.replace(tzinfo=None)},
            )
            run(
                sa.text("INSERT INTO person_keys (entity_id, key, list_id) VALUES (:id, 'k', 7)"),
                {"id": entity_id},
            )
        run(
            sa.text(
                "INSERT INTO duplicate_flags (id, list_id, entity_id, candidate_id, score, "
                "reasons, status, created_at) VALUES (5, 7, 12, 11, 0.9, '[\"name\"]', 'open', "
                ":now)"
            ),
            {"now": NOW.replace(tzinfo=None)},
        )
    upgrade(engine)
    assert query_rows(engine, "SELECT list_id, entity_uuid FROM person_profiles ORDER BY 2") == [
        (7, OLD),
        (7, NEW),
    ]
    assert len(query_rows(engine, "SELECT * FROM person_keys")) == 2
    assert query_rows(
        engine, "SELECT id, entity_uuid, candidate_uuid, status FROM duplicate_flags"
    ) == [(5, NEW, OLD, "open")]
    assert query_rows(engine, "SELECT base_version FROM entities ORDER BY id") == [(1,), (1,)]
    with transaction(engine) as connection:  # the id sequence goes on after the copied ids
        connection.execute(
            sa.text(
                "INSERT INTO duplicate_flags (list_id, entity_uuid, candidate_uuid, score, "
                "reasons, status, created_at) VALUES (7, 'a', 'b', 0.8, '[]', 'open', :now)"
            ),
            {"now": NOW},
        )
    assert [r[0] for r in query_rows(engine, "SELECT id FROM duplicate_flags ORDER BY id")] == [
        5,
        6,
    ]
    downgrade(engine, "0009")
    assert query_rows(engine, "SELECT id, entity_id, candidate_id FROM duplicate_flags") == [
        (5, 12, 11)
    ]
    assert len(query_rows(engine, "SELECT * FROM person_profiles")) == 2
    upgrade(engine)


def test_upgrading_a_database_with_entities_through_0009_keeps_them(engine):
    """0009 and 0010 add columns to tables other rows refer to (entity lists, entities): on
    SQLite a re-created table could not be dropped, so they alter it in place."""
    downgrade(engine, "0008")
    with transaction(engine) as connection:
        project = create_project(connection, "Kayes", NOW)
        connection.execute(
            sa.text(
                "INSERT INTO entity_lists (id, project_id, name, properties, sensitive, "
                "created_at) VALUES (7, :p, 'returnees', '[]', '[]', :now)"
            ),
            {"p": project.id, "now": NOW.replace(tzinfo=None)},
        )
        connection.execute(
            sa.text(
                "INSERT INTO entities (id, list_id, uuid, label, data, version, created_at) "
                "VALUES (11, 7, :uuid, 'Awa', '{}', 1, :now)"
            ),
            {"uuid": OLD, "now": NOW.replace(tzinfo=None)},
        )
    upgrade(engine)
    assert query_rows(
        engine, "SELECT approval_required, base_version FROM entity_lists, entities"
    ) == [(False, None)]
