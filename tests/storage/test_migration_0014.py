"""Migration 0014 on a populated database: every stored profile's blocking keys are made again
with the new key scheme (pairs of names with the birth year, names with the whole date), so a
re-registration with another spelling and birth year finds the registrations made before the
upgrade; a downgrade gives back the keys revision 0013's code looks up."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa

from converters.people import SPREAD, keys, person
from storage.db import transaction, upgrade
from storage.projects import create_project
from tests.support.database import downgrade, query_rows

NOW = datetime(2026, 3, 4, tzinfo=UTC)
UUID = "0b0c7a6e-0000-4000-8000-0000000000e1"


def test_blocking_keys_are_made_again_from_the_stored_profiles_and_back(engine):
    downgrade(engine, "0013")
    someone = person(["Awa", "Traoré"], "1998-04-12", "70000001", "ML-12")
    profile = {
        "names": list(someone.names),
        "birth": "1998-04-12",
        "phone": someone.phone,
        "document": someone.document,
    }
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
        run(
            sa.text(
                "INSERT INTO person_profiles (list_id, entity_uuid, profile, created_at) "
                "VALUES (7, :uuid, :profile, :now)"
            ),
            {"uuid": UUID, "profile": json.dumps(profile), "now": NOW.replace(tzinfo=None)},
        )
        for key in ("n:aua:1998", "n:traore:1998", "p:70000001", "d:ML12"):
            run(
                sa.text("INSERT INTO person_keys (list_id, entity_uuid, key) VALUES (7, :u, :k)"),
                {"u": UUID, "k": key},
            )
    upgrade(engine)
    stored = {r[0] for r in query_rows(engine, "SELECT key FROM person_keys")}
    assert stored == keys(someone)
    again = person(["Traore", "Aua"], "1999-04-12", "66000000", None)  # another SIM, a year off
    assert stored & keys(again, spread=SPREAD)
    downgrade(engine, "0013")
    back = {r[0] for r in query_rows(engine, "SELECT key FROM person_keys")}
    assert back == {"n:aua:1998", "n:traore:1998", "p:70000001", "d:ML12"}
    upgrade(engine)
