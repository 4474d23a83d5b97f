"""The set-up commands leave the clone's git configuration alone: only `make hooks`, asked for by
name, changes it (issue 21: `make run` used to set core.hooksPath)."""

from __future__ import annotations

import re
from pathlib import Path

MAKEFILE = (Path(__file__).resolve().parent.parent / "Makefile").read_text(encoding="utf-8")


def _recipes() -> dict[str, list[str]]:
    """Each target's recipe lines, by target name."""
    recipes: dict[str, list[str]] = {}
    target = None
    for line in MAKEFILE.splitlines():
        rule = re.match(r"^([A-Za-z0-9_.$()/-]+(?: [A-Za-z0-9_.$()/-]+)*):(?!=)", line)
        if rule:
            target = rule.group(1)
            recipes[target] = []
        elif line.startswith("\t") and target is not None:
            recipes[target].append(line.strip())
        elif line and not line.startswith("#"):
            target = None
    return recipes


def test_only_make_hooks_changes_the_git_configuration():
    recipes = _recipes()
    changing = sorted(t for t, lines in recipes.items() if any("git config" in x for x in lines))
    assert changing == ["hooks"], changing
    prerequisites = {
        name
        for line in MAKEFILE.splitlines()
        if re.match(r"^[^\t#.][^=]*:(?!=)", line)
        for name in line.split(":", 1)[1].split()
    }
    assert "hooks" not in prerequisites  # no target implies it
    setup = {"install", "run", "test", "$(STAMP)", "$(NODE_STAMP)"}
    assert setup <= set(recipes), setup - set(recipes)
