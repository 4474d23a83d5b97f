"""Who may edit a submission: the actor who sent it, or a role that may update submissions
(manager, administrator). Another app user or data collector, who may submit but not read the
project's submissions, is refused with 403 over OpenRosa (meta/deprecatedID) and over REST
(PUT .../submissions/{instanceId}), and nothing is stored."""

from __future__ import annotations

import pytest

from tests.security.footprint import footprint
from tests.support.devices import make_device
from tests.support.openrosa import OPENROSA, message
from tests.support.paths import sample

ORIGINAL = sample("simple.xml")
EDIT = sample("edit_deprecated.xml")  # replaces ORIGINAL (its deprecatedID), age 28 -> 29
INSTANCE = "uuid:0b0c7a6e-0000-4000-8000-000000000001"
SAYS = "Only the app user or web user who sent the submission"


def user(client, admin, project, email: str, role: str) -> dict[str, str]:
    """Bearer headers of a new web user with `role` in the project."""
    password = "a long password 1"
    created = client.post("/v1/users", json={"email": email, "password": password}, headers=admin)
    assert created.status_code == 200, created.text
    assigned = client.post(
        f"/v1/projects/{project}/assignments/{role}/{created.json()['id']}", headers=admin
    )
    assert assigned.status_code == 200, assigned.text
    session = client.post("/v1/sessions", json={"email": email, "password": password})
    return {"Authorization": f"Bearer {session.json()['token']}"}


def put(client, project, headers, xml=EDIT, instance=INSTANCE):
    return client.put(
        f"/v1/projects/{project}/forms/household/submissions/{instance}",
        content=xml,
        headers={**headers, "Content-Type": "application/xml"},
    )


def openrosa(client, project, headers, xml=EDIT):
    return client.post(
        f"/v1/projects/{project}/submission",
        files={"xml_submission_file": ("submission.xml", xml, "text/xml")},
        headers={**OPENROSA, **headers},
    )


@pytest.fixture
def sent(device, client, admin, engine, blob_store, tmp_path):
    """The device's submission, and a check that it is still its only version, unedited."""
    assert device.submit(ORIGINAL).status_code == 201
    before = footprint(engine, blob_store, tmp_path)

    def unchanged():
        assert footprint(engine, blob_store, tmp_path) == before
        base = f"/v1/projects/{device.project}/forms/household/submissions/{INSTANCE}"
        assert len(client.get(f"{base}/versions", headers=admin).json()) == 1
        assert b"<age>28</age>" in client.get(f"{base}.xml", headers=admin).content

    return unchanged


def test_another_app_user_cannot_replace_a_submission_over_openrosa(client, admin, project, sent):
    other = make_device(client, admin, project, name="tablet 2")
    response = other.submit(EDIT)
    assert response.status_code == 403
    nature, text = message(response)
    assert nature == "error" and SAYS in text and INSTANCE in text
    sent()


def test_a_data_collector_cannot_replace_another_s_submission(client, admin, project, sent):
    collector = user(client, admin, project, "enum@example.org", "data_collector")
    over_rest = put(client, project, collector)
    assert over_rest.status_code == 403
    assert over_rest.json()["code"] == 403.1 and SAYS in over_rest.json()["message"]
    assert openrosa(client, project, collector).status_code == 403
    sent()


def test_roles_that_cannot_submit_cannot_edit(client, admin, project, sent):
    for role in ("viewer", "analyst", "protection_officer"):
        headers = user(client, admin, project, f"{role}@example.org", role)
        assert put(client, project, headers).status_code == 403
        assert openrosa(client, project, headers).status_code == 403
    sent()


def test_the_device_that_sent_a_submission_edits_it(client, admin, device, sent):
    assert device.submit(EDIT).status_code == 201
    assert device.submit(EDIT).status_code == 201  # a resend of the edit: nothing new
    base = f"/v1/projects/{device.project}/forms/household/submissions/{INSTANCE}"
    assert len(client.get(f"{base}/versions", headers=admin).json()) == 2
    assert b"<age>29</age>" in client.get(f"{base}.xml", headers=admin).content


def test_a_data_collector_edits_its_own_submission_over_rest(client, admin, project, household):
    collector = user(client, admin, project, "enum@example.org", "data_collector")
    assert openrosa(client, project, collector, ORIGINAL).status_code == 201
    edited = put(client, project, collector)
    assert edited.status_code == 200, edited.text
    assert edited.json()["instanceId"] == INSTANCE


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_roles_that_may_update_submissions_edit_any(client, admin, project, sent, role):
    headers = admin if role == "admin" else user(client, admin, project, "m@example.org", role)
    edited = put(client, project, headers)
    assert edited.status_code == 200, edited.text
    base = f"/v1/projects/{project}/forms/household/submissions/{INSTANCE}"
    assert b"<age>29</age>" in client.get(f"{base}.xml", headers=admin).content


def test_an_edit_of_an_unknown_submission_is_404_for_anyone(client, admin, project, device):
    other = make_device(client, admin, project, name="tablet 2")
    assert other.submit(EDIT).status_code == 404
