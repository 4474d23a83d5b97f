"""What the dashboard counts (issues 21 and 22), through the whole stack on both backends: the
shared scan of few-choice questions, the grouped scan of a many-choice one, answers over time,
ranges, trashed submissions left out with and without filters."""

from __future__ import annotations

import re

from tests.support.browser import signed_in_member
from tests.support.devices import make_device
from tests.support.entities import E2, E3, E4, INTAKE_VERSION, build, instance_id

BASE = "/projects/{}/forms/returnee_intake"


def _person(uuid: str, region: str, nationality: str, dob: str) -> bytes:
    values = {
        "/data/registration/registration_date": "2026-11-02",
        "/data/consent/consent_ok": "yes",
        "/data/identity/first_name": "Someone",
        "/data/identity/last_name": uuid[-2:],
        "/data/identity/sex": "male",
        "/data/identity/dob": dob,
        "/data/identity/nationality": nationality,
        "/data/return_plan/return_region": region,
    }
    return build("returnee_intake", INTAKE_VERSION, values, {"dataset": "returnees", "id": uuid})


def _bars(html: str) -> dict[str, int]:
    return {
        label: int(n.replace(",", ""))
        for label, n in re.findall(r"<title>([^<:]+): ([\d,]+)</title>", html)
    }


def test_the_dashboard_counts_what_was_sent_and_leaves_out_the_trash(client, admin, intake_project):
    base = BASE.format(intake_project)
    device = make_device(client, admin, intake_project, ("returnee_intake",), name="tablet 2")
    sent = [
        _person(E2, "sikasso", "MLI", "1971-09-23"),
        _person(E3, "sikasso", "DZA", "1985-01-30"),
        _person(E4, "segou", "LBY", "2001-12-01"),
    ]
    for xml in sent:
        assert device.submit(xml).status_code == 201
    manager = signed_in_member(client, admin, intake_project, "pm@example.org", "manager")
    chooser = manager.get(f"{base}/dashboard").text
    region = re.search(r'name="chart:(/[^"]*/return_region)"', chooser).group(1)
    nationality = re.search(r'name="chart:(/[^"]*/nationality)"', chooser).group(1)
    dob = re.search(r'name="chart:(/[^"]*/dob)"', chooser).group(1)
    sex = re.search(r'name="chart:(/[^"]*/identity/sex)"', chooser).group(1)
    chosen = {
        f"chart:{region}": "bars",
        f"chart:{nationality}": "bars",
        f"chart:{dob}": "ranges",
        f"chart:{sex}": "time",
    }
    page = manager.post(f"{base}/dashboard/charts", chosen)
    assert page.status_code == 200, page.text
    bars = _bars(page.text)
    assert "4 submissions" in page.text
    assert (bars["Kayes"], bars["Sikasso"], bars["Ségou"]) == (1, 2, 1)
    assert (bars["Mali"], bars["Algeria"], bars["Libya"], bars["No answer"]) == (1, 1, 1, 1)
    assert bars["1970 – 1974"] == 1 and bars["1975 – 1979"] == 0 and bars["2000 – 2004"] == 1
    assert re.search(r"<title>Male, [\d-]+: 3</title>", page.text)  # over time
    trashed = client.delete(f"/v1{base}/submissions/{instance_id(sent[2])}", headers=admin)
    assert trashed.status_code == 200, trashed.text
    for params in ({}, {"from": "2000-01-01"}):  # the root table alone, then joined
        page = manager.get(f"{base}/dashboard", params=params)
        bars = _bars(page.text)
        assert "3 submissions" in page.text, params
        assert bars["Sikasso"] == 2 and "Ségou" not in bars and "Libya" not in bars, params
        assert re.search(r"<title>Male, [\d-]+: 2</title>", page.text), params
