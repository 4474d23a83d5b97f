"""`baobab users reset|password|deactivate|reactivate|delete`: accounts from a terminal, for
when nobody can sign in (the administrator's own forgotten password included). The same work
as the web pages and the API (server/accounts/actions.py), audited with no actor."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from server.accounts import actions as accounts
from server.accounts.mail import Sent
from server.accounts.passwords import Passwords
from server.cli.support import UsageError, command, database
from server.clock import Clock, system_clock
from server.errors import Problem
from server.settings import Settings
from storage.accounts.users import UserRecord, find_user_by_email
from storage.db import transaction

if TYPE_CHECKING:
    from server.cli.support import Commands


@dataclass(frozen=True, slots=True)
class CommandState:
    """What server/accounts/actions.py needs of the app's state, for one command."""

    engine: Engine
    settings: Settings
    clock: Clock
    passwords: Passwords


def add_user_account_commands(users: Commands) -> None:
    reset = command(
        users,
        "reset",
        "issue a password reset for a user: e-mailed when BAOBAB_SMTP_URL is set, and printed",
        _reset,
    )
    reset.add_argument("email")
    reset.add_argument(
        "--invalidate", action="store_true", help="clear the current password and end sessions"
    )
    password = command(
        users, "password", "set a user's password (every session of theirs ends)", _password
    )
    password.add_argument("email")
    password.add_argument(
        "--password-stdin",
        action="store_true",
        required=True,
        help="read the new password from standard input (never from the command line)",
    )
    for name, help_text, run in (
        ("deactivate", "stop a user signing in by any route; their sessions end at once", _off),
        ("reactivate", "let a deactivated user sign in again", _on),
        ("delete", "delete a user (roles and sessions end; the name stays on their work)", _del),
    ):
        command(users, name, help_text, run).add_argument("email")


@contextmanager
def _user(settings: Settings, email: str) -> Iterator[tuple[CommandState, UserRecord]]:
    with database(settings) as engine:
        state = CommandState(engine, settings, system_clock, Passwords())
        with transaction(engine, read_only=True) as connection:
            user = find_user_by_email(connection, email)
        if user is None:
            raise UsageError(f"no user with the e-mail address {email}")
        try:
            yield state, user
        except Problem as problem:
            raise UsageError(problem.message) from problem


def _mail_note(sent: Sent) -> str:
    return {
        Sent.SENT: "e-mailed to the user",
        Sent.FAILED: "the e-mail could not be sent (see the log)",
        Sent.OFF: "no e-mail (BAOBAB_SMTP_URL is not set)",
    }[sent]


def _reset(args: argparse.Namespace, settings: Settings) -> int:
    with _user(settings, args.email) as (state, user):
        if not user.active:
            raise UsageError(f"{user.email} is deactivated; reactivate the account first")
        notice = accounts.issue_reset(
            state, user, by=None, invalidate=args.invalidate, show_link=True
        )
    print(f"password reset for {user.email}: {_mail_note(notice.mail)}")
    if notice.link:  # when no e-mail carried it
        print(f"link (valid {accounts.RESET_HOURS} h, once): {notice.link}")
    return 0


def _password(args: argparse.Namespace, settings: Settings) -> int:
    password = sys.stdin.readline().rstrip("\n")
    with _user(settings, args.email) as (state, user):
        sent = accounts.set_password(state, user, password, by=None)
    print(f"password of {user.email} changed, every session ended; {_mail_note(sent)}")
    return 0


def _change(verb: str, action: Callable[..., UserRecord]) -> Callable[..., int]:
    def run(args: argparse.Namespace, settings: Settings) -> int:
        with _user(settings, args.email) as (state, user):
            action(state, user.id, by=None)
        print(f"{user.email} {verb}")
        return 0

    return run


_off = _change("deactivated", accounts.deactivate)
_on = _change("reactivated", accounts.reactivate)
_del = _change("deleted", accounts.delete)
