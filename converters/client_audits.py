"""Client audit logs (the `audit.csv` ODK Collect attaches to a form with an `audit` question)
read as ODK Central reads them (lib/data/client-audits.js): one event per row, the known
columns by their header's name, whatever else dropped; and the rows of the export's
`<form id> - audit.csv`, each led by its submission's instance ID."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import Any

# Central's known headers, in its export's order (`user` and `change-reason` since 2025.2).
AUDIT_HEADERS = (
    "event",
    "node",
    "start",
    "end",
    "latitude",
    "longitude",
    "accuracy",
    "old-value",
    "new-value",
    "user",
    "change-reason",
)
EXPORT_HEADER = ("instance ID", *AUDIT_HEADERS)
_VALUES = (AUDIT_HEADERS.index("old-value"), AUDIT_HEADERS.index("new-value"))
_POSITION = re.compile(r"\[[0-9]+\]")


def text_lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """The lines of a UTF-8 file that arrives in chunks, as the csv module wants them: split on
    \n, \r or \r\n only, ends kept, a byte-order mark dropped, bytes that are not UTF-8 as
    U+FFFD."""
    raw = io.BufferedReader(_ChunkReader(chunks))
    yield from io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")


class _ChunkReader(io.RawIOBase):
    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = chunk
        size = min(len(target), len(self._pending))
        target[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def audit_events(lines: Iterable[str]) -> Iterator[tuple[str, ...]]:
    """Each event of an audit log as the values of AUDIT_HEADERS ('' where the log has no such
    column). As Central parses it: cells trimmed, empty lines skipped, rows of any length, a
    quote inside an unquoted cell kept; the first row names the columns."""
    names: list[str | None] | None = None
    for row in csv.reader(lines):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if names is None:
            names = [cell if cell in AUDIT_HEADERS else None for cell in cells]
            continue
        event = dict.fromkeys(AUDIT_HEADERS, "")
        for name, cell in zip(names, cells, strict=False):
            if name is not None:
                event[name] = cell
        yield tuple(event[name] for name in AUDIT_HEADERS)


def without_hidden_values(event: tuple[str, ...], hidden: frozenset[str]) -> tuple[str, ...]:
    """The event, with the old and new answer blanked when its question is one the reader may
    not see (`node` is its XPath, with repeat positions: `/data/people[2]/name`)."""
    node = _POSITION.sub("", event[AUDIT_HEADERS.index("node")])
    if node not in hidden:
        return event
    return tuple("" if index in _VALUES else value for index, value in enumerate(event))
