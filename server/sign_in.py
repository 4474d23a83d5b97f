"""Opening a session with an e-mail address and a password: shared by POST /v1/sessions and
the web interface's sign-in page."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from server.errors import Problem, ProblemCode
from server.keys import new_token, token_hash
from server.passwords import verify_password
from storage.access import SessionRecord, create_session
from storage.audit import record
from storage.db import transaction
from storage.users import find_user_by_email


def sign_in(state: Any, email: str, password: str) -> tuple[str, SessionRecord]:
    """A new session token (returned once, stored hashed) and its record; 401 when the
    address or the password is wrong, without saying which."""
    with transaction(state.engine) as connection:
        user = find_user_by_email(connection, email)
        if not verify_password(user.password_hash if user else None, password) or user is None:
            raise Problem(401, ProblemCode.AUTH_FAILED)
        token, now = new_token(), state.clock()
        session = create_session(
            connection,
            actor_id=user.id,
            token_hash=token_hash(token),
            csrf=secrets.token_urlsafe(32),
            now=now,
            expires_at=now + timedelta(hours=state.settings.session_hours),
        )
        record(
            connection,
            actor_id=user.id,
            action="user.session.create",
            actee_type="user",
            actee_id=user.id,
            now=now,
        )
    return token, session
