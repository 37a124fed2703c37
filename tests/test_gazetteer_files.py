"""The project's copy of the COD-AB gazetteer (fixtures/cod-ab): complete and as described.

The bundled data is to be built from these files, so a truncated or
swapped file must fail here, not in a build much later.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FOLDER = Path(__file__).resolve().parent.parent / "fixtures" / "cod-ab"


def features(name: str) -> list[dict]:
    data = json.loads((FOLDER / name).read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    return data["features"]


@pytest.mark.parametrize(
    ("name", "count", "code_field", "geometries"),
    [
        ("admin1.geojson", 2, "PCODE", {"Polygon"}),
        ("admin2.geojson", 10, "PCODE", {"Polygon", "MultiPolygon"}),
        ("admin4-points.geojson", 234, "PCODE", {"MultiPoint"}),
        ("admin5-damascus.geojson", 64, "HAY_PCODE", {"Polygon"}),
    ],
)
def test_each_file_holds_every_unit_once(name: str, count: int, code_field: str, geometries: set[str]) -> None:
    items = features(name)
    codes = [f["properties"][code_field] for f in items]
    assert len(items) == count
    assert len(set(codes)) == count
    assert {f["geometry"]["type"] for f in items} == geometries


def test_communities_name_their_sub_district_and_carry_both_languages() -> None:
    communities = {f["properties"]["PCODE"]: f for f in features("admin4-points.geojson")}
    assert len({f["properties"]["ADMIN3_COD"] for f in communities.values()}) == 37
    dumair = communities["C2346"]
    assert dumair["properties"]["NAME_ARA"] == "الضمير"
    assert dumair["properties"]["ADMIN3_COD"] == "SY030203"
    lon, lat = dumair["geometry"]["coordinates"][0]
    assert (round(lat, 2), round(lon, 2)) == (33.64, 36.69)
    assert communities["C2416"]["properties"]["NAME_EN"] == "Yabroud"
    assert all(f["properties"]["NAME_ARA"] for f in communities.values())


def test_the_attribution_travels_with_the_files() -> None:
    readme = (FOLDER / "README.md").read_text(encoding="utf-8")
    assert "Subnational Administrative" in readme and "Humanitarian Data" in readme
