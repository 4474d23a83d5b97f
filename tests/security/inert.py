"""What makes exported text active: a spreadsheet formula's first characters, and the commands
SPSS or PSPP would find in a syntax file."""

from __future__ import annotations

import re

from converters.spss import LINE_BYTES

FORMULA = re.compile(r"^([=@\t\r]|[+-](?![0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$))")


def commands(syntax: str) -> list[str]:
    """The first word of every command SPSS or PSPP could find, in either syntax mode: a command
    starts on a line that begins in column 1 (batch mode), or after a line ending with the
    terminator '.' or a blank line (interactive mode). String literals are skipped as SPSS
    does: one ends at its closing quote ('' is a quote) and may not span lines."""
    found = []
    ended = True
    for line in syntax.split("\n"):
        assert "\r" not in line and len(line.encode("utf-8")) < LINE_BYTES, line
        outside = re.sub(r"'(?:[^']|'')*'", "", line)
        assert "'" not in outside, f"a literal left open: {line!r}"
        if line.strip() and (ended or not line[0].isspace()):
            found.append(line.split()[0].rstrip(".").upper())
        ended = not line.strip() or outside.rstrip().endswith(".")
    return found
