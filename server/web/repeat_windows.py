"""A submission's answers as a page shows them: a window of REPEAT_PAGE instances of each
repeat, chosen with `repeat:<xpath>=<first number>` in the query, with links to the others, so
that the page's size follows the form, not the submission (one may hold 100,000 instances)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from converters.form_model import FormSchema
from converters.submission_view import Entry, RepeatWindow, read_answers
from server.errors import Problem, ProblemCode
from server.web.http import Web
from server.web.params import whole_number
from server.web.render import translate

REPEAT_PAGE = 50  # instances of each repeat (in each instance of its parent) on one page
PREFIX = "repeat:"


@dataclass(frozen=True, slots=True)
class Pager:
    """Links (query strings with a fragment) to the other instances of a repeat."""

    window: RepeatWindow
    anchor: str | None  # the element id, on the first window of this repeat on the page
    first: str | None
    previous: str | None
    next: str | None
    last: str | None


def read_starts(web: Web, schema: FormSchema) -> dict[str, int]:
    """The first instance shown of each repeat named in the query. A repeat the caller may not
    see (left out of `schema`) is refused as an unknown one: the answer tells nothing."""
    starts = {}
    for key, value in web.request.query_params.multi_items():
        if not key.startswith(PREFIX):
            continue
        xpath = key.removeprefix(PREFIX)
        if schema.repeat(xpath) is None:
            raise Problem(
                ProblemCode.BAD_REQUEST,
                reason=translate("no repeat '%(xpath)s' to page", xpath=xpath),
            )
        first = whole_number(value)
        if not first:
            raise Problem(
                ProblemCode.BAD_REQUEST,
                reason=translate("'%(value)s' is not an instance number", value=value),
            )
        starts[xpath] = first
    return starts


def answers_page(
    web: Web, schema: FormSchema, xml: str, language: str | None
) -> list[tuple[Entry, Pager | None]]:
    """The entries to show, each "window" entry with its links."""
    entries = read_answers(
        schema,
        xml.encode("utf-8"),
        language,
        per_repeat=REPEAT_PAGE,
        starts=read_starts(web, schema),
    )
    params = dict(web.request.query_params)
    anchors: set[str] = set()
    shown: list[tuple[Entry, Pager | None]] = []
    for entry in entries:
        if entry.window is None:
            shown.append((entry, None))
            continue
        pager = _pager(params, entry.window, anchors)
        anchors.add("r" + entry.window.xpath.replace("/", "-"))
        shown.append((entry, pager))
    return shown


def _pager(params: dict[str, str], window: RepeatWindow, anchors: set[str]) -> Pager:
    """Links that keep the page's other parameters (the other repeats' windows) and its place
    (#anchor: the window's first element on the page carries it)."""
    anchor = "r" + window.xpath.replace("/", "-")

    def link(first: int) -> str:
        return "?" + urlencode({**params, PREFIX + window.xpath: str(first)}) + "#" + anchor

    before, after = window.first > 1, window.last < window.total
    return Pager(
        window,
        anchor if anchor not in anchors else None,
        link(1) if before else None,
        link(max(window.first - REPEAT_PAGE, 1)) if before else None,
        link(window.last + 1) if after else None,
        link(window.total - REPEAT_PAGE + 1) if after else None,
    )
