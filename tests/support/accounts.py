"""Accounts for the tests: the cheap password hasher every test app uses, and the
administrator that most HTTP tests sign in as."""

from __future__ import annotations

from argon2 import PasswordHasher

from server.accounts.passwords import Passwords
from storage.accounts.users import create_user
from storage.db import transaction

# argon2id at the lowest cost: the suite signs in thousands of times. Production parameters are
# checked where they matter (tests/server/test_cli.py, the baobab serve tests).
PASSWORDS = Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
ADMIN_EMAIL = "admin@example.org"
ADMIN_PASSWORD = "correct horse battery"


def create_admin(engine, clock) -> None:
    """The administrator ADMIN_EMAIL / ADMIN_PASSWORD, straight into the database."""
    with transaction(engine) as connection:
        create_user(
            connection,
            email=ADMIN_EMAIL,
            password_hash=PASSWORDS.hash(ADMIN_PASSWORD),
            now=clock(),
            is_admin=True,
        )


def project_user(client, admin, project, email, role):
    """Bearer headers of a new user `email` given `role` on the project by the administrator."""
    client.post("/v1/users", json={"email": email, "password": "a long password 1"}, headers=admin)
    user_id = next(
        u["id"] for u in client.get("/v1/users", headers=admin).json() if u["email"] == email
    )
    assert (
        client.post(
            f"/v1/projects/{project}/assignments/{role}/{user_id}", headers=admin
        ).status_code
        == 200
    )
    token = client.post("/v1/sessions", json={"email": email, "password": "a long password 1"})
    return {"Authorization": f"Bearer {token.json()['token']}"}


def api_headers(client) -> dict[str, str]:
    """Bearer headers of the administrator (created beforehand), signed in over REST."""
    token = client.post(
        "/v1/sessions", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    ).json()["token"]
    return {"Authorization": f"Bearer {token}"}
