"""Fixtures for HTTP tests: an administrator signed in over REST, a project with the household
form, and a device (an app user) that speaks to the server exactly as ODK Collect does."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
import uvicorn
from starlette.testclient import TestClient

from scripts.test_services import free_port
from server.app import create_app
from storage.db import transaction
from storage.users import create_user
from tests.conftest import DATA, PASSWORDS

ADMIN_EMAIL = "admin@example.org"
ADMIN_PASSWORD = "correct horse battery"
OPENROSA = {"X-OpenRosa-Version": "1.0"}


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


@pytest.fixture
def live(settings, engine, clock):
    """The whole app served by uvicorn on 127.0.0.1; yields its base URL."""
    with serve(create_app(settings, clock=clock, passwords=PASSWORDS)) as url:
        yield url


@contextmanager
def serve(app) -> Iterator[str]:
    """`app` served by uvicorn in a thread on a free port of 127.0.0.1; its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def admin(client, engine, clock):
    """Bearer headers of a signed-in administrator."""
    create_admin(engine, clock)
    response = client.post("/v1/sessions", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.fixture
def project(client, admin):
    response = client.post("/v1/projects", json={"name": "Retours Mali"}, headers=admin)
    assert response.status_code == 200, response.text
    return response.json()["id"]


def publish(client, admin, project, source: bytes, content_type="text/markdown"):
    response = client.post(
        f"/v1/projects/{project}/forms?publish=true&ignoreWarnings=true",
        content=source,
        headers={**admin, "Content-Type": content_type},
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def household(client, admin, project):
    return publish(client, admin, project, (DATA / "household.md").read_bytes())


@dataclass
class Device:
    """An ODK Collect configured with an app user's token."""

    client: TestClient
    project: int
    token: str
    actor_id: int

    @property
    def base(self) -> str:
        return f"/v1/key/{self.token}/projects/{self.project}"

    def form_list(self, **params):
        return self.client.get(
            f"{self.base}/formList", params={"deviceID": "collect:t", **params}, headers=OPENROSA
        )

    def submit(
        self,
        xml: bytes,
        files: dict[str, bytes] | None = None,
        *,
        incomplete=False,
        device_id: str | None = "collect:t",
    ):
        parts = [("xml_submission_file", ("submission.xml", xml, "text/xml"))]
        parts += [
            (name, (name, content, "application/octet-stream"))
            for name, content in (files or {}).items()
        ]
        data = {"*isIncomplete*": "yes"} if incomplete else None
        query = f"?deviceID={device_id}" if device_id else ""
        return self.client.post(
            f"{self.base}/submission{query}", files=parts, data=data, headers=OPENROSA
        )


def make_device(client, admin, project, form_ids=("household",), name="tablet 1") -> Device:
    response = client.post(
        f"/v1/projects/{project}/app-users", json={"displayName": name}, headers=admin
    )
    assert response.status_code == 200, response.text
    body = response.json()
    for form_id in form_ids:
        assigned = client.post(
            f"/v1/projects/{project}/forms/{form_id}/assignments/app-user/{body['id']}",
            headers=admin,
        )
        assert assigned.status_code == 200, assigned.text
    return Device(client, project, body["token"], body["id"])


@pytest.fixture
def device(client, admin, project, household):
    return make_device(client, admin, project)


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()


def rows(engine, table: str, order: str = "_id"):
    with engine.connect() as connection:
        return [
            dict(r)
            for r in connection.execute(
                sa.text(f'SELECT * FROM "{table}" ORDER BY {order}')
            ).mappings()
        ]


def count(engine, table: str) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.text(f'SELECT count(*) FROM "{table}"')).scalar_one()
