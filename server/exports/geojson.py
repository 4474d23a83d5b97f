"""The GeoJSON export: one feature per submission and location question (geopoint, geotrace,
geoshape) with every other answer of the submission as its properties. Streamed. The cells are
the CSV export's (neutralised for spreadsheets, as a GIS user's attribute table ends up in one);
a geopoint part that is not a plain number (stored before intake checked them) gives no feature;
a trace's geometry is read from its text as sent, without the apostrophe its cell may carry."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence

from sqlalchemy.engine import Connection

from converters.export_model import ExportColumn
from converters.form_model import DataType
from converters.geometry import NUMBER, geometry_of
from storage.exports.csv_queries import CsvTable, stream_rows

GEO_TYPES = (DataType.GEOPOINT, DataType.GEOTRACE, DataType.GEOSHAPE)
_PART = re.compile(rf"^{NUMBER}$")


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
            parts = [_as_sent(row[i]) for i in indexes]
            geometry = (
                geometry_of(field.data_type, parts) if _plain(field.data_type, parts) else None
            )
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


def _as_sent(cell: str | None) -> str | None:
    """A location's text as sent: a trace starting south of the equator or west of Greenwich
    ("-12.5 -8 0 0;...") reads as a formula to a spreadsheet, so its cell got an apostrophe."""
    if cell and cell.startswith("'") and cell[1:2] in ("-", "+"):
        return cell[1:]
    return cell


def _plain(data_type: DataType, parts: Sequence[str | None]) -> bool:
    """Whether a geopoint's parts are numbers (or missing); traces and shapes are checked by
    geometry_of itself."""
    return data_type is not DataType.GEOPOINT or all(not p or _PART.match(p) for p in parts)


def _name(column: ExportColumn) -> str:
    return column.header.rsplit("-", 1)[0] if column.kind == "coordinate" else column.header
