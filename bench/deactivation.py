"""From a user's deactivation to the refusal of their next request, on each route type: a web
page with the session cookie, REST with a session token, REST with HTTP Basic, and OpenRosa
(formList) with HTTP Basic. The whole app in process (Starlette's test client over HTTPS, the
real database: SQLite, or PostgreSQL under scripts/test_services.py).

For each round the user signs in, every route answers them, the deactivation commits, and each
route is asked once more: the figures are how many requests were still served after the commit
(always 0 expected) and the time from the commit to the refusal, as a ratio to the same request
served while the user was active (the ceiling: a refusal cannot be quicker than a request).

    .venv/bin/python bench/deactivation.py --rounds 20
    python scripts/test_services.py -- .venv/bin/python bench/deactivation.py
"""

from __future__ import annotations

import argparse
import base64
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from argon2 import PasswordHasher  # noqa: E402
from httpx2 import Response  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from bench.ingest import blob_url, database_url  # noqa: E402
from server.accounts import actions as accounts  # noqa: E402
from server.accounts.passwords import Passwords  # noqa: E402
from server.app import create_app  # noqa: E402
from server.services import app_services  # noqa: E402
from server.settings import Settings  # noqa: E402
from storage.accounts.users import create_user  # noqa: E402
from storage.db import make_engine, transaction, upgrade  # noqa: E402

EMAIL, PASSWORD = "leaver@example.org", "a leaver's phrase"
ADMIN, ADMIN_PASSWORD = "admin@example.org", "the admin's phrase"
FORM = b"""| survey |
| | type | name | label |
| | text | name | Name |
| settings |
| | form_id | version |
| | leaver | 1 |
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        url = database_url(workdir, "deactivation")
        engine = make_engine(url)
        upgrade(engine)
        passwords = Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        with transaction(engine) as connection:
            create_user(
                connection,
                email=ADMIN,
                password_hash=passwords.hash(ADMIN_PASSWORD),
                now=datetime.now(UTC),
                is_admin=True,
            )
        settings = Settings(
            data_dir=workdir,
            database_url=url,
            blob_url=blob_url(workdir),
            odk_validate="off",
            public_url="https://baobab.bench",
        )
        app = create_app(settings, passwords=passwords)
        with TestClient(app, base_url="https://baobab.bench") as client:
            run(client, app, args.rounds)
        engine.dispose()


def run(client: TestClient, app: object, rounds: int) -> None:
    admin = _bearer(client, ADMIN, ADMIN_PASSWORD)
    project = client.post("/v1/projects", json={"name": "Bench"}, headers=admin).json()["id"]
    published = client.post(
        f"/v1/projects/{project}/forms?publish=true&ignoreWarnings=true",
        content=FORM,
        headers={**admin, "Content-Type": "text/markdown"},
    )
    assert published.status_code == 200, published.text
    user = client.post(
        "/v1/users", json={"email": EMAIL, "password": PASSWORD}, headers=admin
    ).json()["id"]
    client.post(f"/v1/projects/{project}/assignments/manager/{user}", headers=admin)
    basic = {
        "Authorization": "Basic " + base64.b64encode(f"{EMAIL}:{PASSWORD}".encode()).decode(),
        "X-OpenRosa-Version": "1.0",
    }
    served_after: dict[str, int] = {}
    ratios: dict[str, list[float]] = {}
    refusal_ms: dict[str, list[float]] = {}
    names = list(_routes(client, app, project, "", basic))
    for _ in range(rounds):
        for name in names:  # each route is the very next request after its own deactivation
            accounts.reactivate(app_services(app), user, by=None)
            token = _bearer(client, EMAIL, PASSWORD)["Authorization"].split()[1]
            call = _routes(client, app, project, token, basic)[name]
            start = time.perf_counter()
            answer = call()
            served = time.perf_counter() - start
            assert answer.status_code == 200, (name, answer.status_code)
            accounts.deactivate(app_services(app), user, by=None)
            committed = time.perf_counter()
            answer = call()
            refused_at = time.perf_counter()
            location = answer.headers.get("location", "")
            refused = answer.status_code in (401, 403) or (
                answer.status_code == 303 and location.startswith("/login")
            )
            served_after[name] = served_after.get(name, 0) + (0 if refused else 1)
            refusal_ms.setdefault(name, []).append((refused_at - committed) * 1000)
            ratios.setdefault(name, []).append((refused_at - committed) / served)
    dialect = app_services(app).engine.dialect.name
    print(f"deactivation -> refusal of the next request, {rounds} rounds per route, {dialect}")
    print(f"{'route':<28}{'served after':>14}{'median ms':>11}{'max ms':>9}{'ratio':>8}")
    for name in names:
        times = refusal_ms[name]
        print(
            f"{name:<28}{served_after[name]:>14}{statistics.median(times):>11.1f}"
            f"{max(times):>9.1f}{statistics.median(ratios[name]):>8.2f}"
        )
    print("ratio: the refused request's time / the same request served while active (median)")


def _routes(
    client: TestClient, app: object, project: int, token: str, basic: dict[str, str]
) -> dict[str, Callable[[], Response]]:
    web = TestClient(app, base_url="https://baobab.bench")  # type: ignore[arg-type]
    web.cookies.set("baobab_session", token)
    return {
        "web page (session cookie)": lambda: web.get(
            f"/projects/{project}", follow_redirects=False
        ),
        "REST (session token)": lambda: client.get(
            f"/v1/projects/{project}", headers={"Authorization": f"Bearer {token}"}
        ),
        "REST (Basic)": lambda: client.get(f"/v1/projects/{project}", headers=basic),
        "OpenRosa formList (Basic)": lambda: client.get(
            f"/v1/projects/{project}/formList", headers=basic
        ),
    }


def _bearer(client: TestClient, email: str, password: str) -> dict[str, str]:
    answer = client.post("/v1/sessions", json={"email": email, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


if __name__ == "__main__":
    main()
