"""Leavers: a deactivated or deleted user is refused on every route at their very next
request (web page with the session cookie, REST with a session token, HTTP Basic on REST and
on the OpenRosa routes Collect uses), and the command line does what the pages do."""

from __future__ import annotations

import base64

import pytest
from starlette.testclient import TestClient

from server.cli.main import main
from tests.support.browser import Browser
from tests.support.openrosa import OPENROSA

PASSWORD = "plain sailing 42"
EMAIL = "awa@example.org"


@pytest.fixture
def baobab(monkeypatch, tmp_path, db_url, blob_url, capsys):
    """`baobab ARGS` on the test's database: (exit code, stdout, stderr)."""
    monkeypatch.setenv("BAOBAB_DATABASE_URL", db_url)
    monkeypatch.setenv("BAOBAB_BLOB_URL", blob_url)
    monkeypatch.setenv("BAOBAB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BAOBAB_LOG_LEVEL", "warning")
    monkeypatch.setenv("BAOBAB_PUBLIC_URL", "http://baobab.test")

    def run(*args, stdin=None):
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", __import__("io").StringIO(stdin))
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def basic(email=EMAIL, password=PASSWORD):
    encoded = base64.b64encode(f"{email}:{password}".encode()).decode()
    return {**OPENROSA, "Authorization": f"Basic {encoded}"}


@pytest.fixture
def collector(client, admin, project, household):
    """A data collector of the project, signed in on the web (its own cookie jar) and over
    REST; returns the ways they reach the server."""
    made = client.post("/v1/users", json={"email": EMAIL, "password": PASSWORD}, headers=admin)
    user = made.json()["id"]
    role = client.post(f"/v1/projects/{project}/assignments/manager/{user}", headers=admin)
    assert role.status_code == 200
    token = client.post("/v1/sessions", json={"email": EMAIL, "password": PASSWORD}).json()
    web = Browser(TestClient(client.app, base_url="http://baobab.test"))
    assert web.sign_in(EMAIL, PASSWORD).status_code == 200
    https = f"https://baobab.test/v1/projects/{project}"
    routes = {
        "web page (session cookie)": lambda: web.client.get(
            f"/projects/{project}", follow_redirects=False
        ),
        "REST (session token)": lambda: client.get(
            f"/v1/projects/{project}", headers={"Authorization": f"Bearer {token['token']}"}
        ),
        "REST (Basic)": lambda: client.get(https, headers=basic()),
        "OpenRosa (Basic)": lambda: client.get(f"{https}/formList", headers=basic()),
    }
    return user, routes


def _refused(response) -> bool:
    if response.status_code == 303:  # a page sends a stranger to sign in
        return response.headers["location"].startswith("/login")
    return response.status_code in (401, 403)


def test_a_deactivated_user_is_refused_at_the_next_request_on_every_route(
    client, collector, baobab
):
    user, routes = collector
    assert all(not _refused(call()) for call in routes.values())
    assert baobab("users", "deactivate", EMAIL)[:2] == (0, f"{EMAIL} deactivated\n")
    refused = {name: _refused(call()) for name, call in routes.items()}
    assert refused == dict.fromkeys(routes, True)
    # nor can they sign in again, by any route, with the right password
    assert (
        client.post("/v1/sessions", json={"email": EMAIL, "password": PASSWORD}).status_code == 401
    )
    assert baobab("users", "reactivate", EMAIL)[0] == 0
    assert (
        client.post("/v1/sessions", json={"email": EMAIL, "password": PASSWORD}).status_code == 200
    )
    assert not _refused(routes["OpenRosa (Basic)"]())


def test_a_deleted_user_is_refused_everywhere_and_loses_their_roles(
    client, admin, project, collector, baobab
):
    user, routes = collector
    assert baobab("users", "delete", EMAIL)[0] == 0
    assert all(_refused(call()) for call in routes.values())
    assert client.get(f"/v1/projects/{project}/assignments", headers=admin).json() == []
    code, _, err = baobab("users", "delete", EMAIL)
    assert code == 1 and "no user" in err


def test_a_deleted_users_address_can_be_given_to_a_new_account(
    client, admin, project, collector, baobab
):
    """A staff member who left and comes back gets a new account at the same address (as
    Central allows); the old one stays deleted, and its name stays on what it did."""
    old_id = client.get("/v1/users", headers=admin).json()[-1]["id"]
    assert baobab("users", "delete", EMAIL)[0] == 0
    again = client.post(
        "/v1/users", json={"email": EMAIL, "password": "a new password 43"}, headers=admin
    )
    assert again.status_code == 200, again.text
    assert again.json()["id"] != old_id
    signed = client.post("/v1/sessions", json={"email": EMAIL, "password": "a new password 43"})
    assert signed.status_code == 200
    assert (
        client.post("/v1/sessions", json={"email": EMAIL, "password": PASSWORD}).status_code == 401
    )
    # Two live accounts at one address stay impossible.
    twice = client.post("/v1/users", json={"email": EMAIL, "password": PASSWORD}, headers=admin)
    assert twice.status_code == 409, twice.text
    listed = [u["email"] for u in client.get("/v1/users", headers=admin).json()]
    assert listed.count(EMAIL) == 1


def test_the_command_line_resets_and_sets_passwords(client, admin, baobab):
    client.post("/v1/users", json={"email": EMAIL, "password": PASSWORD}, headers=admin)
    code, out, _ = baobab("users", "reset", EMAIL)
    assert code == 0 and "no e-mail (BAOBAB_SMTP_URL is not set)" in out
    token = out.split("token=")[1].split()[0]
    verify = client.post(
        "/v1/users/reset/verify",
        json={"new": "from the terminal"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert verify.status_code == 200
    assert (
        client.post(
            "/v1/sessions", json={"email": EMAIL, "password": "from the terminal"}
        ).status_code
        == 200
    )
    code, out, _ = baobab("users", "password", EMAIL, "--password-stdin", stdin="chosen anew 7\n")
    assert code == 0 and "every session ended" in out
    assert (
        client.post("/v1/sessions", json={"email": EMAIL, "password": "chosen anew 7"}).status_code
        == 200
    )
    code, _, err = baobab("users", "password", EMAIL, "--password-stdin", stdin="letmein\n")
    assert code == 1 and "at least 10 characters" in err and "Traceback" not in err
    code, _, err = baobab("users", "reset", "nobody@example.org")
    assert code == 1 and "no user with the e-mail address nobody@example.org" in err
    with pytest.raises(SystemExit) as refused:  # never a password on the command line
        baobab("users", "password", EMAIL)
    assert refused.value.code == 2
    audit = client.get("/v1/audits?action=user.password.change", headers=admin).json()
    assert [a["details"] for a in audit] == [{"by": "command line"}]
