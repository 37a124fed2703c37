"""store.geo: GeoJSON admin units read strictly, simplified without losing their shape."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from store.geo import GeoError, point_in_polygon, read_collection, ring_area, simplify_line

GAZETTEER = Path(__file__).resolve().parent.parent / "fixtures" / "cod-ab"


def collection(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def feature(geometry: dict | None, **properties: object) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


SQUARE = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
HOLE = [[0.4, 0.4], [0.6, 0.4], [0.6, 0.6], [0.4, 0.6], [0.4, 0.4]]


def test_a_polygon_with_a_hole_keeps_the_hole() -> None:
    [item] = read_collection(collection(feature({"type": "Polygon", "coordinates": [SQUARE, HOLE]}, PCODE="X1")))
    [polygon] = item.polygons
    assert len(polygon) == 2
    assert point_in_polygon((0.2, 0.2), polygon)
    assert not point_in_polygon((0.5, 0.5), polygon)  # in the hole
    assert not point_in_polygon((1.5, 0.5), polygon)
    assert item.location == (0.5, 0.5)  # the outer ring's centroid
    assert item.properties == {"PCODE": "X1"}


def test_a_multipolygon_is_every_part_and_located_in_the_largest() -> None:
    small = [[[5, 5], [5.1, 5], [5.1, 5.1], [5, 5.1], [5, 5]]]
    [item] = read_collection(collection(feature({"type": "MultiPolygon", "coordinates": [small, [SQUARE]]})))
    assert len(item.polygons) == 2
    assert item.location == (0.5, 0.5)


def test_points_and_multipoints_give_their_first_point() -> None:
    items = read_collection(collection(
        feature({"type": "Point", "coordinates": [36.69087, 33.64202]}),
        feature({"type": "MultiPoint", "coordinates": [[36.1, 33.1], [36.2, 33.2]]}),
    ))
    assert [i.location for i in items] == [(36.69087, 33.64202), (36.1, 33.1)]


@pytest.mark.parametrize(
    ("geometry", "words"),
    [
        (None, "feature 2: has no geometry"),
        ({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, "is not a point or polygon"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}, "ring 1 is not closed"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}, "at least 4"),
        ({"type": "Point", "coordinates": [200, 0]}, "outside longitude"),
        ({"type": "Point", "coordinates": [math.nan, 0]}, "finite number"),
        ({"type": "Point", "coordinates": ["36", 33]}, "finite number"),
    ],
)
def test_a_bad_feature_is_named_by_its_number(geometry: dict | None, words: str) -> None:
    good = feature({"type": "Point", "coordinates": [36, 33]})
    with pytest.raises(GeoError, match="feature 2") as caught:
        read_collection(collection(good, feature(geometry)))
    assert words in str(caught.value)


def test_not_a_collection_is_refused() -> None:
    with pytest.raises(GeoError, match="FeatureCollection"):
        read_collection({"type": "Feature"})


def test_simplification_drops_points_on_a_straight_line_only() -> None:
    line = [(x / 10, 0.0) for x in range(11)] + [(1.0, 1.0)]
    assert simplify_line(line, 0.01) == [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)]
    deep = [(float(i), float(i % 2)) for i in range(1_500)]  # deeper than the recursion limit
    assert len(simplify_line(deep, 0.1)) == 1_500


def test_real_outlines_shrink_and_keep_their_area() -> None:
    data = json.loads((GAZETTEER / "admin2.geojson").read_text(encoding="utf-8"))
    exact = read_collection(data, tolerance=0)
    simple = read_collection(data)
    before = sum(len(r) for f in exact for p in f.polygons for r in p)
    after = sum(len(r) for f in simple for p in f.polygons for r in p)
    assert after < before / 2
    for e, s in zip(exact, simple):
        area_e = sum(abs(ring_area(p[0])) for p in e.polygons)
        area_s = sum(abs(ring_area(p[0])) for p in s.polygons)
        assert abs(area_s - area_e) / area_e < 0.02
        assert all(ring[0] == ring[-1] and len(ring) >= 4 for p in s.polygons for ring in p)
