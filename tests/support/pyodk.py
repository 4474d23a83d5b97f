"""pyodk 1.3 as the tests drive it: a config file naming the live server, a Client that logs
every exchange, and publishing a form at once with pyodk's raw `client.post`."""

from __future__ import annotations

import logging
from pathlib import Path

import pyodk.client as pyodk_client
import toml

from tests.support.accounts import ADMIN_EMAIL, ADMIN_PASSWORD

log = logging.getLogger(__name__)


def log_exchange(response, *args, **kwargs):
    """Every request pyodk sends and Baobab's answer, in the captured log of a failing test."""
    body = response.request.body
    sent = body if isinstance(body, str | bytes) and len(body) < 300 else type(body).__name__
    log.info(
        "%s %s %r -> %s %s",
        response.request.method,
        response.request.url,
        sent,
        response.status_code,
        response.text[:500],
    )


def write_config(path: Path, base_url: str, project_id: int | None = None) -> Path:
    central: dict[str, object] = {
        "base_url": base_url,
        "username": ADMIN_EMAIL,
        "password": ADMIN_PASSWORD,
    }
    if project_id is not None:
        central["default_project_id"] = project_id
    path.write_text(toml.dumps({"central": central}))
    return path


def open_client(config: Path, cache: Path):
    client = pyodk_client.Client(config_path=config, cache_path=cache)
    client.session.hooks["response"].append(log_exchange)
    return client.open()


def pyodk_publish(client, project, path: Path, content_type: str) -> dict:
    """Publish at once with pyodk's raw `client.post`, the call forms.create makes but with
    ?publish=True, so that the tests of other calls do not depend on forms.create."""
    response = client.post(
        f"projects/{project}/forms",
        params={"publish": True, "ignoreWarnings": True},
        data=path.read_bytes(),
        headers={"Content-Type": content_type},
    )
    assert response.status_code == 200, response.text
    return response.json()
