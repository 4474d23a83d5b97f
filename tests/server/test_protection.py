"""Protection of personal data: fields marked sensitive in the XLSForm are left out of every
export, OData feed, XML and file an analyst or viewer gets; managers and protection officers see
them; every export and download is audited with who and which filters."""

from __future__ import annotations

import csv
import io

from tests.support.accounts import project_user
from tests.support.entities import E1, SENSITIVE


def _csv_header(client, headers, project):
    response = client.get(
        f"/v1/projects/{project}/forms/returnee_intake/submissions.csv", headers=headers
    )
    assert response.status_code == 200, response.text
    return next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_analysts_get_no_sensitive_field_anywhere(client, admin, project, programme):
    analyst = project_user(client, admin, project, "analyst@example.org", "analyst")
    officer = project_user(client, admin, project, "officer@example.org", "protection_officer")
    base = f"/v1/projects/{project}/forms/returnee_intake"
    for name in SENSITIVE:
        assert any(h.split("-")[-1] == name for h in _csv_header(client, officer, project)), name
        assert all(h.split("-")[-1] != name for h in _csv_header(client, analyst, project)), name
    metadata = client.get(f"{base}.svc/$metadata", headers=analyst).text
    assert 'Name="first_name"' not in metadata and 'Name="case_number"' in metadata
    rows = client.get(f"{base}.svc/Submissions", headers=analyst).json()["value"]
    assert "Traoré" not in str(rows) and "KAY/2026/001" in str(rows)
    assert "Traoré" in str(client.get(f"{base}.svc/Submissions", headers=officer).json())
    xml = client.get(f"{base}/submissions/{programme}.xml", headers=analyst).text
    assert "<first_name>" not in xml and "<dob>" not in xml and "<case_number>" in xml
    assert (
        "<first_name>Awa</first_name>"
        in client.get(f"{base}/submissions/{programme}.xml", headers=officer).text
    )
    audit = client.get("/v1/audits?action=submission.export", headers=admin).json()
    analyst_reads = [a for a in audit if a["details"]["sensitiveLeftOut"] > 0]
    assert {a["details"]["format"] for a in analyst_reads} >= {"csv", "odata:Submissions"}
    assert all(a["actorId"] for a in audit)


def test_analysts_get_entities_without_names_or_sensitive_properties(
    client, admin, project, programme
):
    analyst = project_user(client, admin, project, "analyst@example.org", "analyst")
    base = f"/v1/projects/{project}/datasets/returnees"
    seen = client.get(f"{base}/entities/{E1}", headers=analyst).json()
    assert seen["currentVersion"]["label"] == "KAY/2026/001"
    assert "phone" not in seen["currentVersion"]["data"]
    assert seen["currentVersion"]["data"]["case_number"] == "KAY/2026/001"
    history = client.get(f"{base}/entities/{E1}/versions", headers=analyst).json()
    assert "Traoré" not in str(history) and "70000001" not in str(history)
    table = client.get(f"{base}.svc/Entities", headers=analyst).json()["value"]
    assert "phone" not in table[0] and "first_name" not in table[0]
    assert table[0]["label"] == "KAY/2026/001"
    full = client.get(f"{base}/entities/{E1}", headers=admin).json()
    assert full["currentVersion"]["data"]["phone"] == "70000001"
