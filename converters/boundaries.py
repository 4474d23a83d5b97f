"""Administrative boundaries for the map's basemap: a GeoJSON FeatureCollection of polygons read
into areas (a name and rings of longitude, latitude), every problem named with the feature's
index, so that a bad file given at start says what to fix and where."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# The property that names an area, first found: Natural Earth's, OCHA COD-AB's (French, then
# English, admin-2 before admin-1) and geoBoundaries'.
NAME_PROPERTIES = (
    "name",
    "NAME",
    "ADM2_FR",
    "ADM2_EN",
    "admin2Name",
    "ADM1_FR",
    "ADM1_EN",
    "admin1Name",
    "shapeName",
)
Ring = tuple[tuple[float, float], ...]  # (longitude, latitude), closed


class BoundaryError(ValueError):
    """A boundary file that cannot be drawn. A ValueError, as a bad setting is at start."""


@dataclass(frozen=True, slots=True)
class Area:
    name: str
    polygons: tuple[tuple[Ring, ...], ...]  # each: its outer ring, then its holes
    bounds: tuple[float, float, float, float]  # west, south, east, north


@dataclass(frozen=True, slots=True)
class Layer:
    """One boundary file: its areas, drawn in the order given, and whether to label them."""

    name: str
    areas: tuple[Area, ...]
    labelled: bool = True


def read_layer(text: str | bytes, source: str, *, labelled: bool = True) -> Layer:
    """The areas of a GeoJSON FeatureCollection of Polygon and MultiPolygon features;
    `source` (the file's name) starts every error message."""
    try:
        document = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise BoundaryError(f"{source}: not JSON: {error}") from error
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise BoundaryError(f"{source}: not a GeoJSON FeatureCollection")
    features = document.get("features")
    if not isinstance(features, list) or not features:
        raise BoundaryError(f"{source}: the FeatureCollection has no features")
    areas = tuple(_area(feature, f"{source}: feature {i}") for i, feature in enumerate(features))
    return Layer(source, areas, labelled)


def _area(feature: Any, where: str) -> Area:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise BoundaryError(f"{where}: not a GeoJSON Feature")
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict):
        raise BoundaryError(f"{where}: no geometry")
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    polygons: tuple[tuple[Ring, ...], ...]
    if kind == "Polygon":
        polygons = (_polygon(coordinates, where),)
    elif kind == "MultiPolygon" and isinstance(coordinates, list) and coordinates:
        polygons = tuple(_polygon(p, f"{where}, polygon {i}") for i, p in enumerate(coordinates))
    else:
        raise BoundaryError(
            f"{where}: a {kind or 'geometry'} without polygons (expected Polygon or MultiPolygon)"
        )
    properties = feature.get("properties") or {}
    name = next(
        (
            str(properties[k])
            for k in NAME_PROPERTIES
            if isinstance(properties, dict) and properties.get(k)
        ),
        "",
    )
    points = [point for polygon in polygons for point in polygon[0]]
    bounds = (
        min(p[0] for p in points),
        min(p[1] for p in points),
        max(p[0] for p in points),
        max(p[1] for p in points),
    )
    return Area(name, polygons, bounds)


def _polygon(rings: Any, where: str) -> tuple[Ring, ...]:
    if not isinstance(rings, list) or not rings:
        raise BoundaryError(f"{where}: a polygon needs at least one ring")
    return tuple(_ring(ring, f"{where}, ring {i}") for i, ring in enumerate(rings))


def _ring(points: Any, where: str) -> Ring:
    if not isinstance(points, list) or len(points) < 4:
        raise BoundaryError(f"{where}: a ring needs at least 4 positions")
    ring: list[tuple[float, float]] = []
    for index, point in enumerate(points):
        if not _position(point):
            raise BoundaryError(
                f"{where}, position {index}: {json.dumps(point)[:60]} is not "
                "[longitude, latitude] in degrees (longitude -180 to 180, latitude -90 to 90)"
            )
        ring.append((float(point[0]), float(point[1])))
    if ring[0] != ring[-1]:
        raise BoundaryError(f"{where}: the ring is not closed (first and last positions differ)")
    return tuple(ring)


def _position(point: Any) -> bool:
    if not isinstance(point, list) or len(point) < 2:
        return False
    lon, lat = point[0], point[1]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lon, lat)):
        return False
    return math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90


def bounds_of(layers: Sequence[Layer]) -> tuple[float, float, float, float] | None:
    """West, south, east, north around every area of the layers."""
    boxes = [area.bounds for layer in layers for area in layer.areas]
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )
