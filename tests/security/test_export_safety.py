"""Exports that cannot run code and names that cannot reach SQL: spreadsheet formulas sent as
answers come out of XLSX as plain strings and out of CSV neutralised (converters/cells.py), and
XLSForm names built to break SQL (quotes, keywords, case twins, 63-byte collisions, unicode)
are refused naming the bad name, or work end to end: submit, export, OData."""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from xml.sax.saxutils import escape

import openpyxl
import pytest
import sqlalchemy as sa
from lxml import etree

from tests.support.accounts import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.support.paths import sample

XF = "{http://www.w3.org/2002/xforms}"
H = "{http://www.w3.org/1999/xhtml}"
ATTACKS = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("x")']
KEPT = ["-5", "+22370123456", "-4.5", "Awa = Fanta"]  # numbers and phones as cells.py says


def submit_names(device, names):
    for number, name in enumerate(names):
        xml = (
            sample("simple.xml")
            .replace(
                b"<name>Mamadou Diallo</name>",
                f"<name>{escape(name, {chr(13): '&#13;'})}</name>".encode(),
            )
            .replace(b"<age>28</age>", b"<age>-5</age>")
            .replace(b"000000000001", f"{number:012d}".encode())
        )
        assert device.submit(xml).status_code == 201


def test_formulas_come_out_of_xlsx_as_strings_and_out_of_csv_neutralised(
    client, admin, project, device
):
    submit_names(device, ATTACKS + KEPT)
    base = f"/v1/projects/{project}/forms/household/submissions"
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"{base}.xlsx", headers=admin).content))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    name_column, age_column = header.index("respondent-name"), header.index("respondent-age")
    cells = [row[name_column] for row in sheet.iter_rows(min_row=2)]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert all(c.data_type == "s" for c in cells)
    written = {str(c.value).replace("_x000D_", "\r") for c in cells}  # OOXML's escape of CR
    for attack in ATTACKS:  # a string cell, never a formula; neutralised as in CSV
        assert "'" + attack in written
    assert set(KEPT) <= written
    ages = {row[age_column].value for row in sheet.iter_rows(min_row=2)}
    assert ages == {-5}  # a negative number stays a number
    text = client.get(f"{base}.csv", headers=admin).content.decode("utf-8-sig")
    names = {row["respondent-name"] for row in csv.DictReader(io.StringIO(text, newline=""))}
    assert names == {"'" + a for a in ATTACKS} | set(KEPT)


INJECTION = 'x"; DROP TABLE users; --'
LONG = "a" * 70
FORMS = {
    "keywords and case twins": """
| survey |
| | type | name | label |
| | text | select | Select |
| | text | from | From |
| | text | Order | Order upper |
| | text | order | Order lower |
| | select_one drop | where | Where |
| | begin_repeat | group | Group |
| | text | table | Table |
| | end_repeat | | |
| choices |
| | list_name | name | label |
| | drop | '; DROP TABLE users; -- | Bobby |
| | drop | x | X |
| settings |
| | form_id | version |
| | select | 1'; DROP TABLE users; -- |
""",
    "names colliding after 63 bytes": f"""
| survey |
| | type | name | label |
| | text | {LONG}_1 | One |
| | text | {LONG}_2 | Two |
| | begin_repeat | {LONG}_r | Repeat |
| | text | {LONG}_1 | Nested |
| | end_repeat | | |
| settings |
| | form_id | version |
| | {LONG}_form | 1 |
""",
    "unicode": """
| survey |
| | type | name | label |
| | text | âge | Âge |
| | text | 名前 | Name |
| | text | имя | Имя |
| settings |
| | form_id | version |
| | enquête_ménage | v1 |
""",
    "entity list named like a system table": """
| survey |
| | type | name | label | save_to |
| | text | users | Users | users |
| entities |
| | list_name | label |
| | submissions | ${users} |
| settings |
| | form_id | version |
| | entity_form | 1 |
""",
    "form id with a quote": f"""
| survey |
| | type | name | label |
| | text | q | Q |
| settings |
| | form_id | version |
| | {INJECTION} | 1 |
""",
    "field name with a quote": f"""
| survey |
| | type | name | label |
| | text | {INJECTION} | Q |
| settings |
| | form_id | version |
| | quoted_field | 1 |
""",
    "entity list with a quote": f"""
| survey |
| | type | name | label | save_to |
| | text | q | Q | q |
| entities |
| | list_name | label |
| | {INJECTION} | ${{q}} |
| settings |
| | form_id | version |
| | quoted_list | 1 |
""",
}

REFUSED = {
    "field name with a quote": "(sheet 'survey', row 2, column 'name')",
    "entity list with a quote": "(sheet 'entities', row 2, column 'dataset')",
}


def filled(xform: bytes) -> bytes:
    """The form's own instance as a device would send it (no namespace), every question
    answered with its first choice or a value that tries to break out of SQL."""
    root = etree.fromstring(xform)
    instance = root.find(f"{H}head/{XF}model/{XF}instance")[0]
    body = root.find(f"{H}body")
    choices = {
        e.get("ref"): e.findtext(f"{XF}item/{XF}value")
        for e in body.iter(f"{XF}select1", f"{XF}select")
    }
    data = etree.fromstring(etree.tostring(instance, encoding="utf-8"))
    for element in data.iter():
        element.tag = etree.QName(element).localname
    etree.cleanup_namespaces(data)
    for bind in root.iter(f"{XF}bind"):
        path = bind.get("nodeset")
        if "@" in path:  # an attribute (an entity's id): the form fills it
            continue
        node = data.find("/".join(["."] + path.split("/")[2:]))
        if node is None or len(node):
            continue
        if path.endswith("/meta/instanceID"):
            node.text = f"uuid:{uuid.uuid4()}"
        elif bind.get("type") in ("int", "decimal"):
            node.text = "7"
        elif path in choices:
            node.text = choices[path]
        elif bind.get("type") == "string":
            node.text = "'); DROP TABLE users; --"
    return etree.tostring(data, encoding="utf-8")


def users_intact(engine):
    with engine.connect() as connection:
        emails = connection.execute(sa.text("SELECT email FROM users")).scalars().all()
    assert emails == [ADMIN_EMAIL]


@pytest.mark.parametrize("case", FORMS)
def test_hostile_names_are_refused_by_name_or_work_end_to_end(client, admin, project, engine, case):
    source = FORMS[case].strip().encode()
    response = client.post(
        f"/v1/projects/{project}/forms?publish=true&ignoreWarnings=true",
        content=source,
        headers={**admin, "Content-Type": "text/markdown"},
    )
    if case in REFUSED:  # pyxform's check of XML names: the message points at the cell
        assert response.status_code == 400, response.text
        assert REFUSED[case] in response.json()["message"]
        users_intact(engine)
        return
    assert response.status_code == 200, response.text
    form_id = response.json()["xmlFormId"]
    base = f"/v1/projects/{project}/forms/{form_id}"
    xform = client.get(f"{base}.xml", headers=admin).content
    for _ in range(2):
        stored = client.post(
            f"{base}/submissions",
            content=filled(xform),
            headers={**admin, "Content-Type": "application/xml"},
        )
        assert stored.status_code == 200, stored.text
    archive = zipfile.ZipFile(
        io.BytesIO(client.get(f"{base}/submissions.csv.zip", headers=admin).content)
    )
    root_csv = archive.read(archive.namelist()[0]).decode("utf-8-sig")
    assert root_csv.count("DROP TABLE users") >= 2
    assert client.get(f"{base}/submissions.xlsx", headers=admin).status_code == 200
    odata = client.get(f"{base}.svc/Submissions", headers=admin)
    assert odata.status_code == 200 and len(odata.json()["value"]) == 2
    assert client.get(f"{base}.svc/$metadata", headers=admin).status_code == 200
    users_intact(engine)
    assert (
        client.post(
            "/v1/sessions", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        ).status_code
        == 200
    )
