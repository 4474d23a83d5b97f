"""Debian's Chromium as the browser tests drive it through Playwright: where it is, where
screenshots go, and the page checks they share (every field labelled, images loaded)."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page

CHROMIUM = "/usr/bin/chromium"


ARTIFACTS = Path(os.environ.get("BAOBAB_TEST_ARTIFACTS", "test-artifacts")) / "screenshots"


# An image's width once it has loaded (0 if it failed): it loads after the page says visible.
LOADED_WIDTH = """img => img.complete ? img.naturalWidth : new Promise(resolve => {
    img.addEventListener("load", () => resolve(img.naturalWidth));
    img.addEventListener("error", () => resolve(0));
})"""


UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
    .filter(e => e.type !== 'hidden')
    .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
    .map(e => e.outerHTML)"""


def checked(page: Page, name: str) -> None:
    """Every visible field has a label; the page is saved as a screenshot."""
    assert page.evaluate(UNLABELLED) == [], page.url
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
