"""Password guessing is rate-limited: per account and per client address, on the API, the web
sign-in page and HTTP Basic alike; past the limit even the right password is refused (so a
guess cannot be confirmed) until the window has passed."""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import sqlalchemy as sa

from server.accounts.sign_in import ACCOUNT_HERE_LIMIT, ACCOUNT_LIMIT, CLIENT_LIMIT, WINDOW
from tests.support.accounts import ADMIN_EMAIL, ADMIN_PASSWORD, create_admin
from tests.support.browser import Browser
from tests.support.openrosa import OPENROSA


def attempt(client, password, email=ADMIN_EMAIL):
    return client.post("/v1/sessions", json={"email": email, "password": password})


def test_an_account_is_locked_after_repeated_failures_then_frees_itself(client, engine, clock):
    create_admin(engine, clock)
    for n in range(ACCOUNT_HERE_LIMIT):
        assert attempt(client, f"guess {n}").status_code == 401
    locked = attempt(client, ADMIN_PASSWORD)
    assert locked.status_code == 429
    assert locked.json()["code"] == 429
    assert "Too many failed sign-in attempts" in locked.json()["message"]
    assert 0 < int(locked.headers["Retry-After"]) <= WINDOW.total_seconds()
    clock.advance(seconds=int(locked.headers["Retry-After"]))
    assert attempt(client, ADMIN_PASSWORD).status_code == 200


def test_a_success_clears_the_account_s_failures(client, engine, clock):
    create_admin(engine, clock)
    for _round in range(3):
        for n in range(ACCOUNT_HERE_LIMIT - 1):
            assert attempt(client, f"guess {n}").status_code == 401
        assert attempt(client, ADMIN_PASSWORD).status_code == 200


def test_one_client_spraying_many_accounts_is_stopped(client, engine, clock):
    create_admin(engine, clock)
    for n in range(CLIENT_LIMIT):
        response = attempt(client, "password1", email=f"user{n}@example.org")
        assert response.status_code == 401
    # The administrator never failed, but this client did, too often.
    assert attempt(client, ADMIN_PASSWORD).status_code == 429


def test_the_web_sign_in_page_says_when_to_try_again(client, engine, clock):
    create_admin(engine, clock)
    browser = Browser(client)
    browser.get("/login")
    for n in range(ACCOUNT_HERE_LIMIT):
        failed = browser.post("/login", {"email": ADMIN_EMAIL, "password": f"guess {n}"})
        assert failed.status_code == 401 and "password is wrong" in failed.text
    locked = browser.post("/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert locked.status_code == 429
    assert "Try again in 15 minutes" in locked.text
    assert 840 < int(locked.headers["Retry-After"]) <= WINDOW.total_seconds()
    assert "baobab_session" not in locked.headers.get("set-cookie", "")


def basic(password):
    token = base64.b64encode(f"{ADMIN_EMAIL}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.mark.parametrize("route", ["formList", "app-users"])
def test_basic_auth_guesses_count_too_on_reading_and_writing_routes(client, project, route):
    # `project` signed the administrator in once; Basic over HTTPS, as data collectors use it.
    url = f"https://baobab.test/v1/projects/{project}/{route}"

    def call(password):
        if route == "formList":
            return client.get(url, headers={**OPENROSA, **basic(password)})
        return client.post(url, json={"displayName": "tablet"}, headers=basic(password))

    assert call(ADMIN_PASSWORD).status_code == 200
    for n in range(ACCOUNT_HERE_LIMIT):
        assert call(f"guess {n}").status_code == 401
    locked = call(ADMIN_PASSWORD)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert "Too many failed sign-in attempts" in locked.text


def test_a_basic_sign_in_clears_the_account_s_failures(client, project):
    url = f"https://baobab.test/v1/projects/{project}/formList"
    for _round in range(2):
        for n in range(ACCOUNT_HERE_LIMIT - 1):
            assert client.get(url, headers={**OPENROSA, **basic(f"g{n}")}).status_code == 401
        assert client.get(url, headers={**OPENROSA, **basic(ADMIN_PASSWORD)}).status_code == 200


def test_parallel_guesses_cannot_slip_past_the_limit(live, engine, clock):
    create_admin(engine, clock)

    def guess(n):
        with httpx.Client(base_url=live, timeout=60) as http:
            return attempt(http, f"parallel guess {n}").status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = Counter(pool.map(guess, range(3 * ACCOUNT_HERE_LIMIT)))
    assert statuses == {401: ACCOUNT_HERE_LIMIT, 429: 2 * ACCOUNT_HERE_LIMIT}


def test_one_ipv6_subscriber_counts_as_one_client(live, engine, clock):
    """Behind a trusted proxy (uvicorn takes the address from X-Forwarded-For), addresses of
    one /64 share the per-client count; another /64 does not."""

    def from_address(address, email):
        with httpx.Client(base_url=live, timeout=60) as http:
            return http.post(
                "/v1/sessions",
                json={"email": email, "password": "password1"},
                headers={"X-Forwarded-For": address},
            ).status_code

    for n in range(CLIENT_LIMIT):
        assert from_address(f"2001:db8:1:2::{n + 1:x}", f"u{n}@example.org") == 401
    assert from_address("2001:db8:1:2:ffff::9", "other@example.org") == 429
    assert from_address("2001:db8:1:3::1", "other@example.org") == 401


def test_failures_are_kept_without_the_address_typed(client, engine, clock):
    create_admin(engine, clock)
    # People type their password into the e-mail field: it must not be stored in clear.
    assert attempt(client, "x", email="My Secret Passphrase").status_code == 401
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT account, client FROM sign_in_failures")).all()
    assert rows == [(hashlib.sha256(b"my secret passphrase").hexdigest(), "testclient")]


def test_a_stranger_s_guesses_lock_the_account_only_where_they_come_from(live, engine, clock):
    """Guesses from one address lock the account for that address; its owner elsewhere still
    signs in, until guesses from many addresses pass the account's own limit."""
    create_admin(engine, clock)

    def from_address(address, password):
        with httpx.Client(base_url=live, timeout=60) as http:
            return http.post(
                "/v1/sessions",
                json={"email": ADMIN_EMAIL, "password": password},
                headers={"X-Forwarded-For": address},
            ).status_code

    for n in range(ACCOUNT_HERE_LIMIT):
        assert from_address("198.51.100.7", f"guess {n}") == 401
    assert from_address("198.51.100.7", ADMIN_PASSWORD) == 429
    assert from_address("203.0.113.5", ADMIN_PASSWORD) == 200  # the owner, at the office
    for n in range(ACCOUNT_LIMIT):
        assert from_address(f"192.0.2.{n // ACCOUNT_HERE_LIMIT + 1}", f"guess {n}") == 401
    assert from_address("203.0.113.5", ADMIN_PASSWORD) == 429
