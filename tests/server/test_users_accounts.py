"""Accounts over REST as Central has them: changing one's password, password resets with
single-use expiring tokens, renaming, deleting, and the rules new passwords must meet."""

from __future__ import annotations

import base64

import sqlalchemy as sa

from server.accounts.keys import token_hash
from server.log_redaction import redact
from tests.support.accounts import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.support.openrosa import OPENROSA

PASSWORD = "plain sailing 42"


def new_user(client, admin, email="awa@example.org", password=PASSWORD):
    response = client.post("/v1/users", json={"email": email, "password": password}, headers=admin)
    assert response.status_code == 200, response.text
    return response.json()["id"]


def bearer(client, email, password):
    response = client.post("/v1/sessions", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def me(client, headers):
    return client.get("/v1/users/current", headers=headers).status_code


def test_changing_one_s_password_ends_every_other_session(client, admin):
    user = new_user(client, admin)
    first, second = (
        bearer(client, "awa@example.org", PASSWORD),
        bearer(client, "awa@example.org", PASSWORD),
    )
    body = {"old": PASSWORD, "new": "a brand new phrase"}
    assert client.put(f"/v1/users/{user}/password", json=body, headers=first).json() == {
        "success": True
    }
    assert me(client, first) == 200  # the session that changed it goes on
    assert me(client, second) == 401
    assert (
        client.post(
            "/v1/sessions", json={"email": "awa@example.org", "password": PASSWORD}
        ).status_code
        == 401
    )
    bearer(client, "awa@example.org", "a brand new phrase")


def test_a_password_change_needs_the_current_password_and_a_good_new_one(client, admin):
    user = new_user(client, admin)
    headers = bearer(client, "awa@example.org", PASSWORD)
    url = f"/v1/users/{user}/password"
    wrong = client.put(
        url, json={"old": "not my password", "new": "a brand new phrase"}, headers=headers
    )
    assert wrong.status_code == 401
    for new, words in (
        ("short", "at least 10 characters"),
        ("password123", "most common passwords"),
        ("1234567890", "most common passwords"),
        ("awa@example.org", "e-mail address"),
        ("x" * 1025, "at most 1024"),
    ):
        answer = client.put(url, json={"old": PASSWORD, "new": new}, headers=headers)
        assert answer.status_code == 400 and words in answer.json()["message"], (new, answer.text)
    missing = client.put(url, json={"new": "a brand new phrase"}, headers=headers)
    assert missing.status_code == 400 and "old" in missing.json()["message"]


def test_guessing_the_current_password_meets_the_sign_in_limit(client, admin):
    user = new_user(client, admin)
    headers = bearer(client, "awa@example.org", PASSWORD)
    url = f"/v1/users/{user}/password"
    codes = [
        client.put(
            url, json={"old": f"guess {n}", "new": "a brand new phrase"}, headers=headers
        ).status_code
        for n in range(11)
    ]
    assert codes == [401] * 10 + [429]
    right = client.put(url, json={"old": PASSWORD, "new": "a brand new phrase"}, headers=headers)
    assert right.status_code == 429  # even the right one, until the window passes


def test_only_the_user_or_an_administrator_changes_a_password(client, admin):
    awa, binta = new_user(client, admin), new_user(client, admin, "binta@example.org")
    headers = bearer(client, "binta@example.org", PASSWORD)
    body = {"old": PASSWORD, "new": "a brand new phrase"}
    assert client.put(f"/v1/users/{awa}/password", json=body, headers=headers).status_code == 403
    assert client.put(f"/v1/users/{binta}/password", json=body).status_code == 401


def test_a_reset_token_works_once_and_is_stored_hashed(client, admin, engine):
    user = new_user(client, admin)
    headers = bearer(client, "awa@example.org", PASSWORD)
    answer = client.post(
        "/v1/users/reset/initiate", json={"email": "awa@example.org"}, headers=admin
    )
    # No mail server: the administrator who asked gets the link.
    link = answer.json()["resetLink"]
    assert link.startswith("http://baobab.test/account/reset?token=")
    token = link.partition("token=")[2]
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT token_hash FROM password_resets")).scalars()
        assert list(stored) == [token_hash(token)]
    verify = {"Authorization": f"Bearer {token}"}
    weak = client.post("/v1/users/reset/verify", json={"new": "qwertyuiop"}, headers=verify)
    assert weak.status_code == 400  # the rules hold, and the token is not used up
    done = client.post("/v1/users/reset/verify", json={"new": "reset and ready"}, headers=verify)
    assert done.json() == {"success": True}
    again = client.post("/v1/users/reset/verify", json={"new": "reset once more"}, headers=verify)
    assert again.status_code == 401
    assert me(client, headers) == 401  # every session ended
    bearer(client, "awa@example.org", "reset and ready")
    audit = client.get("/v1/audits?action=user.password.reset.verify", headers=admin).json()
    assert [(a["actorId"], a["acteeId"]) for a in audit] == [(user, str(user))]


def test_a_reset_token_expires_and_a_newer_one_replaces_it(client, admin, clock):
    new_user(client, admin)
    ask = {"email": "awa@example.org"}
    old = client.post("/v1/users/reset/initiate", json=ask, headers=admin).json()["resetLink"]
    new = client.post("/v1/users/reset/initiate", json=ask, headers=admin).json()["resetLink"]
    body = {"new": "reset and ready"}
    for link in (old, new):
        token = link.partition("token=")[2]
        headers = {"Authorization": f"Bearer {token}"}
        if link == new:
            clock.advance(hours=24, seconds=1)
        assert client.post("/v1/users/reset/verify", json=body, headers=headers).status_code == 401


def test_initiating_a_reset_says_nothing_about_the_address(client, admin):
    new_user(client, admin)
    for email in ("awa@example.org", "nobody@example.org"):
        answer = client.post("/v1/users/reset/initiate", json={"email": email})
        assert (answer.status_code, answer.json()) == (200, {"success": True})
    refused = client.post(
        "/v1/users/reset/initiate?invalidate=true", json={"email": "awa@example.org"}
    )
    assert refused.status_code == 403  # only an administrator invalidates a password


def test_an_administrator_s_invalidating_reset_ends_the_password_and_sessions(client, admin):
    new_user(client, admin)
    headers = bearer(client, "awa@example.org", PASSWORD)
    answer = client.post(
        "/v1/users/reset/initiate?invalidate=true",
        json={"email": "awa@example.org"},
        headers=admin,
    )
    assert answer.status_code == 200 and answer.json()["resetLink"]
    assert me(client, headers) == 401
    assert (
        client.post(
            "/v1/sessions", json={"email": "awa@example.org", "password": PASSWORD}
        ).status_code
        == 401
    )


def test_reset_requests_and_token_guesses_are_rate_limited(client, admin):
    codes = [
        client.post("/v1/users/reset/initiate", json={"email": "same@example.org"}).status_code
        for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    guesses = [
        client.post(
            "/v1/users/reset/verify",
            json={"new": "reset and ready"},
            headers={"Authorization": f"Bearer guess{n}"},
        )
        for n in range(31)
    ]
    assert [g.status_code for g in guesses] == [401] * 30 + [429]
    assert int(guesses[-1].headers["Retry-After"]) > 0


def test_a_user_renames_themself_and_an_administrator_changes_an_address(client, admin):
    user = new_user(client, admin)
    headers = bearer(client, "awa@example.org", PASSWORD)
    renamed = client.patch(f"/v1/users/{user}", json={"displayName": "Awa Diallo"}, headers=headers)
    assert renamed.json()["displayName"] == "Awa Diallo"
    moved = client.patch(f"/v1/users/{user}", json={"email": "Awa.D@Example.org"}, headers=admin)
    assert moved.json()["email"] == "awa.d@example.org"
    bearer(client, "awa.d@example.org", PASSWORD)
    taken = client.patch(f"/v1/users/{user}", json={"email": ADMIN_EMAIL}, headers=admin)
    assert taken.status_code == 409
    bad = client.patch(f"/v1/users/{user}", json={"email": "not an address"}, headers=admin)
    assert bad.status_code == 400
    other = new_user(client, admin, "binta@example.org")
    assert (
        client.patch(f"/v1/users/{other}", json={"displayName": "x"}, headers=headers).status_code
        == 403
    )
    audit = client.get("/v1/audits?action=user.update", headers=admin).json()
    assert {"email": "awa.d@example.org"} in [a["details"] for a in audit]


def test_a_deleted_user_is_gone_but_their_name_stays_on_what_they_did(
    client, admin, project, household, engine
):
    user = new_user(client, admin)
    assert (
        client.post(f"/v1/projects/{project}/assignments/manager/{user}", headers=admin).status_code
        == 200
    )
    headers = bearer(client, "awa@example.org", PASSWORD)
    made = client.post(
        f"/v1/projects/{project}/app-users", json={"displayName": "t"}, headers=headers
    )
    assert made.status_code == 200
    assert client.delete(f"/v1/users/{user}", headers=headers).status_code == 403
    assert client.delete(f"/v1/users/{user}", headers=admin).json() == {"success": True}
    assert me(client, headers) == 401
    assert client.get(f"/v1/users/{user}", headers=admin).status_code == 404
    assert user not in [u["id"] for u in client.get("/v1/users", headers=admin).json()]
    assert client.get(f"/v1/projects/{project}/assignments", headers=admin).json() == []
    url = f"https://baobab.test/v1/projects/{project}/formList"
    basic = base64.b64encode(f"awa@example.org:{PASSWORD}".encode()).decode()
    assert (
        client.get(url, headers={**OPENROSA, "Authorization": f"Basic {basic}"}).status_code == 401
    )
    audit = client.get("/v1/audits", headers=admin).json()
    assert any(a["actorId"] == user and a["action"] == "user.session.create" for a in audit)
    with engine.connect() as connection:
        name = connection.execute(
            sa.text("SELECT display_name FROM actors WHERE id = :id"), {"id": user}
        ).scalar_one()
    assert name == "awa@example.org"
    assert client.delete(f"/v1/users/{user}", headers=admin).status_code == 404
    self_delete = client.get("/v1/users/current", headers=admin).json()["id"]
    assert client.delete(f"/v1/users/{self_delete}", headers=admin).status_code == 400


def test_an_administrator_s_own_password_can_be_changed(client, admin):
    me_id = client.get("/v1/users/current", headers=admin).json()["id"]
    body = {"old": ADMIN_PASSWORD, "new": "the admin's new phrase"}
    assert client.put(f"/v1/users/{me_id}/password", json=body, headers=admin).status_code == 200
    bearer(client, ADMIN_EMAIL, "the admin's new phrase")


def test_a_reset_link_never_reaches_the_logs():
    line = '127.0.0.1:5 - "GET /account/reset?token=Abc-123_xyz HTTP/1.1" 200'
    assert redact(line) == '127.0.0.1:5 - "GET /account/reset?token=[redacted] HTTP/1.1" 200'
    encoded = "/login?next=%2Faccount%2Freset%3Ftoken%3DAbc-123_xyz"
    assert "Abc-123" not in redact(encoded)
