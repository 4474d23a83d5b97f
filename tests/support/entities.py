"""The programme's shipped forms as ODK Entities use them: the intake that registers a returnee in
the "returnees" list and the follow-up that updates one, built as Collect sends them; the
returnees' ids, and a project set up with both forms and a tablet."""

from __future__ import annotations

import csv
import io
import re
from uuid import uuid4

from lxml import etree

from tests.support.accounts import api_headers
from tests.support.devices import make_device
from tests.support.forms import XLSX, publish
from tests.support.openrosa import OPENROSA
from tests.support.paths import FORMS

INTAKE_VERSION = "2026120202"
FOLLOWUP_VERSION = "2026120201"


# Entity ids are UUIDs, as Collect generates them (any other id is refused as entity.error).
E1, E2, E3, E4, E5, E9 = (f"0b0c7a6e-0000-4000-8000-0000000000e{n}" for n in (1, 2, 3, 4, 5, 9))


def build(form_id: str, version: str, values: dict[str, str], entity: dict[str, str], label=None):
    """Submission XML with `values` at their /data/... paths and meta/entity as Collect fills it."""
    root = etree.Element("data", id=form_id, version=version)
    for xpath, value in values.items():
        parent = root
        for name in xpath.split("/")[2:]:
            found = parent.find(name)
            parent = found if found is not None else etree.SubElement(parent, name)
        parent.text = value
    meta = etree.SubElement(root, "meta")
    element = etree.SubElement(meta, "entity", **entity)
    if label is not None:
        etree.SubElement(element, "label").text = label
    instance = etree.SubElement(meta, "instanceID")
    instance.text = f"uuid:{uuid4()}"
    return etree.tostring(root)


def intake(uuid: str, *, phone="70000001", consent="yes", case="KAY/2026/001") -> bytes:
    values = {
        "/data/registration/registration_date": "2026-11-02",
        "/data/registration/case_number": case,
        "/data/consent/consent_ok": consent,
        "/data/identity/first_name": "Awa",
        "/data/identity/last_name": "Traoré",
        "/data/identity/sex": "female",
        "/data/identity/dob": "1998-04-12",
        "/data/identity/phone": phone,
        "/data/return_plan/return_region": "kayes",
    }
    create = "1" if consent == "yes" else "0"
    return build(
        "returnee_intake",
        INTAKE_VERSION,
        values,
        {"dataset": "returnees", "id": uuid, "create": create},
        f"Awa Traoré ({case})",
    )


def followup(uuid: str, base: int, *, phone: str | None = None, region: str | None = None, n=1):
    values = {"/data/returnee": uuid, "/data/identity_confirmed": "yes"}
    if phone is not None:
        values["/data/cur_phone"] = phone
    if region is not None:
        values["/data/cur_region"] = region
    values["/data/followup_count"] = str(n)
    entity = {"dataset": "returnees", "id": uuid, "update": "1", "baseVersion": str(base)}
    return build("reintegration_followup", FOLLOWUP_VERSION, values, entity)


def set_up_returnees(client, admin, project):
    for name in ("reintegration_followup", "returnee_intake"):  # the follow-up first: order
        publish(client, admin, project, (FORMS / f"{name}.xlsx").read_bytes(), XLSX)  # is free
    return make_device(client, admin, project, ("returnee_intake", "reintegration_followup"))


def list_csv(device) -> tuple[str, list[dict[str, str]]]:
    manifest = device.client.get(
        f"{device.base}/forms/reintegration_followup/manifest", headers=OPENROSA
    )
    assert manifest.status_code == 200, manifest.text
    found = re.search(
        r"<filename>returnees\.csv</filename>\s*<hash>md5:(\w+)</hash>\s*<downloadUrl>([^<]+)",
        manifest.text,
    )
    assert found, manifest.text
    url = found.group(2).split("baobab.test", 1)[-1]
    body = device.client.get(url)
    assert body.status_code == 200 and body.headers["content-type"].startswith("text/csv")
    return found.group(1), list(csv.DictReader(io.StringIO(body.text)))


def registration(uuid, first, last, dob, phone, case, document=None) -> bytes:
    """An intake of the person named, as the duplicate checks compare them."""
    values = {
        "/data/registration/case_number": case,
        "/data/consent/consent_ok": "yes",
        "/data/identity/first_name": first,
        "/data/identity/last_name": last,
        "/data/identity/dob": dob,
        "/data/identity/phone": phone,
    }
    if document:
        values["/data/identity/id_number"] = document
    entity = {"dataset": "returnees", "id": uuid, "create": "1"}
    return build("returnee_intake", INTAKE_VERSION, values, entity, f"{first} {last} ({case})")


def review_state(client, admin, project, instance):
    """The review state of an intake submission."""
    return client.get(
        f"/v1/projects/{project}/forms/returnee_intake/submissions/{instance}", headers=admin
    ).json()["reviewState"]


def instance_id(xml: bytes) -> str:
    """The instanceID of a submission's XML."""
    return xml.split(b"<instanceID>")[1].split(b"</instanceID>")[0].decode()


# Some of the intake's fields marked baobab:sensitive, hidden from analysts (forms/README.md).
SENSITIVE = ("first_name", "last_name", "dob", "phone")
LIST_PAGE = "/projects/{project}/entities/returnees"


def registered_returnees(client):
    """The programme's forms, a tablet, and Awa Traoré (E1) and Moussa Keita (E2) registered."""
    admin = api_headers(client)
    project = client.post("/v1/projects", json={"name": "Retours Mali"}, headers=admin).json()["id"]
    for name in ("returnee_intake", "reintegration_followup"):
        publish(client, admin, project, (FORMS / f"{name}.xlsx").read_bytes(), XLSX)
    device = make_device(client, admin, project, ("returnee_intake", "reintegration_followup"))
    assert device.submit(intake(E1)).status_code == 201
    assert device.submit(person(E2, "Moussa", "Keita", "sikasso")).status_code == 201
    return admin, project, device


def person(uuid: str, first: str, last: str, region: str, case: str = "SIK/2026/002") -> bytes:
    """An intake of someone nobody would take for Awa Traoré (no duplicate review)."""
    values = {
        "/data/registration/registration_date": "2026-11-02",
        "/data/registration/case_number": case,
        "/data/consent/consent_ok": "yes",
        "/data/identity/first_name": first,
        "/data/identity/last_name": last,
        "/data/identity/sex": "male",
        "/data/identity/dob": "1971-09-23",
        "/data/identity/phone": "65432109",
        "/data/return_plan/return_region": region,
    }
    entity = {"dataset": "returnees", "id": uuid, "create": "1"}
    return build("returnee_intake", INTAKE_VERSION, values, entity, f"{first} {last} ({case})")
