"""Publishing forms over the REST API (XLSForms as .xlsx, markdown or XForms)."""

from __future__ import annotations

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def publish(client, admin, project, source: bytes, content_type="text/markdown"):
    """The form in `source` created and published at once; Central's JSON of the form."""
    response = client.post(
        f"/v1/projects/{project}/forms?publish=true&ignoreWarnings=true",
        content=source,
        headers={**admin, "Content-Type": content_type},
    )
    assert response.status_code == 200, response.text
    return response.json()
