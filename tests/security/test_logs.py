"""No secret in the logs: `baobab serve` at log level debug, through a day's requests (sign-in,
app-user keys in URL paths and in `?st=`, a draft's test key, a failed sign-in), writes
none of the passwords or tokens it saw."""

from __future__ import annotations

import httpx

from tests.reliability.collect_device import new_instance_id, set_up_field, without_files
from tests.reliability.server_process import ServerProcess
from tests.support.accounts import ADMIN_PASSWORD
from tests.support.openrosa import OPENROSA


def test_no_password_or_token_reaches_the_log(settings, engine, tmp_path):
    env = {
        "BAOBAB_DATABASE_URL": settings.database_url,
        "BAOBAB_BLOB_URL": settings.blob_url,
        "BAOBAB_DATA_DIR": str(settings.data_dir),
        "BAOBAB_LOG_LEVEL": "debug",
    }
    with ServerProcess(env, tmp_path / "server.log") as server, httpx.Client(timeout=30) as http:
        field = set_up_field(server.url, engine)
        key = field.collect.split("/v1/key/")[1].split("/")[0]
        session = field.admin["Authorization"].removeprefix("Bearer ")
        assert http.get(f"{field.collect}/formList", headers=OPENROSA).status_code == 200
        assert field.submit(http, without_files(new_instance_id()), {}).status_code == 201
        project = f"{server.url}/v1/projects/{field.project}"
        assert http.get(f"{project}/formList?st={key}", headers=OPENROSA).status_code == 200
        draft = http.post(f"{project}/forms/household/draft", headers=field.admin)
        assert draft.status_code == 200, draft.text
        test_key = http.get(f"{project}/forms/household/draft", headers=field.admin).json()[
            "draftToken"
        ]
        listed = http.get(
            f"{server.url}/v1/test/{test_key}/projects/{field.project}/forms/household/draft/formList",
            headers=OPENROSA,
        )
        assert listed.status_code == 200
        wrong = http.post(
            f"{server.url}/v1/sessions",
            json={"email": "admin@example.org", "password": ADMIN_PASSWORD + "!"},
        )
        assert wrong.status_code == 401
        unknown = http.get(f"{server.url}/v1/key/{'x' * 64}/projects/1/formList", headers=OPENROSA)
        assert unknown.status_code == 403
    log = server.log()
    assert "[redacted]" in log and "GET /v1/key/" in log  # the access log was on
    for secret in (ADMIN_PASSWORD, key, session, test_key):
        assert secret not in log
