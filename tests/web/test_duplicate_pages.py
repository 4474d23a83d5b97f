"""The eligibility review in the browser: the queue says what agrees and what differs; the
decision page shows both registrations side by side with each difference highlighted and links
to both intakes, decides with one button (then the next pair); "same person" on a registration
with a case closes it, its case page points at the kept case, and a manager undoes it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from storage.entities.holds import forget_pairs
from storage.schema import system as s
from tests.support.accounts import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.support.devices import make_device
from tests.support.entities import E1, E2, E3, E4, registration
from tests.support.forms import XLSX, publish
from tests.support.paths import FORMS

pytestmark = pytest.mark.programme  # the returnee programme's own tests


def _project(client):
    token = client.post(
        "/v1/sessions", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    ).json()["token"]
    admin = {"Authorization": f"Bearer {token}"}
    project = client.post("/v1/projects", json={"name": "P"}, headers=admin).json()["id"]
    publish(client, admin, project, (FORMS / "returnee_intake.xlsx").read_bytes(), XLSX)
    return admin, project, make_device(client, admin, project, ("returnee_intake",))


def test_the_decision_page_shows_both_and_decides_pair_after_pair(browser, client):
    admin, project, device = _project(client)
    for xml in (
        registration(E1, "Mamadou", "Traoré", "1990-03-15", "76123456", "KAY/1", "ML1234"),
        registration(E2, "Mamadu", "Traore", "1990-03-15", "66999888", "BKO/2"),
        registration(E3, "Awa", "Keita", "1975-01-10", "70000001", "KAY/3"),
        registration(E4, "Keïta", "Awa", "1975-10-01", "70000001", "KAY/4"),
    ):
        assert device.submit(xml).status_code == 201
    base = f"/projects/{project}/entities/returnees/duplicates"
    queue = browser.get(base)
    assert queue.status_code == 200
    assert "2 pairs" in queue.text and "What differs" in queue.text
    first = re.search(rf'href="{base}/(\d+)"', queue.text).group(1)
    page = browser.get(f"{base}/{first}")
    assert page.status_code == 200, page.text
    text = page.text
    assert "Mamadou Traoré" in text and "Mamadu Traore" in text or "Keïta Awa" in text
    assert "<mark>" in text  # each difference highlighted
    assert "(written differently)" in text  # and each other spelling
    assert 'accesskey="s"' in text and 'accesskey="d"' in text and 'accesskey="u"' in text
    assert f"/projects/{project}/forms/returnee_intake/submissions/" in text
    assert "no case yet (held for this review)" in text
    unsure = browser.post(f"{base}/{first}", {"decision": "unsure", "note": "ask the team"})
    assert "Decision saved." in unsure.text and "Same person?" in unsure.text  # the next pair
    second = re.search(rf"{base}/(\d+)", str(unsure.url)).group(1)
    assert second != first
    done = browser.post(f"{base}/{second}", {"decision": "distinct"})
    assert "Decision saved." in done.text
    assert "ask the team" in browser.get(f"{base}?status=unsure").text
    wrong = browser.post(f"{base}/{first}", {"decision": "maybe"})
    assert wrong.status_code == 400 and "choose same person, different people or not sure" in (
        wrong.text
    )


def test_same_person_points_the_closed_case_at_the_kept_one_and_a_manager_undoes_it(
    browser, client, engine
):
    admin, project, device = _project(client)
    device.submit(registration(E1, "Oumou", "Sangaré", "1988-07-04", "70000002", "KAY/1"))
    device.submit(registration(E2, "Umu", "Sangare", "1988-04-07", "71000000", "KAY/2"))
    base = f"/projects/{project}/entities/returnees/duplicates"
    flag = re.search(rf'href="{base}/(\d+)"', browser.get(base).text).group(1)
    browser.post(f"{base}/{flag}", {"decision": "distinct"})  # a case is created for E2
    cases = f"/projects/{project}/entities/returnees"
    assert browser.get(f"{cases}/{E2}").status_code == 200
    assert "<strong>2</strong><br>returnees registered" in _cards(browser, project)
    done = browser.post(f"{base}/{flag}", {"decision": "duplicate", "note": "same person"})
    assert "Nothing left to review." in done.text
    assert "<strong>1</strong><br>returnees registered" in _cards(browser, project)
    moved = browser.get(f"{cases}/{E2}")
    assert str(moved.url).endswith(f"{cases}/{E1}")
    assert "That registration was merged into this case." in moved.text
    assert "1 registration merged into this case" in moved.text and E2 in moved.text
    page = browser.get(f"{base}/{flag}")
    assert "Undo: not the same person after all" in page.text
    with engine.begin() as connection:
        list_id = connection.execute(sa.select(s.entity_lists.c.id)).scalar_one()
    undone = browser.post(f"{base}/{flag}/undo", {})
    assert "Merge undone: the pair is open." in undone.text
    assert browser.get(f"{cases}/{E2}").status_code == 200
    assert "merged into this case" not in browser.get(f"{cases}/{E1}").text
    assert "<strong>2</strong><br>returnees registered" in _cards(browser, project)
    browser.post(f"{base}/{flag}", {"decision": "duplicate"})
    with engine.begin() as connection:  # an erasure deletes the person's pairs (issue 18)
        forget_pairs(connection, list_id, E2, datetime.now(UTC))
        merge = connection.execute(sa.select(s.person_merges)).mappings().all()
    assert [m["flag_id"] for m in merge] == [None, None]  # the merges' record stays


def _cards(browser, project) -> str:
    page = browser.get(f"/projects/{project}/programme")
    return re.sub(r"\s+", " ", page.text.split('<ul class="cards">', 1)[1].split("</ul>", 1)[0])
