"""MkDocs hooks (mkdocs.yml `hooks:`): what the site needs that GitHub's Markdown does by itself.

In a table, GitHub needs a pipe inside inline code escaped (`GET\\|POST`), and drops the
backslash; Python-Markdown keeps the backslash but already leaves pipes inside inline code alone.
So the pages keep GitHub's spelling and the site gets the escapes removed before rendering.
"""

from __future__ import annotations

import re
from typing import Any

_CODE_SPAN = re.compile(r"(`+)(.+?)\1")


def _unescape_pipes(line: str) -> str:
    return _CODE_SPAN.sub(lambda m: m.group(0).replace("\\|", "|"), line)


def on_page_markdown(markdown: str, **_: Any) -> str:
    return "\n".join(
        _unescape_pipes(line) if line.lstrip().startswith("|") else line
        for line in markdown.split("\n")
    )
