"""Two `baobab serve` processes on different ports sharing one PostgreSQL and one S3 bucket, as
behind a load balancer (issue 22, item 6): both take submissions at once, and what one of them
changes (a new form version, a revoked app user, a signed-out session) holds in the other at
once. They share the database, the bucket and BAOBAB_SECRET_KEY, and nothing on disk."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from tests.reliability.collect_device import (
    PHOTO_NAME,
    Field,
    new_instance_id,
    photo,
    set_up_field,
    stored,
    with_photo,
)
from tests.reliability.server_process import ServerProcess
from tests.support.paths import DATA, ROOT

pytestmark = [pytest.mark.postgres, pytest.mark.s3]

HOUSEHOLD = (DATA / "household.md").read_text()
# Version 2 adds a question: a server that kept version 1's tables in memory would lose it.
HOUSEHOLD_V2 = HOUSEHOLD.replace(
    "| | dateTime | visit | Visit time |",
    "| | dateTime | visit | Visit time |\n| | text | remarks | Remarks |",
).replace("| | household | 1 | Household survey |", "| | household | 2 | Household survey |")


@pytest.fixture
def two_servers(tmp_path: Path, db_url: str, blob_url: str) -> Iterator[list[ServerProcess]]:
    secret = Fernet.generate_key().decode()
    servers = [
        ServerProcess(
            {
                "BAOBAB_DATA_DIR": str(tmp_path / f"data-{n}"),  # nothing shared on disk
                "BAOBAB_DATABASE_URL": db_url,
                "BAOBAB_BLOB_URL": blob_url,
                "BAOBAB_SECRET_KEY": secret,
                "BAOBAB_FORMS_DIR": str(ROOT / "forms"),
            },
            tmp_path / f"server-{n}.log",
        )
        for n in (1, 2)
    ]
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()


def _on(field: Field, server: ServerProcess) -> Field:
    """The same project, app user and administrator, reached through another server."""
    return Field(
        server.url,
        field.admin,
        field.web_session,
        field.project,
        field.collect.replace(field.url, server.url),
    )


def test_two_servers_take_submissions_at_once_and_agree(two_servers, engine):
    first, second = two_servers
    field = set_up_field(first.url, engine)
    fields = [field, _on(field, second)]
    photos = {new_instance_id(): photo(50_000) for _ in range(40)}

    def send(job: tuple[Field, tuple[str, bytes]]) -> int:
        through, (instance_id, content) = job
        with httpx.Client(timeout=60) as http:
            sent = through.submit(http, with_photo(instance_id), {PHOTO_NAME: content})
            return sent.status_code

    jobs = list(zip(itertools.cycle(fields), photos.items(), strict=False))
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(send, jobs))
    assert statuses == [201] * len(photos)
    found = stored(engine, list(photos))
    assert found.submissions == found.form_rows == dict.fromkeys(photos, 1)

    with httpx.Client(timeout=60) as http:
        # Each photo reads back byte for byte through the server that did not receive it.
        for (through, (instance_id, content)), other in zip(
            jobs, itertools.cycle(reversed(fields)), strict=False
        ):
            assert through is not other
            download = other.attachment(http, instance_id, PHOTO_NAME)
            assert download.status_code == 200 and download.content == content

        # A version published through the first server is the one the second takes at once.
        draft = http.post(
            f"{first.url}/v1/projects/{field.project}/forms/household/draft?ignoreWarnings=true",
            content=HOUSEHOLD_V2.encode(),
            headers={**field.admin, "Content-Type": "text/markdown"},
        )
        assert draft.status_code == 200, draft.text
        published = http.post(
            f"{first.url}/v1/projects/{field.project}/forms/household/draft/publish",
            headers=field.admin,
        )
        assert published.status_code == 200, published.text
        instance_id = new_instance_id()
        xml = (
            with_photo(instance_id)
            .replace(b'version="1"', b'version="2"')
            .replace(b"<voice>", b"<remarks>seen twice</remarks><voice>")
        )
        sent = fields[1].submit(http, xml, {PHOTO_NAME: photo(1_000)})
        assert sent.status_code == 201, sent.text
        with engine.connect() as connection:
            remarks = connection.execute(
                sa.text(
                    "SELECT h.remarks FROM household h "
                    "JOIN submissions s ON s.id = h._submission_id WHERE s.instance_id = :id"
                ),
                {"id": instance_id},
            ).scalar_one()
        assert remarks == "seen twice"

        # A session signed out through one server is refused by the other at once.
        token = field.admin["Authorization"].removeprefix("Bearer ")
        assert http.get(f"{second.url}/v1/users/current", headers=field.admin).status_code == 200
        ended = http.delete(f"{first.url}/v1/sessions/{token}", headers=field.admin)
        assert ended.status_code == 200, ended.text
        assert http.get(f"{second.url}/v1/users/current", headers=field.admin).status_code == 401
    assert all(
        server.process is not None and server.process.poll() is None for server in two_servers
    )


def test_an_app_user_revoked_through_one_server_is_refused_by_the_other(two_servers, engine):
    first, second = two_servers
    field = set_up_field(first.url, engine)
    through_second = _on(field, second)
    with httpx.Client(timeout=60) as http:
        accepted = through_second.submit(http, with_photo(new_instance_id()), {PHOTO_NAME: b"x"})
        assert accepted.status_code == 201, accepted.text
        users = http.get(f"{first.url}/v1/projects/{field.project}/app-users", headers=field.admin)
        (user,) = users.json()
        deleted = http.delete(
            f"{first.url}/v1/projects/{field.project}/app-users/{user['id']}", headers=field.admin
        )
        assert deleted.status_code == 200, deleted.text
        refused = through_second.submit(http, with_photo(new_instance_id()), {PHOTO_NAME: b"y"})
        assert refused.status_code in (401, 403), refused.text
        listing = http.get(
            f"{through_second.collect}/formList", headers={"X-OpenRosa-Version": "1.0"}
        )
        assert listing.status_code in (401, 403), listing.text
