"""What people do with accounts, for the REST API, the web pages and the command line alike:
change one's password, reset a forgotten one, deactivate, reactivate, delete and rename users.
Each action is audited; e-mails go out after its transaction commits (server/accounts/mail.py).

Reset tokens are single-use, expire after RESET_HOURS, and are stored only as their sha256.
What a stranger can reach (asking for a reset, using one) is rate-limited per client address
and per account, over RATE_WINDOW."""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, Engine

from server.accounts.keys import token_hash
from server.accounts.mail import Sent, compose, send
from server.accounts.passwords import Passwords, password_problem
from server.accounts.sign_in import client_key, verify_sign_in
from server.clock import Clock
from server.errors import Problem, ProblemCode
from server.settings import Settings
from storage.accounts.password_resets import create_reset, reset_is_usable, use_reset
from storage.accounts.rate_limits import count_and_add
from storage.accounts.sessions import end_sessions
from storage.accounts.sign_in_failures import forget_account
from storage.accounts.users import (
    UserRecord,
    delete_user,
    find_user_by_email,
    get_user,
    set_deactivated,
    set_password_hash,
    update_user,
)
from storage.audit import record
from storage.db import transaction

RESET_HOURS = 24
RATE_WINDOW = timedelta(minutes=15)
RESET_PER_CLIENT = 10  # reset requests from one client address (nobody signed in)
RESET_PER_ACCOUNT = 3  # reset requests for one e-mail address in RATE_WINDOW
VERIFY_PER_CLIENT = 30  # new passwords sent with a reset token, from one client address


class AccountServices(Protocol):
    """What accounts need of the app: its Services (server/services.py), or a command's."""

    @property
    def engine(self) -> Engine: ...
    @property
    def settings(self) -> Settings: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def passwords(self) -> Passwords: ...


@dataclass(frozen=True, slots=True)
class Notice:
    """What became of the e-mail of an action; `link` is the reset link when no e-mail carried
    it and an administrator asked (it is shown to them), else None."""

    mail: Sent
    link: str | None = None


def reset_link(state: AccountServices, token: str) -> str:
    return f"{state.settings.base_url}/account/reset?token={token}"


def mail_user(state: AccountServices, kind: str, user: UserRecord, **values: object) -> Sent:
    message = compose(
        kind, user.language, user.email, server=state.settings.base_url, hours=RESET_HOURS, **values
    )
    return send(state.settings, message)


def limit(state: AccountServices, limits: dict[str, int]) -> None:
    """429 with Retry-After when a bucket already holds its limit of events in RATE_WINDOW."""
    now = state.clock()
    with transaction(state.engine) as connection:
        found = count_and_add(connection, list(limits), now, now - RATE_WINDOW)
    for bucket, events in found.items():
        if len(events) >= limits[bucket]:
            free_at = events[len(events) - limits[bucket]] + RATE_WINDOW
            wait = max(1, math.ceil((free_at - now).total_seconds()))
            raise Problem(
                ProblemCode.TOO_MANY_REQUESTS,
                reason=f"too many requests; try again in {math.ceil(wait / 60)} min",
                retry_after=wait,
            )


def _account_bucket(kind: str, email: str) -> str:
    return f"{kind}:account:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()


def welcome(
    state: AccountServices, user: UserRecord, *, by: int | None, password_given: bool
) -> Notice:
    """The "account created" e-mail: with a link to choose a password when none was given;
    that link is returned for the administrator when no e-mail carried it."""
    if password_given:
        return Notice(mail_user(state, "account_created", user, setup="given"))
    token = secrets.token_urlsafe(32)
    with transaction(state.engine) as connection:
        _store_reset(connection, state.clock(), user.id, token, by)
    link = reset_link(state, token)
    sent = mail_user(state, "account_created", user, setup="link", link=link)
    return Notice(sent, link if sent is not Sent.SENT else None)


def _store_reset(
    connection: Connection, now: datetime, user_id: int, token: str, by: int | None
) -> None:
    """A reset token, stored only as its hash, valid RESET_HOURS."""
    create_reset(
        connection,
        actor_id=user_id,
        token_hash=token_hash(token),
        now=now,
        expires_at=now + timedelta(hours=RESET_HOURS),
        created_by=by,
    )


def issue_reset(
    state: AccountServices,
    user: UserRecord,
    *,
    by: int | None,
    invalidate: bool = False,
    show_link: bool | None = None,
) -> Notice:
    """A new reset token for `user`, e-mailed to them; the link is also returned for whoever
    asked (an administrator `by`, or `show_link`: the command line) when no e-mail carried
    it. `invalidate` clears the password (and ends the sessions) at once, as Central's
    ?invalidate=true."""
    token, now = secrets.token_urlsafe(32), state.clock()
    with transaction(state.engine) as connection:
        _store_reset(connection, now, user.id, token, by)
        if invalidate:
            set_password_hash(connection, user.id, None)
            end_sessions(connection, user.id)
        record(
            connection,
            actor_id=by,
            action="user.password.reset.initiate",
            actee_type="user",
            actee_id=user.id,
            now=now,
            details={"invalidate": invalidate},
        )
    link = reset_link(state, token)
    sent = mail_user(state, "password_reset", user, link=link)
    shown = by is not None if show_link is None else show_link
    return Notice(sent, link if shown and sent is not Sent.SENT else None)


def initiate_reset(
    state: AccountServices,
    email: str,
    client: str,
    *,
    by: int | None,
    by_admin: bool,
    invalidate: bool,
) -> Notice:
    """Central's POST /users/reset/initiate: the same answer whether or not the address is
    known (no e-mail is sent for an unknown, deactivated or deleted one). Limited per address
    asked for, and per client address when nobody is signed in (`by`)."""
    if invalidate and not by_admin:
        raise Problem(ProblemCode.FORBIDDEN)
    limits = {_account_bucket("reset", email): RESET_PER_ACCOUNT}
    if by is None:
        limits[f"reset:client:{client_key(client)}"] = RESET_PER_CLIENT
    limit(state, limits)
    with transaction(state.engine, read_only=True) as connection:
        user = find_user_by_email(connection, email)
    if user is None or not user.active:
        return Notice(Sent.OFF)
    return issue_reset(state, user, by=by if by_admin else None, invalidate=invalidate)


def check_reset(state: AccountServices, token: str, client: str, *, count: bool = True) -> None:
    """401 unless `token` is an unused, unexpired reset token; rate-limited per client when
    `count` (a new password sent with it; not the page that asks for one)."""
    if count:
        limit(state, {f"verify:client:{client_key(client)}": VERIFY_PER_CLIENT})
    with transaction(state.engine, read_only=True) as connection:
        usable = reset_is_usable(connection, token_hash(token), state.clock())
    if not usable:
        raise Problem(ProblemCode.AUTH_FAILED)


def verify_reset(state: AccountServices, token: str, new: str, client: str) -> UserRecord:
    """Central's POST /users/reset/verify: the token's user gets the new password, the token
    is used up and every session of the user ends."""
    check_reset(state, token, client, count=False)  # counted by the caller's check_reset
    _check_new(new)
    password_hash = state.passwords.hash(new)  # no transaction held while hashing
    now = state.clock()
    with transaction(state.engine) as connection:
        actor_id = use_reset(connection, token_hash(token), now)
        if actor_id is None:
            raise Problem(ProblemCode.AUTH_FAILED)
        user = get_user(connection, actor_id)
        _check_new(new, user.email)
        set_password_hash(connection, actor_id, password_hash)
        end_sessions(connection, actor_id)
        forget_account(connection, hashlib.sha256(user.email.encode()).hexdigest())
        record(
            connection,
            actor_id=actor_id,
            action="user.password.reset.verify",
            actee_type="user",
            actee_id=actor_id,
            now=now,
        )
    mail_user(state, "password_changed", user)
    return user


def change_password(
    state: AccountServices, user_id: int, old: str, new: str, client: str, *, keep: str | None
) -> Sent:
    """The user's own change: the current password is checked like a sign-in (counted and
    rate-limited), then every session but `keep` (a token hash) ends."""
    with transaction(state.engine, read_only=True) as connection:
        user = get_user(connection, user_id)
    verify_sign_in(state.engine, state.passwords, user.email, old, client, state.clock())
    _check_new(new, user.email)
    password_hash = state.passwords.hash(new)
    now = state.clock()
    with transaction(state.engine) as connection:
        set_password_hash(connection, user_id, password_hash)
        end_sessions(connection, user_id, keep=keep)
        record(
            connection,
            actor_id=user_id,
            action="user.password.change",
            actee_type="user",
            actee_id=user_id,
            now=now,
        )
    return mail_user(state, "password_changed", user)


def set_password(state: AccountServices, user: UserRecord, new: str, *, by: int | None) -> Sent:
    """An administrator's (or the command line's) new password for `user`: every session of
    the user ends."""
    _check_new(new, user.email)
    password_hash = state.passwords.hash(new)
    now = state.clock()
    with transaction(state.engine) as connection:
        set_password_hash(connection, user.id, password_hash)
        end_sessions(connection, user.id)
        record(
            connection,
            actor_id=by,
            action="user.password.change",
            actee_type="user",
            actee_id=user.id,
            now=now,
            details={"by": "administrator" if by else "command line"},
        )
    return mail_user(state, "password_changed", user)


def _check_new(password: str, email: str | None = None) -> None:
    problem = password_problem(password, email)
    if problem:
        raise Problem(ProblemCode.BAD_REQUEST, reason=problem)


def _not_self(user_id: int, by: int | None, what: str) -> None:
    if by is not None and by == user_id:
        raise Problem(ProblemCode.BAD_REQUEST, reason=f"you cannot {what} your own account")


def deactivate(state: AccountServices, user_id: int, *, by: int | None) -> UserRecord:
    """The user can no longer sign in by any route; every session ends at once. Reversible."""
    _not_self(user_id, by, "deactivate")
    return _close(state, user_id, by, "user.deactivate", set_deactivated)


def reactivate(state: AccountServices, user_id: int, *, by: int | None) -> UserRecord:
    now = state.clock()
    with transaction(state.engine) as connection:
        user = set_deactivated(connection, user_id, None)
        record(
            connection,
            actor_id=by,
            action="user.reactivate",
            actee_type="user",
            actee_id=user_id,
            now=now,
        )
    return user


def delete(state: AccountServices, user_id: int, *, by: int | None) -> UserRecord:
    """Central's DELETE /users/{id}: sessions and project roles end at once; the name stays
    on what the user did."""
    _not_self(user_id, by, "delete")
    return _close(state, user_id, by, "user.delete", delete_user)


def _close(
    state: AccountServices,
    user_id: int,
    by: int | None,
    action: str,
    close: Callable[[Connection, int, datetime], UserRecord],
) -> UserRecord:
    """Deactivate or delete: the account closed and every session ended in one transaction,
    audited with the sessions ended (and the address, which a deleted account no longer shows)."""
    now = state.clock()
    with transaction(state.engine) as connection:
        user = close(connection, user_id, now)
        ended = end_sessions(connection, user_id)
        details: dict[str, Any] = {"sessionsEnded": ended}
        if action == "user.delete":
            details["email"] = user.email
        record(
            connection,
            actor_id=by,
            action=action,
            actee_type="user",
            actee_id=user_id,
            now=now,
            details=details,
        )
    return user


def update(
    state: AccountServices, user_id: int, *, by: int, display_name: str | None, email: str | None
) -> UserRecord:
    now = state.clock()
    with transaction(state.engine) as connection:
        before = get_user(connection, user_id)
        user = update_user(connection, user_id, now=now, display_name=display_name, email=email)
        changed: dict[str, object] = {
            key: value
            for key, old, value in (
                ("displayName", before.display_name, user.display_name),
                ("email", before.email, user.email),
            )
            if old != value
        }
        record(
            connection,
            actor_id=by,
            action="user.update",
            actee_type="user",
            actee_id=user_id,
            now=now,
            details=changed,
        )
    return user
