"""The system tables of ODK Entities (lists, entities and their versions, the offline backlog,
registrations that wait, app users' properties for access filters) and of the duplicate review
of registrations. Part of storage/schema/system.py, which re-exports them; apart to keep each module
readable."""

from __future__ import annotations

import sqlalchemy as sa

from storage.schema.base import created_column as _created
from storage.schema.base import id_column as _id
from storage.schema.base import metadata
from storage.types import UtcDateTime

# ODK Entities: named lists per project (the returnees), created by publishing a form that
# declares them, filled by submissions (meta/entity create) and updated by others (update with
# baseVersion). Each change is a version; an update based on an old version is applied and
# flagged (conflict soft: other properties changed meanwhile; hard: the same ones).
entity_lists = sa.Table(
    "entity_lists",
    metadata,
    _id(),
    sa.Column("project_id", sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("properties", sa.JSON, nullable=False),  # names, in the order forms declared them
    sa.Column("sensitive", sa.JSON, nullable=False),  # those saved from fields marked sensitive
    _created(),
    # Central's dataset settings: registrations wait for approval; what each app user gets.
    sa.Column("approval_required", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("owner_only", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("access_filter", sa.JSON),  # {"type": "property", "rules": [...]} or NULL
    sa.UniqueConstraint("project_id", "name"),
)

entities = sa.Table(
    "entities",
    metadata,
    _id(),
    sa.Column("list_id", sa.ForeignKey("entity_lists.id"), nullable=False),
    sa.Column("uuid", sa.String(64), nullable=False),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("data", sa.JSON, nullable=False),  # property -> text, as the current version has it
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("conflict", sa.String(8)),  # NULL, soft or hard, until a person resolves it
    sa.Column("creator_id", sa.ForeignKey("actors.id")),
    _created(),
    sa.Column("updated_at", UtcDateTime()),
    sa.Column("deleted_at", UtcDateTime()),
    # Of the current version, as `label`, `data` and `version` are (Central's currentVersion).
    sa.Column("base_version", sa.Integer),
    sa.Column("branch_id", sa.String(64)),
    sa.Column("trunk_version", sa.Integer),
    sa.Column("branch_base_version", sa.Integer),
    # The version current when a person last marked its conflict resolved: the versions up to
    # it are `resolved` in GET .../versions (Central compares the resolve event's entity def).
    sa.Column("resolved_version", sa.Integer),
    sa.UniqueConstraint("list_id", "uuid"),
)

entity_versions = sa.Table(
    "entity_versions",
    metadata,
    _id(),
    sa.Column("entity_id", sa.ForeignKey("entities.id"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("base_version", sa.Integer),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("data", sa.JSON, nullable=False),  # every property after this version
    sa.Column("received", sa.JSON, nullable=False),  # what this version set (label included)
    sa.Column("conflicting_properties", sa.JSON),
    sa.Column("conflict", sa.String(8)),
    sa.Column("submission_version_id", sa.ForeignKey("submission_versions.id")),
    sa.Column("creator_id", sa.ForeignKey("actors.id")),
    _created(),
    # Offline updates (entities-version 2024.1.0): the device's branch, the server version it
    # started from, and the device's own baseVersion within the branch.
    sa.Column("branch_id", sa.String(64)),
    sa.Column("trunk_version", sa.Integer),
    sa.Column("branch_base_version", sa.Integer),
    sa.Column("source", sa.JSON),  # where the version came from (submission, API, forced...)
    sa.UniqueConstraint("entity_id", "version"),
    sa.Index("ix_entity_versions_submission_version_id", "submission_version_id"),  # (0016)
)

# Offline updates whose base has not arrived yet, held until it does (or until they are old
# enough to be applied anyway), as Central's entity_submission_backlog.
entity_backlog = sa.Table(
    "entity_backlog",
    metadata,
    _id(),
    sa.Column("list_id", sa.ForeignKey("entity_lists.id"), nullable=False),
    sa.Column("entity_uuid", sa.String(64), nullable=False),
    sa.Column("branch_id", sa.String(64)),
    sa.Column("branch_base_version", sa.Integer, nullable=False),  # the device's baseVersion
    sa.Column("submission_id", sa.ForeignKey("submissions.id"), nullable=False),
    sa.Column("submission_version_id", sa.ForeignKey("submission_versions.id"), nullable=False),
    sa.Column("held_at", UtcDateTime(), nullable=False),
    sa.Column("action", sa.JSON),  # the held action as read from the submission
    sa.Index(
        "ix_entity_backlog_list_entity_branch",
        "list_id",
        "entity_uuid",
        "branch_id",
        "branch_base_version",
    ),
    sa.Index("ix_entity_backlog_held_at", "held_at"),
    sa.Index("ix_entity_backlog_submission_id", "submission_id"),  # purge, erasure (0016)
)

# Registrations (creates) that wait: for the submission's approval when the list requires it
# (Central's approvalRequired), or for a person's decision when a check holds them (a likely
# duplicate, `held_by`). Applied, and deleted, when nothing holds them any more.
entity_pending = sa.Table(
    "entity_pending",
    metadata,
    _id(),
    sa.Column("list_id", sa.ForeignKey("entity_lists.id"), nullable=False),
    sa.Column("entity_uuid", sa.String(64), nullable=False),
    sa.Column("submission_id", sa.ForeignKey("submissions.id"), nullable=False),
    sa.Column("submission_version_id", sa.ForeignKey("submission_versions.id"), nullable=False),
    sa.Column("action", sa.JSON, nullable=False),  # the create as read from the submission
    sa.Column("held_by", sa.String(32)),  # NULL: only approval; "duplicates": under review
    _created(),
    sa.UniqueConstraint("submission_id", "list_id", "entity_uuid"),
    sa.Index("ix_entity_pending_list_id", "list_id"),
)

# Properties of app users (a region, a caseworker), matched by entity lists' access filters.
actor_properties = sa.Table(
    "actor_properties",
    metadata,
    _id(),
    sa.Column("project_id", sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    _created(),
    sa.UniqueConstraint("project_id", "name"),
)

actor_property_values = sa.Table(
    "actor_property_values",
    metadata,
    sa.Column("actor_id", sa.ForeignKey("actors.id"), primary_key=True),
    sa.Column("property_id", sa.ForeignKey("actor_properties.id"), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# Duplicate registrations: what each registration is compared on (normalised, never shown),
# the blocking keys that find candidates fast, and the review queue of likely duplicates. A
# registration is named by its entity uuid, which the submission carries before the entity
# exists (a registration waiting for approval or for this review is compared all the same).
person_profiles = sa.Table(
    "person_profiles",
    metadata,
    sa.Column("list_id", sa.ForeignKey("entity_lists.id"), primary_key=True),
    sa.Column("entity_uuid", sa.String(64), primary_key=True),
    sa.Column("submission_id", sa.ForeignKey("submissions.id")),  # the intake it came from
    sa.Column("label", sa.Text),  # shown in the queue while the entity does not exist
    sa.Column("profile", sa.JSON, nullable=False),
    _created(),
    sa.Index("ix_person_profiles_submission_id", "submission_id"),  # purge, erasure (0016)
)

person_keys = sa.Table(
    "person_keys",
    metadata,
    sa.Column("list_id", sa.ForeignKey("entity_lists.id"), primary_key=True),
    sa.Column("entity_uuid", sa.String(64), primary_key=True),
    sa.Column("key", sa.String(120), primary_key=True),
    sa.Index("ix_person_keys_list_id_key", "list_id", "key"),
)

duplicate_flags = sa.Table(
    "duplicate_flags",
    metadata,
    _id(),
    sa.Column("list_id", sa.ForeignKey("entity_lists.id"), nullable=False),
    sa.Column("entity_uuid", sa.String(64), nullable=False),  # the new registration
    sa.Column("candidate_uuid", sa.String(64), nullable=False),  # one already there
    sa.Column("submission_id", sa.ForeignKey("submissions.id")),  # the intake flagged
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("reasons", sa.JSON, nullable=False),
    sa.Column("status", sa.String(12), nullable=False),  # open, duplicate, distinct
    sa.Column("decided_by", sa.ForeignKey("actors.id")),
    sa.Column("decided_at", UtcDateTime()),
    sa.Column("note", sa.Text),
    _created(),
    sa.UniqueConstraint("list_id", "entity_uuid", "candidate_uuid"),
    sa.Index("ix_duplicate_flags_list_id_status", "list_id", "status"),
    sa.Index("ix_duplicate_flags_submission_id", "submission_id"),  # exports, purge (0016)
)
