"""The HTTP fixtures of tests/server (an administrator, a project, the household form, a
device), for the reliability tests."""

from tests.server.conftest import admin, device, household, live, project  # noqa: F401
