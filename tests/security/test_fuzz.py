"""Fuzzing over HTTP (slow, PostgreSQL + SeaweedFS in CI): thousands of mutated submissions of
the household form and mutated XLSForms. No case may get a 5xx, and a case answered 4xx must
have written nothing. Each test counts the cases it ran and prints the statuses it saw."""

from __future__ import annotations

import copy
from collections import Counter

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from tests.security.workbooks import xlsx
from tests.support.paths import DATA

SUBMISSION_CASES = 9_000
FORM_CASES = 1_200
TOTAL_PLANNED = SUBMISSION_CASES + FORM_CASES
assert TOTAL_PLANNED >= 10_000

FUZZ = settings(
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
BASES = [(DATA / f"{n}.xml").read_bytes() for n in ("simple", "with_repeat", "nested_repeat")]
BASES += [(DATA / f"{n}.xml").read_bytes() for n in ("with_attachments", "edit_deprecated")]
HOSTILE = [
    "",
    " ",
    "-1",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "-0",
    "0x1F",
    "2026-02-30",
    "2026-13-01T25:61:00Z",
    "0000-00-00",
    "9999-12-31T23:59:59.999+14:00",
    "'; DROP TABLE users; --",
    'x" OR "1"="1',
    "=cmd|'/c calc'!A0",
    "../../etc/passwd",
    "a" * 70_000,
    "ﷺ𝕏👩‍👩‍👧",
    "\u202e\u200b",
    "medical food unknown",
    "91 181 -1 -1",
    "1 2",
    "uuid:",
]
RAW = [b"\x00", b"\x01", b"\x1b[2J", b"\xff\xfe", b"&x;", b"&#0;", b"<![CDATA[x]]>", b"]]>", b"\r"]
DOCTYPES = [
    b'<!DOCTYPE data [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    b'<!DOCTYPE data [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p"> %p;]>',
    b'<!DOCTYPE data [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>',
    b'<?xml-stylesheet href="http://127.0.0.1:9/x"?>',
]
NAMES = ["1741079521992.jpg", "note 1.m4a", "../x.jpg", "a\\b", "", ".", "x" * 300, "é.jpg"]
NAMES += ["/etc/passwd", "..%2Fx", "C:\\x", "nul\x00.jpg", "a\tb"]


def text_values():
    return st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30))


@st.composite
def submissions(draw):
    """(xml bytes, files): one of the samples, mutated in structure, values and bytes."""
    root = etree.fromstring(draw(st.sampled_from(BASES)))
    raw: dict[str, bytes] = {}
    elements = list(root.iter())
    for _ in range(draw(st.integers(0, 4))):
        target = draw(st.sampled_from(elements))
        action = draw(
            st.sampled_from(["drop", "dup", "shuffle", "value", "raw", "unknown", "attr"])
        )
        parent = target.getparent()
        if action == "drop" and parent is not None:
            parent.remove(target)
        elif action == "dup" and parent is not None:
            parent.insert(parent.index(target), copy.deepcopy(target))
        elif action == "shuffle":
            children = list(target)
            order = draw(st.permutations(range(len(children))))
            for child in children:
                target.remove(child)
            target.extend(children[i] for i in order)
        elif action == "value" and len(target) == 0:
            target.text = _xml_safe(draw(text_values()))
        elif action == "raw":
            token = f"RAW{len(raw)}X"
            raw[token] = draw(st.sampled_from(RAW))
            target.text = token
        elif action == "unknown":
            etree.SubElement(target, draw(st.sampled_from(["x", "meta", "members", "a-b"])))
        elif action == "attr":
            name = draw(st.sampled_from(["id", "version", "{http://x}y", "instanceID"]))
            target.set(name, _xml_safe(draw(text_values())))
    instance = root.find("meta/instanceID")
    if instance is not None and draw(st.booleans()):
        instance.text = f"uuid:{draw(st.uuids())}"  # mostly new submissions, not resends
    xml = etree.tostring(root, xml_declaration=True, encoding="utf-8")
    for token, value in raw.items():
        xml = xml.replace(token.encode(), value)
    if draw(st.integers(0, 9)) == 0:
        xml = xml.replace(b"?>", b"?>" + draw(st.sampled_from(DOCTYPES)), 1)
    if draw(st.integers(0, 9)) == 0:
        xml = xml[: draw(st.integers(0, len(xml)))]
    names = draw(st.lists(st.sampled_from(NAMES), max_size=3))
    files = [(n, draw(st.binary(max_size=64))) for n in names]
    return xml, files


def _xml_safe(text: str) -> str:
    return "".join(c for c in text if c in "\t\n" or (c >= " " and c not in "\ufffe\uffff"))


def counts(engine, tables) -> tuple[int, ...]:
    with engine.connect() as connection:
        return tuple(
            connection.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables
        )


def judge(response, seen: Counter[int], before, now) -> None:
    """Count the answer; never a 5xx; and a refusal wrote nothing."""
    seen[response.status_code] += 1
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert now() == before, response.text


@pytest.mark.slow
def test_mutated_submissions_never_get_a_5xx_and_refusals_write_nothing(device, engine):
    tables = ("submissions", "submission_versions", "submission_attachments", "blobs")
    seen: Counter[int] = Counter()

    @settings(FUZZ, max_examples=SUBMISSION_CASES)
    @given(submissions())
    def case(sent):
        xml, files = sent
        before = counts(engine, tables)
        parts = [("xml_submission_file", ("submission.xml", xml, "text/xml"))]
        parts += [(n or "file", (n, content, "application/octet-stream")) for n, content in files]
        response = device.client.post(
            f"{device.base}/submission", files=parts, headers={"X-OpenRosa-Version": "1.0"}
        )
        judge(response, seen, before, lambda: counts(engine, tables))

    case()
    print(f"\nsubmission cases: {sum(seen.values())}, statuses: {dict(sorted(seen.items()))}")
    assert sum(seen.values()) >= SUBMISSION_CASES


def household_sheets() -> dict[str, list[list[str]]]:
    sheets: dict[str, list[list[str]]] = {}
    current: list[list[str]] = []
    for line in (DATA / "household.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0]:
            current = sheets.setdefault(cells[0], [])
        else:
            current.append(cells[1:])
    return sheets


HOUSEHOLD = household_sheets()
TYPES = [
    "text",
    "integer",
    "decimal",
    "select_one sex",
    "select_one nope",
    "select_multiple",
    "begin_repeat",
    "end_repeat",
    "begin_group",
    "end_group",
    "calculate",
    "geopoint",
    "note",
    "image",
    "rank needs",
    "hidden",
    "xml-external",
    "nonsense",
    "",
    "select_one_from_file x.csv",
    "trigger",
    "range",
    "begin repeat",
    "acknowledge",
]
NAME_TRICKS = [
    "select",
    'x"; DROP TABLE users; --',
    "Name",
    "NAME",
    "a" * 80,
    "名前",
    "1abc",
    "",
    "meta",
    "instanceID",
    "_id",
    "__system",
    "a b",
    "a.b",
    "a-b",
    "xml",
]
EXPRESSIONS = [
    "${nope} > 1",
    "((",
    "1 div 0",
    ". > 'a'",
    "${name} = 'x'",
    "selected(${needs}, 'food')",
    "now(",
    "jr:choice-name(${sex}, '${sex}')",
    "'; DROP TABLE users; --",
    "${age} * 1e309",
    "count(/data/*)",
]
COLUMNS = [
    "relevant",
    "constraint",
    "required",
    "calculation",
    "choice_filter",
    "default",
    "appearance",
    "bind::foo",
    "body::x",
    "label::Français (fr)",
    "repeat_count",
    "trigger",
    "unknown column",
    "parameters",
]


@st.composite
def xlsforms(draw):
    """(body, content type): the household XLSForm, mutated, as markdown or as .xlsx."""
    sheets = copy.deepcopy(HOUSEHOLD)
    survey = sheets["survey"]
    for _ in range(draw(st.integers(0, 4))):
        row = draw(st.integers(1, len(survey) - 1))
        action = draw(
            st.sampled_from(["type", "name", "column", "dup", "drop", "choices", "setting"])
        )
        if action == "type":
            survey[row][0] = draw(st.sampled_from(TYPES))
        elif action == "name":
            survey[row][1] = draw(st.sampled_from(NAME_TRICKS))
        elif action == "column":
            survey[0].append(draw(st.sampled_from(COLUMNS)))
            for other in survey[1:]:
                other.append("")
            survey[row][-1] = draw(st.one_of(st.sampled_from(EXPRESSIONS), st.text(max_size=20)))
        elif action == "dup":
            survey.insert(row, list(survey[row]))
        elif action == "drop":
            del survey[row]
        elif action == "choices":
            list_name = draw(st.sampled_from(["needs", "sex", "new"]))
            sheets["choices"] += [
                [list_name, f"c{i}", f"C{i}"] for i in range(draw(st.integers(0, 3000)))
            ]
        elif action == "setting":
            what = draw(st.sampled_from(["drop", "form_id", "version"]))
            if what == "drop":
                sheets.pop("settings", None)
            elif "settings" in sheets:
                column = sheets["settings"][0].index(what)
                sheets["settings"][1][column] = draw(
                    st.one_of(st.sampled_from(NAME_TRICKS), st.just(""))
                )
    if "settings" in sheets and draw(st.integers(0, 4)):
        sheets["settings"][1][0] = f"f{draw(st.uuids()).hex[:12]}"  # mostly new forms
    if draw(st.booleans()):
        return xlsx(sheets), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    lines = []
    for sheet, rows in sheets.items():
        lines.append(f"| {sheet} |")
        lines += ["| | " + " | ".join(c.replace("|", "/") or " " for c in r) + " |" for r in rows]
    return "\n".join(lines).encode(), "text/markdown"


@pytest.mark.slow
def test_mutated_xlsforms_never_get_a_5xx_and_refusals_write_nothing(
    client, admin, project, engine
):
    tables = ("forms", "form_versions", "data_tables")
    seen: Counter[int] = Counter()

    @settings(FUZZ, max_examples=FORM_CASES)
    @given(xlsforms())
    def case(upload):
        body, content_type = upload
        before = counts(engine, tables)
        response = client.post(
            f"/v1/projects/{project}/forms?publish=true&ignoreWarnings=true",
            content=body,
            headers={**admin, "Content-Type": content_type},
        )
        judge(response, seen, before, lambda: counts(engine, tables))

    case()
    print(f"\nXLSForm cases: {sum(seen.values())}, statuses: {dict(sorted(seen.items()))}")
    assert sum(seen.values()) >= FORM_CASES
