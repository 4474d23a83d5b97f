"""Whole numbers read from a page's query (page numbers, sizes, ids, instance numbers): ASCII
digits only and at most 10**9, so that no input makes int() fail or overflows a database
integer further on."""

from __future__ import annotations

MOST = 10**9


def whole_number(text: str) -> int | None:
    """The number `text` writes, or None when it writes none in 0..MOST. str.isdigit alone
    would let "²" and "١" through, and int() refuses strings past 4,300 digits."""
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(MOST))):
        return None
    value = int(text)
    return value if value <= MOST else None
