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
from .mapdraw import MapArea, MapPlace, bounds_of, polygons_of

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
        for region, _ in store.walk_regions([regions[area_id]]):
            polygons = polygons_of(region.outline) if region.outline else ()
            if polygons:
                areas.append(MapArea(region.id, polygons, region.level))
            if region.lat is not None and region.lon is not None and not store.has_children(region.id):
                # When markers must thin out: the higher levels first, places
                # with an outline of their own (the larger), then the places
                # the data tells of (their own periods) before the rest.
                rank = region.depth * 4 - (2 if polygons else 0) + (0 if store.history(region.id) else 1)
                points.append(_Point(region.id, region.name, region.lon, region.lat, rank))
        self.areas: tuple[MapArea, ...] = tuple(areas)
        self._points = tuple(points)
        region = regions[area_id]
        self.bounds = bounds_of(points, areas)  # None: no point or outline under it, but perhaps its own point
        if self.bounds is None and region.lat is not None and region.lon is not None:
            self.bounds = (region.lon, region.lat, region.lon, region.lat)
        self._cache: tuple[date, tuple[MapPlace, ...]] | None = None
        # Per point, its position among the area's units (-1: below a place with periods of its own).
        self._unit_of = tuple(self._unit_index.get(p.id, -1) for p in self._points)
        self._below_units = tuple(i for i, n in enumerate(self._unit_of) if n < 0)
        self._sides: dict[str | None, tuple[str, str]] = {}  # faction id -> (colour key, glyph)
        self._last: tuple[list[Any], list[MapPlace]] = ([], [])  # each point's faction and place, as last made

    def places(self, day: date) -> tuple[MapPlace, ...]:
        """Every place with a point, keyed by its controller's bloc on ``day``.

        Per date: each point's faction read from the area's breakdown (the
        store moves it by the places that changed), and only the places whose
        faction changed made anew; the others keep the very objects they had.
        """
        if self._cache is not None and self._cache[0] == day:
            return self._cache[1]
        store = self.store
        breakdown = store.control(self.area_id, day).breakdown
        factions = breakdown.unit_factions if breakdown is not None else ()
        count = len(factions)
        # Each point's faction on the day: from the breakdown, in one comprehension...
        fids: list[str | None] = [factions[n] if 0 <= n < count else None for n in self._unit_of]
        for i in self._below_units:  # ...or, below a place with periods of its own, its own period
            period = store.period_at(self._points[i].id, day)
            fids[i] = period.faction if period is not None else None
        last_fids, out = self._last
        if len(last_fids) != len(fids):
            last_fids, out = [object()] * len(fids), [None] * len(fids)  # type: ignore[list-item]
        else:
            out = list(out)
        sides = self._sides
        for i in [i for i, (a, b) in enumerate(zip(fids, last_fids)) if a != b]:  # only what changed hands
            fid = fids[i]
            side = sides.get(fid)
            if side is None:
                faction = store.factions.get(fid) if fid is not None else None
                key = faction.bloc_key if faction is not None else NOT_RECORDED
                side = sides[fid] = (key, bloc_glyph(key))
            point = self._points[i]
            out[i] = MapPlace(point.id, point.name, point.lon, point.lat, side[0], side[1], point.rank)
        self._last = (fids, out)
        result = tuple(out)
        self._cache = (day, result)
        return result


def map_area_of(store: Store, region_id: str) -> str:
    """The area a map of ``region_id`` shows: the place itself if places lie
    under it, else its parent (a town is shown among its neighbours). A chain
    of single places is followed to where the places are: the governorate of
    Damascus shows the city's neighbourhoods, the sub-district of one town
    the district around it."""
    regions = store.regions
    area = region_id
    if store.has_children(area):
        while len(children := store.children(area)) == 1 and store.has_children(children[0].id):
            area = children[0].id
        if len(store.children(area)) > 1:
            return area
    while regions[area].parent in regions:
        area = regions[area].parent or area
        if len(store.children(area)) > 1:
            break
    return area
