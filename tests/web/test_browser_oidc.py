"""Single sign-on end to end: Debian's Chromium (Playwright) signs in to Baobab through a real
OpenID provider the test starts (the npm package `oidc-provider`, tests/oidc/provider.mjs, on
127.0.0.1 and a free port, stopped by its PID), with the password sign-in turned off. The flows
that must give no session are each tried for real: a state or a nonce changed on the way, an ID
token that has expired by the time it arrives, an e-mail address Baobab does not know or the
provider does not vouch for, a deactivated user, and an account closed at the provider."""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect, sync_playwright

from scripts.test_services import free_port
from server.accounts import actions as accounts
from server.accounts.oidc import STATE_COOKIE
from server.app import create_app
from server.services import app_services
from storage.accounts.users import create_user
from storage.db import transaction
from tests.support.accounts import PASSWORDS
from tests.support.chromium import CHROMIUM
from tests.support.servers import serve

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID, CLIENT_SECRET = "baobab-tests", "a client secret for the tests"
ACCOUNTS = {
    "awa": {"email": "awa@example.org", "email_verified": True, "name": "Awa"},
    "stranger": {"email": "stranger@example.org", "email_verified": True, "name": "S"},
    "unverified": {"email": "binta@example.org", "email_verified": False, "name": "Binta"},
}
INCOMPLETE = "did not complete"
UNVERIFIED = "could not be verified"


@dataclass
class World:
    base: str  # Baobab's URL
    issuer: str
    app: object
    accounts_file: Path
    browser: object

    def close_account(self, name: str) -> None:
        found = json.loads(self.accounts_file.read_text())
        del found[name]
        self.accounts_file.write_text(json.dumps(found))


@contextmanager
def provider(port: int, redirect: str, accounts_file: Path) -> Iterator[str]:
    process = subprocess.Popen(
        ["node", "tests/oidc/provider.mjs", str(port), CLIENT_ID, CLIENT_SECRET, redirect]
        + [str(accounts_file)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, "the OpenID provider stopped"
            try:
                if httpx.get(f"{issuer}/.well-known/openid-configuration").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the OpenID provider did not start"
            time.sleep(0.1)
        yield issuer
    finally:
        process.terminate()  # by its PID
        process.wait(10)
        assert process.stdout is not None
        process.stdout.close()


@pytest.fixture
def world(settings, engine, clock, tmp_path) -> Iterator[World]:
    assert Path(CHROMIUM).exists(), "install Debian's chromium (make browser does it)"
    clock.now = datetime.now(UTC)  # the provider dates its tokens by the real time
    with transaction(engine) as connection:
        for email in ("awa@example.org", "binta@example.org"):
            create_user(connection, email=email, password_hash=None, now=clock())
    accounts_file = tmp_path / "accounts.json"
    accounts_file.write_text(json.dumps(ACCOUNTS))
    app_port, provider_port = free_port(), free_port()
    base = f"http://127.0.0.1:{app_port}"
    with provider(provider_port, f"{base}/login/oidc/callback", accounts_file) as issuer:
        configured = replace(
            settings,
            public_url=base,
            oidc_issuer=issuer,
            oidc_client_id=CLIENT_ID,
            oidc_client_secret=CLIENT_SECRET,
            password_sign_in=False,
        )
        app = create_app(configured, clock=clock, passwords=PASSWORDS)
        with serve(app, app_port), sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--headless", "--no-sandbox", "--disable-gpu"],
            )
            yield World(base, issuer, app, accounts_file, browser)
            browser.close()


@contextmanager
def tab(world: World) -> Iterator[Page]:
    """A new browser (its own cookies, at Baobab and at the provider)."""
    context = world.browser.new_context(base_url=world.base, locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, errors


def at_provider(page: Page, world: World, login: str, before_consent=None) -> None:
    """Sign in at the provider (any password) and consent; `before_consent` runs just before
    the provider sends the browser back to Baobab."""
    if not page.url.startswith(f"{world.base}/login"):
        page.goto("/login")
    expect(page.get_by_label("Password")).to_have_count(0)  # password sign-in is off
    page.get_by_role("link", name="Sign in with your organisation's account").click()
    expect(page).to_have_url(re.compile("^" + re.escape(world.issuer)))
    page.locator('input[name="login"]').fill(login)
    page.locator('input[name="password"]').fill("any password")
    page.locator('button[type="submit"]').click()
    if before_consent:
        before_consent()
    page.get_by_role("button", name="Continue").click()


def refusals(engine) -> list[str]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT details FROM audits WHERE action = 'user.session.oidc.refused'")
        ).scalars()
        return [(json.loads(d) if isinstance(d, str) else d)["reason"] for d in rows]


def sessions(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.text("SELECT count(*) FROM sessions")).scalar_one()


def test_signing_in_with_the_organisation_s_account(world, engine):
    with tab(world) as page:
        page.goto("/projects")
        at_provider(page, world, "awa")
        expect(page.get_by_role("heading", name="Projects")).to_be_visible()
        assert page.url == f"{world.base}/projects"
        page.goto("/account")
        expect(page.get_by_role("heading", name="My sessions")).to_be_visible()
        expect(page.get_by_text("this session")).to_be_visible()
    with engine.connect() as connection:
        via = connection.execute(
            sa.text("SELECT details FROM audits WHERE action = 'user.session.create'")
        ).scalar_one()
    assert (json.loads(via) if isinstance(via, str) else via)["via"] == "oidc"
    assert refusals(engine) == []


def test_a_state_that_is_not_the_browser_s_is_refused(world, engine):
    """The provider sends back the state Baobab gave, but this browser holds another one (as
    when someone gets a victim to follow their own sign-in's link)."""
    with tab(world) as page:
        forged = {"name": STATE_COOKIE, "value": "someone-else-s-state", "url": world.base}
        at_provider(page, world, "awa", before_consent=lambda: page.context.add_cookies([forged]))
        expect(page.get_by_text(INCOMPLETE)).to_be_visible()
    assert refusals(engine) == ["state"] and sessions(engine) == 0


def test_a_nonce_changed_on_the_way_out_is_refused(world, engine):
    def forge(route):
        """Baobab's redirect to the provider, with another nonce in it."""
        answer = route.fetch(max_redirects=0)
        parts = urllib.parse.urlsplit(answer.headers["location"])
        query = dict(urllib.parse.parse_qsl(parts.query))
        query["nonce"] = "not-the-nonce-baobab-sent"
        headers = {
            **answer.headers,
            "location": parts._replace(query=urllib.parse.urlencode(query)).geturl(),
        }
        route.fulfill(response=answer, headers=headers)

    with tab(world) as page:
        page.route("**/login/oidc", forge)
        at_provider(page, world, "awa")
        expect(page.get_by_text(UNVERIFIED)).to_be_visible()
    assert refusals(engine) == ["nonce"] and sessions(engine) == 0


def test_an_id_token_expired_on_arrival_is_refused(world, engine, clock):
    with tab(world) as page:
        # Baobab's clock is 5 minutes on when the provider's answer arrives: the ID token lived
        # 2 (tests/oidc/provider.mjs), and 1 more is allowed for clocks that differ.
        at_provider(page, world, "awa", before_consent=lambda: clock.advance(minutes=5))
        expect(page.get_by_text(UNVERIFIED)).to_be_visible()
    assert refusals(engine) == ["expired"] and sessions(engine) == 0


def test_an_address_baobab_does_not_know_or_the_provider_does_not_vouch_for(world, engine):
    with tab(world) as page:
        at_provider(page, world, "stranger")
        expect(page.get_by_text("No Baobab account has the e-mail address")).to_be_visible()
    with tab(world) as page:
        at_provider(page, world, "unverified")
        expect(page.get_by_text("no verified e-mail address")).to_be_visible()
    assert refusals(engine) == ["unknown_email", "email_unverified"] and sessions(engine) == 0


def test_a_deactivated_user_gets_no_session(world, engine):
    with transaction(engine, read_only=True) as connection:
        awa = connection.execute(
            sa.text("SELECT actor_id FROM users WHERE email = 'awa@example.org'")
        ).scalar_one()
    accounts.deactivate(app_services(world.app), awa, by=None)
    with tab(world) as page:
        at_provider(page, world, "awa")
        expect(page.get_by_text("This account is deactivated.")).to_be_visible()
    assert refusals(engine) == ["deactivated"] and sessions(engine) == 0


def test_an_account_closed_at_the_provider_can_no_longer_start_a_session(world, engine):
    with tab(world) as page:
        at_provider(page, world, "awa")
        expect(page.get_by_role("heading", name="Projects")).to_be_visible()
    assert sessions(engine) == 1
    world.close_account("awa")
    with tab(world) as page:
        page.goto("/login")
        page.get_by_role("link", name="Sign in with your organisation's account").click()
        page.locator('input[name="login"]').fill("awa")
        page.locator('input[name="password"]').fill("any password")
        page.locator('button[type="submit"]').click()
        page.wait_for_load_state()
        # The provider no longer signs the account in: it never sends the browser back.
        assert page.url.startswith(world.issuer), page.url
    assert sessions(engine) == 1  # only the session from before the account was closed
