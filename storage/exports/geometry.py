"""Geotrace and geoshape answers as GeoJSON or WKT, built inside the query as the OData feed
needs them: PostgreSQL in SQL (casting only text that matches converters.geometry's pattern, so a
malformed answer is NULL, never an error mid-feed); SQLite through converters.geometry itself,
registered as functions on each connection."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction

from converters.geometry import POINTS_PATTERN, line_geometry, wkt


class geo_json(GenericFunction[Any]):  # SQL function names are lower case
    """geo_json(text, 'LineString' | 'Polygon'): the answer's GeoJSON geometry, or NULL."""

    type = sa.JSON()
    inherit_cache = True


class geo_wkt(GenericFunction[Any]):
    """geo_wkt(text, 'LineString' | 'Polygon'): `LINESTRING (lon lat alt, ...)`, or NULL."""

    type = sa.Text()
    inherit_cache = True


def register_sqlite_geometry(dbapi_connection: Any) -> None:
    dbapi_connection.create_function("geo_json", 2, _sqlite_geo_json, deterministic=True)
    dbapi_connection.create_function("geo_wkt", 2, _sqlite_geo_wkt, deterministic=True)


def _sqlite_geo_json(text: str | None, kind: str) -> str | None:
    geometry = line_geometry(kind, text)
    return json.dumps(geometry, separators=(",", ":")) if geometry else None


def _sqlite_geo_wkt(text: str | None, kind: str) -> str | None:
    return wkt(line_geometry(kind, text))


_PATTERN = "E'" + POINTS_PATTERN.replace("\\", "\\\\").replace("'", "\\'") + "'"
# One row per point of the answer `{v}`, in order (t.i), with its numbers (s.c) and its GeoJSON
# position (q.point: longitude, latitude and altitude when given) and WKT text (q.text).
_POINTS = """FROM unnest(string_to_array({v}, ';')) WITH ORDINALITY AS t(p, i),
  LATERAL (SELECT regexp_split_to_array(btrim(t.p), E'\\\\s+') AS c) AS s,
  LATERAL (SELECT
    CASE WHEN cardinality(s.c) >= 3
      THEN json_build_array(s.c[2]::float8, s.c[1]::float8, s.c[3]::float8)
      ELSE json_build_array(s.c[2]::float8, s.c[1]::float8) END AS point,
    (s.c[2]::float8)::text || ' ' || (s.c[1]::float8)::text
      || CASE WHEN cardinality(s.c) >= 3 THEN ' ' || (s.c[3]::float8)::text ELSE '' END AS text
  ) AS q
  WHERE btrim(t.p) <> ''"""
_FIRST = "(array_agg(q.{0} ORDER BY t.i))[1]"
_LAST = "(array_agg(q.{0} ORDER BY t.i DESC))[1]"


def _arguments(element: GenericFunction[Any], compiler: SQLCompiler, **kw: Any) -> tuple[str, str]:
    value, kind = list(element.clauses)
    return compiler.process(value, **kw), str(kind.value)


@compiles(geo_json, "postgresql")
def _pg_geo_json(element: geo_json, compiler: SQLCompiler, **kw: Any) -> str:
    v, kind = _arguments(element, compiler, **kw)
    points = "array_agg(q.point ORDER BY t.i)"
    if kind == "Polygon":
        closed = (
            f"CASE WHEN {_FIRST.format('point::text')} = {_LAST.format('point::text')}"
            f" THEN array_to_json({points})"
            f" ELSE array_to_json({points} || {_FIRST.format('point')}) END"
        )
        coordinates = f"json_build_array({closed})"
    else:
        coordinates = f"array_to_json({points})"
    built = (
        f"(SELECT CASE WHEN count(*) >= 2 THEN json_build_object('type', '{kind}',"
        f" 'coordinates', {coordinates}) END {_POINTS.format(v=v)})"
    )
    return f"(CASE WHEN ({v}) ~ {_PATTERN} THEN {built} END)"


@compiles(geo_wkt, "postgresql")
def _pg_geo_wkt(element: geo_wkt, compiler: SQLCompiler, **kw: Any) -> str:
    v, kind = _arguments(element, compiler, **kw)
    texts = "string_agg(q.text, ', ' ORDER BY t.i)"
    if kind == "Polygon":
        close = (
            f"CASE WHEN {_FIRST.format('text')} = {_LAST.format('text')} THEN ''"
            f" ELSE ', ' || {_FIRST.format('text')} END"
        )
        shape = f"'POLYGON ((' || {texts} || {close} || '))'"
    else:
        shape = f"'LINESTRING (' || {texts} || ')'"
    built = f"(SELECT CASE WHEN count(*) >= 2 THEN {shape} END {_POINTS.format(v=v)})"
    return f"(CASE WHEN ({v}) ~ {_PATTERN} THEN {built} END)"
