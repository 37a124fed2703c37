"""`frontlines import boundaries`: GeoJSON admin units into a database.

Small collections written here: a polygon with a hole, a multipolygon, a
point, a bad feature, an unknown parent, a duplicate code. The import is
checked as a user runs it (the CLI) and through store.gazetteer for the
transaction: an error or an interruption leaves the file byte-identical,
and running the same import twice changes nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from store import Store
from store import gazetteer
from store.gazetteer import FieldNames, ImportProblem, import_boundaries
from store.storage import write_tables

BIN = Path(sys.executable).parent / "frontlines"


def base_tables() -> dict[str, list[dict[str, Any]]]:
    return {
        "meta": [{"schema_version": 1, "title": "Import test"}],
        "sources": [{"id": "gaz", "publication": "Test gazetteer", "title": "Units", "kind": "reference"}],
        "factions": [{"id": "saa", "name": "Syrian Arab Army", "bloc": "government"}],
        "regions": [
            {"id": "ROOT", "name": "Test Province", "level": "province", "parent": None},
            {"id": "SY99", "name": "Testland", "level": "governorate", "parent": "ROOT"},
            # An existing town known by its popular spelling, with a rough point.
            # Its parent, a sub-district, is named only in the gazetteer's attributes.
            {"id": "FL-TOWN", "name": "Dumair", "level": "community", "parent": "SY990100",
             "pcode": "C9001", "lat": 33.6, "lon": 36.6, "coord_note": "approximate (about 2 km)"},
        ],
        "periods": [],
        "events": [],
    }


def ring(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]


def feature(props: dict[str, Any], geometry: dict[str, Any] | None) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


DISTRICT = feature(
    {"PCODE": "SY9901", "NAME_EN": "North", "NAME_ARA": "الشمال", "ADMIN1_COD": "SY99"},
    {"type": "Polygon", "coordinates": [ring(36.0, 33.0, 37.0, 34.0), ring(36.4, 33.4, 36.6, 33.6)]},  # with a hole
)
ISLANDS = feature(
    {"PCODE": "SY9902", "NAME_EN": "Islands", "NAME_ARA": "الجزر", "ADMIN1_COD": "SY99"},
    {"type": "MultiPolygon", "coordinates": [[ring(38.0, 33.0, 38.2, 33.2)], [ring(38.5, 33.0, 38.7, 33.2)]]},
)
TOWN = feature(
    {"PCODE": "C9001", "NAME_EN": "Dhameer", "NAME_ARA": "الضمير", "ADMIN3_COD": "SY990100",
     "ADMIN3_EN": "Dhameer", "ADMIN3_ARA": "الضمير", "ADMIN2_COD": "SY9901", "ADMIN1_COD": "SY99"},
    {"type": "MultiPoint", "coordinates": [[36.69, 33.64]]},
)
VILLAGE = feature(
    {"PCODE": "C9002", "NAME_EN": "Hamlet", "NAME_ARA": "قرية", "ADMIN3_COD": "SY990100",
     "ADMIN3_EN": "Dhameer", "ADMIN3_ARA": "الضمير", "ADMIN2_COD": "SY9901", "ADMIN1_COD": "SY99"},
    {"type": "Point", "coordinates": [36.7, 33.7]},
)


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "test.json"
    write_tables(path, base_tables())
    return path


def geojson(tmp_path: Path, data: Any, name: str = "units.geojson") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def cli(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100", "FRONTLINES_DB": str(db)}
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, env=env, timeout=60)


# --- what the import does -------------------------------------------------------------


def test_polygons_multipolygons_and_points_attach_and_create(tmp_path: Path, db: Path) -> None:
    districts = geojson(tmp_path, collection(DISTRICT, ISLANDS), "admin2.geojson")
    towns = geojson(tmp_path, collection(TOWN, VILLAGE), "admin4.geojson")
    import_boundaries(db, districts, source="gaz")
    result = import_boundaries(db, towns, source="gaz")
    assert result.created == ["C9002"] and result.created_parents == ["SY990100"]
    with Store.open(db) as store:
        assert store.validate() == []
        north = store.regions["SY9901"]
        assert (north.level, north.parent, north.name_ar) == ("district", "SY99", "الشمال")
        assert len(north.outline) == 1 and len(north.outline[0]) == 2  # the outer ring and its hole
        assert len(store.regions["SY9902"].outline) == 2  # two islands
        # The sub-district named only in the towns' attributes, created under its district.
        assert store.regions["SY990100"].parent == "SY9901"
        assert store.regions["SY990100"].level == "sub-district"
        # The existing town: attached by P-code, its spelling kept, the gazetteer's beside it.
        town = store.regions["FL-TOWN"]
        assert town.name == "Dumair" and "Dhameer" in town.alt_names
        assert (town.lat, town.lon, town.coord_note) == (33.64, 36.69, "gazetteer point")  # rough point replaced
        assert town.parent == "SY990100"
        assert store.resolve("Dhameer").chosen.id == "FL-TOWN"
        # The new village, a child of the new sub-district, citing the gazetteer.
        village = store.regions["C9002"]
        assert (village.parent, village.pcode, village.sources) == ("SY990100", "C9002", ("gaz",))
        assert all("gaz" in store.regions[r].sources for r in ("SY9901", "SY9902", "SY990100", "FL-TOWN"))


def test_a_second_run_changes_nothing(tmp_path: Path, db: Path) -> None:
    units = geojson(tmp_path, collection(DISTRICT, ISLANDS, TOWN, VILLAGE))
    first = import_boundaries(db, units, source="gaz")
    assert first.written
    before = db.read_bytes()
    again = import_boundaries(db, units, source="gaz")
    assert not again.changed and not again.written
    assert db.read_bytes() == before
    proc = cli("import", "boundaries", str(units), "--source", "gaz", db=db)
    assert proc.returncode == 0, proc.stderr
    assert "nothing to change" in proc.stdout
    assert db.read_bytes() == before


def test_bad_features_are_named_by_number_and_nothing_is_written(tmp_path: Path, db: Path) -> None:
    unknown_parent = feature(
        {"PCODE": "C9003", "NAME_EN": "Lost", "ADMIN3_COD": "SY998800"}, {"type": "Point", "coordinates": [36.0, 33.0]}
    )
    bad_geometry = feature({"PCODE": "SY9903", "NAME_EN": "Open", "ADMIN1_COD": "SY99"},
                           {"type": "Polygon", "coordinates": [[[36, 33], [37, 33], [37, 34], [36, 34]]]})
    no_geometry = feature({"PCODE": "SY9904", "NAME_EN": "Nowhere", "ADMIN1_COD": "SY99"}, None)
    duplicate = feature({"PCODE": "SY9901", "NAME_EN": "Again", "ADMIN1_COD": "SY99"},
                        {"type": "Point", "coordinates": [36.5, 33.5]})
    units = geojson(tmp_path, collection(DISTRICT, unknown_parent, bad_geometry, no_geometry, duplicate))
    before = db.read_bytes()
    with pytest.raises(ImportProblem) as caught:
        import_boundaries(db, units)
    problems = "\n".join(caught.value.problems)
    assert "feature 2 (C9003): unknown parent SY998800" in problems
    assert "feature 3 (Polygon): ring 1 is not closed" in problems
    assert "feature 4: has no geometry" in problems
    assert "feature 5: duplicate code SY9901 (also feature 1)" in problems
    assert db.read_bytes() == before

    proc = cli("import", "boundaries", str(units), db=db)
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert all(line.startswith("frontlines: ") for line in lines)
    assert any("feature 2 (C9003): unknown parent SY998800" in line for line in lines)
    assert lines[-1].endswith(f"4 features cannot be imported; {db} is unchanged")
    assert proc.stdout == ""
    assert db.read_bytes() == before


def test_an_interrupted_import_leaves_the_file_byte_identical(tmp_path: Path, db: Path, monkeypatch) -> None:
    units = geojson(tmp_path, collection(DISTRICT, ISLANDS, TOWN, VILLAGE))
    before = db.read_bytes()

    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    # Ctrl+C while the new file is being written: the temp file is dropped, the database untouched.
    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        import_boundaries(db, units)
    monkeypatch.undo()
    assert db.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    # Ctrl+C in the middle of the merge: nothing was written yet.
    monkeypatch.setattr(gazetteer, "_attach", interrupted)
    with pytest.raises(KeyboardInterrupt):
        import_boundaries(db, units)
    assert db.read_bytes() == before


def test_a_killed_import_leaves_the_file_byte_identical(tmp_path: Path, db: Path) -> None:
    # A real process interrupted with SIGINT while importing a large collection.
    many = [
        feature({"PCODE": f"C8{n:04d}", "NAME_EN": f"Village {n}", "ADMIN3_COD": "SY990100", "ADMIN3_EN": "Dhameer",
                 "ADMIN2_COD": "SY9901", "ADMIN1_COD": "SY99"},
                {"type": "Point", "coordinates": [36.0 + n / 100_000, 33.0]})
        for n in range(60_000)
    ]
    units = geojson(tmp_path, collection(DISTRICT, *many))
    before = db.read_bytes()
    env = {**os.environ, "FRONTLINES_DB": str(db)}
    proc = subprocess.Popen([str(BIN), "import", "boundaries", str(units)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    import signal
    import time

    from store.storage import lock_path

    # Interrupt once the import holds the writer's lock, that is, while it works.
    lock = lock_path(db)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (lock.exists() and lock.stat().st_size > 0):
        time.sleep(0.005)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=60)
    if proc.returncode == 0:  # a fast machine finished first: the import is then whole
        with Store.open(db) as store:
            assert "C859999" in store.regions
    else:
        assert proc.returncode == 130
        assert db.read_bytes() == before
        assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_dry_run_says_what_would_change_and_writes_nothing(tmp_path: Path, db: Path) -> None:
    units = geojson(tmp_path, collection(DISTRICT, TOWN, VILLAGE))
    before = db.read_bytes()
    proc = cli("import", "boundaries", str(units), "--dry-run", db=db)
    assert proc.returncode == 0, proc.stderr
    assert "would create 2 places: SY9901, C9002" in proc.stdout
    assert "would create 1 parent units from feature attributes: SY990100" in proc.stdout
    assert "dry run" in proc.stdout
    assert db.read_bytes() == before


def test_other_gazetteers_name_their_fields(tmp_path: Path, db: Path) -> None:
    data = collection(
        feature({"code": "SY9909", "label": "Custom", "label_ar": "مخصص", "up": "SY99"},
                {"type": "Point", "coordinates": [36.2, 33.2]}),
    )
    units = geojson(tmp_path, data)
    proc = cli("import", "boundaries", str(units), "--code-field", "code", "--name-field", "label",
               "--name-ar-field", "label_ar", "--parent-field", "up", db=db)
    assert proc.returncode == 0, proc.stderr
    with Store.open(db) as store:
        custom = store.regions["SY9909"]
        # No --level: one below its parent, a governorate.
        assert (custom.name, custom.name_ar, custom.parent, custom.level) == ("Custom", "مخصص", "SY99", "district")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not valid JSON"),
        ('{"type": "Feature"}', "not a GeoJSON FeatureCollection"),
    ],
)
def test_unreadable_files_are_one_line_errors(tmp_path: Path, db: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text(content, encoding="utf-8")
    before = db.read_bytes()
    proc = cli("import", "boundaries", str(path), db=db)
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and message in proc.stderr and str(path) in proc.stderr
    assert db.read_bytes() == before


def test_a_bad_level_or_source_is_refused(tmp_path: Path, db: Path) -> None:
    units = geojson(tmp_path, collection(DISTRICT))
    proc = cli("import", "boundaries", str(units), "--level", "village", db=db)
    assert proc.returncode == 2 and "--level: unknown level 'village'" in proc.stderr
    proc = cli("import", "boundaries", str(units), "--source", "nope", db=db)
    assert proc.returncode == 1 and "--source: no source with id 'nope'" in proc.stderr


def test_a_database_that_cannot_be_read_is_never_rewritten(tmp_path: Path) -> None:
    db = tmp_path / "broken.json"
    db.write_text('{"regions": {"1": {"id": 5}}}', encoding="utf-8")
    before = db.read_bytes()
    units = geojson(tmp_path, collection(DISTRICT))
    proc = cli("import", "boundaries", str(units), db=db)
    assert proc.returncode == 1 and "frontlines: " in proc.stderr
    assert db.read_bytes() == before


def test_names_with_markup_and_control_characters_arrive_clean(tmp_path: Path, db: Path) -> None:
    data = collection(
        feature({"PCODE": "SY9905", "NAME_EN": "[link=x]Evil\x1b[31m\u202e", "ADMIN1_COD": "SY99"},
                {"type": "Point", "coordinates": [36.2, 33.2]}),
    )
    units = geojson(tmp_path, data)
    proc = cli("import", "boundaries", str(units), db=db)
    assert proc.returncode == 0, proc.stderr
    with Store.open(db) as store:
        assert store.regions["SY9905"].name == "[link=x]Evil[31m"
    out = cli("status", "SY9905", db=db).stdout
    assert "[link=x]Evil" in out and "\x1b" not in out


def test_the_bundled_data_is_built_with_this_import() -> None:
    from fixtures import build_damascus

    assert build_damascus.import_boundaries is import_boundaries
    assert FieldNames() == FieldNames(None, None, None, None)


def test_a_child_listed_before_its_parent_is_placed_under_it(tmp_path: Path, db: Path) -> None:
    data = collection(
        feature({"code": "X2", "name": "Child", "up": "X1"}, {"type": "Point", "coordinates": [36.1, 33.1]}),
        feature({"code": "X1", "name": "Parent", "up": "SY99"}, {"type": "Point", "coordinates": [36.2, 33.2]}),
    )
    fields = FieldNames(code="code", name="name", parent="up")
    import_boundaries(db, geojson(tmp_path, data), fields=fields)
    with Store.open(db) as store:
        assert (store.regions["X1"].parent, store.regions["X1"].level) == ("SY99", "district")
        assert (store.regions["X2"].parent, store.regions["X2"].level) == ("X1", "sub-district")


def test_parents_that_would_loop_are_refused(tmp_path: Path, db: Path) -> None:
    loop = collection(
        feature({"code": "L1", "name": "One", "up": "L2"}, {"type": "Point", "coordinates": [36.1, 33.1]}),
        feature({"code": "L2", "name": "Two", "up": "L1"}, {"type": "Point", "coordinates": [36.2, 33.2]}),
    )
    fields = FieldNames(code="code", name="name", parent="up")
    before = db.read_bytes()
    with pytest.raises(ImportProblem) as caught:
        import_boundaries(db, geojson(tmp_path, loop, "loop.geojson"), fields=fields)
    assert any("form a cycle" in p for p in caught.value.problems)
    # An orphan in the database given its own child as parent: refused too.
    tables = base_tables()
    tables["regions"] += [
        {"id": "ORPH", "name": "Orphan", "level": "district", "parent": None},
        {"id": "KID", "name": "Kid", "level": "sub-district", "parent": "ORPH"},
    ]
    write_tables(db, tables)
    before = db.read_bytes()
    adopt = collection(feature({"code": "ORPH", "name": "Orphan", "up": "KID"}, {"type": "Point", "coordinates": [36.0, 33.0]}))
    with pytest.raises(ImportProblem) as caught:
        import_boundaries(db, geojson(tmp_path, adopt, "adopt.geojson"), fields=fields)
    assert any("would form a cycle" in p for p in caught.value.problems)
    assert db.read_bytes() == before


def test_codes_differing_only_in_case_are_duplicates_and_float_codes_match(tmp_path: Path, db: Path) -> None:
    data = collection(
        feature({"PCODE": "SY9907", "NAME_EN": "One", "ADMIN1_COD": "SY99"}, {"type": "Point", "coordinates": [36.1, 33.1]}),
        feature({"PCODE": "sy9907", "NAME_EN": "Two", "ADMIN1_COD": "SY99"}, {"type": "Point", "coordinates": [36.2, 33.2]}),
    )
    with pytest.raises(ImportProblem) as caught:
        import_boundaries(db, geojson(tmp_path, data), source="gaz")
    assert any("feature 2: duplicate code sy9907 (also feature 1)" in p for p in caught.value.problems)
    numeric = collection(
        feature({"code": 760101.0, "name": "Numbered", "up": "SY99"}, {"type": "Point", "coordinates": [36.1, 33.1]})
    )
    import_boundaries(db, geojson(tmp_path, numeric, "n.geojson"), fields=FieldNames(code="code", name="name", parent="up"))
    with Store.open(db) as store:
        assert "760101" in store.regions
