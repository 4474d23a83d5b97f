"""Offline entity updates as ODK Collect 2024.3+ sends them (baseVersion, trunkVersion, branchId),
and what the server made of them: the entity, its versions, the backlog, the audits."""

from __future__ import annotations

import sqlalchemy as sa

from tests.support.entities import E1, FOLLOWUP_VERSION, build

BRANCH = "6f1a2b3c-0000-4000-8000-00000000b001"  # one tablet's offline run of updates


def update(uuid, base, *, trunk=None, branch=None, count=None, phone=None, outcome=None):
    """A follow-up as Collect sends it: meta/entity update="1" with the entity's baseVersion
    in the device's list, and in an offline branch its trunkVersion and branchId."""
    values = {"/data/returnee": uuid, "/data/identity_confirmed": "yes"}
    if count is not None:
        values["/data/followup_count"] = str(count)
    if phone is not None:
        values["/data/cur_phone"] = phone
    if outcome is not None:
        values["/data/last_visit_outcome"] = outcome
    entity = {
        "dataset": "returnees",
        "id": uuid,
        "update": "1",
        "baseVersion": str(base),
        "trunkVersion": "" if trunk is None else str(trunk),
        "branchId": branch or "",
    }
    return build("reintegration_followup", FOLLOWUP_VERSION, values, entity)


def entity(client, admin, project, uuid=E1):
    response = client.get(
        f"/v1/projects/{project}/datasets/returnees/entities/{uuid}", headers=admin
    )
    assert response.status_code == 200, response.text
    return response.json()


def versions(client, admin, project, uuid=E1, query=""):
    url = f"/v1/projects/{project}/datasets/returnees/entities/{uuid}/versions{query}"
    response = client.get(url, headers=admin)
    assert response.status_code == 200, response.text
    return response.json()


def held(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.text("SELECT count(*) FROM entity_backlog")).scalar_one()


def audits(client, admin, action):
    return client.get(f"/v1/audits?action={action}&limit=1000", headers=admin).json()


def placed(body) -> tuple:
    """Where a version sits: (version, baseVersion, branchBaseVersion, trunkVersion)."""
    current = body.get("currentVersion", body)
    return (
        current["version"],
        current["baseVersion"],
        current["branchBaseVersion"],
        current["trunkVersion"],
    )


def sent(device, *bodies):
    for body in bodies:
        response = device.submit(body)
        assert response.status_code == 201, response.text
