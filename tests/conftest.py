"""Shared fixtures: a fresh database and blob store per test, on the embedded default (SQLite and
a local directory) or, when TEST_DATABASE_URL / TEST_S3_URL are set, on PostgreSQL and S3; the
app as a TestClient or served by uvicorn; an administrator signed in over REST, a project with
the household form, and a device (an app user) that speaks to the server as ODK Collect does.
Helpers that tests import live in tests/support/."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import sql
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from storage.blobs.store import BlobStore, make_blob_store
from storage.db import make_engine, normalise_url, upgrade
from tests.support.accounts import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORDS, create_admin
from tests.support.backends import TEST_DATABASE_URL, TEST_S3_URL
from tests.support.clock import FixedClock
from tests.support.database_pool import DatabasePool
from tests.support.devices import make_device
from tests.support.forms import publish
from tests.support.paths import DATA, ROOT
from tests.support.servers import serve


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--slow",
        action="store_true",
        help="run only the minute-long tests marked `slow` (crash, outages, soak, fuzzing)",
    )


# The converters package imports neither storage nor server (tests/test_architecture.py): its
# tests touch no database and no blob store, so the run on PostgreSQL + SeaweedFS, which repeats
# the suite for what the backends change, leaves them to the embedded run.
BACKEND_FREE = ("tests/converters/",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that only make sense against a real server (marked `s3` or `postgres`) are
    deselected on the embedded run; the Makefile runs the suite again with the servers, without
    the BACKEND_FREE tests. Tests marked `slow` run only with --slow (`make test-slow`), and
    then alone."""
    missing = {"s3": not TEST_S3_URL, "postgres": not TEST_DATABASE_URL}
    slow_run = config.getoption("--slow")
    kept, dropped = [], []
    for item in items:
        needs = [m.name for m in item.iter_markers() if missing.get(m.name)]
        wrong_run = (item.get_closest_marker("slow") is None) == slow_run
        repeated = bool(TEST_DATABASE_URL) and item.nodeid.startswith(BACKEND_FREE)
        (dropped if needs or wrong_run or repeated else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def _admin_dsn(url: str) -> tuple[str, str]:
    """The libpq DSN of the server's maintenance database, and the base database's name."""
    parts = urlsplit(normalise_url(url).replace("postgresql+psycopg://", "postgresql://"))
    return urlunsplit(parts._replace(path="/postgres")), parts.path.lstrip("/")


@pytest.fixture(scope="session")
def _database_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database that each test copies: a SQLite file, or a PostgreSQL template."""
    if not TEST_DATABASE_URL:
        path = tmp_path_factory.mktemp("template") / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
        return str(path)
    admin, base = _admin_dsn(TEST_DATABASE_URL)
    # One template per pytest-xdist worker: they create theirs at the same time.
    template = f"{base}_template_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(template))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(template)))
    engine = make_engine(TEST_DATABASE_URL.rsplit("/", 1)[0] + "/" + template)
    upgrade(engine)
    engine.dispose()
    return template


@pytest.fixture(scope="session")
def _database_pool(_database_template: str) -> Iterator[DatabasePool | None]:
    """On PostgreSQL, the copies of the template that tests take (support/database_pool.py)."""
    if not TEST_DATABASE_URL:
        yield None
        return
    admin, base = _admin_dsn(TEST_DATABASE_URL)
    pool = DatabasePool(admin, _database_template, base)
    yield pool
    pool.close()


@pytest.fixture
def db_url(
    tmp_path: Path, _database_template: str, _database_pool: DatabasePool | None
) -> Iterator[str]:
    if not TEST_DATABASE_URL:
        path = tmp_path / "baobab.db"
        shutil.copyfile(_database_template, path)
        yield f"sqlite:///{path}"
        return
    assert _database_pool is not None
    name = _database_pool.take()
    yield normalise_url(TEST_DATABASE_URL).rsplit("/", 1)[0] + "/" + name
    _database_pool.give_back(name)


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def blob_url(tmp_path: Path) -> str:
    if not TEST_S3_URL:
        return f"file://{tmp_path / 'blobs'}"
    parts = urlsplit(TEST_S3_URL)
    prefix = f"{parts.path.strip('/')}/t-{uuid.uuid4().hex[:12]}".strip("/")
    return urlunsplit(parts._replace(path="/" + prefix))


@pytest.fixture
def blob_store(blob_url: str) -> Iterator[BlobStore]:
    store = make_blob_store(blob_url)
    yield store
    store.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


# The programmes (BAOBAB_PROGRAMMES) of the apps the fixtures build: unset, the returnee
# programme as `make run` has it; empty (TEST_PROGRAMMES=), the plain ODK core. Tests marked
# `programme` test the returnee programme and always load it; tests marked `core` never do.
TEST_PROGRAMMES = tuple(
    name.strip()
    for name in os.environ.get("TEST_PROGRAMMES", "returnees").split(",")
    if name.strip()
)


def programmes_for(node: pytest.Item) -> tuple[str, ...]:
    if node.get_closest_marker("core") is not None:
        return ()
    if node.get_closest_marker("programme") is None:
        return TEST_PROGRAMMES
    return tuple(dict.fromkeys((*TEST_PROGRAMMES, "returnees")))


@pytest.fixture
def settings(
    request: pytest.FixtureRequest, tmp_path: Path, db_url: str, blob_url: str
) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=db_url,
        blob_url=blob_url,
        odk_validate="off",
        forms_dir=ROOT / "forms",
        public_url="http://baobab.test",
        programmes=programmes_for(request.node),
    )


@pytest.fixture
def client(settings: Settings, clock: FixedClock) -> Iterator[TestClient]:
    app = create_app(settings, clock=clock, passwords=PASSWORDS)
    with TestClient(app, base_url="http://baobab.test") as test:
        yield test


@pytest.fixture
def live(settings, engine, clock):
    """The whole app served by uvicorn on 127.0.0.1; yields its base URL."""
    with serve(create_app(settings, clock=clock, passwords=PASSWORDS)) as url:
        yield url


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


@pytest.fixture
def household(client, admin, project):
    return publish(client, admin, project, (DATA / "household.md").read_bytes())


@pytest.fixture
def device(client, admin, project, household):
    return make_device(client, admin, project)
