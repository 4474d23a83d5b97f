"""Authentication as Central's clients expect it: sessions, app-user keys (malformed 401,
unknown or revoked 403), Basic only over HTTPS, and roles per project."""

from __future__ import annotations

import base64
import io
import json
import zlib

import sqlalchemy as sa
import zxingcpp
from PIL import Image

from server.accounts.keys import TOKEN_PATTERN
from storage.accounts.users import create_user, set_project_role
from storage.db import transaction
from tests.support.accounts import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORDS
from tests.support.devices import make_device
from tests.support.openrosa import OPENROSA
from tests.support.paths import sample


def basic(email, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{email}:{password}".encode()).decode()}


def test_session_create_returns_central_shape(client, admin):
    response = client.post("/v1/sessions", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    body = response.json()
    assert set(body) == {"token", "csrf", "expiresAt", "createdAt"}
    assert TOKEN_PATTERN.match(body["token"]) and body["expiresAt"].endswith("Z")


def test_bad_password_is_401_with_central_problem_code(client, admin):
    response = client.post("/v1/sessions", json={"email": ADMIN_EMAIL, "password": "wrong"})
    assert response.status_code == 401
    assert response.json() == {
        "code": 401.2,
        "message": "Could not authenticate with the provided credentials.",
    }


def test_unknown_email_is_refused_the_same_way(client, admin):
    response = client.post("/v1/sessions", json={"email": "who@example.org", "password": "x"})
    assert response.status_code == 401 and response.json()["code"] == 401.2


def test_current_user_and_sign_out(client, admin):
    me = client.get("/v1/users/current", headers=admin)
    assert me.status_code == 200
    assert me.json()["email"] == ADMIN_EMAIL and me.json()["type"] == "user"
    assert client.delete("/v1/sessions/current", headers=admin).json() == {"success": True}
    assert client.get("/v1/users/current", headers=admin).status_code == 401


def test_expired_sessions_are_refused(client, admin, clock):
    clock.advance(hours=25)
    assert client.get("/v1/users/current", headers=admin).status_code == 401


def test_malformed_key_is_401_and_unknown_key_is_403(client, project, household):
    malformed = client.get(f"/v1/key/short/projects/{project}/formList", headers=OPENROSA)
    unknown = client.get(f"/v1/key/{'x' * 64}/projects/{project}/formList", headers=OPENROSA)
    assert (malformed.status_code, unknown.status_code) == (401, 403)
    assert "www-authenticate" not in unknown.headers  # Collect must not prompt for a password
    assert b"does not have rights" in unknown.content


def test_revoking_an_app_user_takes_effect_at_once(client, admin, project, device):
    assert device.form_list().status_code == 200
    revoked = client.delete(f"/v1/projects/{project}/app-users/{device.actor_id}", headers=admin)
    assert revoked.json() == {"success": True}
    assert device.form_list().status_code == 403
    assert device.submit(sample("simple.xml")).status_code == 403
    listing = client.get(f"/v1/projects/{project}/app-users", headers=admin).json()
    assert listing == []


def test_an_app_user_of_another_project_is_refused(client, admin, project, household):
    other = client.post("/v1/projects", json={"name": "Other"}, headers=admin).json()["id"]
    stranger = make_device(client, admin, other, form_ids=())
    response = client.get(f"/v1/key/{stranger.token}/projects/{project}/formList", headers=OPENROSA)
    assert response.status_code == 403


def test_anonymous_submission_is_challenged_for_basic(client, project, household):
    response = client.post(
        f"/v1/projects/{project}/submission",
        headers=OPENROSA,
        files={"xml_submission_file": ("s.xml", sample("simple.xml"))},
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic realm=")


def test_data_collectors_submit_with_basic_over_https(client, engine, clock, project, household):
    with transaction(engine) as connection:
        user = create_user(
            connection,
            email="enum@example.org",
            now=clock(),
            password_hash=PASSWORDS.hash("enumerator pass"),
        )
        set_project_role(connection, project, user.id, "data_collector", clock())
    response = client.post(
        f"https://baobab.test/v1/projects/{project}/submission",
        headers={**OPENROSA, **basic("enum@example.org", "enumerator pass")},
        files={"xml_submission_file": ("s.xml", sample("simple.xml"), "text/xml")},
    )
    assert response.status_code == 201
    with engine.connect() as connection:
        submitter = connection.execute(sa.text("SELECT submitter_id FROM submissions")).scalar()
    assert submitter == user.id


def test_viewers_cannot_submit_or_manage(client, engine, clock, project, household):
    with transaction(engine) as connection:
        user = create_user(
            connection,
            email="view@example.org",
            now=clock(),
            password_hash=PASSWORDS.hash("viewer password"),
        )
        set_project_role(connection, project, user.id, "viewer", clock())
    headers = basic("view@example.org", "viewer password")
    submit = client.post(
        f"https://baobab.test/v1/projects/{project}/submission",
        headers={**OPENROSA, **headers},
        files={"xml_submission_file": ("s.xml", sample("simple.xml"))},
    )
    assert submit.status_code == 403
    manage = client.post(
        f"https://baobab.test/v1/projects/{project}/app-users",
        json={"displayName": "x"},
        headers=headers,
    )
    assert manage.status_code == 403
    forms = client.get(f"https://baobab.test/v1/projects/{project}/forms", headers=headers)
    assert [f["xmlFormId"] for f in forms.json()] == ["household"]


def test_qr_code_configures_collect_for_the_project(client, admin, project, device):
    response = client.get(
        f"/v1/projects/{project}/app-users/{device.actor_id}/qr.png", headers=admin
    )
    assert response.headers["content-type"] == "image/png"
    (code,) = zxingcpp.read_barcodes(
        Image.open(io.BytesIO(response.content)), formats=zxingcpp.BarcodeFormat.QRCode
    )
    settings = json.loads(zlib.decompress(base64.b64decode(code.text)))
    assert settings["general"]["server_url"] == (
        f"http://baobab.test/v1/key/{device.token}/projects/{project}"
    )
    assert settings["project"] == {"name": "Retours Mali"} and settings["admin"] == {}
    text = client.get(
        f"/v1/projects/{project}/app-users/{device.actor_id}/qr", headers=admin
    ).json()
    assert text["payload"] == code.text
    svg = client.get(f"/v1/projects/{project}/app-users/{device.actor_id}/qr.svg", headers=admin)
    assert svg.headers["content-type"] == "image/svg+xml" and b"<svg" in svg.content


def test_app_user_tokens_are_stored_hashed_and_sealed(engine, device):
    with engine.connect() as connection:
        stored = connection.execute(
            sa.text("SELECT token_hash, token_cipher FROM field_keys")
        ).one()
    assert device.token not in stored.token_hash and device.token not in stored.token_cipher


def test_app_user_list_has_central_keys(client, admin, project, device):
    (listed,) = client.get(f"/v1/projects/{project}/app-users", headers=admin).json()
    assert {
        "projectId",
        "id",
        "type",
        "displayName",
        "createdAt",
        "updatedAt",
        "deletedAt",
        "token",
    } <= set(listed)
    assert listed["token"] == device.token and listed["type"] == "field_key"
