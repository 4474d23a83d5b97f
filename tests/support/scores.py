"""Follow-ups that answer the reintegration scores' (RSS) questions, and a project whose returnee
has scored follow-ups."""

from __future__ import annotations

from tests.support.devices import make_device
from tests.support.entities import E1, build, intake
from tests.support.forms import XLSX, publish
from tests.support.paths import FORMS

RSS = {
    "/data/rss_economic/econ_satisfaction": "very_satisfied",
    "/data/rss_economic/econ_food_cut": "often",
    "/data/rss_social/soc_housing_access": "poor",
    "/data/rss_psychosocial/psy_distress": "anger sadness",
    "/data/rss_psychosocial/psy_safety": "safe",
}


def followup_with(uuid: str, base: int, answers: dict[str, str]) -> bytes:
    values = {"/data/returnee": uuid, "/data/identity_confirmed": "yes", **answers}
    entity = {"dataset": "returnees", "id": uuid, "update": "1", "baseVersion": str(base)}
    return build("reintegration_followup", "2026120201", values, entity)


ASSIST = {
    "/data/assistance_received/assistance": "business cash",
    "/data/assistance_received/assistance_cash_xof": "150000",
}


def scored_programme(browser, client):
    admin = {
        "Authorization": "Bearer "
        + client.post(
            "/v1/sessions", json={"email": "admin@example.org", "password": "correct horse battery"}
        ).json()["token"]
    }
    project = client.post("/v1/projects", json={"name": "Retours Mali"}, headers=admin).json()["id"]
    for name in ("returnee_intake", "reintegration_followup"):
        publish(client, admin, project, (FORMS / f"{name}.xlsx").read_bytes(), XLSX)
    device = make_device(client, admin, project, ("returnee_intake", "reintegration_followup"))
    assert device.submit(intake(E1)).status_code == 201
    assert device.submit(followup_with(E1, 1, {**RSS, **ASSIST})).status_code == 201
    better = {**RSS, "/data/rss_social/soc_housing_access": "very_good"}
    assert device.submit(followup_with(E1, 2, better)).status_code == 201
    assert device.submit(followup_with(E1, 2, RSS)).status_code == 201  # offline, stale
    return admin, project
