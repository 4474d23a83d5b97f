"""The README keeps its promises: it opens with the two set-up commands and documents every
setting and CLI command."""

from __future__ import annotations

import argparse
from pathlib import Path

from server.cli import _parser
from server.settings import SETTINGS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_setup_commands():
    opening = README[: README.index("\n## ", README.index("make test"))]
    assert "make run" in opening and "make test" in opening
    assert opening.index("make run") < opening.index("make test")


def test_every_setting_is_documented():
    missing = [s.env for s in SETTINGS if f"`{s.env}`" not in README]
    assert missing == []


def _commands(parser, prefix="baobab"):
    """Every runnable command of the parser, e.g. 'baobab forms publish'."""
    choices = next(
        (a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None
    )
    if not choices:
        return [prefix]
    found = []
    for name, sub in choices.items():
        found += _commands(sub, f"{prefix} {name}")
    return found


def test_every_cli_command_is_documented():
    commands = _commands(_parser())
    assert "baobab export" in commands and "baobab forms publish" in commands
    assert [c for c in commands if f"`{c}" not in README] == []
