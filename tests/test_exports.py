"""The exports (store.exports) checked in-process, and the palette's exports
driven with Pilot.

GeoJSON: RFC 7946's shapes (types, [lon, lat] order, numbers, rings closed
and wound by the right-hand rule). CSV: formula cells neutralised, read
back with the csv module. Markdown: the report on Douma district in April
2018 against a golden file, and names that look like markup kept literal.

The golden file: ``tests/golden/douma-2018-04.md``. When the report's
layout or the bundled data changes on purpose, regenerate it with::

    FRONTLINES_UPDATE_GOLDEN=1 PYTHONPATH=. python -m pytest -q tests/test_exports.py -k golden

then read the diff (``git diff tests/golden``) before committing it.
"""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from store import Store
from store.exports import (
    BOM,
    FIELDS,
    csv_text,
    geojson_collection,
    geojson_text,
    markdown_report,
    md,
    neutralise,
    place_rows,
)

GOLDEN = Path(__file__).parent / "golden"
ROOT = "FL-DAMASCUS-PROVINCE"
DAY = date(2018, 4, 30)


# --- a small store with hostile names -------------------------------------------------------

HOSTILE = {
    "P-EQ": "=HYPERLINK(\"http://evil.example\",\"click\")",
    "P-PLUS": "+1",
    "P-MINUS": "-2",
    "P-AT": "@SUM(A1:A9)",
    "P-TAB": "\tx",
    "P-SPACE": "  =1+1",
    "P-MD": "*Bold* _it_ [link](http://x) `code` <b>tag</b> a|b # x",
    "P-HASH": "# Heading",
    "P-RICH": "[/] [link=http://x]y[/link] [@click=app.quit]z",
}


def hostile_tables() -> dict[str, list[dict[str, Any]]]:
    regions: list[dict[str, Any]] = [
        {"id": "ROOT", "name": "Test Province", "level": "province", "parent": None},
        {"id": "D1", "name": "[District] *One*", "level": "district", "parent": "ROOT",
         "outline": [[[[36.0, 33.0], [36.0, 34.0], [37.0, 34.0], [37.0, 33.0], [36.0, 33.0]]]]},
    ]
    for n, (rid, name) in enumerate(HOSTILE.items()):
        regions.append({"id": rid, "name": name, "level": "community", "parent": "D1",
                        "lat": 33.1 + n / 100, "lon": 36.1 + n / 100})
    regions.append({"id": "P-NOWHERE", "name": "Nowhere", "level": "community", "parent": "D1"})
    regions.append({"id": "P-SHAPE", "name": "Shape", "level": "neighbourhood", "parent": "D1", "lat": 33.5, "lon": 36.5,
                    # Two polygons, the first wound clockwise, with a counter-clockwise hole.
                    "outline": [
                        [[[36.4, 33.4], [36.4, 33.6], [36.6, 33.6], [36.6, 33.4], [36.4, 33.4]],
                         [[36.45, 33.45], [36.55, 33.45], [36.55, 33.55], [36.45, 33.55], [36.45, 33.45]]],
                        [[[36.7, 33.7], [36.8, 33.7], [36.8, 33.8], [36.7, 33.7]]],
                    ]})
    periods = [
        {"id": "per-eq", "region": "P-EQ", "faction": "f-bad", "status": "held", "from": "2018-03-01", "to": None,
         "sources": ["s-bad"], "confidence": "high", "start_event": "ev-1"},
        {"id": "per-md-0", "region": "P-MD", "faction": "saa", "status": "besieged", "from": "2016-01-01",
         "to": "2018-04-09", "sources": ["s-bad"], "confidence": "low"},
        {"id": "per-md-1", "region": "P-MD", "faction": "f-bad", "status": "held", "from": "2018-04", "to": None,
         "from_precision": "month", "sources": ["s-bad"], "confidence": "medium", "start_event": "ev-1"},
    ]
    # per-md-1 starts on the month's first day, as a month-precise start is stored
    periods[2]["from"] = "2018-04-01"
    periods[1]["to"] = "2018-03-31"
    return {
        "meta": [{"schema_version": 1, "title": "Hostile *test*", "span_from": "2016-01-01", "span_to": "2018-12-31"}],
        "sources": [
            {"id": "s-bad", "publication": "=cmd|' /C calc'!A0", "title": "[Title] *x* <script>",
             "url": "http://example.org/a_b", "kind": "news"},
            {"id": "s-fig", "publication": "Figures Weekly", "title": "Counts", "kind": "news"},
        ],
        "factions": [
            {"id": "saa", "name": "Syrian Arab Army", "short": "SAA", "bloc": "government"},
            {"id": "f-bad", "name": "-Faction_[x]", "short": "FX", "bloc": "opposition"},
        ],
        "regions": regions,
        "periods": periods,
        "events": [
            {"id": "ev-1", "date": "2018-04", "precision": "month", "type": "takeover",
             "title": "The `*takeover*` of [P]", "places": ["P-MD", "P-EQ"],
             "figures": [{"label": "fighters_evacuated", "low": 1500, "high": 2000, "approximate": True,
                          "source": "s-fig"},
                         {"label": "buses", "low": 40, "high": 40, "unit": "buses"}],
             "sources": ["s-bad"]},
        ],
    }


@pytest.fixture(scope="module")
def hostile() -> Store:
    return Store.from_tables(hostile_tables())


# --- GeoJSON ----------------------------------------------------------------------------------


def _signed_area(ring: list[list[float]]) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:])) / 2


def _check_position(position: Any) -> None:
    assert isinstance(position, list) and len(position) == 2
    lon, lat = position
    assert all(isinstance(v, float) for v in position), position
    assert -180 <= lon <= 180 and -90 <= lat <= 90


def _check_polygon(rings: list[list[list[float]]]) -> None:
    for index, ring in enumerate(rings):
        assert len(ring) >= 4 and ring[0] == ring[-1], "a linear ring: closed, four positions or more"
        for position in ring:
            _check_position(position)
        area = _signed_area(ring)
        assert (area > 0) if index == 0 else (area < 0), "exterior counter-clockwise, holes clockwise"


def check_rfc7946(data: dict[str, Any]) -> None:
    assert data["type"] == "FeatureCollection"
    assert isinstance(data["features"], list)
    for feature in data["features"]:
        assert feature["type"] == "Feature"
        assert isinstance(feature["properties"], dict)
        assert isinstance(feature["id"], str)
        geometry = feature["geometry"]
        if geometry is None:
            continue
        assert set(geometry) == {"type", "coordinates"}
        if geometry["type"] == "Point":
            _check_position(geometry["coordinates"])
        elif geometry["type"] == "Polygon":
            _check_polygon(geometry["coordinates"])
        elif geometry["type"] == "MultiPolygon":
            assert len(geometry["coordinates"]) > 1
            for polygon in geometry["coordinates"]:
                _check_polygon(polygon)
        else:  # pragma: no cover - a failure
            pytest.fail(f"unexpected geometry {geometry['type']}")


def test_geojson_of_the_province_is_rfc7946_and_lists_every_place(bundled_store: Store) -> None:
    data = json.loads(geojson_text(bundled_store, ROOT, DAY))
    check_rfc7946(data)
    units = bundled_store.units(ROOT)
    assert [f["id"] for f in data["features"]] == list(units)
    assert len(units) == 297
    kinds = {f["geometry"]["type"] for f in data["features"] if f["geometry"]}
    assert kinds == {"Point", "Polygon"} or kinds == {"Point", "Polygon", "MultiPolygon"}


def test_geojson_points_are_lon_lat(bundled_store: Store) -> None:
    data = geojson_collection(bundled_store, "SY0302", DAY)
    douma = next(f for f in data["features"] if f["id"] == "C2338")
    region = bundled_store.regions["C2338"]
    assert douma["geometry"] == {"type": "Point", "coordinates": [region.lon, region.lat]}
    assert region.lon is not None and region.lon > region.lat  # 36.4 E, 33.6 N: the order is visible


def test_geojson_properties_say_who_held_the_place_since_when_and_on_what_evidence(bundled_store: Store) -> None:
    data = geojson_collection(bundled_store, "SY0302", date(2018, 4, 19))
    dumair = next(f for f in data["features"] if f["id"] == "C2346")["properties"]
    assert list(dumair) == list(FIELDS)
    control = bundled_store.control("C2346", date(2018, 4, 19))
    assert control.period is not None
    assert dumair["name"] == "Dumair" and dumair["name_ar"] == "الضمير" and dumair["pcode"] == "C2346"
    assert dumair["controller_id"] == "jaysh-al-islam" or dumair["controller"] == "Jaysh al-Islam"
    assert dumair["controller"] == "Jaysh al-Islam" and dumair["bloc"] == "opposition"
    assert dumair["status"] == "truce"
    assert dumair["since"] == control.since.isoformat() if control.since else dumair["since"] is None
    assert dumair["until"] == "2018-04-19"
    assert dumair["source_ids"] == list(control.period.sources) and dumair["source_ids"]
    assert all(isinstance(c, str) and c for c in dumair["sources"])
    assert dumair["as_of"] == "2018-04-19" and dumair["confidence"] == control.period.confidence


def test_geojson_rewinds_rings_keeps_multipolygons_and_nulls_a_place_without_location(hostile: Store) -> None:
    data = geojson_collection(hostile, "ROOT", DAY)
    check_rfc7946(data)
    by_id = {f["id"]: f for f in data["features"]}
    assert by_id["P-NOWHERE"]["geometry"] is None
    assert by_id["P-NOWHERE"]["properties"]["status"] == "not-recorded"
    assert by_id["P-NOWHERE"]["properties"]["bloc"] == "not-recorded"
    shape = by_id["P-SHAPE"]["geometry"]
    assert shape["type"] == "MultiPolygon" and len(shape["coordinates"]) == 2
    assert len(shape["coordinates"][0]) == 2  # the hole kept
    # The outer ring was stored clockwise: the same positions, reversed.
    stored = hostile.regions["P-SHAPE"].outline
    assert stored is not None
    assert shape["coordinates"][0][0] == [list(p) for p in reversed(stored[0][0])]


# --- CSV -----------------------------------------------------------------------------------------


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("region_id", list(HOSTILE))
def test_csv_neutralises_formula_cells(hostile: Store, region_id: str) -> None:
    rows = {row["id"]: row for row in _rows(csv_text(hostile, "ROOT", DAY))}
    name = HOSTILE[region_id]
    cell = rows[region_id]["name"]
    if name.lstrip(" ")[:1] in ("=", "+", "-", "@", "\t"):
        assert cell == "'" + name
    else:
        assert cell == name


def test_csv_neutralises_every_column_not_only_names(hostile: Store) -> None:
    text = csv_text(hostile, "ROOT", DAY)
    rows = {row["id"]: row for row in _rows(text)}
    eq = rows["P-EQ"]
    assert eq["controller"] == "'-Faction_[x]"
    assert eq["sources"].startswith("'=cmd|")
    # No cell of the whole file starts with what a spreadsheet would run.
    for row in csv.reader(io.StringIO(text, newline="")):
        for cell in row:
            assert cell.lstrip(" ")[:1] not in ("=", "+", "-", "@", "\t", "\r"), cell


def test_neutralise() -> None:
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("\r=1") == "'\r=1"
    assert neutralise("Douma") == "Douma"
    assert neutralise("a-b") == "a-b"
    assert neutralise("") == ""


def test_csv_with_a_bom_is_the_same_csv_after_the_mark_and_still_neutralised(hostile: Store) -> None:
    plain = csv_text(hostile, "ROOT", DAY)
    text = csv_text(hostile, "ROOT", DAY, bom=True)
    assert BOM == "\ufeff" and text.encode("utf-8")[:3] == b"\xef\xbb\xbf"
    assert text == BOM + plain and not plain.startswith(BOM)
    # Read as Excel's users' tools do: the mark is dropped, the header is ours,
    # unquoted and whole, and every cell is neutralised as without the mark.
    read = text.encode("utf-8").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(read, newline="")))
    assert rows[0] == list(FIELDS) and rows[0][0] == "id"
    assert rows == list(csv.reader(io.StringIO(plain, newline="")))
    by_id = {row["id"]: row for row in _rows(read)}
    assert by_id["P-EQ"]["name"] == "'" + HOSTILE["P-EQ"] and by_id["P-EQ"]["sources"].startswith("'=cmd|")
    for row in rows[1:]:
        for cell in row:
            assert cell.lstrip(" ")[:1] not in ("=", "+", "-", "@", "\t", "\r"), cell


def test_csv_of_the_province_has_a_header_and_the_geojson_fields(bundled_store: Store) -> None:
    text = csv_text(bundled_store, ROOT, DAY)
    assert text.startswith(",".join(FIELDS) + "\r\n")
    rows = _rows(text)
    expected = place_rows(bundled_store, ROOT, DAY)
    assert len(rows) == len(expected) == 297
    for row, want in zip(rows, expected):
        assert row["id"] == want["id"] and row["name"] == want["name"]
        assert row["source_ids"] == " | ".join(want["source_ids"])
        assert row["lat"] == ("" if want["lat"] is None else repr(want["lat"]))
        assert row["controller"] == (want["controller"] or "")


# --- Markdown ---------------------------------------------------------------------------------


def test_golden_markdown_report_douma_district_april_2018(bundled_store: Store) -> None:
    text = markdown_report(bundled_store, "SY0302", date(2018, 4, 1), date(2018, 4, 30))
    golden = GOLDEN / "douma-2018-04.md"
    if os.environ.get("FRONTLINES_UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), (
        "the report differs from tests/golden/douma-2018-04.md; if the change is meant, regenerate it "
        "(see this module's docstring)"
    )


def test_report_numbers_each_source_once(bundled_store: Store) -> None:
    text = markdown_report(bundled_store, "SY0302", date(2018, 4, 1), date(2018, 4, 30))
    listed = [line for line in text.split("## Sources", 1)[1].splitlines() if line[:1].isdigit()]
    found = bundled_store.changes_between("SY0302", date(2018, 4, 1), date(2018, 4, 30))
    distinct = {s.id for item in found for s in item.sources}
    assert len(listed) == len(distinct)
    assert [int(line.split(".", 1)[0]) for line in listed] == list(range(1, len(listed) + 1))


def test_report_groups_changes_by_district(bundled_store: Store) -> None:
    text = markdown_report(bundled_store, "SY03", date(2018, 4, 1), date(2018, 4, 30))
    headings = [line for line in text.splitlines() if line.startswith("### ")]
    changes = text.split("## Changes of control", 1)[1].split("## Situation on", 1)[0]
    district_headings = [line for line in changes.splitlines() if line.startswith("### ")]
    assert district_headings and all("(district, " in line for line in district_headings)
    assert any(line.startswith("### Douma (district, SY0302)") for line in district_headings)
    assert len(headings) > len(district_headings)  # the situation's groups follow


def test_report_prints_markup_like_names_literally(hostile: Store) -> None:
    text = markdown_report(hostile, "ROOT", date(2018, 4, 1), date(2018, 4, 30))
    # Every stored name appears escaped, never as live markup.
    assert "\\*Bold\\* \\_it\\_ \\[link\\](http://x) \\`code\\` \\<b\\>tag\\</b\\> a\\|b # x" in text
    assert "\\# Heading" in text
    assert "\\[/\\] \\[link=http://x\\]y\\[/link\\] \\[@click=app.quit\\]z" in text
    assert "\\-Faction\\_\\[x\\] (held)" in text
    assert "The \\`\\*takeover\\*\\` of \\[P\\]" in text
    assert "\\[Title\\] \\*x\\* \\<script\\>" in text
    assert "<script>" not in text and "[link](" not in text
    # Figures as ranges, the figure's own source numbered with the others.
    assert "  - fighters\\_evacuated: about 1,500 to 2,000 [2]" in text
    assert "buses: 40 buses" in text
    assert "Figures Weekly" in text
    # Dates with their precision; the change to a month-precise period says so.
    assert "**2018-04 (month known)**" in text
    # No line starts with stored text that could become a heading or a list item.
    for line in text.splitlines():
        assert not line.startswith(("# [", "#  ", "# *", "-Faction", "=")), line


def test_md_escapes() -> None:
    assert md("a*b_c") == "a\\*b\\_c"
    assert md("# x") == "\\# x"
    assert md("1. x") == "1\\. x"
    assert md("a\nb") == "a b"
    assert md("<http://x>") == "\\<http://x\\>"
    assert md(None) == ""


def test_report_with_no_changes_says_so(bundled_store: Store) -> None:
    text = markdown_report(bundled_store, "SY0302", date(2016, 2, 1), date(2016, 2, 2))
    assert "No change of control is recorded under Douma in the window." in text
    assert "## Situation on 2016-02-02" in text
    assert "No source is cited above." in text


# --- the palette --------------------------------------------------------------------------


def _messages(app: Any) -> list[str]:
    """The status line's messages (what the messages screen lists), as plain text."""
    from tui.widgets.chronicle import Chronicle

    return [m.plain for m in app.query_one(Chronicle).messages]


def _toasts(app: Any, severity_class: str) -> list[str]:
    """The text of the notifications on the screen with this severity."""
    from textual.widgets._toast import Toast

    return [t.render().plain for t in app.screen.query(Toast) if t.has_class(severity_class)]


async def _palette(pilot: Any, query: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause()
    for key in query:
        await pilot.press("space" if key == " " else key)
    await pilot.pause(0.3)


async def _export(pilot: Any, place: str, query: str) -> None:
    """Highlight ``place``, then run the palette's ``query`` command (an export) and let it write."""
    pilot.app.jump_to(place)
    await pilot.pause()
    await _palette(pilot, query)
    await pilot.press("enter")
    await pilot.pause(0.3)
    await pilot.pause()


@pytest.mark.parametrize(
    ("query", "suffix"),
    [("Export GeoJSON", ".geojson"), ("Export CSV", ".csv"), ("Export Markdown", ".md")],
)
async def test_palette_export_writes_the_file_into_the_current_directory(
    app_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, query: str, suffix: str
) -> None:
    monkeypatch.chdir(tmp_path)
    app = app_factory(at=date(2018, 4, 19))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await _export(pilot, "C2346", query)  # Dumair
        written = sorted(tmp_path.iterdir())
        assert len(written) == 1, written
        path = written[0]
        assert path.name.startswith("frontlines-C2346-") and path.suffix == suffix
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
        notes = _messages(app)
        assert any(str(path) in n and "Wrote" in n for n in notes), notes
        # The CSV is for a person to open, most often in Excel: it carries the
        # byte-order mark (export csv --bom), and the notification says so.
        says_bom = [("byte-order mark" in n and "Excel" in n) for n in notes if "Wrote" in n]
        assert says_bom == [suffix == ".csv"], notes
    assert data.startswith(b"\xef\xbb\xbf") == (suffix == ".csv")  # never in GeoJSON (RFC 7946) or Markdown
    if suffix == ".geojson":
        assert path.name == "frontlines-C2346-2018-04-19.geojson"
        data = json.loads(text)
        check_rfc7946(data)
        assert [f["properties"]["controller"] for f in data["features"]] == ["Jaysh al-Islam"]
    elif suffix == ".csv":
        assert data[3:].startswith(b"id,pcode,name,name_ar,")
        with open(path, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
        assert [(row["id"], row["name_ar"], row["status"]) for row in rows] == [("C2346", "الضمير", "truce")]
    else:
        assert text.startswith("# Situation report: Dumair, 2018-03-20 to 2018-04-19")


async def test_palette_export_failure_is_an_error_notification(
    app_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "frontlines-C2346-2018-04-19.geojson").mkdir()  # where the file would go
    app = app_factory(at=date(2018, 4, 19))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await _export(pilot, "C2346", "Export GeoJSON")
        errors = _toasts(app, "-error")
        assert len(errors) == 1 and "Could not write" in errors[0], errors
        assert any("Could not write" in n and "frontlines-C2346-2018-04-19.geojson" in n for n in _messages(app))
    assert [p.name for p in tmp_path.iterdir()] == ["frontlines-C2346-2018-04-19.geojson"]
    assert (tmp_path / "frontlines-C2346-2018-04-19.geojson").is_dir()


async def test_palette_export_label_names_the_place_literally(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.app import make_app

    monkeypatch.chdir(tmp_path)
    store = Store.from_tables(hostile_tables())
    app = make_app(store, at=date(2018, 4, 30), use_keymap_file=False)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await _export(pilot, "P-RICH", "Export CSV")
        assert app.is_running  # [@click=app.quit] was not run
        notes = _messages(app)
        assert any("[/] [link=http://x]y[/link] [@click=app.quit]z" in n for n in notes), notes
        assert any("[@click=app.quit]z" in n for n in _toasts(app, "-information")), _toasts(app, "-information")
    assert [p.name for p in tmp_path.iterdir()] == ["frontlines-P-RICH-2018-04-30.csv"]


def test_a_figure_of_one_reads_in_the_singular() -> None:
    from store.model import Figure

    assert Figure("fatalities", 1, 1, "people", approximate=True).text == "fatalities: about 1 person"
    assert Figure("fatalities", 1, 2, "people").text == "fatalities: 1-2 people"
    assert Figure("buses", 1, 1, "buses").text == "buses: 1 bus"
    assert Figure("evacuees", 1, 1, "convoys of the Red Crescent").unit_text == "convoys of the Red Crescent"
