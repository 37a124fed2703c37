"""GeoJSON admin units: read, check and simplify for the terminal.

A terminal cell of the province map covers hundreds of metres, so outlines
are kept simplified (Douglas-Peucker, :data:`TOLERANCE` degrees) and
rounded to :data:`DECIMALS` places. Reading is strict where it matters: a
feature with no geometry, coordinates that are not finite longitude and
latitude, or a ring that is not closed raises :class:`GeoError` naming the
feature's number, and nothing is half read.

Shapes are plain tuples: a point ``(lon, lat)``, a ring a tuple of points
(first == last), a polygon a tuple of rings (outer first, then holes), a
shape a tuple of polygons (so a Polygon and a MultiPolygon look alike).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .text import shown

TOLERANCE = 0.0005  # degrees, about 50 m: far below one terminal cell of the province
DECIMALS = 5  # about 1 m

Point = tuple[float, float]
Ring = tuple[Point, ...]
Polygon = tuple[Ring, ...]


class GeoError(ValueError):
    """A feature that cannot be used; the message names it by number (1-based)."""


@dataclass(frozen=True, slots=True)
class Feature:
    number: int  # 1-based position in the collection, for messages
    properties: dict[str, Any]
    points: tuple[Point, ...]  # Point / MultiPoint geometries
    polygons: tuple[Polygon, ...]  # Polygon / MultiPolygon geometries

    @property
    def location(self) -> Point | None:
        """A representative point: the first point, else the centroid of the largest polygon."""
        if self.points:
            return self.points[0]
        if not self.polygons:
            return None
        largest = max(self.polygons, key=lambda polygon: abs(ring_area(polygon[0])))
        return ring_centroid(largest[0])


def read_collection(data: Any, *, tolerance: float = TOLERANCE) -> list[Feature]:
    """The features of a GeoJSON FeatureCollection, checked and simplified."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise GeoError("not a GeoJSON FeatureCollection (its \"type\" must be \"FeatureCollection\")")
    raw_features = data.get("features")
    if not isinstance(raw_features, list):
        raise GeoError("the FeatureCollection has no \"features\" list")
    return [read_feature(number, item, tolerance=tolerance) for number, item in enumerate(raw_features, 1)]


def read_feature(number: int, item: Any, *, tolerance: float = TOLERANCE) -> Feature:
    where = f"feature {number}"
    if not isinstance(item, dict) or item.get("type") != "Feature":
        raise GeoError(f"{where}: not a GeoJSON Feature")
    properties = item.get("properties") or {}
    if not isinstance(properties, dict):
        raise GeoError(f"{where}: \"properties\" must be an object")
    geometry = item.get("geometry")
    if not isinstance(geometry, dict):
        raise GeoError(f"{where}: has no geometry")
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    try:
        if kind == "Point":
            return Feature(number, properties, (_point(coordinates),), ())
        if kind == "MultiPoint":
            return Feature(number, properties, tuple(_point(p) for p in _list(coordinates, 1)), ())
        if kind == "Polygon":
            return Feature(number, properties, (), (_polygon(coordinates, tolerance),))
        if kind == "MultiPolygon":
            return Feature(number, properties, (), tuple(_polygon(p, tolerance) for p in _list(coordinates, 1)))
    except GeoError as exc:
        raise GeoError(f"{where} ({kind}): {exc}") from None
    raise GeoError(f"{where}: geometry type '{shown(kind, 30)}' is not a point or polygon")


def _list(value: Any, minimum: int) -> list[Any]:
    if not isinstance(value, list) or len(value) < minimum:
        raise GeoError(f"expected a list of at least {minimum} coordinate item{'s' if minimum > 1 else ''}")
    return value


def _point(value: Any) -> Point:
    if not isinstance(value, list) or len(value) < 2:
        raise GeoError("a position must be [longitude, latitude]")
    lon, lat = value[0], value[1]
    for number in (lon, lat):
        if isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number):
            raise GeoError(f"a coordinate must be a finite number, found {shown(repr(number), 30)}")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise GeoError(f"position [{lon}, {lat}] is outside longitude -180..180, latitude -90..90")
    return (round(float(lon), DECIMALS), round(float(lat), DECIMALS))


def _polygon(value: Any, tolerance: float) -> Polygon:
    rings = []
    for index, raw_ring in enumerate(_list(value, 1)):
        ring = tuple(_point(p) for p in _list(raw_ring, 4))
        if ring[0] != ring[-1]:
            raise GeoError(f"ring {index + 1} is not closed (its first and last positions differ)")
        simplified = simplify_ring(ring, tolerance)
        if index == 0:
            rings.append(simplified)
        elif len(simplified) >= 4:  # a hole smaller than the tolerance is dropped
            rings.append(simplified)
    return tuple(rings)


def simplify_ring(ring: Ring, tolerance: float) -> Ring:
    """A closed ring with Douglas-Peucker applied; never fewer than 4 positions.

    The ring is split at its first point and at the point farthest from it,
    and each half simplified, so the result stays closed and keeps the
    ring's extent.
    """
    points = list(ring[:-1])
    if len(points) < 4 or tolerance <= 0:
        return ring
    far = max(range(len(points)), key=lambda i: _distance2(points[0], points[i]))
    first = simplify_line(points[: far + 1], tolerance)
    second = simplify_line(points[far:] + [points[0]], tolerance)
    out = first + second[1:]
    if len(out) < 4:  # a sliver: keep a triangle's worth from the original
        step = max(1, len(points) // 3)
        out = [points[0], points[step], points[min(2 * step, len(points) - 1)], points[0]]
    return tuple(out)


def simplify_line(points: list[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker on an open line (first and last kept), without recursion."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    limit = tolerance * tolerance
    stack = [(0, len(points) - 1)]
    while stack:
        start, end = stack.pop()
        best, best_index = -1.0, -1
        for i in range(start + 1, end):
            d = _segment_distance2(points[i], points[start], points[end])
            if d > best:
                best, best_index = d, i
        if best_index >= 0 and best > limit:
            keep[best_index] = True
            stack.append((start, best_index))
            stack.append((best_index, end))
    return [p for p, k in zip(points, keep) if k]


def _distance2(a: Point, b: Point) -> float:
    return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2


def _segment_distance2(p: Point, a: Point, b: Point) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    if length2 == 0:
        return _distance2(p, a)
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2))
    return _distance2(p, (a[0] + t * dx, a[1] + t * dy))


def ring_area(ring: Ring) -> float:
    """Signed area (shoelace), in square degrees."""
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:])) / 2


def ring_centroid(ring: Ring) -> Point:
    area = ring_area(ring)
    if area == 0:
        xs, ys = [p[0] for p in ring[:-1]], [p[1] for p in ring[:-1]]
        return (round(sum(xs) / len(xs), DECIMALS), round(sum(ys) / len(ys), DECIMALS))
    cx = sum((a[0] + b[0]) * (a[0] * b[1] - b[0] * a[1]) for a, b in zip(ring, ring[1:])) / (6 * area)
    cy = sum((a[1] + b[1]) * (a[0] * b[1] - b[0] * a[1]) for a, b in zip(ring, ring[1:])) / (6 * area)
    return (round(cx, DECIMALS), round(cy, DECIMALS))


def point_in_polygon(point: Point, polygon: Polygon) -> bool:
    """True inside the outer ring and outside every hole (even-odd rule)."""

    def inside(ring: Ring) -> bool:
        x, y = point
        result = False
        for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
            if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
                result = not result
        return result

    return inside(polygon[0]) and not any(inside(hole) for hole in polygon[1:])
