"""Pages that stay small and links that go where they say, whatever a submission holds: a page
of each repeat's instances instead of all of them, and ids (instanceID, form id, entity uuid)
written into links as one URL path segment each, so that an id with "/", "?", "#" or "%"
opens its own page and no other."""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

import pytest
import sqlalchemy as sa

from converters.submission_view import read_answers
from server.web.render import segment
from server.web.repeat_windows import REPEAT_PAGE
from tests.support.browser import device_token_for
from tests.support.visit_form import published_form, send, upload, visit_xml
from tests.support.xlsforms import schema_of, workbook_bytes

SURVEY = [
    ["type", "name", "label"],
    ["text", "household", "Household"],
    ["begin_repeat", "member", "Member"],
    ["text", "member_name", "Name"],
    ["integer", "member_age", "Age"],
    ["end_repeat", "", ""],
    ["integer", "size", "Size"],
]
MANY = 3000  # instances of one repeat: under the intake's limit, far over a page


def _census(n: int, members: int) -> bytes:
    people = "".join(
        f"<member><member_name>Person {i}</member_name><member_age>{i % 90}</member_age></member>"
        for i in range(1, members + 1)
    )
    return (
        f'<data id="census" version="1"><household>H{n}</household>{people}<size>{members}</size>'
        f"<meta><instanceID>uuid:census-{n}</instanceID></meta></data>"
    ).encode()


def _census_form(browser, project):
    form = workbook_bytes({"survey": SURVEY, "settings": [["form_id", "version"], ["census", "1"]]})
    assert upload(browser, project, form, "census.xlsx").status_code == 200
    published = browser.post(f"/projects/{project}/forms/census/publish", {"version": "1"})
    assert published.status_code == 200, published.text
    return f"/projects/{project}/forms/census/submissions"


def _numbers(page) -> list[int]:
    return [int(n) for n in re.findall(r'<div class="group-title">Member #(\d+)</div>', page.text)]


def _links(page) -> dict[str, str]:
    """The repeat window's links by name (First, Previous, Next, Last), unescaped."""
    window = page.text.split('class="pager repeat-window"', 1)[1].split("</div>", 1)[0]
    return {
        name: html.unescape(href)
        for href, name in re.findall(r'<a href="([^"]+)"[^>]*>[«← ]*(\w+)', window)
    }


def test_a_submission_with_thousands_of_repeat_instances_shows_one_page_of_them(
    browser, web_project, client
):
    base = _census_form(browser, web_project)
    token = device_token_for(browser, web_project, forms="census")
    send(client, web_project, token, _census(1, MANY))
    send(client, web_project, token, _census(2, REPEAT_PAGE + 10))
    page = browser.get(f"{base}/uuid:census-1")
    assert page.status_code == 200, page.text
    assert _numbers(page) == list(range(1, REPEAT_PAGE + 1))
    assert f"Member: 1 to {REPEAT_PAGE} of 3,000" in page.text
    answers = re.findall(r"<dd>\s*(.*?)\s*</dd>", page.text, re.S)
    assert "Person 50" in answers and "Person 51" not in answers
    assert answers[-1] == "3000"  # what follows the repeat is still shown
    # The page is bounded by the form, not by the submission: as many answers for 3,000
    # instances as for 60.
    smaller = browser.get(f"{base}/uuid:census-2")
    assert page.text.count("<dt>") == smaller.text.count("<dt>") == 2 + 2 * REPEAT_PAGE
    links = _links(page)
    assert set(links) == {"Next", "Last"}  # nothing before the first
    following = browser.get(f"{base}/uuid:census-1" + links["Next"])
    assert _numbers(following) == list(range(REPEAT_PAGE + 1, 2 * REPEAT_PAGE + 1))
    assert set(_links(following)) == {"First", "Previous", "Next", "Last"}
    last = browser.get(f"{base}/uuid:census-1" + links["Last"])
    assert _numbers(last) == list(range(MANY - REPEAT_PAGE + 1, MANY + 1))
    assert set(_links(last)) == {"First", "Previous"}
    assert f"Person {MANY}" in re.findall(r"<dd>\s*(.*?)\s*</dd>", last.text, re.S)
    back = browser.get(f"{base}/uuid:census-1" + _links(last)["Previous"])
    assert _numbers(back) == list(range(MANY - 2 * REPEAT_PAGE + 1, MANY - REPEAT_PAGE + 1))
    # A number past the end shows the last page; the links keep the page's place (#anchor).
    past = browser.get(f"{base}/uuid:census-1", params={"repeat:/data/member": "999999"})
    assert _numbers(past) == _numbers(last)
    assert links["Next"].endswith("#r-data-member") and 'id="r-data-member"' in page.text


def test_a_repeat_window_that_is_not_of_this_form_or_not_a_number_is_refused(
    browser, web_project, client
):
    base = _census_form(browser, web_project)
    token = device_token_for(browser, web_project, forms="census")
    send(client, web_project, token, _census(1, 3))
    for key, value in [
        ("repeat:/data/nothing", "2"),
        ("repeat:/data/household", "2"),  # a question, not a repeat
        ("repeat:/data/member", "two"),
        ("repeat:/data/member", "0"),
        ("repeat:/data/member", "-1"),
    ]:
        refused = browser.get(f"{base}/uuid:census-1", params={key: value})
        assert refused.status_code == 400, (key, value)
    shown = browser.get(f"{base}/uuid:census-1", params={"repeat:/data/member": "1"})
    assert _numbers(shown) == [1, 2, 3] and "repeat-window" not in shown.text  # all fit


NESTED = """
type | name | label
begin_repeat | visit | Visit
date | day | Day
begin_repeat | child | Child
text | child_name | Child
end_repeat | |
end_repeat | |
text | note | Note
"""


def _visit(v: int, children: int) -> str:
    names = "".join(f"<child><child_name>c{v}.{c}</child_name></child>" for c in range(children))
    return f"<visit><day>2026-01-{v:02d}</day>{names}</visit>"


def test_windows_apply_in_each_instance_of_the_parent_and_copies_outside_repeats_show_once():
    schema = schema_of(NESTED)
    xml = (
        "<data>"
        + "".join(_visit(v, 5) for v in range(1, 8))
        + "<note>first</note>" * 1000  # a question may not repeat: the copies are noise
        + "</data>"
    ).encode()
    entries = read_answers(
        schema, xml, None, per_repeat=2, starts={"/data/visit": 3, "/data/visit/child": 4}
    )
    windows = [(e.label, e.window) for e in entries if e.kind == "window"]
    assert [(label, w.xpath, w.first, w.last, w.total) for label, w in windows] == [
        ("Visit", "/data/visit", 3, 4, 7),
        ("Child", "/data/visit/child", 4, 5, 5),
        ("Child", "/data/visit/child", 4, 5, 5),
    ]
    headings = [e.label for e in entries if e.kind == "heading"]
    assert headings == ["Visit #3", "Child #4", "Child #5", "Visit #4", "Child #4", "Child #5"]
    assert [e.value for e in entries if e.kind == "answer" and e.label == "Child"] == [
        "c3.3",
        "c3.4",
        "c4.3",
        "c4.4",
    ]
    assert [e.value for e in entries if e.label == "Note"] == ["first"]
    # Without a window, every instance, as before (the case pages and the API read this).
    everything = read_answers(schema, xml, None)
    assert sum(e.kind == "heading" for e in everything) == 7 + 7 * 5
    assert not any(e.kind == "window" for e in everything)


HOSTILE = [
    "uuid:../../../../users",
    "uuid:a/b?c=d#e",
    "uuid:50% off",
    "uuid:x/review",
    "uuid:..",
]


def _rename(engine, old: str, new: str) -> None:
    """An instanceID as stored before intake held ids to a character set."""
    with engine.begin() as connection:
        for table in ("submissions", "submission_versions"):
            connection.execute(
                sa.text(f"UPDATE {table} SET instance_id = :new WHERE instance_id = :old"),
                {"new": new, "old": old},
            )


def _hrefs(page, attributes="href|action|src") -> list[str]:
    return [html.unescape(h) for h in re.findall(rf'(?:{attributes})="([^"]+)"', page.text)]


def test_ids_are_linked_as_one_path_segment_and_their_pages_open(
    browser, web_project, client, engine
):
    form = published_form(browser, web_project)
    token = device_token_for(browser, web_project, forms=form)
    for n, hostile in enumerate(HOSTILE, start=1):
        send(client, web_project, token, visit_xml(n))
        _rename(engine, f"uuid:visit-{n}", hostile)
    table = f"/projects/{web_project}/forms/{form}/submissions"
    listing = browser.get(table)
    links = sorted(h for h in _hrefs(listing, "href") if h.startswith(table + "/"))
    assert links == sorted(f"{table}/{segment(i)}" for i in HOSTILE)
    for hostile in HOSTILE:
        link = f"{table}/{segment(hostile)}"
        tail = link.removeprefix(table + "/")
        assert not set("/?#% ") & set(unquote(tail)) - set(hostile)  # nothing else leaks in
        assert "/" not in tail and "?" not in tail and "#" not in tail
        if hostile.endswith(".."):
            continue  # a browser reads "uuid:.." as it is: only a whole ".." is a dot segment
        page = browser.get(link)
        assert page.status_code == 200, (hostile, page.text)
        assert f"<code>{html.escape(hostile)}</code>" in page.text
        # Previous and next name the other submissions, each encoded the same way.
        others = {
            html.unescape(h) for h in re.findall(r'href="([^"]+)" rel="(?:prev|next)"', page.text)
        }
        assert {h.split("/submissions/", 1)[1] for h in others} <= {segment(i) for i in HOSTILE}
        for href in _hrefs(page):  # the page's own links name this submission, encoded
            if "/submissions/" in href and href not in others:
                assert href.split("/submissions/", 1)[1].startswith(segment(hostile)), href
        reviewed = browser.post(f"{link}/review", {"state": "approved", "comment": "vu"})
        assert reviewed.status_code == 200, (hostile, reviewed.text)
        assert str(reviewed.url).endswith(link + "#review") and "Review saved." in reviewed.text
    # The bulk review at /submissions/review is not taken for a submission named "review".
    bulk = browser.post(f"{table}/review", {"state": "rejected", "instance": HOSTILE})
    assert bulk.status_code == 200 and "Review state saved." in bulk.text
    assert len(re.findall(r'class="badge rejected"', browser.get(table).text)) == len(HOSTILE)


@pytest.mark.programme
def test_an_entity_uuid_is_encoded_in_links_and_its_case_opens(browser, client, engine):
    from tests.support.scores import scored_programme

    _admin, project = scored_programme(browser, client)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE entities SET uuid = 'e1/../x?y'"))  # the only one
    cases = f"/projects/{project}/entities/returnees"
    listing = browser.get(cases)
    assert f'href="{cases}/e1%2F..%2Fx%3Fy"' in listing.text
    case = browser.get(f"{cases}/e1%2F..%2Fx%3Fy")
    assert case.status_code == 200, case.text
    assert "Awa Traoré" in case.text
    for raw in ("a/b", "a?b", "a#b", "50%", "a b", "..", "é"):
        assert "/" not in segment(raw) and "?" not in segment(raw) and "#" not in segment(raw)
        assert unquote(segment(raw)) == raw
    assert segment("uuid:x@y") == "uuid:x@y"  # ':' and '@' are path characters


def test_a_form_id_with_url_characters_is_encoded_in_every_link(
    browser, web_project, client, engine
):
    form = published_form(browser, web_project)
    send(client, web_project, device_token_for(browser, web_project, forms=form), visit_xml(1))
    odd = "visit #2?a=b&c 100%"
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE forms SET xml_form_id = :odd"), {"odd": odd})
    project = browser.get(f"/projects/{web_project}")
    base = f"/projects/{web_project}/forms/{segment(odd)}"
    assert base in _hrefs(project, "href")
    for path in ("", "/submissions", "/dashboard", "/export", "/submissions/uuid:visit-1"):
        page = browser.get(base + path)
        assert page.status_code == 200, (path, page.text)
        mine = [h for h in _hrefs(page) if "/forms/" in h]
        assert mine and all(h.removeprefix("/v1").startswith(base) for h in mine), (path, mine)
