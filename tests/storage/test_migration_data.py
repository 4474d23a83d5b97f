"""Every migration upgrades a populated database and keeps its data (issue 18), on SQLite and on
PostgreSQL: for each revision R, a fresh database is built up to the revision before R, with the
data each revision on the way can hold seeded by SQL against that revision's schema (users,
projects, forms with a repeat table and files, submissions and edits, entities, scores, duplicate
flags...), then upgraded to R. Every row of every table must still be there, with the same values
in every column R kept. A migration added later is covered by its own test here as soon as it
joins the chain; give it a seed below (SEEDS[its revision]) for the data it introduces.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from storage.accounts.users import get_user
from storage.db import alembic_config, make_engine, transaction, upgrade
from storage.entities.lists import get_list
from storage.entities.records import list_entities
from storage.submissions.queries import get_xml, list_attachments, list_submissions, list_versions
from tests.support.backends import empty_database

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
NOW = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
PHOTO, MEDIA, DRAFT_PHOTO = "a1" * 32, "b2" * 32, "c3" * 32
NEW_ONE = "0b0c7a6e-0000-4000-8000-00000000ff01"
AWA, AWA_AGAIN = "0b0c7a6e-0000-4000-8000-0000000000a1", "0b0c7a6e-0000-4000-8000-0000000000a2"
XFORM = (
    '<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml">'
    "<h:head><h:title>Household</h:title><model><instance>"
    '<data id="household" version="1"><name/><member><who/></member><photo/></data>'
    "</instance></model></h:head><h:body/></h:html>"
)


def revisions() -> list[str]:
    """The chain, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def sub_xml(instance: str, name: str, members: list[str], deprecated: str | None = None) -> str:
    meta = f"<instanceID>{instance}</instanceID>"
    if deprecated:
        meta += f"<deprecatedID>{deprecated}</deprecatedID>"
    repeats = "".join(f"<member><who>{m}</who></member>" for m in members)
    return (
        f'<data id="household" version="1"><name>{name}</name>{repeats}'
        f"<photo>photo.jpg</photo><meta>{meta}</meta></data>"
    )


class Seeder:
    """Inserts rows through the tables as they are at the current revision (reflected)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.sqlite = connection.dialect.name == "sqlite"
        self.now = NOW.replace(tzinfo=None) if self.sqlite else NOW
        self.metadata = sa.MetaData()

    def __call__(self, table: str, *rows: dict[str, object]) -> None:
        reflected = sa.Table(table, self.metadata, autoload_with=self.connection)
        for row in rows:  # one at a time: the rows need not name the same columns
            self.connection.execute(sa.insert(reflected), row)

    def sql(self, statement: str, **params: object) -> None:
        self.connection.execute(sa.text(statement), params)


def seed_core(put: Seeder) -> None:
    now = put.now
    put(
        "actors",
        {"id": 1, "type": "user", "display_name": "Awa Admin", "created_at": now},
        {"id": 2, "type": "user", "display_name": "Bakary", "created_at": now},
        {"id": 3, "type": "field_key", "display_name": "Tablet 1", "created_at": now},
    )
    put(
        "users",
        {"actor_id": 1, "email": "awa@example.org", "password_hash": "$argon2id$x",
         "is_admin": True, "language": "fr"},
        {"actor_id": 2, "email": "bakary@example.org", "password_hash": None,
         "is_admin": False, "language": "en"},
    )  # fmt: skip
    put("sessions", {"token_hash": "5e" * 32, "actor_id": 1, "csrf": "c" * 64,
                     "created_at": now, "expires_at": now})  # fmt: skip
    put("projects", {"id": 1, "name": "Kayes", "description": "returns", "archived": False,
                     "created_at": now})  # fmt: skip
    put("project_roles", {"project_id": 1, "actor_id": 2, "role": "manager", "created_at": now})
    put("field_keys", {"actor_id": 3, "project_id": 1, "token_hash": "7a" * 32, "created_by": 1})
    put("forms", {"id": 1, "project_id": 1, "xml_form_id": "household", "name": "Household",
                  "state": "open", "table_prefix": "household", "current_version_id": 1,
                  "schema_generation": 1, "created_at": now})  # fmt: skip
    put("form_versions", {"id": 1, "form_id": 1, "version": "1", "title": "Household",
                          "xform": XFORM, "xform_md5": "d" * 32, "xform_sha256": "e" * 64,
                          "source": b"PK\x03\x04 xlsx", "source_type": ".xlsx",
                          "warnings": ["a warning"], "created_by": 1, "created_at": now,
                          "published_at": now})  # fmt: skip
    put("form_assignments", {"form_id": 1, "actor_id": 3, "created_at": now})
    seed_form_tables(put)
    put(
        "blobs",
        {"sha256": PHOTO, "md5": "1" * 32, "size": 204800, "content_type": "image/jpeg",
         "created_at": now},
        {"sha256": MEDIA, "md5": "2" * 32, "size": 12, "content_type": "text/csv",
         "created_at": now},
    )  # fmt: skip
    put("form_attachments", {"id": 1, "form_version_id": 1, "name": "villages.csv",
                             "type": "file", "blob_sha256": MEDIA, "updated_at": now})  # fmt: skip
    put(
        "submissions",
        {"id": 1, "form_id": 1, "instance_id": "uuid:s1", "submitter_id": 3, "device_id": "d1",
         "instance_name": "Awa", "review_state": "edited", "created_at": now, "updated_at": now},
        {"id": 2, "form_id": 1, "instance_id": "uuid:s2", "submitter_id": 3, "device_id": "d1",
         "instance_name": "Fanta", "review_state": None, "created_at": now},
    )  # fmt: skip
    versions = (
        (1, 1, "uuid:s1", None, sub_xml("uuid:s1", "Awa", ["Awa", "Issa"]), False),
        (2, 1, "uuid:s1e", "uuid:s1", sub_xml("uuid:s1e", "Awa", ["Awa"], "uuid:s1"), True),
        (3, 2, "uuid:s2", None, sub_xml("uuid:s2", "Fanta", ["Fanta", "Moussa", "Kadi"]), True),
    )
    put(
        "submission_versions",
        *(
            {"id": vid, "submission_id": sid, "form_id": 1, "form_version_id": 1,
             "instance_id": iid, "deprecated_id": dep, "xml": xml, "xml_sha256": f"{vid}" * 64,
             "submitter_id": 3, "device_id": "d1", "is_current": cur, "created_at": now}
            for vid, sid, iid, dep, xml, cur in versions
        ),
    )  # fmt: skip
    put(
        "submission_attachments",
        *(
            {"id": vid, "submission_version_id": vid, "name": "photo.jpg", "xpath": "/data/photo",
             "blob_sha256": None if vid == 3 else PHOTO, "content_type": "image/jpeg",
             "received_at": None if vid == 3 else now}
            for vid in (1, 2, 3)
        ),
    )  # fmt: skip
    put("comments", {"id": 1, "submission_id": 1, "actor_id": 2, "body": "checked",
                     "created_at": now})  # fmt: skip
    put("audits", {"id": 1, "actor_id": 1, "action": "form.create", "actee_type": "form",
                   "actee_id": "1", "details": {"xmlFormId": "household"},
                   "logged_at": now})  # fmt: skip


def seed_form_tables(put: Seeder) -> None:
    """A form's own tables as storage/forms/ddl.py makes them: a root table and a repeat's table."""
    put.sql(
        "CREATE TABLE household (id INTEGER PRIMARY KEY, submission_id BIGINT NOT NULL, "
        "form_version_id BIGINT NOT NULL, name TEXT, photo TEXT)"
    )
    put.sql(
        "CREATE TABLE household_member (id INTEGER PRIMARY KEY, parent_id BIGINT NOT NULL "
        "REFERENCES household (id), position INTEGER NOT NULL, who TEXT)"
    )
    put(
        "data_tables",
        {"name": "household", "form_id": 1, "kind": "root", "path": "/data", "position": 0},
        {"name": "household_member", "form_id": 1, "kind": "repeat", "path": "/data/member",
         "parent_name": "household", "position": 1},
    )  # fmt: skip
    columns = (
        ("household", "name", "/data/name", "string"),
        ("household", "photo", "/data/photo", "binary"),
        ("household_member", "who", "/data/member/who", "string"),
    )
    put(
        "data_columns",
        *(
            {"table_name": t, "name": n, "xpath": x, "role": "field", "sql_type": "text",
             "kind": k, "position": i}
            for i, (t, n, x, k) in enumerate(columns)
        ),
    )  # fmt: skip
    put(
        "form_version_columns",
        *(
            {"form_version_id": 1, "table_name": t, "column_name": n, "xpath": x, "role": "field"}
            for t, n, x, _ in columns
        ),
    )
    put(
        "household",
        {"id": 1, "submission_id": 1, "form_version_id": 1, "name": "Awa", "photo": "photo.jpg"},
        {"id": 2, "submission_id": 2, "form_version_id": 1, "name": "Fanta", "photo": "photo.jpg"},
    )
    put(
        "household_member",
        *(
            {"id": i, "parent_id": parent, "position": pos, "who": who}
            for i, (parent, pos, who) in enumerate(
                [(1, 1, "Awa"), (2, 1, "Fanta"), (2, 2, "Moussa"), (2, 3, "Kadi")], start=1
            )
        ),
    )


def seed_drafts(put: Seeder) -> None:
    put("form_versions", {"id": 2, "form_id": 1, "version": "2", "title": "Household",
                          "xform": XFORM, "xform_md5": "d" * 32, "xform_sha256": "f" * 64,
                          "warnings": [], "created_at": put.now, "draft_token_hash": "9d" * 32,
                          "draft_token_cipher": "sealed"})  # fmt: skip
    put("draft_submissions", {"id": 1, "form_version_id": 2, "instance_id": "uuid:t1",
                              "xml": sub_xml("uuid:t1", "Test", []),
                              "files": {"photo.jpg": DRAFT_PHOTO},
                              "created_at": put.now})  # fmt: skip


def seed_entities(put: Seeder) -> None:
    put("entity_lists", {"id": 1, "project_id": 1, "name": "returnees",
                         "properties": ["full_name", "village"], "sensitive": ["full_name"],
                         "created_at": put.now})  # fmt: skip
    put(
        "entities",
        *(
            {"id": i, "list_id": 1, "uuid": u, "label": "Awa Traoré",
             "data": {"full_name": "Awa Traoré", "village": "Kayes"}, "version": 2,
             "creator_id": 3, "created_at": put.now, "updated_at": put.now}
            for i, u in ((1, AWA), (2, AWA_AGAIN))
        ),
    )  # fmt: skip
    put(
        "entity_versions",
        *(
            {"entity_id": e, "version": v, "base_version": v - 1 or None, "label": "Awa Traoré",
             "data": {"full_name": "Awa Traoré", "village": "Kayes"}, "received": {"v": v},
             "submission_version_id": v, "creator_id": 3, "created_at": put.now}
            for e in (1, 2)
            for v in (1, 2)
        ),
    )  # fmt: skip


def seed_scores(put: Seeder) -> None:
    put("rss_scores", {"submission_id": 1, "form_id": 1, "entity_uuid": AWA,
                       "weight_version": "2025-1", "economic": 0.5, "social": 0.75,
                       "psychosocial": 0.25, "composite": 0.5, "items": {"job": 1, "debt": None},
                       "computed_at": put.now})  # fmt: skip


def seed_duplicates(put: Seeder) -> None:
    for entity in (1, 2):
        profile = {"names": ["awa traore"]}
        put("person_profiles", {"entity_id": entity, "list_id": 1, "profile": profile,
                                "created_at": put.now})  # fmt: skip
        put("person_keys", {"entity_id": entity, "key": "awa|1990", "list_id": 1})
    put("duplicate_flags", {"id": 1, "list_id": 1, "entity_id": 2, "candidate_id": 1,
                            "submission_id": 2, "score": 0.93, "reasons": ["name", "birth"],
                            "status": "open", "created_at": put.now})  # fmt: skip


def seed_sign_in_failures(put: Seeder) -> None:
    put("sign_in_failures", {"id": 1, "account": "ac" * 32, "client": "10.0.0.1",
                             "failed_at": put.now})  # fmt: skip


def seed_offline_entities(put: Seeder) -> None:
    put("actor_properties", {"id": 1, "project_id": 1, "name": "region", "created_at": put.now})
    put("actor_property_values", {"actor_id": 3, "property_id": 1, "value": "Kayes"})
    put("entity_backlog", {"id": 1, "list_id": 1, "entity_uuid": AWA, "branch_id": "br-1",
                           "branch_base_version": 2, "submission_id": 2,
                           "submission_version_id": 3, "held_at": put.now})  # fmt: skip


def seed_pending(put: Seeder) -> None:
    put("entity_pending", {"id": 1, "list_id": 1, "entity_uuid": NEW_ONE,
                           "submission_id": 2, "submission_version_id": 3,
                           "action": {"create": True}, "created_at": put.now})  # fmt: skip


def seed_public_links(put: Seeder) -> None:
    put("actors", {"id": 4, "type": "public_link", "display_name": "Kiosk", "created_at": put.now})
    put("public_links", {"actor_id": 4, "form_id": 1, "once": True, "token_hash": "4b" * 32,
                         "token_cipher": "sealed", "created_by": 1})  # fmt: skip


def seed_column_choices(put: Seeder) -> None:
    put("column_choices", {"actor_id": 1, "form_id": 1, "columns": '["/data/name"]',
                           "updated_at": put.now})  # fmt: skip


def seed_chart_choices(put: Seeder) -> None:
    put("chart_choices", {"actor_id": 1, "form_id": 1, "charts": '[["/data/region", "bars"]]',
                          "updated_at": put.now})  # fmt: skip


def seed_reusable_emails(put: Seeder) -> None:
    put("actors", {"id": 8, "type": "user", "display_name": "Fanta (left)", "created_at": put.now},
        {"id": 9, "type": "user", "display_name": "Fanta", "created_at": put.now})  # fmt: skip
    put("users", {"actor_id": 8, "email": "fanta@example.org", "is_admin": False,
                  "language": "fr", "deleted_at": put.now},
        {"actor_id": 9, "email": "fanta@example.org", "is_admin": False,
         "language": "fr"})  # fmt: skip


# The data each revision introduces, seeded right after the database reaches that revision.
SEEDS: dict[str, Callable[[Seeder], None]] = {
    "0001": seed_core,
    "0004": seed_drafts,
    "0005": seed_entities,
    "0006": seed_scores,
    "0007": seed_duplicates,
    "0008": seed_sign_in_failures,
    "0009": seed_offline_entities,
    "0010": seed_pending,
    "0011": seed_public_links,
    "0015": seed_column_choices,
    "0017": seed_chart_choices,
    "0018": seed_reusable_emails,
}


@pytest.fixture
def empty_engine(tmp_path) -> Iterator[sa.Engine]:
    with empty_database(tmp_path) as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def build_up_to(engine: sa.Engine, target: str) -> None:
    """Upgrade one revision at a time to `target`, seeding each revision's data on the way."""
    for revision in revisions():
        upgrade(engine, revision)
        if revision in SEEDS:
            with transaction(engine) as connection:
                SEEDS[revision](Seeder(connection))
        if revision == target:
            return


def snapshot(engine: sa.Engine) -> dict[str, tuple[list[str], list[tuple[object, ...]]]]:
    """Every table's columns and rows (the version table aside)."""
    tables: dict[str, tuple[list[str], list[tuple[object, ...]]]] = {}
    with engine.connect() as connection:
        metadata = sa.MetaData()
        metadata.reflect(connection)
        for name, table in metadata.tables.items():
            if name == "alembic_version":
                continue
            rows = [tuple(r) for r in connection.execute(sa.select(table))]
            tables[name] = ([c.name for c in table.columns], rows)
    return tables


def kept_columns(
    before: tuple[list[str], list[tuple[object, ...]]], after_columns: list[str]
) -> tuple[list[str], list[tuple[object, ...]]]:
    names, rows = before
    kept = [i for i, name in enumerate(names) if name in after_columns]
    return [names[i] for i in kept], [tuple(row[i] for i in kept) for row in rows]


def project(
    table: tuple[list[str], list[tuple[object, ...]]], columns: list[str]
) -> list[tuple[object, ...]]:
    names, rows = table
    where = [names.index(c) for c in columns]
    return sorted((tuple(row[i] for i in where) for row in rows), key=_sortable)


def _sortable(row: tuple[object, ...]) -> str:
    return json.dumps(row, default=repr, sort_keys=True)


# Columns a migration rewrites on purpose: left out of the comparison, whose rows are then
# compared as a set (a rewrite may make more or fewer of them per registration).
REWRITTEN = {
    ("0014", "person_keys"): {"key"},  # blocking keys made again from each stored profile
}

MIGRATIONS = revisions()[1:]  # the first one creates the tables: there is nothing before it


@pytest.mark.parametrize("revision", MIGRATIONS)
def test_migration_keeps_every_row_of_a_populated_database(empty_engine, revision):
    before_revision = revisions()[revisions().index(revision) - 1]
    build_up_to(empty_engine, before_revision)
    before = snapshot(empty_engine)
    assert sum(len(rows) for _, rows in before.values()) > 30  # the seeds went in

    upgrade(empty_engine, revision)

    after = snapshot(empty_engine)
    for name, table in before.items():
        assert name in after, f"{revision} dropped the table {name} and its rows"
        columns, _ = kept_columns(table, after[name][0])
        rewritten = REWRITTEN.get((revision, name))
        if rewritten is not None:
            columns = [c for c in columns if c not in rewritten]
            assert set(project(table, columns)) == set(project(after[name], columns)), name
            continue
        assert project(table, columns) == project(after[name], columns), (revision, name)
    with empty_engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []


def test_data_seeded_at_every_revision_reads_through_the_code_of_head(empty_engine):
    build_up_to(empty_engine, revisions()[-1])
    with transaction(empty_engine, read_only=True) as connection:
        assert get_user(connection, 1).email == "awa@example.org"
        submissions = list_submissions(connection, 1)
        assert [s.instance_id for s in submissions] == ["uuid:s2", "uuid:s1"]
        edited = list_versions(connection, 1)
        assert [v.instance_id for v in edited] == ["uuid:s1e", "uuid:s1"]
        assert "<who>Awa</who>" in get_xml(connection, edited[0].id)
        [photo] = list_attachments(connection, edited[0].id)
        assert (photo.name, photo.blob_sha256, photo.size) == ("photo.jpg", PHOTO, 204800)
        returnees = get_list(connection, 1, "returnees")
        entities = list_entities(connection, returnees.id)
        assert {e.uuid for e in entities} == {AWA, AWA_AGAIN}
        members = connection.execute(
            sa.text("SELECT who FROM household_member ORDER BY parent_id, position")
        ).scalars()
        assert list(members) == ["Awa", "Fanta", "Moussa", "Kadi"]
