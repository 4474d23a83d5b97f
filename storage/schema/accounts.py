"""The system tables of accounts (issue 19): password reset tokens, the single sign-on attempts
in progress, and the counters that rate-limit what a stranger can reach. Part of
storage/schema/system.py, which re-exports them."""

from __future__ import annotations

import sqlalchemy as sa

from storage.schema.base import created_column as _created
from storage.schema.base import id_column as _id
from storage.schema.base import metadata
from storage.types import UtcDateTime

# A password reset: the token is sent (or shown to the administrator who asked) once and kept
# only as its sha256; it works once, until it expires, and a newer one replaces it.
password_resets = sa.Table(
    "password_resets",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("actor_id", sa.ForeignKey("actors.id"), nullable=False, index=True),
    sa.Column("created_by", sa.ForeignKey("actors.id")),  # NULL: asked for by the user
    _created(),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Column("used_at", UtcDateTime()),
)

# An OpenID Connect sign-in in progress: the state sent to the provider, and what the callback
# checks against it (the nonce in the ID token, the PKCE verifier). Used once, then deleted.
oidc_attempts = sa.Table(
    "oidc_attempts",
    metadata,
    sa.Column("state_hash", sa.String(64), primary_key=True),
    sa.Column("nonce", sa.String(128), nullable=False),
    sa.Column("code_verifier", sa.String(128), nullable=False),
    sa.Column("next_path", sa.Text, nullable=False),
    _created(),
)

# Requests strangers can make (password reset, single sign-on callback), per bucket (the kind
# and the client address, or the kind and the account) over a sliding window.
rate_events = sa.Table(
    "rate_events",
    metadata,
    _id(),
    sa.Column("bucket", sa.String(96), nullable=False, index=True),
    sa.Column("at", UtcDateTime(), nullable=False, index=True),
)
