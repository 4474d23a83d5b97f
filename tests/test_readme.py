"""The README keeps its promises (it opens with the two set-up commands, its links lead to pages
of the docs), and the reference pages generated from the code document every setting, command
and error code. Whether the committed pages match the code is `make lint`'s check
(`scripts/reference_docs.py --check`), not repeated here."""

from __future__ import annotations

import argparse
import re

from scripts.reference_docs import (
    ROOT,
    cli_page,
    default_programmes,
    error_codes_page,
    settings_page,
)
from server.cli.main import _parser
from server.error_codes import all_codes
from server.settings import SETTINGS

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_setup_commands():
    opening = README[: README.index("\n## ", README.index("make test"))]
    assert "make run" in opening and "make test" in opening
    assert opening.index("make run") < opening.index("make test")


def test_readme_links_lead_to_pages_of_the_docs():
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README)
    assert "docs/index.md" in links and "docs/reference/settings.md" in links
    missing = [link for link in links if not (ROOT / link).is_file()]
    assert missing == []
    outside = [link for link in links if not link.startswith("docs/")]
    assert outside == []


def test_the_settings_reference_documents_every_setting_with_its_help():
    page = settings_page()
    undocumented = [s.env for s in SETTINGS if f"| `{s.env}` |" not in page]
    assert undocumented == []
    assert all(s.help for s in SETTINGS)


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


def test_the_cli_reference_documents_every_command_and_option():
    parser = _parser(default_programmes())
    commands = _commands(parser)
    assert "baobab export" in commands and "baobab forms publish" in commands
    page = cli_page()
    assert [c for c in commands if f"## `{c}`" not in page] == []
    export = page[page.index("## `baobab export`") :]
    assert "`--split-select-multiples`" in export and "one of csv.zip, csv, xlsx" in export


def test_the_error_code_reference_lists_every_code():
    page = error_codes_page()
    rows = all_codes()
    assert rows
    assert [r.name for r in rows if f"| `{r.name}` |" not in page] == []
