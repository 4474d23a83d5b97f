"""The README keeps its promises: it opens with the two set-up commands and documents every
setting and CLI command."""

from __future__ import annotations

from pathlib import Path

from server.settings import SETTINGS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_setup_commands():
    opening = README[: README.index("\n## ", README.index("make test"))]
    assert "make run" in opening and "make test" in opening
    assert opening.index("make run") < opening.index("make test")


def test_every_setting_is_documented():
    missing = [s.env for s in SETTINGS if f"`{s.env}`" not in README]
    assert missing == []


def test_every_cli_command_is_documented():
    for command in (
        "baobab serve",
        "baobab db upgrade",
        "baobab users create",
        "baobab projects create",
        "baobab forms check",
        "baobab forms publish",
        "baobab forms list",
    ):
        assert command in README, command
