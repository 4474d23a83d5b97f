"""A project with the household form on a server process, set up over REST as an administrator
does, and an app user that submits to it as ODK Collect does (multipart, X-OpenRosa-Version)."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import sqlalchemy as sa

from server.auth import SESSION_COOKIE
from tests.support.accounts import ADMIN_EMAIL, ADMIN_PASSWORD, create_admin
from tests.support.openrosa import OPENROSA
from tests.support.paths import DATA

PHOTO_NAME = "1741079521992.jpg"  # the photo that tests/data/with_attachments.xml names
_SAMPLE_ID = b"uuid:0b0c7a6e-0000-4000-8000-000000000004"
_SIMPLE_ID = b"uuid:0b0c7a6e-0000-4000-8000-000000000001"


@dataclass(frozen=True)
class Field:
    url: str  # the server
    admin: dict[str, str]  # bearer headers of the administrator
    web_session: dict[str, str]  # the same session, as the web interface's cookie header
    project: int
    collect: str  # the base URL an app user's QR code gives Collect

    def submit(self, http: httpx.Client, xml: bytes, files: dict[str, bytes]) -> httpx.Response:
        parts = [("xml_submission_file", ("submission.xml", xml, "text/xml"))]
        parts += [(name, (name, content, "image/jpeg")) for name, content in files.items()]
        return http.post(
            f"{self.collect}/submission?deviceID=collect:outage",
            files=parts,
            headers={**OPENROSA, "User-Agent": "org.odk.collect.android/v2025.1"},
        )

    def attachment(self, http: httpx.Client, instance_id: str, name: str) -> httpx.Response:
        return http.get(
            f"{self.url}/v1/projects/{self.project}/forms/household/submissions/"
            f"{instance_id}/attachments/{name}",
            headers=self.admin,
        )


def set_up_field(
    url: str,
    engine: sa.Engine,
    form: bytes | None = None,
    form_id: str = "household",
    *,
    new_admin: bool = True,
) -> Field:
    """The administrator (straight into the migrated database), then over REST a project, the
    form (markdown; the household form unless another is given) published, and an app user
    assigned to it."""
    if new_admin:
        create_admin(engine, lambda: datetime.now(UTC))
    with httpx.Client(base_url=url, timeout=30) as http:
        signed_in = http.post(
            "/v1/sessions", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        )
        assert signed_in.status_code == 200, signed_in.text
        token = signed_in.json()["token"]
        admin = {"Authorization": f"Bearer {token}"}
        created = http.post("/v1/projects", json={"name": "Field"}, headers=admin)
        assert created.status_code == 200, created.text
        project = created.json()["id"]
        published = http.post(
            f"/v1/projects/{project}/forms?publish=true&ignoreWarnings=true",
            content=form or (DATA / "household.md").read_bytes(),
            headers={**admin, "Content-Type": "text/markdown"},
        )
        assert published.status_code == 200, published.text
        user = http.post(
            f"/v1/projects/{project}/app-users", json={"displayName": "tablet"}, headers=admin
        )
        assert user.status_code == 200, user.text
        assigned = http.post(
            f"/v1/projects/{project}/forms/{form_id}/assignments/app-user/{user.json()['id']}",
            headers=admin,
        )
        assert assigned.status_code == 200, assigned.text
    return Field(
        url,
        admin,
        {"Cookie": f"{SESSION_COOKIE}={token}"},
        project,
        f"{url}/v1/key/{user.json()['token']}/projects/{project}",
    )


def new_instance_id() -> str:
    return f"uuid:{uuid.uuid4()}"


def with_photo(instance_id: str) -> bytes:
    """A household submission that names the photo PHOTO_NAME (and a voice note, not sent)."""
    return (DATA / "with_attachments.xml").read_bytes().replace(_SAMPLE_ID, instance_id.encode())


def without_files(instance_id: str) -> bytes:
    return (DATA / "simple.xml").read_bytes().replace(_SIMPLE_ID, instance_id.encode())


def photo(size: int = 100_000) -> bytes:
    """A distinct 'JPEG' each time, so that no two submissions share a blob."""
    return b"\xff\xd8\xff" + secrets.token_bytes(size - 3)


@dataclass(frozen=True)
class Stored:
    """What the database holds for some instance IDs, counted by instance ID."""

    submissions: dict[str, int]
    versions: dict[str, int]
    form_rows: dict[str, int]
    attachments: dict[str, list[tuple[str, bool]]]  # (name, received) per instance ID

    def has_none_of(self, instance_ids: list[str]) -> bool:
        return not any(
            i in table
            for i in instance_ids
            for table in (self.submissions, self.versions, self.form_rows, self.attachments)
        )


def stored(engine: sa.Engine, instance_ids: list[str]) -> Stored:
    ids = sa.bindparam("ids", instance_ids, expanding=True)
    with engine.connect() as connection:

        def counts(query: str) -> dict[str, int]:
            statement = sa.text(query).bindparams(ids)
            return {row[0]: row[1] for row in connection.execute(statement)}

        attachments: dict[str, list[tuple[str, bool]]] = {}
        for instance_id, name, received in connection.execute(
            sa.text(
                "SELECT v.instance_id, a.name, a.blob_sha256 IS NOT NULL "
                "FROM submission_attachments a "
                "JOIN submission_versions v ON v.id = a.submission_version_id "
                "WHERE v.instance_id IN :ids ORDER BY a.name"
            ).bindparams(ids)
        ):
            attachments.setdefault(instance_id, []).append((name, bool(received)))
        return Stored(
            submissions=counts(
                "SELECT instance_id, count(*) FROM submissions "
                "WHERE instance_id IN :ids GROUP BY instance_id"
            ),
            versions=counts(
                "SELECT instance_id, count(*) FROM submission_versions "
                "WHERE instance_id IN :ids GROUP BY instance_id"
            ),
            form_rows=counts(
                "SELECT s.instance_id, count(*) FROM household h "
                "JOIN submissions s ON s.id = h._submission_id "
                "WHERE s.instance_id IN :ids GROUP BY s.instance_id"
            ),
            attachments=attachments,
        )


def form_row_count(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.text("SELECT count(*) FROM household")).scalar_one()
