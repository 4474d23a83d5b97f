"""The web tests' "returnee_visit" XLSForm (English and French), its submissions, and the
web pages' way of uploading and publishing it and of making a device for it."""

from __future__ import annotations

from tests.support.xlsforms import workbook_bytes

SURVEY = [
    ["type", "name", "label::English (en)", "label::French (fr)", "relevant", "required"],
    ["text", "full_name", "Full name", "Nom complet", "", "yes"],
    ["integer", "age", "Age", "Âge", "", "yes"],
    ["select_one region", "region", "Region", "Région", "", "yes"],
    ["select_multiple needs", "needs", "Needs", "Besoins", "${age} >= 18", ""],
    ["geopoint", "location", "Location", "Position", "", ""],
    ["image", "photo", "Photo", "Photo", "", ""],
    ["select_one yes_no", "consent", "Consent given", "Consentement donné", "", ""],
]


CHOICES = [
    ["list_name", "name", "label::English (en)", "label::French (fr)"],
    ["region", "kayes", "Kayes", "Kayes"],
    ["region", "bamako", "Bamako", "Bamako"],
    ["needs", "food", "Food", "Nourriture"],
    ["needs", "work", "Work", "Travail"],
    ["yes_no", "yes", "Yes", "Oui"],
    ["yes_no", "no", "No", "Non"],
]


def xlsform(survey=SURVEY, version="1", form_id="returnee_visit", title="Returnee visit") -> bytes:
    return workbook_bytes(
        {
            "survey": survey,
            "choices": CHOICES,
            "settings": [["form_id", "version", "form_title"], [form_id, version, title]],
        }
    )


def upload(browser, project, data: bytes, filename="returnee_visit.xlsx"):
    return browser.post(
        f"/projects/{project}/forms/upload",
        files={"xlsform": (filename, data, "application/octet-stream")},
    )


def published_form(browser, project, data: bytes | None = None) -> str:
    assert upload(browser, project, data or xlsform()).status_code == 200
    response = browser.post(f"/projects/{project}/forms/returnee_visit/publish", {"version": "1"})
    assert response.status_code == 200, response.text
    return "returnee_visit"


def visit_xml(
    n: int, *, region="kayes", needs="food work", age=30, photo="p.jpg", lat=12.6, consent="yes"
) -> bytes:
    return f"""<data id="returnee_visit" version="1">
  <full_name>Returnee {n}</full_name><age>{age}</age><region>{region}</region>
  <needs>{needs}</needs><location>{lat} -8.0 350 5</location>
  <photo>{photo}</photo><consent>{consent}</consent>
  <meta><instanceID>uuid:visit-{n}</instanceID></meta></data>""".encode()


def device_token(browser, project, name="Tablet Awa") -> str:
    """Create an app user on the web page and read its key back, as Collect would from the QR."""
    page = browser.post(
        f"/projects/{project}/app-users", {"display_name": name, "forms": "returnee_visit"}
    )
    assert page.status_code == 200, page.text
    actor_id = str(page.url).rstrip("/").rsplit("/", 1)[1]
    settings = browser.get(f"/v1/projects/{project}/app-users/{actor_id}/qr").json()["settings"]
    return settings["general"]["server_url"].split("/key/")[1].split("/")[0]


def send(client, project, token, xml: bytes, files: dict[str, bytes] | None = None):
    parts = [("xml_submission_file", ("submission.xml", xml, "text/xml"))]
    parts += [(n, (n, c, "image/jpeg")) for n, c in (files or {}).items()]
    response = client.post(
        f"/v1/key/{token}/projects/{project}/submission",
        files=parts,
        headers={"X-OpenRosa-Version": "1.0"},
    )
    assert response.status_code == 201, response.text
    return response
