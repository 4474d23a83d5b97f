"""What every map page shares: the view read from the query (`lat`, `lon`, `zoom`, refused with
a 400 naming the parameter when wrong), the links that zoom and pan (plain links: the map works
without JavaScript), and each cluster's link: a deeper view, or the point's own page."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy.engine import Connection

from converters.boundaries import Layer
from converters.map_drawing import (
    FIT_ZOOM,
    MALI,
    MAX_ZOOM,
    Cluster,
    DrawnCluster,
    MapDrawing,
    MapView,
    draw_map,
    view_around,
    view_at,
)
from server.errors import Problem, ProblemCode
from server.web.http import Web
from server.web.render import translate
from storage.exports.map_clusters import Located, clusters, extent, in_cell

VIEW_PARAMS = ("lat", "lon", "zoom", "cell")
LISTED = 50  # points listed for a cluster that no deeper view splits


@dataclass(frozen=True, slots=True)
class Mark:
    drawn: DrawnCluster
    href: str
    action: str  # "open" (one point), "zoom" (a deeper view), "list" (points at one place)


@dataclass(frozen=True, slots=True)
class MapPage:
    """A map ready for `_map.html`: the drawing, a link per cluster and per area, the
    controls, how many points the view shows, a cell's points if asked."""

    drawing: MapDrawing
    marks: tuple[Mark, ...]
    areas: Mapping[tuple[int, int], str]  # (layer, area) -> link to a view around the area
    controls: Mapping[str, str]
    shown: int
    listed: tuple[tuple[str, str], ...]  # (id, link) of the points of the chosen cell
    more: int  # points of that cell not listed
    attribution: str
    title: str
    entities: bool  # points are entities (else submissions): the words the page uses


def read_view(web: Web) -> MapView | None:
    """The view the query asks for, or None for the default (around every point)."""
    given = [web.query(name) for name in ("lat", "lon", "zoom")]
    if not any(given):
        return None
    try:
        latitude, longitude = float(given[0]), float(given[1])
        zoom = int(given[2] or "0")
    except ValueError as error:
        raise Problem(
            ProblemCode.BAD_REQUEST,
            reason=translate(
                "the map's lat, lon and zoom must be numbers (lat %(lat)s, lon %(lon)s, "
                "zoom %(zoom)s)",
                lat=given[0] or "—",
                lon=given[1] or "—",
                zoom=given[2] or "—",
            ),
        ) from error
    if not (
        math.isfinite(latitude)
        and math.isfinite(longitude)
        and -90 <= latitude <= 90
        and -180 <= longitude <= 180
        and 0 <= zoom <= MAX_ZOOM
    ):
        raise Problem(
            ProblemCode.BAD_REQUEST,
            reason=translate(
                "the map's lat must be -90 to 90, lon -180 to 180 and zoom 0 to %(max)d",
                max=MAX_ZOOM,
            ),
        )
    return view_at(latitude, longitude, zoom)


def read_cell(web: Web) -> tuple[int, int] | None:
    text = web.query("cell")
    if not text:
        return None
    x, _, y = text.partition(",")
    if not (x.isdigit() and y.isdigit()):
        raise Problem(
            ProblemCode.BAD_REQUEST,
            reason=translate("the map's cell must be two whole numbers, as 12,34"),
        )
    return int(x), int(y)


def build_map(
    web: Web,
    connection: Connection,
    located: Located | None,
    *,
    base: str,
    point_link: Callable[[str], str],
    layers: Sequence[Layer],
    attribution: str,
    title: str,
    entities: bool = False,
) -> MapPage:
    """The map of `located` at the view the query asks for (default: Mali, or around the
    points when none is in Mali); `base` is the map page's URL, kept with the query's other
    params. One GROUP BY over the located rows per page, whatever their number."""
    view, cell = read_view(web), read_cell(web)  # a bad one is refused before any query
    found: list[Cluster] = []
    if view is None:
        # Mali first: one scan. Only an empty Mali costs a second one, to find the points.
        view = view_around(*MALI, deepest=FIT_ZOOM)
        if located is not None:
            found = clusters(connection, located, view.grid())
            box = None if found else extent(connection, located)[1]
            if box is not None:
                view = view_around(*box, deepest=FIT_ZOOM)
                found = clusters(connection, located, view.grid())
    elif located is not None:
        found = clusters(connection, located, view.grid())
    grid = view.grid()
    kept = {k: v for k, v in web.request.query_params.items() if k not in VIEW_PARAMS}

    def link(target: MapView, **extra: str) -> str:
        params = {
            **kept,
            "lat": f"{target.latitude:.5f}",
            "lon": f"{target.longitude:.5f}",
            "zoom": str(target.zoom),
            **extra,
        }
        return f"{base}?{urlencode(params)}"

    drawing = draw_map(view, layers, found)
    marks = tuple(_mark(drawn, view, link, point_link) for drawn in drawing.clusters)
    listed: list[str] = []
    chosen = next((c for c in found if c.cell == cell), None)
    if located is not None and chosen is not None:
        listed = in_cell(connection, located, grid, chosen.cell, LISTED)
    areas = {
        (layer.index, index): link(view_around(*area.bounds))
        for layer in drawing.layers
        if layer.labelled
        for index, area in enumerate(layer.areas)
    }
    controls = {
        **({"in": link(view.moved(zoom=view.zoom + 1))} if view.zoom < MAX_ZOOM else {}),
        **({"out": link(view.moved(zoom=view.zoom - 1))} if view.zoom > 0 else {}),
        "north": link(view.moved(up=0.5)),
        "south": link(view.moved(up=-0.5)),
        "west": link(view.moved(right=-0.5)),
        "east": link(view.moved(right=0.5)),
        "all": f"{base}?{urlencode(kept)}" if kept else base,
    }
    return MapPage(
        drawing,
        marks,
        areas,
        controls,
        sum(c.count for c in found),
        tuple((key, point_link(key)) for key in listed),
        (chosen.count - len(listed)) if chosen else 0,
        attribution,
        title,
        entities,
    )


def _mark(
    drawn: DrawnCluster,
    view: MapView,
    link: Callable[..., str],
    point_link: Callable[[str], str],
) -> Mark:
    cluster: Cluster = drawn.cluster
    if cluster.count == 1:
        return Mark(drawn, point_link(cluster.first), "open")
    if drawn.splits:
        deeper = view_around(*cluster.bounds)
        if deeper.zoom <= view.zoom:
            deeper = view_at(cluster.latitude, cluster.longitude, view.zoom + 1)
        return Mark(drawn, link(deeper), "zoom")
    here = link(view, cell=f"{cluster.cell[0]},{cluster.cell[1]}") + "#map-places"
    return Mark(drawn, here, "list")
