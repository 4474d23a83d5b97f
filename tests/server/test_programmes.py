"""The seam of issue 15: BAOBAB_PROGRAMMES chooses the programmes, and with none the core serves
the returnee forms as a plain ODK server: no scores, no duplicate check, no programme pages,
routes, export columns or commands."""

from __future__ import annotations

import argparse
import csv
import io
from dataclasses import replace

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from server.app import create_app
from server.cli.main import _parser
from server.plugins import load_programmes
from server.settings import Settings
from storage.db import transaction
from storage.schema import system as s
from tests.support.accounts import PASSWORDS
from tests.support.browser import Browser
from tests.support.entities import E1, E9, intake, registration, set_up_returnees
from tests.support.scores import RSS, followup_with


@pytest.fixture
def settings(settings):
    """The core alone, whatever TEST_PROGRAMMES says."""
    return replace(settings, programmes=())


def test_the_programmes_setting_is_a_list_of_names():
    assert Settings.from_env({}).programmes == ("returnees",)
    assert Settings.from_env({"BAOBAB_PROGRAMMES": " returnees , "}).programmes == ("returnees",)
    assert Settings.from_env({"BAOBAB_PROGRAMMES": ""}).programmes == ()
    assert load_programmes(("returnees",)).names == ("returnees",)


@pytest.mark.parametrize(
    ("name", "message"), [("nowhere", "no programme named"), ("../x", "not a programme name")]
)
def test_an_unknown_programme_is_refused_by_name(name, message):
    with pytest.raises(ValueError, match=message):
        load_programmes((name,))


def _table(client, admin, project, form):
    body = client.get(f"/v1/projects/{project}/forms/{form}/submissions.csv", headers=admin)
    assert body.status_code == 200, body.text
    return list(csv.DictReader(io.StringIO(body.content.decode("utf-8-sig"))))


def test_without_the_programme_its_forms_are_plain_odk_forms(client, admin, project, engine):
    device = set_up_returnees(client, admin, project)
    assert device.submit(intake(E1)).status_code == 201
    assert device.submit(followup_with(E1, 1, RSS)).status_code == 201
    # The same person again: the programme would hold this registration for review.
    again = registration(E9, "Awa", "Traore", "1998-04-12", "70000001", "X/9")
    assert device.submit(again).status_code == 201

    (followup,) = _table(client, admin, project, "reintegration_followup")
    intakes = _table(client, admin, project, "returnee_intake")
    assert "rss_composite" not in followup and "rss_weight_version" not in followup
    assert "rss_economic-econ_satisfaction" in followup  # the form's own group
    assert "duplicate_review" not in intakes[0] and len(intakes) == 2
    odata = f"/v1/projects/{project}/forms/reintegration_followup.svc"
    assert "__rss" not in client.get(f"{odata}/$metadata", headers=admin).text
    listed = client.get(f"/v1/projects/{project}/datasets/returnees/entities", headers=admin)
    assert {e["uuid"] for e in listed.json()} == {E1, E9}  # created at once, nothing held
    with transaction(engine, read_only=True) as connection:
        for table in (s.rss_scores, s.duplicate_flags, s.person_profiles):
            assert connection.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 0


def test_without_the_programme_its_pages_routes_and_commands_are_gone(client, admin, project):
    set_up_returnees(client, admin, project)
    browser = Browser(client)
    assert browser.sign_in().status_code == 200
    lists = browser.get(f"/projects/{project}/entities")
    assert lists.status_code == 200 and "returnees" in lists.text
    assert "Programme dashboard" not in lists.text and ">Cases<" not in lists.text
    opened = client.get(f"/projects/{project}/entities/returnees", follow_redirects=False)
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/projects/{project}/entities/returnees/table"
    # An entity opens the core's entity page, not the programme's case page.
    entity = browser.get(f"/projects/{project}/entities/returnees/{E1}")
    assert entity.status_code == 404  # none registered yet: the core's page says so
    assert "Reintegration scores" not in entity.text
    assert browser.get(f"/projects/{project}/programme").status_code == 404
    review = browser.get(f"/projects/{project}/entities/returnees/duplicates")
    assert review.status_code == 404  # no review page: no entity of that name either
    api = f"/v1/projects/{project}/datasets/returnees"
    assert client.get(f"{api}/duplicates", headers=admin).status_code == 404
    assert client.get(f"{api}/entities/{E1}/case", headers=admin).status_code == 404

    def groups(names):
        parser = _parser(load_programmes(names))
        (commands,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        return set(commands.choices)

    assert {"scores", "duplicates"} <= groups(("returnees",))
    assert not {"scores", "duplicates"} & groups(())


def test_the_entity_lists_page_links_to_what_the_programme_adds(
    settings, clock, client, admin, project
):
    set_up_returnees(client, admin, project)
    with_programme = replace(settings, programmes=("returnees",))
    app = create_app(with_programme, clock=clock, passwords=PASSWORDS)
    with TestClient(app, base_url="http://baobab.test") as other:
        browser = Browser(other)
        assert browser.sign_in().status_code == 200
        lists = browser.get(f"/projects/{project}/entities").text
    assert f'<a href="/projects/{project}/programme">Programme dashboard</a>' in lists
    assert f'<a href="/projects/{project}/entities/returnees">Cases</a>' in lists
