"""Password hashing with argon2id (argon2-cffi's recommended parameters)."""

from __future__ import annotations

import contextlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
MIN_LENGTH = 10


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise ValueError(f"the password must have at least {MIN_LENGTH} characters")
    return _HASHER.hash(password)


# The hash of a random password nobody knows, with the hasher's parameters: checking a password
# for an unknown email costs the same as for a known one. A literal, because hashing at import
# would take 64 MiB in every process.
_UNUSABLE = "$argon2id$v=19$m=65536,t=3,p=4$61UeGJLjpjojMYYu9G6fqg$7D51EaSXpWI7DyL1hQR/wx1x15618uQLOEuHqujtItI"  # noqa: E501


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not the account exists, so timing does not reveal emails."""
    if not password_hash:
        with contextlib.suppress(VerificationError, InvalidHashError):
            _HASHER.verify(_UNUSABLE, password)
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    return secrets.token_urlsafe(12)
