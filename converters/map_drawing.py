"""Geometry of the map drawn as SVG on the server: a view (centre and zoom) in an equirectangular
frame corrected for latitude, the grid its points are counted in, boundaries as SVG paths
(only what the view shows, points closer than a pixel dropped) and clusters as circles."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from converters.boundaries import Area, Layer

WIDTH, HEIGHT = 640, 520  # the drawing, in user units (CSS scales it to the page)
BASE_SPAN = 24.0  # degrees of longitude across the drawing at zoom 0 (Mali, with a margin)
MAX_ZOOM = 12  # the drawing about 650 m across: a street
CELL = 64  # the side of a cluster's cell, in user units
LABEL_ROOM = 75  # an area narrower than this on the drawing gets no name
FONT = 23  # the text's size in user units: 12 px or more once shown 334 px wide or more
LETTER = 13  # a letter's width at that size, about
MALI = (-12.3, 10.1, 4.3, 25.0)  # west, south, east, north: the view without points


@dataclass(frozen=True, slots=True)
class Grid:
    """Cells of `cell_lon` x `cell_lat` degrees anchored at (-180, -90), so that clusters stay
    put as the view pans east or west (a cell's height follows the view's latitude), and the
    view's bounds."""

    west: float
    south: float
    east: float
    north: float
    cell_lon: float
    cell_lat: float


@dataclass(frozen=True, slots=True)
class MapView:
    latitude: float
    longitude: float
    zoom: int
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def squeeze(self) -> float:
        """Degrees of latitude per degree of longitude of the same length on the ground."""
        return max(math.cos(math.radians(self.latitude)), 0.1)

    @property
    def per_unit(self) -> float:
        """Degrees of longitude per user unit."""
        return BASE_SPAN / float(2**self.zoom) / self.width

    def place(self, latitude: float, longitude: float) -> tuple[float, float]:
        return (
            self.width / 2 + (longitude - self.longitude) / self.per_unit,
            self.height / 2 - (latitude - self.latitude) / (self.per_unit * self.squeeze),
        )

    def bounds(self) -> tuple[float, float, float, float]:
        half_lon = self.width / 2 * self.per_unit
        half_lat = self.height / 2 * self.per_unit * self.squeeze
        return (
            self.longitude - half_lon,
            self.latitude - half_lat,
            self.longitude + half_lon,
            self.latitude + half_lat,
        )

    def grid(self) -> Grid:
        west, south, east, north = self.bounds()
        return Grid(
            west, south, east, north, CELL * self.per_unit, CELL * self.per_unit * self.squeeze
        )

    def moved(self, right: float = 0.0, up: float = 0.0, zoom: int | None = None) -> MapView:
        """The view shifted by fractions of its width and height, or zoomed."""
        west, south, east, north = self.bounds()
        return view_at(
            self.latitude + up * (north - south),
            self.longitude + right * (east - west),
            self.zoom if zoom is None else zoom,
        )


def view_at(latitude: float, longitude: float, zoom: int) -> MapView:
    return MapView(
        min(max(latitude, -80.0), 80.0),
        min(max(longitude, -180.0), 180.0),
        min(max(zoom, 0), MAX_ZOOM),
    )


def view_around(
    west: float, south: float, east: float, north: float, *, deepest: int = MAX_ZOOM
) -> MapView:
    """The deepest view (down to `deepest`) that shows the box whole with a margin of a tenth
    of its size on each side, centred on it."""
    margin_lon, margin_lat = (east - west) / 10, (north - south) / 10
    west, east, south, north = (
        west - margin_lon,
        east + margin_lon,
        south - margin_lat,
        north + margin_lat,
    )
    latitude, longitude = (south + north) / 2, (west + east) / 2
    zoom = 0
    while zoom < deepest:
        w, s, e, n = view_at(latitude, longitude, zoom + 1).bounds()
        if not (w <= west and e >= east and s <= south and n >= north):
            break
        zoom += 1
    return view_at(latitude, longitude, zoom)


FIT_ZOOM = 8  # the deepest view the map opens on (about 10 km across): one point has context


@dataclass(frozen=True, slots=True)
class Cluster:
    """Points counted in one cell: how many, their mean position and extent, and for a single
    point its id (what it links to; empty for several)."""

    count: int
    latitude: float
    longitude: float
    bounds: tuple[float, float, float, float]  # west, south, east, north
    first: str
    cell: tuple[int, int]


@dataclass(frozen=True, slots=True)
class DrawnCluster:
    cluster: Cluster
    x: float
    y: float
    radius: float
    label: str  # the count, short ("1.2k"); empty for a single point
    splits: bool  # a deeper view would tell its points apart


@dataclass(frozen=True, slots=True)
class DrawnArea:
    name: str
    path: str  # SVG path data
    label_at: tuple[float, float] | None  # where its name goes, when there is room
    bounds: tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class DrawnLayer:
    name: str
    index: int
    areas: tuple[DrawnArea, ...]
    labelled: bool  # its areas are named and link to a view around them


@dataclass(frozen=True, slots=True)
class MapDrawing:
    view: MapView
    layers: tuple[DrawnLayer, ...]
    clusters: tuple[DrawnCluster, ...]
    width: int
    height: int


def draw_map(
    view: MapView, layers: Sequence[Layer], clusters: Sequence[Cluster] = ()
) -> MapDrawing:
    drawn = tuple(
        DrawnLayer(layer.name, index, _areas(view, layer), layer.labelled)
        for index, layer in enumerate(layers)
    )
    return MapDrawing(
        view,
        _without_overlaps(drawn),
        tuple(_cluster(view, cluster) for cluster in clusters),
        view.width,
        view.height,
    )


def _without_overlaps(layers: tuple[DrawnLayer, ...]) -> tuple[DrawnLayer, ...]:
    """Names that would overlap a name already placed are left out, the widest areas' first."""
    placed: list[tuple[float, float, float, float]] = []
    kept: set[tuple[int, int]] = set()
    named = [
        (layer.index, i, area)
        for layer in layers
        for i, area in enumerate(layer.areas)
        if area.label_at is not None
    ]
    named.sort(key=lambda item: -(item[2].bounds[2] - item[2].bounds[0]))
    for layer_index, i, area in named:
        assert area.label_at is not None
        x, y = area.label_at
        half = LETTER * len(area.name) / 2
        box = (x - half, y - FONT, x + half, y + 4)
        if any(b[0] < box[2] and box[0] < b[2] and b[1] < box[3] and box[1] < b[3] for b in placed):
            continue
        placed.append(box)
        kept.add((layer_index, i))
    return tuple(
        replace(
            layer,
            areas=tuple(
                area if (layer.index, i) in kept else replace(area, label_at=None)
                for i, area in enumerate(layer.areas)
            ),
        )
        for layer in layers
    )


def _areas(view: MapView, layer: Layer) -> tuple[DrawnArea, ...]:
    west, south, east, north = view.bounds()
    drawn = []
    for area in layer.areas:
        a_west, a_south, a_east, a_north = area.bounds
        if a_east < west or a_west > east or a_north < south or a_south > north:
            continue
        path = " ".join(
            _ring_path(view, ring) for polygon in area.polygons for ring in polygon
        ).strip()
        if not path:
            continue
        drawn.append(
            DrawnArea(
                area.name, path, _label_at(view, area) if layer.labelled else None, area.bounds
            )
        )
    return tuple(drawn)


def _ring_path(view: MapView, ring: Sequence[tuple[float, float]]) -> str:
    kept: list[tuple[float, float]] = []
    for lon, lat in ring:
        x, y = view.place(lat, lon)
        if not kept or abs(x - kept[-1][0]) >= 1 or abs(y - kept[-1][1]) >= 1:
            kept.append((x, y))
    if len(kept) < 3:
        return ""
    return "M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in kept) + "Z"


def _label_at(view: MapView, area: Area) -> tuple[float, float] | None:
    """The middle of the area's largest polygon (its points' mean: good enough for regions),
    when the area is wide enough on the drawing and that point is in the view."""
    west, south, east, north = area.bounds
    left, _ = view.place(south, west)
    right, _ = view.place(north, east)
    if right - left < LABEL_ROOM:
        return None
    outer = max((polygon[0] for polygon in area.polygons), key=len)
    x, y = view.place(sum(p[1] for p in outer) / len(outer), sum(p[0] for p in outer) / len(outer))
    if not (LABEL_ROOM / 2 <= x <= view.width - LABEL_ROOM / 2 and 24 <= y <= view.height - 8):
        return None
    return round(x, 1), round(y, 1)


def _cluster(view: MapView, cluster: Cluster) -> DrawnCluster:
    x, y = view.place(cluster.latitude, cluster.longitude)
    label = "" if cluster.count == 1 else short_count(cluster.count)
    west, south, east, north = cluster.bounds
    return DrawnCluster(
        cluster,
        round(x, 1),
        round(y, 1),
        9.0 if cluster.count == 1 else max(18.0, 8 + 7 * len(label)),
        label,
        splits=view.zoom < MAX_ZOOM and (east > west or north > south),
    )


def short_count(count: int) -> str:
    if count < 1000:
        return str(count)
    if count < 10_000:
        return f"{count / 1000:.1f}k".replace(".0k", "k")
    if count < 1_000_000:
        return f"{count // 1000}k"
    return f"{count / 1_000_000:.1f}M".replace(".0M", "M")


def draw_place(
    layers: Sequence[Layer], latitude: float, longitude: float, *, zoom: int = 3
) -> MapDrawing:
    """One point on the basemap, with no text (its place is named beside it: `area_at`)."""
    view = view_at(latitude, longitude, zoom)
    point = Cluster(1, latitude, longitude, (longitude, latitude, longitude, latitude), "", (0, 0))
    drawing = draw_map(view, layers, (point,))
    unlabelled = tuple(
        DrawnLayer(
            layer.name,
            layer.index,
            tuple(DrawnArea(a.name, a.path, None, a.bounds) for a in layer.areas),
            False,
        )
        for layer in drawing.layers
    )
    return MapDrawing(view, unlabelled, drawing.clusters, drawing.width, drawing.height)


def area_at(layers: Sequence[Layer], latitude: float, longitude: float) -> list[str]:
    """The names of the labelled areas the point is in, layer by layer (a region, a cercle)."""
    found = []
    for layer in layers:
        if not layer.labelled:
            continue
        for area in layer.areas:
            west, south, east, north = area.bounds
            if not (west <= longitude <= east and south <= latitude <= north):
                continue
            if any(_inside(polygon, longitude, latitude) for polygon in area.polygons):
                found.append(area.name)
                break
    return [name for name in found if name]


def _inside(polygon: Sequence[Sequence[tuple[float, float]]], x: float, y: float) -> bool:
    """Even-odd rule over the outer ring and its holes."""
    inside = False
    for ring in polygon:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
    return inside
