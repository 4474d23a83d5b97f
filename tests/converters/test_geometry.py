"""ODK location text to GeoJSON and WKT: longitude first, altitude kept, rings closed, and
nothing at all for text that is not a list of points."""

from __future__ import annotations

import pytest

from converters.form_model import DataType
from converters.geometry import geometry_of, line_geometry, wkt


def test_a_trace_is_a_line_string_with_altitudes():
    assert geometry_of(DataType.GEOTRACE, ["10 -9 0 5;12.5 -8 350.2 5"]) == {
        "type": "LineString",
        "coordinates": [[-9, 10, 0], [-8, 12.5, 350.2]],
    }


def test_a_shape_is_a_closed_polygon():
    shape = geometry_of(DataType.GEOSHAPE, ["10 -9;12 -8;11 -7"])
    assert shape == {"type": "Polygon", "coordinates": [[[-9, 10], [-8, 12], [-7, 11], [-9, 10]]]}
    closed = line_geometry("Polygon", "10 -9;12 -8;11 -7;10 -9;")
    assert closed["coordinates"][0] == shape["coordinates"][0]


def test_a_point_from_its_columns():
    assert geometry_of(DataType.GEOPOINT, [12.6392, -8.0029, 0.0, 5.0]) == {
        "type": "Point",
        "coordinates": [-8.0029, 12.6392, 0],
    }
    assert geometry_of(DataType.GEOPOINT, [None, None, None, None]) is None


@pytest.mark.parametrize(
    "text", ["", "not a trace", "10 -9", "10 -9;12", "10 -9;12 x", "1e 2;3 4", "10 -9 1 2 3;1 2"]
)
def test_text_that_is_not_a_list_of_points_has_no_geometry(text):
    assert line_geometry("LineString", text) is None


def test_wkt_of_lines_and_polygons():
    assert wkt(line_geometry("LineString", "10 -9 0 5;12.5 -8 350.2 5")) == (
        "LINESTRING (-9 10 0, -8 12.5 350.2)"
    )
    assert wkt(line_geometry("Polygon", "10 -9;12 -8;11 -7")) == (
        "POLYGON ((-9 10, -8 12, -7 11, -9 10))"
    )
    assert wkt(None) is None


def test_coordinates_in_exponent_form_have_a_geometry():
    """Collect writes coordinates near 0 degrees as 1.0E-4 (Java), Enketo as 1e-7: intake
    accepts them, so the geometries of exports and OData must too."""
    assert line_geometry("LineString", "1.0E-4 2e-7 0 0;0.5 -1.5E1") == {
        "type": "LineString",
        "coordinates": [[2e-07, 0.0001, 0], [-15, 0.5]],
    }
