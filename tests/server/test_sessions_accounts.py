"""Sessions as Central has them (DELETE /v1/sessions/{token}, GET /v1/sessions/restore), their
end after the idle time, and what a user sees of them (when, from where)."""

from __future__ import annotations

import base64
from dataclasses import replace

import sqlalchemy as sa
from starlette.testclient import TestClient

from server.accounts.keys import token_hash
from server.app import create_app
from server.auth import SESSION_COOKIE
from tests.support.accounts import PASSWORDS, create_admin

PASSWORD = "plain sailing 42"


def sign_in(client, email, password=PASSWORD, agent="pyodk/1.3"):
    response = client.post(
        "/v1/sessions", json={"email": email, "password": password}, headers={"User-Agent": agent}
    )
    assert response.status_code == 200, response.text
    return response.json()["token"]


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_a_user_ends_their_own_session_by_its_token_but_not_another_s(client, admin):
    client.post("/v1/users", json={"email": "awa@example.org", "password": PASSWORD}, headers=admin)
    client.post(
        "/v1/users", json={"email": "binta@example.org", "password": PASSWORD}, headers=admin
    )
    first, second = sign_in(client, "awa@example.org"), sign_in(client, "awa@example.org")
    binta = sign_in(client, "binta@example.org")
    assert client.delete(f"/v1/sessions/{binta}", headers=auth(first)).status_code == 403
    assert client.delete(f"/v1/sessions/{second}", headers=auth(first)).json() == {"success": True}
    assert client.get("/v1/users/current", headers=auth(second)).status_code == 401
    assert client.get("/v1/users/current", headers=auth(first)).status_code == 200
    assert client.delete(f"/v1/sessions/{second}", headers=auth(first)).status_code == 404
    assert client.delete(f"/v1/sessions/{binta}").status_code == 401
    # an administrator ends anyone's
    assert client.delete(f"/v1/sessions/{binta}", headers=admin).status_code == 200
    assert client.get("/v1/users/current", headers=auth(binta)).status_code == 401
    ended = client.get("/v1/audits?action=user.session.end", headers=admin).json()
    assert len(ended) == 2


def test_restore_gives_back_the_cookie_s_session(client, admin, settings):
    token = sign_in(client, "admin@example.org", "correct horse battery")
    browser = TestClient(client.app, base_url="http://baobab.test")
    assert browser.get("/v1/sessions/restore").status_code == 404
    browser.cookies.set(SESSION_COOKIE, token)
    restored = browser.get("/v1/sessions/restore").json()
    assert restored["token"] == token and set(restored) == {
        "token",
        "csrf",
        "expiresAt",
        "createdAt",
    }
    browser.cookies.set(SESSION_COOKIE, "not a session")
    assert browser.get("/v1/sessions/restore").status_code == 404


def test_a_session_idle_longer_than_the_setting_ends(client, admin, clock, engine):
    client.post("/v1/users", json={"email": "awa@example.org", "password": PASSWORD}, headers=admin)
    token = sign_in(client, "awa@example.org")
    for _ in range(3):  # used every 100 minutes: alive after 5 hours, past the idle time twice
        clock.advance(minutes=100)
        assert client.get("/v1/users/current", headers=auth(token)).status_code == 200
    with engine.connect() as connection:
        last = connection.execute(
            sa.text("SELECT last_used_at, ip, user_agent FROM sessions WHERE token_hash = :h"),
            {"h": token_hash(token)},
        ).one()
    assert last.ip == "testclient" and last.user_agent == "pyodk/1.3"
    clock.advance(minutes=120, seconds=1)  # BAOBAB_SESSION_IDLE_MINUTES defaults to 120
    assert client.get("/v1/users/current", headers=auth(token)).status_code == 401


def test_the_idle_time_is_a_setting(settings, engine, clock):
    create_admin(engine, clock)
    app = create_app(replace(settings, session_idle_minutes=5), clock=clock, passwords=PASSWORDS)
    with TestClient(app, base_url="http://baobab.test") as client:
        token = sign_in(client, "admin@example.org", "correct horse battery")
        clock.advance(minutes=4)
        assert client.get("/v1/users/current", headers=auth(token)).status_code == 200
        clock.advance(minutes=5, seconds=1)
        assert client.get("/v1/users/current", headers=auth(token)).status_code == 401


def test_password_sign_in_can_be_turned_off(settings, engine, clock):
    create_admin(engine, clock)
    app = create_app(replace(settings, password_sign_in=False), clock=clock, passwords=PASSWORDS)
    with TestClient(app, base_url="http://baobab.test") as client:
        body = {"email": "admin@example.org", "password": "correct horse battery"}
        assert client.post("/v1/sessions", json=body).status_code == 403
        basic = base64.b64encode(b"admin@example.org:correct horse battery").decode()
        answer = client.get(
            "https://baobab.test/v1/projects", headers={"Authorization": f"Basic {basic}"}
        )
        assert answer.status_code == 401
