"""Where the tests find the checkout, their sample files and the shipped forms."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
FORMS = ROOT / "forms"  # the shipped XLSForms


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()
