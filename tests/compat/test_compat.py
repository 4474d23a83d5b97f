"""The compatibility suite: each form of tests/compat/forms.py is published, three submissions
filled by the generator are sent as Collect sends them (files included), and every value sent
must come back from the CSV zip, the XLSX, GeoJSON (root locations) and OData, expanded and
through every navigation link."""

from __future__ import annotations

import csv
import io
import zipfile
from uuid import UUID

import pytest

from converters.xform_schema import parse_xform
from tests.compat import readback
from tests.compat.forms import FORMS, CompatForm
from tests.compat.generator import Submission, fill
from tests.support.devices import make_device
from tests.support.openrosa import OPENROSA

SEEDS = (1, 2, 3)
PLAIN = [f for f in FORMS if f.form_id not in ("registration", "follow_up")]


def publish(client, admin, project: int, form: CompatForm) -> bytes:
    response = client.post(
        f"/v1/projects/{project}/forms?publish=true&ignoreWarnings=true",
        content=form.source,
        headers={**admin, "Content-Type": form.content_type},
    )
    assert response.status_code == 200, response.text
    for name, data in form.media.items():
        uploaded = client.post(
            f"/v1/projects/{project}/forms/{form.form_id}/attachments/{name}",
            content=data,
            headers=admin,
        )
        assert uploaded.status_code == 200, uploaded.text
    xform = client.get(f"/v1/projects/{project}/forms/{form.form_id}.xml", headers=admin)
    assert xform.status_code == 200
    return xform.content


def send(device, submissions: list[Submission]) -> None:
    for submission in submissions:
        response = device.submit(submission.xml, submission.files)
        assert response.status_code == 201, (response.text, submission.xml[:500])


def read_back(client, admin, project: int, form_id: str, submissions: list[Submission]):
    """Every value of `submissions` looked for in every format: the Found of each."""
    base = f"/v1/projects/{project}/forms/{form_id}"
    names = ("csv.zip", "xlsx", "geojson", "odata", "links", "notes", "audit")
    formats = {name: readback.Found(name) for name in names}
    zipped = client.get(f"{base}/submissions.csv.zip", headers=admin)
    assert zipped.status_code == 200
    readback.csv_zip(zipped.content, form_id, submissions, formats["csv.zip"])
    schema = parse_xform(client.get(f"{base}.xml", headers=admin).content)
    readback.notes_and_labels(zipped.content, form_id, schema, submissions, formats["notes"])
    if any(s.audit for s in submissions):
        readback.client_audits(zipped.content, form_id, submissions, formats["audit"])
    book = client.get(f"{base}/submissions.xlsx", headers=admin)
    assert book.status_code == 200
    readback.xlsx(book.content, form_id, submissions, formats["xlsx"])
    geo = client.get(f"{base}/submissions.geojson", headers=admin)
    assert geo.status_code == 200
    readback.geojson(geo.content, submissions, formats["geojson"])
    feed = client.get(f"{base}.svc/Submissions?$expand=*", headers={**admin, **OPENROSA})
    assert feed.status_code == 200, feed.text
    readback.odata(feed.json()["value"], submissions, formats["odata"])
    plain = client.get(f"{base}.svc/Submissions", headers=admin).json()["value"]
    readback.odata(_followed(client, admin, base, plain), submissions, formats["links"])
    return formats


def _followed(client, admin, base: str, records: list[dict]) -> list[dict]:
    """The records with every navigation link replaced by what following it gives."""

    def follow(node):
        if not isinstance(node, dict):
            return node
        out = {}
        for name, value in node.items():
            if name.endswith("@odata.navigationLink"):
                response = client.get(f"{base}.svc/{value}", headers=admin)
                assert response.status_code == 200, (value, response.text[:300])
                out[name.removesuffix("@odata.navigationLink")] = [
                    follow(child) for child in response.json()["value"]
                ]
            elif name not in out:
                out[name] = follow(value)
        return out

    return [follow(record) for record in records]


@pytest.mark.parametrize("form", PLAIN, ids=[f.form_id for f in PLAIN])
def test_every_value_sent_comes_back_in_every_format(client, admin, project, form: CompatForm):
    xform = publish(client, admin, project, form)
    schema = parse_xform(xform)
    submissions = [fill(xform, schema, seed) for seed in SEEDS]
    send(make_device(client, admin, project, (form.form_id,)), submissions)
    formats = read_back(client, admin, project, form.form_id, submissions)
    sent = sum(len(s.values) for s in submissions)
    print(
        f"\n{form.form_id} ({', '.join(form.features)}): {sent} values sent; found "
        + ", ".join(f"{f.name} {f.checked - len(f.missing)}/{f.checked}" for f in formats.values())
    )
    missing = [m for f in formats.values() for m in f.missing]
    assert not missing, "\n".join(missing[:40])


def test_a_registration_and_its_follow_up_come_back_and_update_the_entity(client, admin, project):
    """Entity create, then update from another form (the list reaches the follow-up's devices
    as people.csv): every value of both comes back, and the entity holds the follow-up's."""
    registration, follow_up = (f for f in FORMS if f.form_id in ("registration", "follow_up"))
    device_forms = ("registration", "follow_up")
    xforms = {f.form_id: publish(client, admin, project, f) for f in (registration, follow_up)}
    device = make_device(client, admin, project, device_forms)
    schemas = {name: parse_xform(x) for name, x in xforms.items()}
    people, sent = {}, {"registration": [], "follow_up": []}
    for seed in SEEDS:
        uuid = str(UUID(int=seed, version=4))
        first = fill(
            xforms["registration"],
            schemas["registration"],
            seed,
            entity={"dataset": "people", "id": uuid, "create": "1", "label": f"person {seed}"},
        )
        later = fill(
            xforms["follow_up"],
            schemas["follow_up"],
            seed + 100,
            entity={"dataset": "people", "id": uuid, "update": "1", "baseVersion": "1"},
            answers={"/data/person": uuid},
        )
        people[uuid] = (first, later, seed)
        sent["registration"].append(first)
        sent["follow_up"].append(later)
    send(device, sent["registration"])
    listed = device.client.get(
        f"{device.base}/forms/follow_up/attachments/people.csv", headers=OPENROSA
    )
    assert listed.status_code == 200 and all(uuid in listed.text for uuid in people)
    send(device, sent["follow_up"])
    for form_id, submissions in sent.items():
        formats = read_back(client, admin, project, form_id, submissions)
        missing = [m for f in formats.values() for m in f.missing]
        assert not missing, "\n".join(missing[:40])
    for uuid, (first, later, seed) in people.items():
        entity = client.get(
            f"/v1/projects/{project}/datasets/people/entities/{uuid}", headers=admin
        ).json()
        household = next(v.text for v in later.values if v.xpath == "/data/household")
        name = next(v.text for v in first.values if v.xpath == "/data/first_name")
        assert entity["currentVersion"]["version"] == 2
        assert entity["currentVersion"]["data"]["household"] == household
        assert entity["currentVersion"]["data"]["first_name"] == name
        assert entity["currentVersion"]["label"] == f"person {seed}"
    # The registration's entity label comes back as Central gives it: meta-entity-label.
    zipped = client.get(
        f"/v1/projects/{project}/forms/registration/submissions.csv.zip", headers=admin
    )
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("registration.csv").decode())))
    labels = {row["KEY"]: row["meta-entity-label"] for row in rows}
    assert labels == {
        s.instance_id: f"person {seed}" for s, seed in zip(sent["registration"], SEEDS, strict=True)
    }
    feed = client.get(
        f"/v1/projects/{project}/forms/registration.svc/Submissions", headers=admin
    ).json()["value"]
    assert {r["__id"]: r["meta"]["entity"]["label"] for r in feed} == labels
