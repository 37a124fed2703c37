"""What the map of a place shows, from the store: its outlines, and a marker
for every place under it with a point, coloured by who held it on a day.

No Textual and no Rich: the explorer's map pane and ``frontlines map`` both
draw these with :mod:`tui.mapdraw`. What does not change with the date (the
points, names, ranks, outlines) is made once per area; a new date only
reads the area's breakdown, which the store moves from day to day by the
places that changed (see ``store/tally.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from store.model import NOT_RECORDED

from .format import bloc_glyph
from .mapdraw import MapArea, MapPlace

if TYPE_CHECKING:
    from store import Store


@dataclass(frozen=True)
class _Point:
    id: str
    name: str
    lon: float
    lat: float
    rank: int


class MapItems:
    """The map of one area: ``places(day)`` and ``areas``, and the area's bounds."""

    def __init__(self, store: Store, area_id: str) -> None:
        self.store = store
        self.area_id = area_id
        regions = store.regions
        units = store.units(area_id)
        self._unit_index = {uid: n for n, uid in enumerate(units)}
        points: list[_Point] = []
        areas: list[MapArea] = []
        for region, depth in store.walk_regions([regions[area_id]]):
            if region.outline:
                areas.append(MapArea(region.id, _polygons(region.outline), region.level))
            if region.lat is not None and region.lon is not None and not store.has_children(region.id):
                # When markers must thin out, the places the data tells of
                # (their own periods) first, then the higher levels.
                recorded = 0 if store.history(region.id) else 1
                points.append(_Point(region.id, region.name, region.lon, region.lat, depth * 2 + recorded))
        self.areas: tuple[MapArea, ...] = tuple(areas)
        self._points = tuple(points)
        lons = [p.lon for p in points] + [lon for a in areas for poly in a.polygons for lon, _ in poly[0]]
        lats = [p.lat for p in points] + [lat for a in areas for poly in a.polygons for _, lat in poly[0]]
        region = regions[area_id]
        if not lons and region.lat is not None and region.lon is not None:
            lons, lats = [region.lon], [region.lat]
        self.bounds: tuple[float, float, float, float] | None = (
            (min(lons), min(lats), max(lons), max(lats)) if lons else None
        )
        self._cache: tuple[date, tuple[MapPlace, ...]] | None = None

    def places(self, day: date) -> tuple[MapPlace, ...]:
        """Every place with a point, keyed by its controller's bloc on ``day``."""
        if self._cache is not None and self._cache[0] == day:
            return self._cache[1]
        store = self.store
        breakdown = store.control(self.area_id, day).breakdown
        factions = breakdown.unit_factions if breakdown is not None else ()
        index = self._unit_index
        out = []
        for point in self._points:
            n = index.get(point.id)
            if n is not None and n < len(factions):
                fid = factions[n]
                faction = store.factions.get(fid) if fid is not None else None
                key = faction.bloc_key if faction is not None else NOT_RECORDED
            else:
                control = store.control(point.id, day)
                key = control.faction.bloc_key if control.faction else NOT_RECORDED
            out.append(MapPlace(point.id, point.name, point.lon, point.lat, key, bloc_glyph(key), point.rank))
        result = tuple(out)
        self._cache = (day, result)
        return result


def _polygons(outline: Any) -> tuple[Any, ...]:
    """GeoJSON polygon nesting as tuples: ((outer ring, holes...), ...)."""
    return tuple(tuple(tuple((float(x), float(y)) for x, y in ring) for ring in polygon) for polygon in outline)


def map_area_of(store: Store, region_id: str) -> str:
    """The area a map of ``region_id`` shows: the place itself if places lie
    under it, else its parent (a town is shown among its neighbours)."""
    regions = store.regions
    area = region_id
    if not store.has_children(area) and regions[area].parent in regions:
        area = regions[area].parent or area
    # A chain of single places (a sub-district of one town) shows the next level up.
    while len(store.children(area)) <= 1 and regions[area].parent in regions:
        area = regions[area].parent or area
    return area
