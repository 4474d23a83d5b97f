"""Passwords: argon2id with the recommended parameters in production, any parameters injected
(tests use the cheapest), and every hash checkable whatever parameters made it."""

from __future__ import annotations

from argon2 import PasswordHasher

from server.accounts.passwords import Passwords
from tests.support.accounts import PASSWORDS


def test_production_hashes_with_the_recommended_parameters():
    stored = Passwords().hash("a long enough password")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert Passwords().verify(stored, "a long enough password")


def test_a_hash_is_checked_whatever_parameters_made_it():
    cheap = PASSWORDS.hash("a long enough password")
    assert cheap.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert Passwords().verify(cheap, "a long enough password")
    assert not Passwords().verify(cheap, "another password")


def test_an_unknown_account_is_checked_against_a_hash_of_the_same_parameters():
    hasher = PasswordHasher(time_cost=1, memory_cost=2048, parallelism=1)
    passwords = Passwords(hasher)
    assert not passwords.verify(None, "whatever password")
    assert passwords._unusable_hash().startswith("$argon2id$v=19$m=2048,t=1,p=1$")
    assert Passwords()._unusable_hash().startswith("$argon2id$v=19$m=65536,t=3,p=4$")
