"""Entities made from a CSV file on the web (all or nothing, problems named by row and column),
which then reach the tablets; the app-user page's properties, which decide which returnees a
tablet gets; and a draft's manifest, which types the entity list as the published one does."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from lxml import etree

from storage.schema import system as s
from tests.support.accounts import api_headers
from tests.support.entities import E1, LIST_PAGE, intake, registered_returnees
from tests.support.entity_lists import (
    MANIFEST,
    device_copy,
    integrity,
    patch_list,
    regional_registration,
    set_up_tablets,
)
from tests.support.forms import XLSX
from tests.support.paths import FORMS

OPENROSA = {"X-OpenRosa-Version": "1.0"}


def send_csv(browser, project, text: str | bytes, name="new.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return browser.post(
        LIST_PAGE.format(project=project) + "/upload", files={"file": (name, data, "text/csv")}
    )


def live_entities(client, admin, project) -> list[dict]:
    response = client.get(f"/v1/projects/{project}/datasets/returnees/entities", headers=admin)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_csv_with_a_bad_row_is_refused_whole_naming_row_and_column(browser, client):
    admin, project, _device = registered_returnees(client)
    form = browser.get(LIST_PAGE.format(project=project) + "/upload")
    assert (
        form.status_code == 200
        and "<code>label</code>, <code>registration_date</code>, <code>case_number</code>"
        in form.text
    )
    unknown = send_csv(browser, project, "label,region,shoe_size\nSeydou,kayes,42\n")
    assert unknown.status_code == 400
    assert "shoe_size" in unknown.text and "The list has no such property." in unknown.text
    bad = send_csv(
        browser,
        project,
        "label,region\nSeydou Konaté,kayes\n,mopti\nKadiatou,gao,extra\nBoubacar,ségou\n",
    )
    assert bad.status_code == 400
    problems = bad.text.split('id="problems-title"', 1)[1]
    assert '<td class="num">3</td><td>label</td><td>An entity needs a label.</td>' in problems
    assert '<td class="num">4</td><td>column 3</td>' in problems
    assert "Nothing was created" in bad.text
    assert len(live_entities(client, admin, project)) == 2  # Seydou was not created either
    assert send_csv(browser, project, "label,region\n").status_code == 400  # no entity at all
    latin1 = send_csv(browser, project, "label\nSégou\n".encode("latin-1"), name="l.csv")
    assert latin1.status_code == 400 and "not UTF-8" in latin1.text


@pytest.mark.programme
def test_a_good_csv_creates_every_entity_and_the_tablets_get_them(browser, client, engine):
    admin, project, device = registered_returnees(client)
    created = send_csv(
        browser,
        project,
        "\ufefflabel,region,case_number\r\n"
        'Seydou Konaté,mopti,MOP/2026/010\r\n"Cissé, Boubacar",gao,GAO/2026/011\r\n',
    )
    assert created.status_code == 200, created.text
    assert "Entities created from the file." in created.text
    labels = {e["currentVersion"]["label"] for e in live_entities(client, admin, project)}
    assert {"Seydou Konaté", "Cissé, Boubacar"} <= labels and len(labels) == 4
    rows = {r["label"]: r for r in device_copy(device).rows}
    assert rows["Cissé, Boubacar"]["region"] == "gao"
    assert rows["Seydou Konaté"]["case_number"] == "MOP/2026/010"
    with engine.connect() as connection:
        audit = connection.execute(
            sa.select(s.audits.c.details).where(s.audits.c.action == "entity.bulk.create")
        ).scalar_one()
    assert audit["count"] == 2 and audit["source"]["name"] == "new.csv"
    uuid = next(
        e["uuid"]
        for e in live_entities(client, admin, project)
        if e["currentVersion"]["label"] == "Seydou Konaté"
    )
    case = browser.get(LIST_PAGE.format(project=project) + f"/{uuid}")
    assert "CSV upload: new.csv" in case.text


def test_properties_edited_on_the_app_user_page_change_what_its_tablet_gets(browser, client):
    admin = api_headers(client)
    project = client.post("/v1/projects", json={"name": "Retours"}, headers=admin).json()["id"]
    kayes, sikasso = set_up_tablets(client, admin, project, "Kayes", "Sikasso")
    k1, s1 = "0b0c7a6e-0000-4000-8000-0000000000a1", "0b0c7a6e-0000-4000-8000-0000000000a2"
    assert kayes.submit(regional_registration(k1, "kayes", "K1")).status_code == 201
    assert kayes.submit(regional_registration(s1, "sikasso", "S1")).status_code == 201
    page = f"/projects/{project}/app-users/{kayes.actor_id}"
    assert "The project has no property yet." in browser.get(page).text
    saved = browser.post(page + "/properties", {"new_property": "zone", "new_value": "kayes"})
    assert saved.status_code == 200 and "Properties saved." in saved.text
    assert 'name="v.zone" value="kayes"' in saved.text
    rules = [{"datasetProperty": "region", "actorProperty": "zone"}]
    patched = patch_list(
        client, admin, project, {"accessFilter": {"type": "property", "rules": rules}}
    )
    assert patched.status_code == 200, patched.text
    assert device_copy(kayes).names == [k1]
    assert device_copy(sikasso).rows == []  # no value: nothing (fail-closed)
    other = f"/projects/{project}/app-users/{sikasso.actor_id}"
    browser.get(other)
    assert "Properties saved." in browser.post(other + "/properties", {"v.zone": "sikasso"}).text
    assert device_copy(sikasso).names == [s1]
    browser.get(page)
    browser.post(page + "/properties", {"v.zone": ""})  # unset: the tablet gets nothing
    assert device_copy(kayes).rows == []
    bad = browser.post(page + "/properties", {"new_property": "display name"})
    assert bad.status_code == 400


def test_a_drafts_manifest_types_its_entity_list_with_an_integrity_url(browser, client):
    admin = api_headers(client)
    project = client.post("/v1/projects", json={"name": "Retours"}, headers=admin).json()["id"]
    made = client.post(
        f"/v1/projects/{project}/forms?publish=true&ignoreWarnings=true",
        content=(FORMS / "returnee_intake.xlsx").read_bytes(),
        headers={**admin, "Content-Type": XLSX},
    )
    assert made.status_code == 200, made.text
    drafted = client.post(
        f"/v1/projects/{project}/forms?ignoreWarnings=true",
        content=(FORMS / "reintegration_followup.xlsx").read_bytes(),
        headers={**admin, "Content-Type": XLSX},
    )
    assert drafted.status_code == 200, drafted.text
    key = client.get(
        f"/v1/projects/{project}/forms/reintegration_followup/draft", headers=admin
    ).json()["draftToken"]
    base = f"/v1/test/{key}/projects/{project}/forms/reintegration_followup/draft"
    manifest = client.get(f"{base}/manifest", headers=OPENROSA)
    assert manifest.status_code == 200, manifest.text
    entry = next(
        m
        for m in etree.fromstring(manifest.content).iter(f"{MANIFEST}mediaFile")
        if m.findtext(f"{MANIFEST}filename") == "returnees.csv"
    )
    assert entry.get("type") == "entityList"
    url = entry.findtext(f"{MANIFEST}integrityUrl").split("baobab.test", 1)[-1]
    assert url == f"/v1/test/{key}/projects/{project}/datasets/returnees/integrity"
    # A registration, then deleted: the draft's Collect hears of both states.
    device_headers = admin
    sent = client.post(
        f"/v1/projects/{project}/submission",
        files=[("xml_submission_file", ("s.xml", intake(E1), "text/xml"))],
        headers={**OPENROSA, **device_headers},
    )
    assert sent.status_code == 201, sent.text
    assert integrity(client, url, [E1]) == {E1: False}
    client.delete(f"/v1/projects/{project}/datasets/returnees/entities/{E1}", headers=admin)
    assert integrity(client, url) == {E1: True}
    wrong = client.get(
        f"/v1/test/{key}/projects/{project}/datasets/other/integrity", headers=OPENROSA
    )
    assert wrong.status_code == 404
