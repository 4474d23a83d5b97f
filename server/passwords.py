"""Password hashing with argon2id. The app gets its `Passwords` passed in, as it gets its clock:
production uses argon2-cffi's recommended parameters (RFC 9106, low memory); tests pass
cheaper ones. A hash carries its own parameters, so any `Passwords` checks any hash."""

from __future__ import annotations

import contextlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10

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
