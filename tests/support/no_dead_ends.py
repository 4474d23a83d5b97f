"""Reading a page's own content (inside <main>, not the header) for the no-dead-ends tests:
its links, and whether a message comes before the field it is about."""

from __future__ import annotations

import re

MAIN = re.compile(r'<main id="main"[^>]*>(.*)</main>', re.S)
LINK = re.compile(r'<a [^>]*href="(/[^"]*)"')


def main_of(html: str) -> str:
    found = MAIN.search(html)
    assert found, "the answer is not one of our pages"
    return found.group(1)


def links_in_main(html: str) -> list[str]:
    """The links of the page's own content (not the header's) to our pages, the home page
    aside: "Home" alone is the dead end issue 21 describes."""
    return [link for link in LINK.findall(main_of(html)) if link != "/"]


def before(html: str, first: str, then: str) -> bool:
    """Whether `first` comes before `then` on the page, both present (message by its field)."""
    return 0 <= html.find(first) < html.find(then)
