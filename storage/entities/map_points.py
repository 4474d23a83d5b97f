"""An entity list on the map: which of its properties hold a location (an ODK geopoint, "lat lon
alt acc", as a geopoint question saves it, Central's `geometry` included), and its live
entities placed by one of them, for storage/exports/map_clusters.py."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.db import is_postgres
from storage.entities.listing import TableQuery, table_conditions
from storage.entities.lists import EntityListRecord
from storage.entities.queries import property_text
from storage.exports.map_clusters import Located
from storage.schema import system as s

SAMPLE = 200  # latest entities read to tell which properties hold locations
MOSTLY = 0.9  # the share of a property's sampled values that must be geopoints
GEOPOINT = re.compile(r"^\s*-?\d+(\.\d+)?\s+-?\d+(\.\d+)?(\s|$)")
_SQL_GEOPOINT = r"^\s*-?[0-9]+(\.[0-9]+)?\s+-?[0-9]+(\.[0-9]+)?(\s|$)"


def location_properties(
    connection: Connection, entity_list: EntityListRecord, names: Sequence[str]
) -> list[str]:
    """Those of `names` that hold geopoints: in the list's latest live entities (a sample of
    SAMPLE, read in one query whatever the list's size), most values given are one (a stray
    text does not hide the map; it places nothing)."""
    rows = connection.execute(
        sa.select(s.entities.c.data)
        .where(s.entities.c.list_id == entity_list.id, s.entities.c.deleted_at.is_(None))
        .order_by(s.entities.c.id.desc())
        .limit(SAMPLE)
    )
    values: dict[str, list[str]] = {name: [] for name in names}
    for (data,) in rows:
        for name in names:
            value = (data or {}).get(name)
            if value not in (None, ""):
                values[name].append(str(value))
    return [
        name
        for name in names
        if values[name]
        and sum(1 for v in values[name] if GEOPOINT.match(v)) >= MOSTLY * len(values[name])
    ]


def located_entities(
    connection: Connection,
    entity_list: EntityListRecord,
    name: str,
    query: TableQuery | None = None,
) -> Located:
    """The list's live entities placed by the property `name`, those the table's `query`
    keeps when one is given; a value that is no geopoint places nothing (it is read as no
    position, never as an error)."""
    value = property_text(connection, name)
    latitude: Any
    longitude: Any
    text: Any
    if is_postgres(connection):
        text = sa.cast(value, sa.Text)
        valid = text.op("~")(_SQL_GEOPOINT)
        spaced = sa.func.regexp_replace(sa.func.btrim(text), r"\s+", " ", "g")
        latitude = sa.case(
            (valid, sa.cast(sa.func.split_part(spaced, " ", 1), sa.Float)), else_=sa.null()
        )
        longitude = sa.case(
            (valid, sa.cast(sa.func.split_part(spaced, " ", 2), sa.Float)), else_=sa.null()
        )
    else:
        # SQLite's CAST reads the number a text starts with: the latitude, then after the
        # first space the longitude. GLOB keeps texts that start with two numbers.
        text = sa.func.trim(sa.cast(value, sa.Text))
        valid = text.op("GLOB")("*[0-9]* *[0-9]*")
        latitude = sa.case((valid, sa.cast(text, sa.Float)), else_=sa.null())
        rest = sa.func.ltrim(sa.func.substr(text, sa.func.instr(text, " ") + 1))
        longitude = sa.case((valid, sa.cast(rest, sa.Float)), else_=sa.null())
    return Located(
        s.entities,
        (
            table_conditions(connection, entity_list, query)
            if query is not None
            else [s.entities.c.list_id == entity_list.id, s.entities.c.deleted_at.is_(None)]
        ),
        latitude,
        longitude,
        s.entities.c.id,
        s.entities.c.uuid,
    )
