"""The GeoJSON export: one feature per submission and location question (geopoint, geotrace,
geoshape) with every other answer of the submission as its properties. Streamed."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy.engine import Connection

from converters.export_model import ExportColumn
from converters.form_model import DataType
from storage.export_queries import CsvTable, stream_rows

GEO_TYPES = (DataType.GEOPOINT, DataType.GEOTRACE, DataType.GEOSHAPE)


def geometry_of(data_type: DataType, parts: Sequence[str | None]) -> dict[str, Any] | None:
    """GeoJSON geometry from ODK's text: 'lat lon alt acc', or points joined by ';'."""
    if data_type is DataType.GEOPOINT:
        lat, lon, alt = ([*parts] + [None] * 3)[:3]
        if not lat or not lon:
            return None
        return {"type": "Point", "coordinates": _position(lat, lon, alt)}
    text = parts[0] or ""
    points = [p.split() for p in text.split(";") if p.strip()]
    try:
        coordinates = [_position(*p[:3]) for p in points if len(p) >= 2]
    except ValueError:
        return None
    if len(coordinates) < 2:
        return None
    if data_type is DataType.GEOSHAPE:
        if coordinates[0] != coordinates[-1]:
            coordinates.append(coordinates[0])
        return {"type": "Polygon", "coordinates": [coordinates]}
    return {"type": "LineString", "coordinates": coordinates}


def _position(lat: str, lon: str, alt: str | None = None) -> list[float]:
    position = [float(lon), float(lat)]
    if alt:
        position.append(float(alt))
    return position


def geojson_chunks(
    connection: Connection, root: CsvTable, only: str | None = None
) -> Iterator[bytes]:
    columns = root.columns
    geo: dict[str, list[int]] = {}
    for index, column in enumerate(columns):
        field = column.field
        if field is not None and field.data_type in GEO_TYPES:
            geo.setdefault(field.xpath, []).append(index)
    if only:
        geo = {k: v for k, v in geo.items() if only in (k.rsplit("/", 1)[-1], _name(columns[v[0]]))}
    geo_indexes = {i for indexes in geo.values() for i in indexes}
    yield b'{"type":"FeatureCollection","features":['
    separator = b""
    for row in stream_rows(connection, root.statement):
        properties = {
            c.header: v
            for i, (c, v) in enumerate(zip(columns, row, strict=True))
            if i not in geo_indexes
        }
        for indexes in geo.values():
            field = columns[indexes[0]].field
            assert field is not None
            geometry = geometry_of(field.data_type, [row[i] for i in indexes])
            if geometry is None:
                continue
            feature = {
                "type": "Feature",
                "geometry": geometry,
                "properties": {"question": _name(columns[indexes[0]]), **properties},
            }
            yield separator + json.dumps(feature, ensure_ascii=False, default=str).encode()
            separator = b","
    yield b"]}"


def _name(column: ExportColumn) -> str:
    return column.header.rsplit("-", 1)[0] if column.kind == "coordinate" else column.header
