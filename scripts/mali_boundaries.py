"""Write the map's basemap, server/web/static/geo/*.geojson, from a copy of Natural Earth's
1:10m admin-1 and admin-0 polygons: Mali's regions, and the outline of Mali and its neighbours.

The copy used is the `world_map.gpkg` that QGIS ships (Debian's `qgis-common`, in
/usr/share/qgis/resources/data/; `apt-get download qgis-common` then `dpkg -x`): its layers
`states_provinces` and `countries` are Natural Earth 10m "Admin 1 - States, Provinces" v4.1.0,
generalised by QGIS (server/web/static/geo/NOTICE.md says more). Run:

    .venv/bin/python scripts/mali_boundaries.py PATH/TO/world_map.gpkg

Coordinates are rounded to 0.001° (about 110 m); the output is the same on every run.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import struct
from pathlib import Path

GEO_DIR = Path(__file__).resolve().parent.parent / "server" / "web" / "static" / "geo"
COUNTRY = "MLI"
NEIGHBOURS = ("MLI", "DZA", "NER", "BFA", "CIV", "GIN", "SEN", "MRT")
DIGITS = 3
Ring = list[list[float]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("geopackage", type=Path, help="QGIS's world_map.gpkg")
    arguments = parser.parse_args()
    with sqlite3.connect(f"file:{arguments.geopackage}?mode=ro", uri=True) as connection:
        regions = [
            _feature(geometry, {"name": name, "code": code})
            for name, code, geometry in connection.execute(
                "SELECT name, fips, geom FROM states_provinces WHERE adm0_a3 = ? ORDER BY fips",
                (COUNTRY,),
            )
        ]
        marks = ",".join("?" * len(NEIGHBOURS))
        countries = [
            _feature(geometry, {"name": name, "code": code})
            for name, code, geometry in connection.execute(
                f"SELECT NAME, ISO_A3, geom FROM countries WHERE ISO_A3 IN ({marks}) "  # noqa: S608 -- only question marks are formatted in
                "ORDER BY ISO_A3",
                NEIGHBOURS,
            )
        ]
    GEO_DIR.mkdir(parents=True, exist_ok=True)
    for name, features in (("mali-regions", regions), ("mali-neighbours", countries)):
        path = GEO_DIR / f"{name}.geojson"
        text = json.dumps(
            {"type": "FeatureCollection", "features": features},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        path.write_text(text + "\n", encoding="utf-8")
        print(f"{path}: {len(features)} features, {len(text.encode()) // 1024} KB")


def _feature(blob: bytes, properties: dict[str, str]) -> dict[str, object]:
    polygons = [[_rounded(ring) for ring in polygon] for polygon in _geopackage_polygons(blob)]
    polygons = [[ring for ring in polygon if len(ring) >= 4] for polygon in polygons]
    polygons = [polygon for polygon in polygons if polygon]
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "MultiPolygon", "coordinates": polygons},
    }


def _rounded(ring: Ring) -> Ring:
    kept: Ring = []
    for lon, lat in ring:
        point = [round(lon, DIGITS), round(lat, DIGITS)]
        if not kept or kept[-1] != point:
            kept.append(point)
    if kept and kept[0] != kept[-1]:
        kept.append(kept[0])
    return kept


def _geopackage_polygons(blob: bytes) -> list[list[Ring]]:
    """The polygons of a GeoPackage geometry: its header ('GP', version, flags, srs id, an
    envelope whose size the flags give), then standard WKB."""
    if blob[:2] != b"GP":
        raise ValueError("not a GeoPackage geometry")
    flags = blob[3]
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 0b111]
    polygons, _ = _wkb(blob, 8 + envelope)
    return polygons


def _wkb(blob: bytes, offset: int) -> tuple[list[list[Ring]], int]:
    order = "<" if blob[offset] == 1 else ">"
    (kind,) = struct.unpack_from(order + "I", blob, offset + 1)
    offset += 5
    if kind == 3:  # Polygon
        (count,) = struct.unpack_from(order + "I", blob, offset)
        offset += 4
        rings: list[Ring] = []
        for _ in range(count):
            (points,) = struct.unpack_from(order + "I", blob, offset)
            offset += 4
            values = struct.unpack_from(order + "d" * points * 2, blob, offset)
            offset += 16 * points
            rings.append([[values[i], values[i + 1]] for i in range(0, len(values), 2)])
        return [rings], offset
    if kind == 6:  # MultiPolygon
        (count,) = struct.unpack_from(order + "I", blob, offset)
        offset += 4
        polygons: list[list[Ring]] = []
        for _ in range(count):
            found, offset = _wkb(blob, offset)
            polygons.extend(found)
        return polygons, offset
    raise ValueError(f"unexpected WKB geometry type {kind}")


if __name__ == "__main__":
    main()
