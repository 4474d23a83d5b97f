"""Boundaries an administrator adds (BAOBAB_MAP_BOUNDARIES): drawn on the maps over the regions
with their credit, and a bad file stops the app from being built, naming the file, the feature
and what is wrong. The shipped basemap stays small and names its source."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from converters.boundaries import BoundaryError
from server.app import create_app
from server.settings import Settings
from server.web.basemap import GEO_DIR
from tests.support.accounts import create_admin
from tests.support.browser import Browser
from tests.support.visit_form import device_token, published_form, send, visit_xml

KATI = {
    "type": "Feature",
    "properties": {"ADM2_FR": "Kati", "ADM1_FR": "Koulikoro"},
    "geometry": {
        "type": "Polygon",
        "coordinates": [[[-8.6, 12.2], [-7.6, 12.2], [-7.6, 13.4], [-8.6, 13.4], [-8.6, 12.2]]],
    },
}


def test_the_shipped_basemap_is_small_and_says_where_it_comes_from():
    sizes = {path.name: path.stat().st_size for path in GEO_DIR.glob("*.geojson")}
    assert set(sizes) == {"mali-regions.geojson", "mali-neighbours.geojson"}
    assert sum(sizes.values()) < 300_000
    regions = json.loads((GEO_DIR / "mali-regions.geojson").read_text(encoding="utf-8"))
    names = {f["properties"]["name"] for f in regions["features"]}
    assert {"Bamako", "Kayes", "Koulikoro", "Sikasso", "Ségou", "Mopti", "Gao", "Kidal"} <= names
    notice = (GEO_DIR / "NOTICE.md").read_text(encoding="utf-8")
    assert "Natural Earth" in notice and "public domain" in notice and "4.1.0" in notice


def test_an_extra_boundary_file_is_drawn_with_its_credit(settings, engine, clock, tmp_path):
    cercles = tmp_path / "cercles.geojson"
    cercles.write_text(json.dumps({"type": "FeatureCollection", "features": [KATI]}))
    configured = replace(
        settings,
        map_boundaries=(cercles,),
        map_attribution="Cercles: OCHA, CC BY 3.0 IGO",
    )
    with TestClient(create_app(configured, clock=clock), base_url="http://testserver") as client:
        create_admin(engine, clock)
        browser = Browser(client)
        assert browser.sign_in().status_code == 200
        project = int(str(browser.post("/projects", {"name": "P"}).url).rsplit("/", 1)[1])
        form = published_form(browser, project)
        send(client, project, device_token(browser, project), visit_xml(1, lat=12.9))
        page = browser.get(f"/projects/{project}/forms/{form}/map")
        assert "<title>Kati — zoom to it</title>" in page.text
        assert "Made with Natural Earth · Cercles: OCHA, CC BY 3.0 IGO." in page.text
        one = browser.get(f"/projects/{project}/forms/{form}/submissions/uuid:visit-1")
        assert "<figcaption>Koulikoro · Kati</figcaption>" in one.text


def test_a_bad_boundary_file_stops_the_start_naming_the_feature(tmp_path):
    cercles = tmp_path / "cercles.geojson"
    broken = {**KATI, "geometry": {"type": "Polygon", "coordinates": [[[-8.6, 12.2], [-7.6, 95]]]}}
    cercles.write_text(json.dumps({"type": "FeatureCollection", "features": [KATI, broken]}))
    with pytest.raises(BoundaryError) as error:
        create_app(Settings(data_dir=tmp_path, map_boundaries=(cercles,)))
    assert str(error.value) == (
        f"BAOBAB_MAP_BOUNDARIES: {cercles}: feature 1, ring 0: a ring needs at least 4 positions"
    )
    with pytest.raises(BoundaryError, match="missing.geojson: cannot be read"):
        create_app(Settings(data_dir=tmp_path, map_boundaries=(tmp_path / "missing.geojson",)))


def test_the_setting_takes_several_paths():
    settings = Settings.from_env({"BAOBAB_MAP_BOUNDARIES": "a.geojson, b/c.geojson"})
    assert [str(p) for p in settings.map_boundaries] == ["a.geojson", "b/c.geojson"]
