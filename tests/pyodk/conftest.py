"""Fixtures of the pyodk tests: a live Baobab (uvicorn on a socket) with a project that pyodk
made, and a pyodk Client configured for it. Every exchange pyodk makes is in the captured log."""

from __future__ import annotations

import logging

import pytest

from tests.support.accounts import create_admin
from tests.support.pyodk import log, open_client, write_config


@pytest.fixture
def project(live, engine, clock, tmp_path, caplog):
    """A project made with pyodk's raw `client.post`, by an administrator that pyodk signed in."""
    caplog.set_level(logging.INFO, logger=log.name)
    create_admin(engine, clock)
    config = write_config(tmp_path / "bootstrap.toml", live)
    with open_client(config, tmp_path / "cache.toml") as client:
        response = client.post("projects", json={"name": "Retours Mali"})
    assert response.status_code == 200, response.text
    return response.json()["id"]


@pytest.fixture
def client(live, project, tmp_path):
    """A pyodk Client whose config names the live server and the project."""
    config = write_config(tmp_path / "pyodk_config.toml", live, project)
    with open_client(config, tmp_path / "cache.toml") as client:
        yield client
