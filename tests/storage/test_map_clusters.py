"""The map's counts in the database are those of a plain computation over the same points, on
either backend: per grid cell, how many, their mean and extent, the smallest id; the extent of
every point; the ids in one cell. Entities' geopoint texts are read as the tablet wrote them,
and a text that is no geopoint places nothing."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import UTC, datetime

import pytest

from converters.map_drawing import view_at
from storage.db import transaction
from storage.entities.lists import ensure_list
from storage.entities.map_points import located_entities, location_properties
from storage.entities.records import create_entity
from storage.exports.map_clusters import clusters, extent, in_cell
from storage.projects import create_project

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _points(count: int) -> list[tuple[str, float, float]]:
    rng = random.Random(21)
    return [
        (f"{n:04d}", round(rng.uniform(10, 25), 6), round(rng.uniform(-12, 4), 6))
        for n in range(count)
    ]


@pytest.fixture
def sites(engine):
    """A list of 300 entities placed in Mali, plus three whose `gps` is no geopoint."""
    points = _points(300)
    with transaction(engine) as connection:
        project = create_project(connection, "P", NOW)
        entity_list = ensure_list(connection, project.id, "sites", ["gps", "name"], NOW)
        for key, lat, lon in points:
            create_entity(
                connection,
                entity_list,
                uuid=f"e{key}",
                label=key,
                data={"gps": f"{lat} {lon} 300 5", "name": f"Site {key}"},
                creator_id=None,
                now=NOW,
            )
        for n, text in enumerate(("", "somewhere", "12.5")):
            create_entity(
                connection,
                entity_list,
                uuid=f"x{n}",
                label="x",
                data={"gps": text, "name": "no place"},
                creator_id=None,
                now=NOW,
            )
    return entity_list, points


def test_clusters_are_a_plain_count_per_cell(engine, sites):
    entity_list, points = sites
    view = view_at(17.5, -4.0, 0)
    grid = view.grid()
    expected: dict[tuple[int, int], list[tuple[str, float, float]]] = defaultdict(list)
    for key, lat, lon in points:
        cell = (math.floor((lon + 180) / grid.cell_lon), math.floor((lat + 90) / grid.cell_lat))
        expected[cell].append((f"e{key}", lat, lon))
    with transaction(engine, read_only=True) as connection:
        located = located_entities(connection, entity_list, "gps")
        found = {c.cell: c for c in clusters(connection, located, grid)}
        assert set(found) == set(expected)
        for cell, members in expected.items():
            cluster = found[cell]
            assert cluster.count == len(members)
            assert cluster.latitude == pytest.approx(sum(m[1] for m in members) / len(members))
            assert cluster.longitude == pytest.approx(sum(m[2] for m in members) / len(members))
            assert cluster.bounds == pytest.approx(
                (
                    min(m[2] for m in members),
                    min(m[1] for m in members),
                    max(m[2] for m in members),
                    max(m[1] for m in members),
                )
            )
            assert cluster.first == (members[0][0] if len(members) == 1 else "")
        cell, members = max(expected.items(), key=lambda item: len(item[1]))
        assert in_cell(connection, located, grid, cell, 1000) == sorted(m[0] for m in members)
        assert in_cell(connection, located, grid, cell, 2) == sorted(m[0] for m in members)[:2]
        total, box = extent(connection, located)
    assert total == 300
    assert box == pytest.approx(
        (
            min(p[2] for p in points),
            min(p[1] for p in points),
            max(p[2] for p in points),
            max(p[1] for p in points),
        )
    )


def test_a_zoomed_view_counts_only_what_it_shows(engine, sites):
    entity_list, points = sites
    view = view_at(14.0, -6.0, 3)
    west, south, east, north = view.bounds()
    inside = [p for p in points if south <= p[1] <= north and west <= p[2] <= east]
    with transaction(engine, read_only=True) as connection:
        located = located_entities(connection, entity_list, "gps")
        found = clusters(connection, located, view.grid())
    assert sum(c.count for c in found) == len(inside) > 0


def test_a_property_is_a_location_when_its_values_are_geopoints(engine, sites):
    entity_list, _ = sites
    with transaction(engine, read_only=True) as connection:
        # Two stray texts among 200 sampled values do not hide the map; names are no places.
        assert location_properties(connection, entity_list, ["gps", "name"]) == ["gps"]
