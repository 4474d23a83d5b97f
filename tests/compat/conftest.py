"""The compatibility suite uses the server tests' administrator and project."""

from tests.server.conftest import admin, project  # noqa: F401
