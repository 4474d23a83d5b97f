"""A device (an app user) that speaks to the server exactly as ODK Collect does."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.testclient import TestClient

from tests.support.accounts import ADMIN_EMAIL, ADMIN_PASSWORD, create_admin
from tests.support.forms import publish
from tests.support.openrosa import OPENROSA
from tests.support.paths import DATA


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
    """A new app user `name` assigned to `form_ids`, as a Collect configured with its token."""
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


def field_device(client, engine, clock):
    """An administrator, a project with the household form, and a tablet assigned to it."""
    create_admin(engine, clock)
    signed_in = client.post("/v1/sessions", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    admin = {"Authorization": f"Bearer {signed_in.json()['token']}"}
    project = client.post("/v1/projects", json={"name": "Kayes"}, headers=admin).json()["id"]
    publish(client, admin, project, (DATA / "household.md").read_bytes())
    return make_device(client, admin, project)
