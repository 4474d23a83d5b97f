"""Signing in with an e-mail address and a password: POST /v1/sessions, the web interface's
sign-in page and HTTP Basic (data collectors over HTTPS) all go through `verify_sign_in`.

Guessing is rate-limited over a sliding window kept in the database, so every worker process
sees the same counts: per account from one client address (a stranger guessing from their
address does not lock the owner out everywhere), per account from anywhere (a guesser with many
addresses), and per client address whatever the account (password spraying). Each attempt is
counted before the password is checked, under a lock on the account and the client, so parallel
guesses cannot slip past the limit; the count is cleared when the password is right. Past a
limit the answer is 429 with Retry-After, without looking at the password, so a right guess
cannot be told apart.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import ipaddress
import math
import secrets
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from server.accounts.keys import new_token, token_hash
from server.accounts.passwords import Passwords
from server.errors import Problem, ProblemCode
from server.services import Services, services
from storage.accounts.access import SessionRecord
from storage.accounts.sessions import forget_expired, open_session, touch_session
from storage.accounts.sign_in_failures import (
    failures_since,
    forget_account,
    lock_keys,
    record_failure,
)
from storage.accounts.users import UserRecord, find_user_by_email
from storage.audit import record
from storage.db import transaction
from storage.errors import StorageError

WINDOW = timedelta(minutes=15)
ACCOUNT_HERE_LIMIT = 10  # failures in WINDOW for one account from one client address
ACCOUNT_LIMIT = 50  # failures in WINDOW for one account, whatever the addresses
CLIENT_LIMIT = 30  # failures in WINDOW from one client address (an IPv6 /64), whatever the accounts
BASIC_RESULT = "baobab.basic"  # the scope key where BasicSignIn leaves its verdict
TOUCH_SESSION = "baobab.touch_session"  # a session whose last use BasicSignIn writes after


def sign_in(
    state: Services, email: str, password: str, client: str, user_agent: str | None = None
) -> tuple[str, SessionRecord]:
    """A new session token (returned once, stored hashed) and its record; 401 when the
    address or the password is wrong, without saying which (or the user is deactivated);
    429 past the limits; 403 when password sign-in is turned off."""
    if not state.settings.password_sign_in:
        raise Problem(ProblemCode.FORBIDDEN)
    user = verify_sign_in(state.engine, state.passwords, email, password, client, state.clock())
    return start_session(state, user.id, client, user_agent, via="password")


def start_session(
    state: Services, user_id: int, client: str, user_agent: str | None, *, via: str
) -> tuple[str, SessionRecord]:
    """A new session of a user who proved who they are (`via`: how, for the audit log)."""
    now = state.clock()
    with transaction(state.engine) as connection:
        token = new_token()
        forget_expired(connection, now, idle_time(state))
        session = open_session(
            connection,
            actor_id=user_id,
            token_hash=token_hash(token),
            csrf=secrets.token_urlsafe(32),
            now=now,
            expires_at=now + timedelta(hours=state.settings.session_hours),
            ip=client,
            user_agent=user_agent,
        )
        record(
            connection,
            actor_id=user_id,
            action="user.session.create",
            actee_type="user",
            actee_id=user_id,
            now=now,
            details={"via": via, "ip": client},
        )
    return token, session


def idle_time(state: Services) -> timedelta:
    return timedelta(minutes=state.settings.session_idle_minutes)


def verify_sign_in(
    engine: Engine, passwords: Passwords, email: str, password: str, client: str, now: datetime
) -> UserRecord:
    """The user whose address and password these are; 401 (counted) when they are wrong, 429
    when the account or the client is past its limit. Holds no connection while hashing."""
    account, client = _account(email), client_key(client)
    with transaction(engine) as connection:
        lock_keys(connection, account, client)
        recent = failures_since(connection, account=account, client=client, since=now - WINDOW)
        for failures, limit in (
            (recent.account_here, ACCOUNT_HERE_LIMIT),
            (recent.account, ACCOUNT_LIMIT),
            (recent.client, CLIENT_LIMIT),
        ):
            if len(failures) >= limit:
                free_at = failures[len(failures) - limit] + WINDOW
                wait = max(1, math.ceil((free_at - now).total_seconds()))
                raise Problem(
                    ProblemCode.TOO_MANY_SIGN_INS,
                    minutes=math.ceil(wait / 60),
                    retry_after=wait,
                )
        record_failure(  # until the password proves right
            connection, account=account, client=client, now=now, forget_before=now - WINDOW
        )
    with transaction(engine, read_only=True) as connection:
        user = find_user_by_email(connection, email)
    # The same work whether or not the account exists (or may sign in).
    if not passwords.verify(user.password_hash if user else None, password) or user is None:
        raise Problem(ProblemCode.AUTH_FAILED)
    if not user.active:  # deactivated: the right password, counted as a failure all the same
        raise Problem(ProblemCode.AUTH_FAILED)
    with transaction(engine) as connection:
        forget_account(connection, account)
    return user


class BasicSignIn:
    """Checks HTTP Basic credentials (over HTTPS) before any handler holds a database
    connection, and leaves the verdict in the scope for `server.auth.authenticate`: the user,
    or the Problem (401, 429) to answer with. Once the response is sent, writes the last use
    of a session that a read-only handler could not write (`TOUCH_SESSION`): on a connection
    of its own, when the handler's is back in the pool, so a burst of requests cannot each
    hold one connection while waiting for a second."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("scheme") == "https":
            credentials = _basic_credentials(scope)
            if credentials is not None:
                state = services(HTTPConnection(scope))
                client = client_address(scope)
                try:
                    if not state.settings.password_sign_in:
                        raise Problem(ProblemCode.AUTH_FAILED)
                    scope[BASIC_RESULT] = await run_in_threadpool(
                        verify_sign_in,
                        state.engine,
                        state.passwords,
                        *credentials,
                        client,
                        state.clock(),
                    )
                except (Problem, StorageError) as refusal:  # answered by the route's handlers
                    scope[BASIC_RESULT] = refusal
        try:
            await self.app(scope, receive, send)
        finally:
            hashed = scope.get(TOUCH_SESSION)
            if hashed is not None:
                state = services(HTTPConnection(scope))
                with contextlib.suppress(StorageError):  # a later request will write it
                    await run_in_threadpool(touch_session, state.engine, hashed, state.clock())


def _basic_credentials(scope: Scope) -> tuple[str, str] | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, encoded = value.decode("latin-1").partition(" ")
            if scheme.lower() != "basic" or not encoded.strip():
                return None
            try:
                text = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return None
            email, _, password = text.partition(":")
            return email, password
    return None


def client_address(scope: Scope) -> str:
    """The caller's IP address (uvicorn takes it from X-Forwarded-For behind a trusted proxy)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _account(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def client_key(address: str) -> str:
    """The address, or for IPv6 its /64: one subscriber holds a whole /64."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
