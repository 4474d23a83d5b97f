"""The system tables (SQLAlchemy Core). Alembic migrations in storage/migrations create them;
a test checks that the migrations and this module agree."""

from __future__ import annotations

import sqlalchemy as sa

from storage.schema import accounts as _accounts
from storage.schema import duplicates as _duplicates
from storage.schema import entities as _entities
from storage.schema import lifecycle as _lifecycle
from storage.schema.base import NAMING as NAMING
from storage.schema.base import created_column as _created
from storage.schema.base import id_column as _id
from storage.schema.base import metadata as metadata
from storage.types import UtcDateTime

# The tables of ODK Entities and of the duplicate review are defined in
# storage/schema/entities.py, and named here like every other (s.entities, ...).
actor_properties = _entities.actor_properties
actor_property_values = _entities.actor_property_values
duplicate_flags = _entities.duplicate_flags
entities = _entities.entities
entity_backlog = _entities.entity_backlog
entity_lists = _entities.entity_lists
entity_pending = _entities.entity_pending
entity_versions = _entities.entity_versions
person_keys = _entities.person_keys
person_profiles = _entities.person_profiles
person_merges = _duplicates.person_merges  # "same person" merges: storage/schema/duplicates.py

# Password resets, single sign-on attempts and rate limits: storage/schema/accounts.py.
oidc_attempts = _accounts.oidc_attempts
password_resets = _accounts.password_resets
rate_events = _accounts.rate_events
purged_submissions = _lifecycle.purged_submissions

# Users and app users ("field keys") are both actors, as in ODK Central: submitterId and
# assignments refer to an actor id whatever kind of actor it is.
actors = sa.Table(
    "actors",
    metadata,
    _id(),
    sa.Column("type", sa.String(16), nullable=False),  # "user", "field_key" or "public_link"
    sa.Column("display_name", sa.Text, nullable=False),
    _created(),
    sa.Column("updated_at", UtcDateTime()),
    sa.Column("deleted_at", UtcDateTime()),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("actor_id", sa.ForeignKey("actors.id"), primary_key=True),
    sa.Column("email", sa.Text, nullable=False),  # stored lower case
    sa.Column("password_hash", sa.Text),  # argon2; NULL means the user cannot sign in
    sa.Column("is_admin", sa.Boolean, nullable=False, default=False),
    sa.Column("language", sa.String(8), nullable=False, default="en"),
    sa.Column("deactivated_at", UtcDateTime()),  # set: cannot sign in, until reactivated
    # Set: deleted (Central's DELETE /users/{id}). The actor stays, so the name stays on what
    # they did; the user is gone from the lists and can never sign in again.
    sa.Column("deleted_at", UtcDateTime()),
    # One live user per address: a deleted user's address may be given to a new account (as
    # Central allows), the deleted one keeping it on what they did.
    sa.Index(
        "uq_users_email_live",
        "email",
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
        sqlite_where=sa.text("deleted_at IS NULL"),
    ),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),  # sha256 of the bearer token
    sa.Column("actor_id", sa.ForeignKey("actors.id"), nullable=False, index=True),
    sa.Column("csrf", sa.String(64), nullable=False),
    _created(),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    # Shown to the user among their sessions; a session idle too long ends.
    sa.Column("last_used_at", UtcDateTime()),
    sa.Column("ip", sa.String(64)),
    sa.Column("user_agent", sa.Text),
)

# Failed sign-ins of the last minutes, for the rate limit (server/accounts/sign_in.py). The address
# is
# kept as a hash: people type passwords into the e-mail field.
sign_in_failures = sa.Table(
    "sign_in_failures",
    metadata,
    _id(),
    sa.Column("account", sa.String(64), nullable=False, index=True),  # sha256 of the address
    sa.Column("client", sa.String(64), nullable=False, index=True),  # the caller's IP address
    sa.Column("failed_at", UtcDateTime(), nullable=False, index=True),
)

projects = sa.Table(
    "projects",
    metadata,
    _id(),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("archived", sa.Boolean, nullable=False, default=False),
    _created(),
    sa.Column("updated_at", UtcDateTime()),
    sa.Column("deleted_at", UtcDateTime()),
)

project_roles = sa.Table(
    "project_roles",
    metadata,
    sa.Column("project_id", sa.ForeignKey("projects.id"), primary_key=True),
    sa.Column("actor_id", sa.ForeignKey("actors.id"), primary_key=True),
    sa.Column("role", sa.String(32), nullable=False),
    _created(),
)

field_keys = sa.Table(
    "field_keys",
    metadata,
    sa.Column("actor_id", sa.ForeignKey("actors.id"), primary_key=True),
    sa.Column("project_id", sa.ForeignKey("projects.id"), nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), unique=True),  # NULL once revoked
    sa.Column("token_cipher", sa.Text),  # the token, encrypted with the server's key
    sa.Column("created_by", sa.ForeignKey("actors.id")),
)

forms = sa.Table(
    "forms",
    metadata,
    _id(),
    sa.Column("project_id", sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("xml_form_id", sa.Text, nullable=False),
    sa.Column("name", sa.Text),
    sa.Column("state", sa.String(16), nullable=False, default="open"),  # open, closing, closed
    sa.Column("table_prefix", sa.String(63), nullable=False, unique=True),
    sa.Column("current_version_id", sa.BigInteger),  # the published version
    sa.Column("schema_generation", sa.Integer, nullable=False, default=0),
    _created(),
    sa.Column("updated_at", UtcDateTime()),
    sa.Column("deleted_at", UtcDateTime()),
    sa.Column("trashed_with", sa.String(16)),  # NULL, or "project": trashed with its project
    sa.UniqueConstraint("project_id", "xml_form_id"),
)

# Public links (Central's): an actor whose token lets anyone holding the link fill one form
# (storage/accounts/public_links.py). The token is stored as its sha256, and sealed with the
# server's
# key so the link can be shown again; both are NULL once the link is revoked.
public_links = sa.Table(
    "public_links",
    metadata,
    sa.Column("actor_id", sa.ForeignKey("actors.id"), primary_key=True),
    sa.Column("form_id", sa.ForeignKey("forms.id"), nullable=False, index=True),
    sa.Column("once", sa.Boolean, nullable=False),  # one submission per browser
    sa.Column("token_hash", sa.String(64), unique=True),
    sa.Column("token_cipher", sa.Text),
    sa.Column("created_by", sa.ForeignKey("actors.id")),
)

form_versions = sa.Table(
    "form_versions",
    metadata,
    _id(),
    sa.Column("form_id", sa.ForeignKey("forms.id"), nullable=False),
    sa.Column("version", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("xform", sa.Text, nullable=False),
    sa.Column("xform_md5", sa.String(32), nullable=False),
    sa.Column("xform_sha256", sa.String(64), nullable=False),
    sa.Column("xform_sha1", sa.String(40)),  # Central's `sha`, for its clients
    sa.Column("source", sa.LargeBinary),  # the uploaded XLSForm, for download
    sa.Column("source_type", sa.String(8)),  # .xlsx .xls .csv .md .xml
    sa.Column("warnings", sa.JSON, nullable=False, default=list),
    sa.Column("itemsets", sa.Text),
    sa.Column("created_by", sa.ForeignKey("actors.id")),
    _created(),
    sa.Column("published_at", UtcDateTime()),  # NULL for a draft
    # A draft's test key: Collect configured with /v1/test/{token}/... tries the draft out.
    sa.Column("draft_token_hash", sa.String(64), unique=True),
    sa.Column("draft_token_cipher", sa.Text),  # sealed, so its QR code can be shown again
    sa.Index(
        "uq_form_versions_published",
        "form_id",
        "version",
        unique=True,
        postgresql_where=sa.text("published_at IS NOT NULL"),
        sqlite_where=sa.text("published_at IS NOT NULL"),
    ),
    sa.Index(
        "uq_form_versions_draft",
        "form_id",
        unique=True,
        postgresql_where=sa.text("published_at IS NULL"),
        sqlite_where=sa.text("published_at IS NULL"),
    ),
)

# The per-form data tables and their columns as they physically exist (the union of every
# version), and which of them each version fills: the column <-> XPath mapping per version.
data_tables = sa.Table(
    "data_tables",
    metadata,
    sa.Column("name", sa.String(63), primary_key=True),
    sa.Column("form_id", sa.ForeignKey("forms.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),  # root, repeat, selection
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("parent_name", sa.String(63)),
    sa.Column("position", sa.Integer, nullable=False),
)

data_columns = sa.Table(
    "data_columns",
    metadata,
    sa.Column("table_name", sa.ForeignKey("data_tables.name"), primary_key=True),
    sa.Column("name", sa.String(63), primary_key=True),
    sa.Column("xpath", sa.Text, nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("sql_type", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
)

form_version_columns = sa.Table(
    "form_version_columns",
    metadata,
    sa.Column("form_version_id", sa.ForeignKey("form_versions.id"), primary_key=True),
    sa.Column("table_name", sa.String(63), primary_key=True),
    sa.Column("column_name", sa.String(63), primary_key=True),
    sa.Column("xpath", sa.Text, nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.ForeignKeyConstraint(
        ["table_name", "column_name"], ["data_columns.table_name", "data_columns.name"]
    ),
)

form_assignments = sa.Table(
    "form_assignments",
    metadata,
    sa.Column("form_id", sa.ForeignKey("forms.id"), primary_key=True),
    sa.Column("actor_id", sa.ForeignKey("actors.id"), primary_key=True),
    _created(),
)

blobs = sa.Table(
    "blobs",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("md5", sa.String(32), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("content_type", sa.Text),
    _created(),
)

form_attachments = sa.Table(
    "form_attachments",
    metadata,
    _id(),
    sa.Column("form_version_id", sa.ForeignKey("form_versions.id"), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("type", sa.String(16), nullable=False),  # image, audio, video, file
    sa.Column("blob_sha256", sa.ForeignKey("blobs.sha256")),  # NULL until uploaded
    sa.Column("updated_at", UtcDateTime()),
    sa.UniqueConstraint("form_version_id", "name"),
)

submissions = sa.Table(
    "submissions",
    metadata,
    _id(),
    sa.Column("form_id", sa.ForeignKey("forms.id"), nullable=False),
    sa.Column("instance_id", sa.Text, nullable=False),  # the first version's instanceID
    sa.Column("submitter_id", sa.ForeignKey("actors.id")),
    sa.Column("device_id", sa.Text),
    sa.Column("user_agent", sa.Text),
    sa.Column("instance_name", sa.Text),
    sa.Column("review_state", sa.String(16)),  # NULL, hasIssues, edited, approved, rejected
    _created(),
    sa.Column("updated_at", UtcDateTime()),
    sa.Column("deleted_at", UtcDateTime()),
    # NULL when trashed on its own; "form" or "project" when trashed with its form or project,
    # and then restored (or purged) with it (storage/lifecycle/trash.py).
    sa.Column("trashed_with", sa.String(16)),
    sa.UniqueConstraint("form_id", "instance_id"),
    sa.Index("ix_submissions_form_created", "form_id", "created_at", "id"),
    sa.Index("ix_submissions_deleted_at", "deleted_at"),
)

# Reintegration sustainability scores of each follow-up submission, with the version of the
# weights they were computed with (forms/scoring); recomputed when the weights change.
rss_scores = sa.Table(
    "rss_scores",
    metadata,
    sa.Column(
        "submission_id",
        sa.ForeignKey("submissions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("form_id", sa.ForeignKey("forms.id"), nullable=False),
    sa.Column("entity_uuid", sa.String(64)),  # the returnee the follow-up is about
    sa.Column("weight_version", sa.Text, nullable=False),
    sa.Column("economic", sa.Float),
    sa.Column("social", sa.Float),
    sa.Column("psychosocial", sa.Float),
    sa.Column("composite", sa.Float),
    sa.Column("items", sa.JSON, nullable=False),  # item -> score, null when missing
    sa.Column("computed_at", UtcDateTime(), nullable=False),
    sa.Index("ix_rss_scores_entity_uuid", "entity_uuid"),
)

# Submissions sent to a draft to try it out: kept apart from the form's tables, shown on the
# draft's page, deleted with the draft or when it is published (as Central does).
draft_submissions = sa.Table(
    "draft_submissions",
    metadata,
    _id(),
    sa.Column(
        "form_version_id",
        sa.ForeignKey("form_versions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("instance_id", sa.Text, nullable=False),
    sa.Column("instance_name", sa.Text),
    sa.Column("xml", sa.Text, nullable=False),
    sa.Column("files", sa.JSON, nullable=False),  # {file name in the XML: blob sha256 or null}
    sa.Column("device_id", sa.Text),
    _created(),
    sa.UniqueConstraint("form_version_id", "instance_id"),
)

# Every XML received for a submission: the first, and each edit. (form_id, instance_id) is the
# dedupe key, enforced by the database so that concurrent resends cannot both insert.
submission_versions = sa.Table(
    "submission_versions",
    metadata,
    _id(),
    sa.Column("submission_id", sa.ForeignKey("submissions.id"), nullable=False, index=True),
    sa.Column("form_id", sa.ForeignKey("forms.id"), nullable=False),
    sa.Column("form_version_id", sa.ForeignKey("form_versions.id"), nullable=False),
    sa.Column("instance_id", sa.Text, nullable=False),
    sa.Column("deprecated_id", sa.Text),
    sa.Column("xml", sa.Text, nullable=False),
    sa.Column("xml_sha256", sa.String(64), nullable=False),
    sa.Column("submitter_id", sa.ForeignKey("actors.id")),
    sa.Column("device_id", sa.Text),
    sa.Column("user_agent", sa.Text),
    sa.Column("instance_name", sa.Text),
    sa.Column("is_current", sa.Boolean, nullable=False),
    _created(),
    sa.UniqueConstraint("form_id", "instance_id"),
    sa.Index(
        "uq_submission_versions_current",
        "submission_id",
        unique=True,
        postgresql_where=sa.text("is_current"),
        sqlite_where=sa.text("is_current"),
    ),
)

submission_attachments = sa.Table(
    "submission_attachments",
    metadata,
    _id(),
    sa.Column("submission_version_id", sa.ForeignKey("submission_versions.id"), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("xpath", sa.Text),
    sa.Column("blob_sha256", sa.ForeignKey("blobs.sha256"), index=True),  # NULL until received
    sa.Column("content_type", sa.Text),
    sa.Column("received_at", UtcDateTime()),
    sa.UniqueConstraint("submission_version_id", "name"),
)

comments = sa.Table(
    "comments",
    metadata,
    _id(),
    sa.Column("submission_id", sa.ForeignKey("submissions.id"), nullable=False, index=True),
    sa.Column("actor_id", sa.ForeignKey("actors.id"), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    _created(),
)

audits = sa.Table(
    "audits",
    metadata,
    _id(),
    sa.Column("actor_id", sa.ForeignKey("actors.id")),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("actee_type", sa.String(32)),
    sa.Column("actee_id", sa.Text),
    sa.Column("details", sa.JSON),
    sa.Column("logged_at", UtcDateTime(), nullable=False, index=True),
    sa.Index("ix_audits_action_logged", "action", "logged_at"),
    sa.Index("ix_audits_actee", "actee_type", "actee_id"),  # a submission's feed (0016)
)

# The questions a person shows as columns of a form's submissions table, in their order (a
# JSON list of xpaths; issue 21), so the choice follows them from one device to another.
column_choices = sa.Table(
    "column_choices",
    metadata,
    sa.Column("actor_id", sa.ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("form_id", sa.ForeignKey("forms.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("columns", sa.Text, nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

# The questions a person charts on a form's dashboard and how (a JSON list of [xpath, kind];
# issue 21), kept like the column choices above.
chart_choices = sa.Table(
    "chart_choices",
    metadata,
    sa.Column("actor_id", sa.ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("form_id", sa.ForeignKey("forms.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("charts", sa.Text, nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)
