"""Opening a session with an e-mail address and a password: shared by POST /v1/sessions, the web
interface's sign-in page and HTTP Basic (data collectors over HTTPS).

Guessing is rate-limited, per account and per client address, over a sliding window kept in the
database (so every worker process sees the same counts): past the limit, sign-in is refused with
429 and Retry-After without looking at the password, so a correct guess cannot be told apart. A
successful sign-in clears the account's count.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from server.errors import Problem, ProblemCode
from server.keys import new_token, token_hash
from server.passwords import verify_password
from storage.access import SessionRecord, create_session
from storage.audit import record
from storage.db import transaction
from storage.sign_in_failures import failures_since, forget_account, record_failure
from storage.users import UserRecord, find_user_by_email

WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 10  # failures per account in WINDOW
CLIENT_LIMIT = 30  # failures per client address in WINDOW, whatever the accounts


def sign_in(state: Any, email: str, password: str, client: str) -> tuple[str, SessionRecord]:
    """A new session token (returned once, stored hashed) and its record; 401 when the
    address or the password is wrong, without saying which; 429 past the limits."""
    now = state.clock()
    with transaction(state.engine, read_only=True) as connection:
        user = check_password(connection, email, password, client, now)
    if user is None:
        with transaction(state.engine) as connection:
            count_failure(connection, email, client, now)
        raise Problem(401, ProblemCode.AUTH_FAILED)
    with transaction(state.engine) as connection:
        token = new_token()
        forget_account(connection, _account(email))
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


def check_password(
    connection: Connection, email: str, password: str, client: str, now: datetime
) -> UserRecord | None:
    """The user whose address and password these are, None if they are wrong; 429 without
    looking at the password when the account or the client is past its limit."""
    by_account, by_client = failures_since(
        connection, account=_account(email), client=client, since=now - WINDOW
    )
    for failures, limit in ((by_account, ACCOUNT_LIMIT), (by_client, CLIENT_LIMIT)):
        if len(failures) >= limit:
            free_at = failures[len(failures) - limit] + WINDOW
            wait = max(1, math.ceil((free_at - now).total_seconds()))
            raise Problem(
                429, ProblemCode.TOO_MANY_SIGN_INS, minutes=math.ceil(wait / 60), retry_after=wait
            )
    user = find_user_by_email(connection, email)
    # verify_password does the same work whether or not the account exists.
    if not verify_password(user.password_hash if user else None, password) or user is None:
        return None
    return user


def count_failure(connection: Connection, email: str, client: str, now: datetime) -> None:
    """Count a failed attempt, in a transaction that commits (the 401 comes after it)."""
    record_failure(
        connection, account=_account(email), client=client, now=now, forget_before=now - WINDOW
    )


def _account(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()
