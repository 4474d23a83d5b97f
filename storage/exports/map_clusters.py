"""Points on the map counted in the database: the located rows in a view grouped by grid cell
(count, mean position, extent, one id), so a page reads at most a cell's worth of rows per
cell, however many points there are; the extent of every point; the ids in one cell."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from converters.map_drawing import Cluster, Grid

CELL_KEY = 1_000_000  # more cells than a row of the grid has at the deepest zoom (614,000)


@dataclass(frozen=True, slots=True)
class Located:
    """What a map is drawn from: a FROM clause, the conditions that keep rows, each row's
    latitude and longitude as numbers, its integer primary key and the id a point links to
    (read only for the single points: a text's min() over a million rows costs)."""

    source: Any
    conditions: Sequence[Any]
    latitude: Any
    longitude: Any
    row_id: Any
    key: Any


def _within(located: Located, grid: Grid) -> list[Any]:
    return [
        *located.conditions,
        located.latitude.is_not(None),
        located.longitude.is_not(None),
        located.latitude.between(grid.south, grid.north),
        located.longitude.between(grid.west, grid.east),
    ]


def _cells(connection: Connection, located: Located, grid: Grid) -> tuple[Any, Any]:
    column = (located.longitude + 180) / grid.cell_lon
    row = (located.latitude + 90) / grid.cell_lat
    if connection.dialect.name == "postgresql":
        return sa.func.floor(column), sa.func.floor(row)
    # SQLite may lack floor(); the values are positive, so truncation is the floor.
    return sa.cast(column, sa.Integer), sa.cast(row, sa.Integer)


def clusters(connection: Connection, located: Located, grid: Grid) -> list[Cluster]:
    """The view's points, one row per grid cell that has any."""
    column, row = _cells(connection, located, grid)
    lat, lon = located.latitude, located.longitude
    # One key per cell (a row stays under 10^6 cells even at the deepest zoom): PostgreSQL
    # groups on one number much faster than on two (0.58 s instead of 0.91 s for a million).
    cell = column * CELL_KEY + row
    statement = (
        sa.select(
            sa.func.min(column),
            sa.func.min(row),
            sa.func.count(),
            sa.func.avg(lat),
            sa.func.avg(lon),
            sa.func.min(lon),
            sa.func.min(lat),
            sa.func.max(lon),
            sa.func.max(lat),
            sa.func.min(located.row_id),
        )
        .select_from(located.source)
        .where(*_within(located, grid))
        .group_by(cell)
    )
    rows = connection.execute(statement).all()
    singles = [int(r[9]) for r in rows if int(r[2]) == 1]
    keys: dict[int, str] = dict(
        connection.execute(
            sa.select(located.row_id, located.key)
            .select_from(located.source)
            .where(located.row_id.in_(singles))
        ).all()
        if singles
        else []
    )
    return [
        Cluster(
            int(r[2]),
            float(r[3]),
            float(r[4]),
            (float(r[5]), float(r[6]), float(r[7]), float(r[8])),
            str(keys.get(int(r[9]), "")),
            (int(r[0]), int(r[1])),
        )
        for r in rows
    ]


def extent(
    connection: Connection, located: Located
) -> tuple[int, tuple[float, float, float, float] | None]:
    """How many points there are, and west, south, east, north around them."""
    lat, lon = located.latitude, located.longitude
    found = connection.execute(
        sa.select(
            sa.func.count(), sa.func.min(lon), sa.func.min(lat), sa.func.max(lon), sa.func.max(lat)
        )
        .select_from(located.source)
        .where(
            *located.conditions,
            lat.is_not(None),
            lon.is_not(None),
            lat.between(-90, 90),
            lon.between(-180, 180),
        )
    ).one()
    if not found[0]:
        return 0, None
    return int(found[0]), (float(found[1]), float(found[2]), float(found[3]), float(found[4]))


def in_cell(
    connection: Connection, located: Located, grid: Grid, cell: tuple[int, int], limit: int
) -> list[str]:
    """The ids of the points in one cell of the grid, at most `limit`."""
    column, row = _cells(connection, located, grid)
    rows = connection.execute(
        sa.select(located.key)
        .select_from(located.source)
        .where(*_within(located, grid), column == cell[0], row == cell[1])
        .order_by(located.key)
        .limit(limit)
    )
    return [str(r[0]) for r in rows]
