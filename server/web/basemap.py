"""The map's basemap, read once when the app is built: the boundaries Baobab ships (Natural
Earth: Mali and its neighbours, Mali's regions; server/web/static/geo/NOTICE.md) and the files
an administrator names in BAOBAB_MAP_BOUNDARIES (cercles, say), each checked then, so that a
bad file stops the start with the file, the feature and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from converters.boundaries import BoundaryError, Layer, read_layer

GEO_DIR = Path(__file__).resolve().parent / "static" / "geo"
SHIPPED = (("mali-neighbours.geojson", False), ("mali-regions.geojson", True))
ATTRIBUTION = "Made with Natural Earth"


@dataclass(frozen=True, slots=True)
class Basemap:
    layers: tuple[Layer, ...]  # drawn in this order: countries, regions, then the extra files
    attribution: str


def load_basemap(extra: tuple[Path, ...] = (), attribution: str = "") -> Basemap:
    layers = [
        read_layer((GEO_DIR / name).read_bytes(), name, labelled=labelled)
        for name, labelled in SHIPPED
    ]
    for path in extra:
        try:
            text = path.read_bytes()
        except OSError as error:
            raise BoundaryError(
                f"BAOBAB_MAP_BOUNDARIES: {path}: cannot be read ({error.strerror})"
            ) from error
        try:
            layers.append(read_layer(text, str(path)))
        except BoundaryError as error:
            raise BoundaryError(f"BAOBAB_MAP_BOUNDARIES: {error}") from error
    credit = ATTRIBUTION + (f" · {attribution}" if attribution else "")
    return Basemap(tuple(layers), credit)
