"""Erasing a person: a canary planted in their registration, follow-ups, comments and photo is
in no table, column or view of the database, in no export and no blob afterwards; the other
returnee is untouched; the audit keeps the reason and counts, and a device resending the
registration is refused."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa
from lxml import etree

from storage.db import transaction
from tests.support.browser import Browser
from tests.support.entities import E1, E2, followup, intake, set_up_returnees

CANARY = "Zyqxcanary7731"
PHOTO = f"JPEG {CANARY} the returnee's face".encode()
LIST = "/projects/{p}/entities/returnees"


def _with(xml: bytes, values: dict[str, str]) -> bytes:
    """`xml` with more answers (paths under /data), e.g. the photo's file name."""
    root = etree.fromstring(xml)
    for path, value in values.items():
        parent = root
        for name in path.split("/")[2:]:
            found = parent.find(name)
            parent = found if found is not None else etree.SubElement(parent, name)
        parent.text = value
    return etree.tostring(root)


def _instance_id(xml: bytes) -> str:
    return etree.fromstring(xml).findtext("meta/instanceID")


def _everything(engine) -> str:
    """Every value of every table and view the database has (both schemas on PostgreSQL), as
    one text."""
    inspector = sa.inspect(engine)
    schemas = [None, "analytics"] if engine.dialect.name == "postgresql" else [None]
    parts = []
    with transaction(engine, read_only=True) as connection:
        for schema in schemas:
            names = inspector.get_table_names(schema=schema) + inspector.get_view_names(
                schema=schema
            )
            for name in names:
                table = sa.Table(name, sa.MetaData(), schema=schema, autoload_with=connection)
                for row in connection.execute(sa.select(table)):
                    parts.append(repr(tuple(row)))
    return "\n".join(parts)


def _exports(client, admin, project) -> str:
    base = f"/v1/projects/{project}"
    texts = []
    for form in ("returnee_intake", "reintegration_followup"):
        texts.append(client.get(f"{base}/forms/{form}/submissions.csv", headers=admin).text)
        texts.append(client.get(f"{base}/forms/{form}.svc/Submissions", headers=admin).text)
    texts.append(client.get(f"{base}/datasets/returnees.svc/Entities", headers=admin).text)
    texts.append(
        client.get(
            f"{base}/forms/reintegration_followup/attachments/returnees.csv", headers=admin
        ).text
    )
    return "\n".join(texts)


@pytest.mark.programme
def test_erasing_a_person_leaves_no_trace_of_them(client, admin, project, engine, blob_store):
    device = set_up_returnees(client, admin, project)
    registration = _with(
        intake(E1, phone="70" + CANARY, case=f"KAY/{CANARY}"),
        {"/data/identity/first_name": CANARY, "/data/identity/photo": f"{CANARY}.jpg"},
    )
    sent = device.submit(registration, {f"{CANARY}.jpg": PHOTO})
    assert sent.status_code == 201, sent.text
    other = intake(E2, phone="70999999", case="KAY/2026/002")
    assert device.submit(other).status_code == 201
    visit = _with(followup(E1, 1, phone="71" + CANARY), {"/data/visit/enumerator": CANARY})
    assert device.submit(visit).status_code == 201, device.submit(visit).text
    comment = client.post(
        f"/v1/projects/{project}/forms/returnee_intake/submissions/{_instance_id(registration)}/comments",
        json={"body": f"Case note: {CANARY} asked for shelter"},
        headers=admin,
    )
    assert comment.status_code == 200, comment.text
    photo = hashlib.sha256(PHOTO).hexdigest()
    assert blob_store.exists(photo)
    assert CANARY in _everything(engine) and CANARY in _exports(client, admin, project)

    browser = Browser(client)
    assert browser.sign_in().status_code == 200
    case = browser.get(f"{LIST.format(p=project)}/{E1}")
    assert "/erase" in case.text
    page = browser.get(f"{LIST.format(p=project)}/{E1}/erase")
    assert page.status_code == 200 and CANARY not in page.text
    refused = browser.post(f"{LIST.format(p=project)}/{E1}/erase", {"reason": ""})
    assert refused.status_code == 400  # no reason, nothing erased
    done = browser.post(f"{LIST.format(p=project)}/{E1}/erase", {"reason": "asked on 2026-03-04"})
    assert done.status_code == 200, done.text

    left = _everything(engine)
    assert CANARY not in left
    assert E1 not in left
    assert CANARY not in _exports(client, admin, project)
    assert not blob_store.exists(photo)
    assert (
        client.get(
            f"/v1/projects/{project}/datasets/returnees/entities/{E2}", headers=admin
        ).status_code
        == 200
    )
    assert browser.get(f"{LIST.format(p=project)}/{E1}").status_code == 404
    with transaction(engine, read_only=True) as connection:
        (details,) = connection.execute(
            sa.text("SELECT details FROM audits WHERE action = 'person.erase'")
        ).scalars()
    assert "asked on 2026-03-04" in str(details) and "'submissions': 2" in str(details).replace(
        '"', "'"
    )
    again = device.submit(registration, {f"{CANARY}.jpg": PHOTO})
    assert again.status_code == 409
    assert "deleted" in again.text


def test_only_a_protection_officer_or_a_manager_may_erase(client, admin, project):
    device = set_up_returnees(client, admin, project)
    assert device.submit(intake(E1)).status_code == 201
    viewer = {"email": "viewer@example.org", "password": "correct horse battery"}
    made = client.post("/v1/users", json=viewer, headers=admin)
    assert made.status_code == 200, made.text
    role = client.post(
        f"/v1/projects/{project}/assignments/viewer/{made.json()['id']}", headers=admin
    )
    assert role.status_code == 200, role.text
    browser = Browser(client)
    assert browser.sign_in(viewer["email"], viewer["password"]).status_code == 200
    assert browser.get(f"{LIST.format(p=project)}/{E1}/erase").status_code == 403
    assert "/erase" not in browser.get(f"{LIST.format(p=project)}/{E1}").text
