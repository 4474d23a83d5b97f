"""Delete, trash and restore over REST (Central's paths): what is in the trash shows nowhere, a
device cannot send it again, and a restore brings back exactly what the delete took."""

from __future__ import annotations

import sqlalchemy as sa

from storage.db import transaction
from storage.exports.form_views import view_ref
from tests.support.database import count
from tests.support.devices import make_device
from tests.support.forms import publish
from tests.support.paths import sample

FORM = "/v1/projects/{p}/forms/household"
ONE = FORM + "/submissions/uuid:0b0c7a6e-0000-4000-8000-000000000003"
SECOND = sample("nested_repeat.xml").replace(b"000000000003", b"000000000009")


def _view_count(engine, name: str) -> int:
    with transaction(engine, read_only=True) as connection:
        ref = view_ref(
            connection, name if engine.dialect.name == "postgresql" else f"analytics__{name}"
        )
        return connection.execute(sa.text(f"SELECT count(*) FROM {ref}")).scalar_one()


def _everywhere(client, admin, project) -> dict[str, object]:
    """How many submissions each way out shows."""
    base = FORM.format(p=project)
    listed = client.get(f"{base}/submissions", headers=admin).json()
    csv = client.get(f"{base}/submissions.csv", headers=admin).text.strip().splitlines()
    odata = client.get(f"{base}.svc/Submissions?$count=true", headers=admin).json()
    form = client.get(base, headers={**admin, "X-Extended-Metadata": "true"}).json()
    return {
        "rest": len(listed),
        "csv": len(csv) - 1,
        "odata": odata["@odata.count"],
        "counted": form["submissions"],
    }


def test_a_deleted_submission_is_in_the_trash_and_nowhere_else(
    client, admin, project, device, engine
):
    assert device.submit(sample("nested_repeat.xml")).status_code == 201
    assert device.submit(SECOND).status_code == 201
    one = ONE.format(p=project)
    deleted = client.delete(one, headers=admin)
    assert deleted.status_code == 200 and deleted.json() == {"success": True}
    assert _everywhere(client, admin, project) == {"rest": 1, "csv": 1, "odata": 1, "counted": 1}
    assert _view_count(engine, "household") == 1
    assert _view_count(engine, "household__members") == 3  # the second's members only
    assert client.get(one, headers=admin).status_code == 404
    trash = client.get(FORM.format(p=project) + "/submissions?deleted=true", headers=admin)
    assert [t["instanceId"] for t in trash.json()] == ["uuid:0b0c7a6e-0000-4000-8000-000000000003"]
    assert trash.json()[0]["deletedAt"] is not None
    # The rows stay until the purge: a restore needs nothing from the device.
    assert count(engine, "household") == 2


def test_a_resend_of_a_deleted_submission_is_refused_as_central_does(
    client, admin, project, device
):
    assert device.submit(sample("nested_repeat.xml")).status_code == 201
    assert client.delete(ONE.format(p=project), headers=admin).status_code == 200
    again = device.submit(sample("nested_repeat.xml"))
    assert again.status_code == 409
    assert "This submission has been deleted. You may not resubmit it." in again.text


def test_a_restored_submission_comes_back_everywhere(client, admin, project, device, engine):
    assert device.submit(sample("nested_repeat.xml")).status_code == 201
    one = ONE.format(p=project)
    assert client.delete(one, headers=admin).status_code == 200
    restored = client.post(one + "/restore", headers=admin)
    assert restored.status_code == 200, restored.text
    assert _everywhere(client, admin, project) == {"rest": 1, "csv": 1, "odata": 1, "counted": 1}
    assert _view_count(engine, "household") == 1
    assert client.post(one + "/restore", headers=admin).status_code == 404  # not in the trash


def test_only_a_manager_deletes_and_restores(client, admin, project, device):
    assert device.submit(sample("nested_repeat.xml")).status_code == 201
    one = ONE.format(p=project)
    assert client.delete(one).status_code == 401
    app_user = {"Authorization": f"Bearer {device.token}"}
    assert client.delete(one, headers=app_user).status_code in (401, 403)
    assert client.get(one, headers=admin).status_code == 200


def test_a_deleted_form_leaves_the_form_list_and_comes_back_by_its_numeric_id(
    client, admin, project, device, engine
):
    assert device.submit(sample("nested_repeat.xml")).status_code == 201
    base = FORM.format(p=project)
    assert client.delete(base, headers=admin).status_code == 200
    assert b"household" not in device.form_list().content
    assert client.get(base, headers=admin).status_code == 404
    assert client.get(f"{base}/submissions.csv", headers=admin).status_code == 404
    assert device.submit(SECOND).status_code == 404
    with transaction(engine, read_only=True) as connection:
        live = connection.execute(
            sa.text("SELECT count(*) FROM submissions WHERE deleted_at IS NULL")
        ).scalar_one()
    assert live == 0  # the scores view, dashboards and analytics see none of them
    trash = client.get(f"/v1/projects/{project}/forms?deleted=true", headers=admin).json()
    assert [(f["xmlFormId"], f["submissions"]) for f in trash] == [("household", 1)]
    again = client.post(
        f"/v1/projects/{project}/forms?publish=true&ignoreWarnings=true",
        content=sample("household.md"),
        headers={**admin, "Content-Type": "text/markdown"},
    )
    assert again.status_code == 409 and "trash" in again.json()["message"]
    restored = client.post(f"/v1/projects/{project}/forms/{trash[0]['id']}/restore", headers=admin)
    assert restored.status_code == 200, restored.text
    assert b"household" in device.form_list().content
    assert _everywhere(client, admin, project)["rest"] == 1
    assert _view_count(engine, "household") == 1


def test_a_submission_deleted_before_its_form_stays_in_the_trash_when_the_form_comes_back(
    client, admin, project, device
):
    assert device.submit(sample("nested_repeat.xml")).status_code == 201
    assert device.submit(SECOND).status_code == 201
    base = FORM.format(p=project)
    assert client.delete(ONE.format(p=project), headers=admin).status_code == 200
    assert client.delete(base, headers=admin).status_code == 200
    (form,) = client.get(f"/v1/projects/{project}/forms?deleted=true", headers=admin).json()
    assert (
        client.post(f"/v1/projects/{project}/forms/{form['id']}/restore", headers=admin).status_code
        == 200
    )
    assert _everywhere(client, admin, project)["rest"] == 1
    trash = client.get(f"{base}/submissions?deleted=true", headers=admin).json()
    assert len(trash) == 1


def test_a_deleted_project_shuts_its_devices_out(client, admin, project, device):
    assert device.form_list().status_code == 200
    assert client.delete(f"/v1/projects/{project}", headers=admin).status_code == 200
    assert client.get(f"/v1/projects/{project}", headers=admin).status_code == 404
    assert device.form_list().status_code in (401, 403)
    assert device.submit(sample("nested_repeat.xml")).status_code in (401, 403)
    assert project not in [p["id"] for p in client.get("/v1/projects", headers=admin).json()]


def test_a_form_of_another_project_is_untouched(client, admin, project, device):
    other = client.post("/v1/projects", json={"name": "Kayes"}, headers=admin).json()["id"]
    publish(client, admin, other, sample("household.md"))
    elsewhere = make_device(client, admin, other, name="tablet 2")
    assert elsewhere.submit(sample("nested_repeat.xml")).status_code == 201
    assert client.delete(f"/v1/projects/{project}", headers=admin).status_code == 200
    assert len(client.get(FORM.format(p=other) + "/submissions", headers=admin).json()) == 1


def test_a_deleted_project_hides_its_returnees_from_the_api_and_the_analytics_views(
    client, admin, project, engine
):
    from tests.support.entities import E1, intake, set_up_returnees

    device = set_up_returnees(client, admin, project)
    assert device.submit(intake(E1)).status_code == 201
    assert _view_count(engine, "entities__returnees") == 1
    assert client.delete(f"/v1/projects/{project}", headers=admin).status_code == 200
    assert _view_count(engine, "entities__returnees") == 0
    schema = "analytics" if engine.dialect.name == "postgresql" else None
    views = sa.inspect(engine).get_view_names(schema=schema)
    assert not [v for v in views if "returnee_intake" in v]  # the forms' views are dropped
    lists = f"/v1/projects/{project}/datasets"
    assert client.get(f"{lists}/returnees/entities", headers=admin).status_code == 404
    assert client.get(f"{lists}/returnees.svc/Entities", headers=admin).status_code == 404
