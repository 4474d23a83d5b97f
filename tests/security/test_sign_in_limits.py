"""Password guessing is rate-limited: per account and per client address, on the API, the web
sign-in page and HTTP Basic alike; past the limit even the right password is refused (so a
guess cannot be confirmed) until the window has passed."""

from __future__ import annotations

import base64
import hashlib

import sqlalchemy as sa

from server.sign_in import ACCOUNT_LIMIT, CLIENT_LIMIT, WINDOW
from tests.server.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, OPENROSA, create_admin
from tests.web.conftest import Browser


def attempt(client, password, email=ADMIN_EMAIL):
    return client.post("/v1/sessions", json={"email": email, "password": password})


def test_an_account_is_locked_after_repeated_failures_then_frees_itself(client, engine, clock):
    create_admin(engine, clock)
    for n in range(ACCOUNT_LIMIT):
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
        for n in range(ACCOUNT_LIMIT - 1):
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
    for n in range(ACCOUNT_LIMIT):
        failed = browser.post("/login", {"email": ADMIN_EMAIL, "password": f"guess {n}"})
        assert failed.status_code == 401 and "password is wrong" in failed.text
    locked = browser.post("/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert locked.status_code == 429
    assert "Try again in 15 minutes" in locked.text
    assert "baobab_session" not in locked.headers.get("set-cookie", "")


def test_basic_auth_guesses_count_too(client, engine, clock, project):
    # `project` signed the administrator in once; Basic over HTTPS, as data collectors use it.
    url = f"https://baobab.test/v1/projects/{project}/formList"

    def basic(password):
        token = base64.b64encode(f"{ADMIN_EMAIL}:{password}".encode()).decode()
        return client.get(url, headers={**OPENROSA, "Authorization": f"Basic {token}"})

    assert basic(ADMIN_PASSWORD).status_code == 200
    for n in range(ACCOUNT_LIMIT):
        assert basic(f"guess {n}").status_code == 401
    locked = basic(ADMIN_PASSWORD)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert "Too many failed sign-in attempts" in locked.text


def test_failures_are_kept_without_the_address_typed(client, engine, clock):
    create_admin(engine, clock)
    # People type their password into the e-mail field: it must not be stored in clear.
    assert attempt(client, "x", email="My Secret Passphrase").status_code == 401
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT account, client FROM sign_in_failures")).all()
    assert rows == [(hashlib.sha256(b"my secret passphrase").hexdigest(), "testclient")]
