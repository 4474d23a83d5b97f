"""ODK location answers as GeoJSON geometries and WKT: a geopoint is 'lat lon alt acc', a geotrace
or geoshape is such points joined by ';'. GeoJSON puts longitude first; altitude is kept when
given, accuracy dropped. A malformed answer (text left in a widened column, say) has no
geometry rather than a wrong one."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from converters.form_model import DataType

# What a coordinate may be: intake accepts these (Collect writes 1.0E-4 near 0 degrees).
NUMBER = r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
# A trace or shape whose every point has 2 to 4 numbers; PostgreSQL checks the same pattern
# before it casts anything (storage/sql_functions.py).
POINTS_PATTERN = rf"^\s*{NUMBER}(\s+{NUMBER}){{1,3}}\s*(;\s*{NUMBER}(\s+{NUMBER}){{1,3}}\s*)*;?\s*$"
_POINTS = re.compile(POINTS_PATTERN)
LINE_TYPES = {DataType.GEOTRACE: "LineString", DataType.GEOSHAPE: "Polygon"}


def geometry_of(data_type: DataType, parts: Sequence[str | None]) -> dict[str, Any] | None:
    """A geopoint from its latitude, longitude, altitude (and accuracy) columns, or a trace or
    shape from its text (the one part)."""
    if data_type is DataType.GEOPOINT:
        lat, lon, alt = ([*parts] + [None] * 3)[:3]
        if not lat or not lon:
            return None
        return {"type": "Point", "coordinates": _position(str(lat), str(lon), alt)}
    return line_geometry(LINE_TYPES[data_type], parts[0])


def line_geometry(kind: str, text: str | None) -> dict[str, Any] | None:
    """`kind` is 'LineString' or 'Polygon' (whose ring is closed if the answer left it open)."""
    if not text or not _POINTS.match(text):
        return None
    coordinates = [_position(*p.split()[:3]) for p in text.split(";") if p.strip()]
    if len(coordinates) < 2:
        return None
    if kind == "Polygon":
        if coordinates[0] != coordinates[-1]:
            coordinates.append(coordinates[0])
        return {"type": "Polygon", "coordinates": [coordinates]}
    return {"type": "LineString", "coordinates": coordinates}


def wkt(geometry: dict[str, Any] | None) -> str | None:
    """`LINESTRING (lon lat alt, ...)`, `POLYGON ((...))`: what OData gives with `$wkt=true`."""
    if geometry is None:
        return None
    if geometry["type"] == "Polygon":
        return f"POLYGON (({_points(geometry['coordinates'][0])}))"
    return f"LINESTRING ({_points(geometry['coordinates'])})"


def _points(coordinates: list[list[float | int]]) -> str:
    return ", ".join(" ".join(str(n) for n in point) for point in coordinates)


def _position(lat: str, lon: str, alt: str | float | None = None) -> list[float | int]:
    position = [_number(lon), _number(lat)]
    if alt is not None and str(alt) != "":
        position.append(_number(str(alt)))
    return position


def _number(text: str) -> float | int:
    """12 rather than 12.0, as JavaScript (Central) and PostgreSQL's JSON write it."""
    value = float(text)
    return int(value) if value.is_integer() else value
