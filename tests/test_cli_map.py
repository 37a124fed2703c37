"""``frontlines map``, run as a user runs it (the console script in a child
process; see tests/test_cli.py for the environment: no colour, 100 columns).
Who held what comes from :mod:`store` in-process, so the map is checked
against the store rather than against a snapshot.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from store import Store
from store.locate import bundled_path
from store.model import BLOCS, NOT_RECORDED_GLYPH
from test_cli import (  # noqa: F401  (env and bundled_env are fixtures)
    EXE,
    bundled_env,
    env,
    ok,
    one_error_line,
    period,
    run,
    small_tables,
    write_db,
)

BUNDLED = bundled_path()
D = date.fromisoformat
ROOT = Path(__file__).resolve().parent.parent
SCALE = re.compile(r"^├─*┤ \d+ (km|m)$")
BRAILLE = re.compile("[\u2800-\u28ff]")


@pytest.fixture(scope="module")
def store() -> Any:
    with Store.open(BUNDLED) as s:
        yield s


def parts(out: str) -> tuple[str, list[str], str, str]:
    """(heading, map rows, legend line, scale line) of the command's output."""
    lines = out.rstrip("\n").split("\n")
    return lines[0], lines[1:-2], lines[-2], lines[-1]


def test_the_province_map_has_a_heading_the_map_a_legend_and_a_scale(bundled_env: dict[str, str],
                                                                      store: Store) -> None:
    out = ok(bundled_env, "map", "--at", "2016-06-01", "--width", "90")
    heading, rows, legend, scale = parts(out)
    root = store.roots()[0]
    assert heading.startswith(f"{root.name} ({root.id}, province) on 2016-06-01: ")
    assert 8 <= len(rows) <= 45
    assert all(len(row) == 90 for row in rows), {len(row) for row in rows}
    assert SCALE.match(scale), scale
    drawn = "".join(rows)
    assert BRAILLE.search(drawn), "no outline or shading drawn"
    # The legend names exactly the blocs whose glyphs are on the map.
    named = {BLOCS[k].glyph for k in BLOCS if f"{BLOCS[k].glyph} {BLOCS[k].label}" in legend}
    assert named and named == {g for g in (b.glyph for b in BLOCS.values()) if g in drawn}
    assert ("○ not recorded" in legend) == (NOT_RECORDED_GLYPH in drawn)
    # Names are written where they fit.
    located = [r for r in store.regions.values() if r.lat is not None and not store.has_children(r.id)]
    assert sum(1 for r in located if f"{r.name}" in drawn) >= 5


def test_dumair_changes_hands_on_the_map(bundled_env: dict[str, str], store: Store) -> None:
    before_bloc = store.control("C2346", D("2018-04-19")).faction
    after_bloc = store.control("C2346", D("2018-04-21")).faction
    assert before_bloc is not None and after_bloc is not None
    before_glyph, after_glyph = before_bloc.glyph, after_bloc.glyph
    assert before_glyph != after_glyph
    before = run(bundled_env, "map", "C2346", "--at", "2018-04-19", "--width", "80")
    after = run(bundled_env, "map", "C2346", "--at", "2018-04-21", "--width", "80")
    assert before.returncode == after.returncode == 0, before.stderr + after.stderr
    heading, rows_before, legend_before, _ = parts(before.stdout)
    _, rows_after, legend_after, _ = parts(after.stdout)
    # A community is drawn within its district, highlighted and named.
    assert heading.startswith("Dumair (C2346) in Douma (SY0302, district) on 2018-04-19: ")
    line = next(i for i, row in enumerate(rows_before) if f"{before_glyph}Dumair" in row)
    col = rows_before[line].index(f"{before_glyph}Dumair")
    assert rows_after[line][col:col + 7] == f"{after_glyph}Dumair"
    # The cells around it are shaded for the new holder: some change, and only map cells change.
    changed = [(r, c) for r, (a, b) in enumerate(zip(rows_before, rows_after)) for c, (x, y) in enumerate(zip(a, b))
               if x != y]
    assert (line, col) in changed and len(changed) > 5
    assert all(BRAILLE.match(rows_after[r][c]) or rows_after[r][c] in "■▲◆●✚◧○" for r, c in changed)
    assert f"{before_glyph} {before_bloc.bloc.capitalize()}" in legend_before
    assert f"{after_glyph} {after_bloc.bloc.capitalize()}" in legend_after


def test_a_narrow_map_marks_fewer_places_and_says_so(bundled_env: dict[str, str]) -> None:
    narrow = parts(ok(bundled_env, "map", "--width", "30"))[0]
    wide = parts(ok(bundled_env, "map", "--width", "200"))[0]
    marked = [int(re.search(r"(\d+) marked", h).group(1)) if "marked" in h else None for h in (narrow, wide)]
    assert marked[0] is not None
    assert "a wider --width shows more" in narrow
    assert marked[1] is None or marked[1] > marked[0]


def test_the_width_follows_the_terminal(bundled_env: dict[str, str]) -> None:
    rows = parts(ok({**bundled_env, "COLUMNS": "64"}, "map"))[1]
    assert {len(row) for row in rows} == {64}


@pytest.mark.parametrize("args, code, words", [
    (("map", "--width", "5"), 2, "--width"),
    (("map", "--width", "wide"), 2, "--width"),
    (("map", "--at", "2020"), 2, "after the data"),
    (("map", "Nowhereville"), 1, "no place matches"),
])
def test_bad_arguments_are_one_line_errors(bundled_env: dict[str, str], args: tuple[str, ...], code: int,
                                           words: str) -> None:
    proc = run(bundled_env, *args)
    assert proc.returncode == code, proc.stderr
    assert words in one_error_line(proc)
    assert proc.stdout == ""


def small_map_db(tmp_path: Path) -> Path:
    regions = [
        {"id": "D1", "name": "East [/] District", "level": "district", "parent": "ROOT",
         "lat": 33.5, "lon": 36.5,
         "outline": [[[[36.3, 33.3], [36.7, 33.3], [36.7, 33.7], [36.3, 33.7], [36.3, 33.3]]]]},
        {"id": "C1", "name": "[link=x]West", "level": "community", "parent": "D1", "lat": 33.5, "lon": 36.35},
        {"id": "C2", "name": "East", "level": "community", "parent": "D1", "lat": 33.5, "lon": 36.65},
        {"id": "C3", "name": "Lost", "level": "community", "parent": "D1"},
    ]
    periods = [period("p1", "C1", "saa", "2016-01-01", None), period("p2", "C2", "fsa", "2016-01-01", None)]
    return write_db(tmp_path / "small.json", small_tables(regions=regions, periods=periods))


def test_a_small_map_shows_both_sides_names_literally_and_the_unlocated(env: dict[str, str],
                                                                       tmp_path: Path) -> None:
    db = str(small_map_db(tmp_path))
    out = ok({**env, "FRONTLINES_DB": db}, "map", "D1", "--width", "40")
    heading, rows, legend, scale = parts(out)
    assert heading == ("East [/] District (D1, district) on 2018-12-31: "
                       "2 places with a location; 1 place without one not drawn")
    assert legend == "■ Government  ▲ Opposition"
    # The district is 0.4 degree (44 km) tall: 20 rows at most for 40 columns, about 1.3 km a column.
    assert scale == "├──────┤ 10 km"
    assert len(rows) == 20
    west = next(row for row in rows if "■" in row)
    assert "■[link=x]West" in west and "▲" in west
    east = next(row for row in rows if "▲" in row)
    assert "East▲" in east or "▲East" in east
    # West of the middle the district is shaded for the government, east for the opposition.
    middle = rows[len(rows) // 2]
    assert "⠡" in middle[: len(middle) // 2] and "⠌" not in middle[: len(middle) // 2 - 2]
    assert "⠌" in middle[len(middle) // 2:] and "⠡" not in middle[len(middle) // 2 + 2:]


def test_a_place_with_nothing_to_draw_is_an_error(env: dict[str, str], tmp_path: Path) -> None:
    db = str(small_map_db(tmp_path))
    proc = run({**env, "FRONTLINES_DB": db}, "map", "ROOT")
    # ROOT has the district's outline and two located places under it: it draws.
    assert proc.returncode == 0, proc.stderr
    bare = write_db(tmp_path / "bare.json", small_tables(
        regions=[{"id": "C9", "name": "Nowhere", "level": "community", "parent": "ROOT"}]))
    proc = run({**env, "FRONTLINES_DB": str(bare)}, "map", "ROOT")
    assert proc.returncode == 1
    assert one_error_line(proc) == (
        "frontlines: Test Province (ROOT) has no places with a location or outline to map")


def test_colour_is_only_style(bundled_env: dict[str, str]) -> None:
    plain = ok(bundled_env, "map", "SY0302", "--width", "70")
    coloured_env = {k: v for k, v in bundled_env.items() if k != "NO_COLOR"} | {"FORCE_COLOR": "1"}
    coloured = run(coloured_env, "map", "SY0302", "--width", "70")
    assert coloured.returncode == 0, coloured.stderr
    assert "\x1b[" in coloured.stdout
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured.stdout) == plain


def test_piped_map_does_not_import_rich_or_textual(bundled_env: dict[str, str]) -> None:
    code = ("import json, sys\nfrom tui.cli import main\nrc = main(['map', 'Dumair'])\n"
            "print('MODULES', json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'textual'))))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**bundled_env, "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path])},
                          encoding="utf-8")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.rsplit("MODULES ", 1)[1]) == []


def test_help_lists_the_map(env: dict[str, str]) -> None:
    assert "map" in ok(env, "--help")
    text = ok(env, "map", "--help")
    assert "--width N" in text and "--at DATE" in text
