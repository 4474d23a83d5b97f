"""Password hashing with argon2id. The app gets its `Passwords` passed in, as it gets its clock:
production uses argon2-cffi's recommended parameters (RFC 9106, low memory); tests pass
cheaper ones. A hash carries its own parameters, so any `Passwords` checks any hash."""

from __future__ import annotations

import contextlib
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# The rules a new password must meet (stated on the pages and in the README): at least
# MIN_LENGTH characters, at most MAX_LENGTH, not one of the COMMON most common passwords (the
# list zxcvbn ships, from leaked password sets), not the account's e-mail address.
MIN_LENGTH = 10
MAX_LENGTH = 1024
COMMON = 30000

# The hash of a random password nobody knows, with the default parameters: checking a password
# for an unknown email costs the same as for a known one. A literal, because hashing at import
# would take 64 MiB in every process.
_UNUSABLE = "$argon2id$v=19$m=65536,t=3,p=4$61UeGJLjpjojMYYu9G6fqg$7D51EaSXpWI7DyL1hQR/wx1x15618uQLOEuHqujtItI"  # noqa: E501


class Passwords:
    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._unusable = _UNUSABLE if hasher is None else None

    def hash(self, password: str) -> str:
        if len(password) < MIN_LENGTH:
            raise ValueError(f"the password must have at least {MIN_LENGTH} characters")
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Constant work whether or not the account exists, so timing does not reveal emails."""
        if not password_hash:
            with contextlib.suppress(VerificationError, InvalidHashError):
                self._hasher.verify(self._unusable_hash(), password)
            return False
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def _unusable_hash(self) -> str:
        if self._unusable is None:  # other parameters than the default: made once, on demand
            self._unusable = self._hasher.hash(secrets.token_urlsafe(32))
        return self._unusable


def generate_password() -> str:
    return secrets.token_urlsafe(12)


@cache
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]

    return frozenset(FREQUENCY_LISTS["passwords"][:COMMON])


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why this new password is refused (English, the API's language), or None when it meets
    the rules."""
    if len(password) < MIN_LENGTH:
        return f"the password must have at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"the password must have at most {MAX_LENGTH} characters"
    lowered = password.lower()
    if lowered in _common() or lowered.strip() in _common():
        return "this password is one of the most common passwords; choose another"
    if email and lowered.strip() == email.strip().lower():
        return "the password must not be the e-mail address"
    return None
