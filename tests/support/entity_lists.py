"""What a tablet holds of the "returnees" entity list (manifest, CSV, integrity check), and
registrations spread over regions and people for the list's access filters."""

from __future__ import annotations

import csv
import io
import itertools

from lxml import etree

from tests.support.devices import make_device
from tests.support.entities import INTAKE_VERSION, build
from tests.support.forms import XLSX
from tests.support.openrosa import OPENROSA
from tests.support.paths import FORMS

MANIFEST = "{http://openrosa.org/xforms/xformsManifest}"


FOLLOWUP = "reintegration_followup"


# People nobody would take for one another, so that no registration waits as a likely
# duplicate (forms/duplicates.json).
PEOPLE = (
    ("Awa", "Traoré"),
    ("Moussa", "Keita"),
    ("Fatoumata", "Coulibaly"),
    ("Ibrahim", "Diarra"),
    ("Mariam", "Sangaré"),
    ("Seydou", "Konaté"),
    ("Kadiatou", "Dembélé"),
    ("Boubacar", "Cissé"),
)


_NEXT = itertools.count()


def regional_registration(uuid: str, region: str, case: str) -> bytes:
    """The intake of one returnee going back to `region`, as Collect sends it."""
    n = next(_NEXT)
    first, last = PEOPLE[n % len(PEOPLE)]
    values = {
        "/data/registration/registration_date": "2026-11-02",
        "/data/registration/case_number": case,
        "/data/consent/consent_ok": "yes",
        "/data/identity/first_name": first,
        "/data/identity/last_name": last,
        "/data/identity/sex": "female",
        "/data/identity/dob": f"{1960 + n % len(PEOPLE) * 4}-0{1 + n % 8}-1{n % 8}",
        "/data/identity/phone": f"7{n % len(PEOPLE)}{n % len(PEOPLE)}0000{n % len(PEOPLE)}",
        "/data/return_plan/return_region": region,
    }
    entity = {"dataset": "returnees", "id": uuid, "create": "1"}
    return build("returnee_intake", INTAKE_VERSION, values, entity, f"{first} {last} ({case})")


def set_up_tablets(client, admin, project, *names: str):
    """The programme's forms and one tablet per name, each with both forms."""
    for form in (FOLLOWUP, "returnee_intake"):
        response = client.post(
            f"/v1/projects/{project}/forms?publish=true&ignoreWarnings=true",
            content=(FORMS / f"{form}.xlsx").read_bytes(),
            headers={**admin, "Content-Type": XLSX},
        )
        assert response.status_code == 200, response.text
    return [
        make_device(client, admin, project, ("returnee_intake", FOLLOWUP), name=n) for n in names
    ]


class Copy:
    """What one caller's Collect holds of the list: the manifest entry, then the CSV."""

    def __init__(self, client, base: str, headers: dict[str, str]) -> None:
        manifest = client.get(f"{base}/forms/{FOLLOWUP}/manifest", headers=headers)
        assert manifest.status_code == 200, manifest.text
        root = etree.fromstring(manifest.content)
        entry = next(
            m
            for m in root.iter(f"{MANIFEST}mediaFile")
            if m.findtext(f"{MANIFEST}filename") == "returnees.csv"
        )
        self.kind = entry.get("type")
        self.hash = entry.findtext(f"{MANIFEST}hash").removeprefix("md5:")
        self.integrity = entry.findtext(f"{MANIFEST}integrityUrl").split("baobab.test", 1)[-1]
        download = entry.findtext(f"{MANIFEST}downloadUrl").split("baobab.test", 1)[-1]
        response = client.get(download, headers=headers)
        assert response.status_code == 200, response.text
        self.etag = response.headers["etag"]
        self.rows = list(csv.DictReader(io.StringIO(response.text)))
        self.names = sorted(r["name"] for r in self.rows)
        again = client.get(download, headers={**headers, "If-None-Match": self.etag})
        assert again.status_code == 304  # Collect keeps its copy while the hash holds
        self.download = download


def device_copy(device) -> Copy:
    return Copy(device.client, device.base, OPENROSA)


def integrity(client, url: str, ids: list[str] | None = None, headers=None):
    """Collect's integrity check: {uuid: deleted} for the ids asked about."""
    query = f"?id={','.join(ids)}" if ids is not None else ""
    response = client.get(url + query, headers={**OPENROSA, **(headers or {})})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    assert response.headers["x-openrosa-version"] == "1.0"
    root = etree.fromstring(response.content)
    return {e.get("id"): e.findtext("deleted") == "true" for e in root.iter("entity")}


def patch_list(client, admin, project, body, query=""):
    return client.patch(
        f"/v1/projects/{project}/datasets/returnees{query}", json=body, headers=admin
    )
