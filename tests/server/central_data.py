"""The scenario ODK Central's reference exchanges were recorded with (shared/reference/central):
the sample_survey form, an app user named "sample collector", and its three submissions sent
in the same order, so Baobab's answers can be compared with Central's."""

from __future__ import annotations

import json
from dataclasses import dataclass

from tests.support.devices import Device, make_device
from tests.support.forms import publish
from tests.support.paths import DATA

CENTRAL = DATA / "central"
IDS = (
    "uuid:bd74cc0c-c58c-46a1-b6cf-d17b813ec2a7",
    "uuid:a1ab7715-fd92-4fed-8b24-8e5294dda22c",
    "uuid:9c57e925-66bf-4e25-923f-d2494e067e65",
)


@dataclass
class Survey:
    project: int
    device: Device
    base: str  # /v1/projects/{id}/forms/sample_survey


def load_survey(client, admin, project, clock) -> Survey:
    publish(
        client,
        admin,
        project,
        (CENTRAL / "sample_survey.xml").read_bytes(),
        content_type="application/xml",
    )
    device = make_device(
        client, admin, project, form_ids=("sample_survey",), name="sample collector"
    )
    sends = [
        ("submission1.xml", {"dwelling.jpg": "dwelling.jpg"}),
        ("submission2.xml", {}),
        ("submission2.xml", {"later.jpg": "later.jpg"}),
        ("submission3.xml", {}),
    ]
    for name, files in sends:
        response = device.submit(
            (CENTRAL / name).read_bytes(),
            {k: (CENTRAL / v).read_bytes() for k, v in files.items()},
            device_id=None,
        )
        assert response.status_code == 201, response.text
        clock.advance(seconds=1)
    return Survey(project, device, f"/v1/projects/{project}/forms/sample_survey")


def reference_json(name: str) -> dict:
    return json.loads((CENTRAL / name).read_text())


def without_volatile(value):
    """Central's answers minus what differs by nature between two servers (times, ids)."""
    if isinstance(value, dict):
        return {
            k: without_volatile(v)
            for k, v in value.items()
            if k
            not in (
                "submissionDate",
                "submitterId",
                "@odata.context",
                "@odata.nextLink",
                "updatedAt",
            )
        }
    if isinstance(value, list):
        return [without_volatile(v) for v in value]
    return value
