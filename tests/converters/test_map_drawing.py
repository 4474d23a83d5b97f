"""The map's geometry and its boundary files, pure: a view fits what it must show, areas out of
view are not drawn, a point is placed in its region, counts are short, and a bad boundary file
is refused with the feature and what is wrong."""

from __future__ import annotations

import json

import pytest

from converters.boundaries import BoundaryError, read_layer
from converters.map_drawing import (
    MAX_ZOOM,
    Cluster,
    area_at,
    draw_map,
    draw_place,
    short_count,
    view_around,
    view_at,
)

SQUARE = [[[-8.0, 12.0], [-7.0, 12.0], [-7.0, 13.0], [-8.0, 13.0], [-8.0, 12.0]]]
FAR = [[[100.0, 10.0], [101.0, 10.0], [101.0, 11.0], [100.0, 10.0]]]


def _collection(*features) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def _feature(name, rings, kind="Polygon") -> dict:
    return {
        "type": "Feature",
        "properties": {"name": name},
        "geometry": {"type": kind, "coordinates": rings},
    }


def test_a_fitted_view_shows_the_whole_box_and_no_deeper_one_does():
    box = (-12.0, 10.0, 4.0, 25.0)
    view = view_around(*box)
    west, south, east, north = view.bounds()
    assert west <= box[0] and south <= box[1] and east >= box[2] and north >= box[3]
    w, s, e, n = view_at(view.latitude, view.longitude, view.zoom + 1).bounds()
    assert not (w <= box[0] and s <= box[1] and e >= box[2] and n >= box[3])
    assert view_around(-8.0, 12.0, -8.0, 12.0).zoom == MAX_ZOOM
    assert view_around(-8.0, 12.0, -8.0, 12.0, deepest=8).zoom == 8


def test_moving_and_zooming_stay_within_the_world_and_the_zoom_range():
    view = view_at(79.0, 179.0, 0)
    assert view.moved(up=1, right=1).latitude == 80.0
    assert view.moved(up=1, right=1).longitude == 180.0
    assert view.moved(zoom=-1).zoom == 0 and view.moved(zoom=99).zoom == MAX_ZOOM


def test_the_grid_cells_are_a_fixed_size_on_the_drawing():
    view = view_at(14.0, -8.0, 5)
    grid = view.grid()
    x1, y1 = view.place(14.0, -8.0)
    x2, y2 = view.place(14.0 + grid.cell_lat, -8.0 + grid.cell_lon)
    assert round(x2 - x1) == 64 and round(y1 - y2) == 64


def test_areas_out_of_view_are_not_drawn_and_clusters_are_placed():
    layer = read_layer(_collection(_feature("Near", SQUARE), _feature("Far", FAR)), "test.geojson")
    view = view_at(12.5, -7.5, 3)
    cluster = Cluster(3, 12.5, -7.5, (-7.6, 12.4, -7.4, 12.6), "uuid:a", (0, 0))
    drawing = draw_map(view, [layer], [cluster])
    assert [a.name for a in drawing.layers[0].areas] == ["Near"]
    assert drawing.layers[0].areas[0].path.startswith("M")
    (drawn,) = drawing.clusters
    assert (drawn.x, drawn.y) == (view.width / 2, view.height / 2)
    assert drawn.label == "3" and drawn.splits


def test_a_point_is_named_by_the_area_it_is_in():
    layer = read_layer(_collection(_feature("Near", SQUARE), _feature("Far", FAR)), "test.geojson")
    assert area_at([layer], 12.5, -7.5) == ["Near"]
    assert area_at([layer], 14.0, -7.5) == []
    drawing = draw_place([layer], 12.5, -7.5)
    assert all(area.label_at is None for layer in drawing.layers for area in layer.areas)


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (7, "7"),
        (999, "999"),
        (1000, "1k"),
        (1234, "1.2k"),
        (45678, "45k"),
        (1_000_000, "1M"),
        (2_500_000, "2.5M"),
    ],
)
def test_counts_are_short(count, text):
    assert short_count(count) == text


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{", "cercles.geojson: not JSON"),
        ('{"type": "Feature"}', "cercles.geojson: not a GeoJSON FeatureCollection"),
        (_collection(), "the FeatureCollection has no features"),
        (
            _collection(_feature("A", SQUARE), {"type": "Feature"}),
            "cercles.geojson: feature 1: no geometry",
        ),
        (
            _collection(_feature("A", [[-8, 12], [-7, 12]], kind="LineString")),
            "feature 0: a LineString without polygons (expected Polygon or MultiPolygon)",
        ),
        (
            _collection(_feature("A", [[[-8, 12], [-7, 12], [-7, 13]]])),
            "feature 0, ring 0: a ring needs at least 4 positions",
        ),
        (
            _collection(_feature("A", [[[-8, 12], [-7, 12], [-7, 13], [-8, 12.5]]])),
            "feature 0, ring 0: the ring is not closed",
        ),
        (
            _collection(
                _feature("A", [[[[-8, 12], [200, 12], [-7, 13], [-8, 12]]]], kind="MultiPolygon")
            ),
            "feature 0, polygon 0, ring 0, position 1: [200, 12] is not [longitude, latitude]",
        ),
    ],
)
def test_a_bad_boundary_file_says_which_feature_and_what(text, words):
    with pytest.raises(BoundaryError) as error:
        read_layer(text, "cercles.geojson")
    assert words in str(error.value)


def test_names_are_read_from_the_usual_properties():
    feature = _feature("", SQUARE)
    feature["properties"] = {"ADM2_FR": "Kati", "ADM1_FR": "Koulikoro"}
    assert read_layer(_collection(feature), "c.geojson").areas[0].name == "Kati"


def test_names_that_would_overlap_are_left_out_widest_area_first():
    # Both names fall near (-7.4, 12.8): the middle of each outer ring's points.
    wide = [[[-9.0, 12.0], [-5.0, 12.0], [-5.0, 14.0], [-9.0, 14.0], [-9.0, 12.0]]]
    narrow = [[[-7.8, 12.6], [-7.0, 12.6], [-7.0, 13.0], [-7.8, 13.0], [-7.8, 12.6]]]
    layer = read_layer(_collection(_feature("Narrow", narrow), _feature("Wide", wide)), "t")
    drawing = draw_map(view_at(13.0, -7.0, 3), [layer])
    assert [a.name for a in drawing.layers[0].areas if a.label_at] == ["Wide"]
