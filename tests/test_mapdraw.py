"""The map rasteriser, headless: exact text for small known scenes.

Most scenes use a view centred on (0, 0) whose dots are 0.01 degree
(1.1132 km) across and down, so a point at (lon, lat) falls on dot
x = cols + 100 * lon, y = 2 * rows - 100 * lat; points sit at dot centres
so rounding never decides a cell. In the expected text "·" stands for an
empty cell.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from tui.mapdraw import (
    DEFAULT_KM_PER_COL,
    FILL_CHAR,
    FILL_CHARS,
    Frame,
    MapArea,
    MapPlace,
    View,
    draw,
    fit,
    frame_text,
    outlines,
    scale_bar,
)

ROOT = Path(__file__).resolve().parent.parent
KM = 2.2264  # km per column: one dot = 0.01 degree at the equator


def text(frame: Frame) -> str:
    return frame_text(frame).replace(" ", "·")


def key_letters(frame: Frame) -> list[str]:
    """One letter per cell: the first letter of its style key, '.' for none."""
    return ["".join((key[0] if key else ".") * len(chunk) for chunk, key in runs) for runs in frame.rows]


def centre_of(view: View, col: int, row: int) -> tuple[float, float]:
    return view.unproject(2 * col + 1, 4 * row + 2)


def place(pid: str, name: str, lonlat: tuple[float, float], key: str = "government", glyph: str = "■",
          rank: int = 1) -> MapPlace:
    return MapPlace(pid, name, lonlat[0], lonlat[1], key, glyph, rank)


def ring(x0: float, y0: float, x1: float, y1: float) -> tuple[tuple[float, float], ...]:
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))


def test_known_points_land_in_their_cells_with_their_glyphs() -> None:
    view = View(0.0, 0.0, KM, 10, 3)
    x, y = view.project(0.03, -0.02)
    assert (round(x, 9), round(y, 9)) == (13.0, 8.0)
    assert view.cell_of(0.03, -0.02) == (6, 2)
    assert view.cell_of(0.2, 0.0) is None and view.cell_of(0.0, -0.061) is None
    places = [
        place("a", "A", (-0.095, 0.055)),
        place("b", "B", (0.095, -0.055), "jihadist", "◆"),
        place("c", "C", (0.005, 0.005), "opposition", "▲"),
    ]
    frame = draw(view, outlines(view, []), places, labels=False)
    assert text(frame) == "■·········\n·····▲····\n·········◆"
    assert frame.markers == {"a": (0, 0), "b": (9, 2), "c": (5, 1)}
    assert key_letters(frame) == ["g.........", ".....o....", ".........j"]
    # The legend follows the bloc order, not the order of the places.
    assert [key for key, _, _ in frame.legend] == ["government", "opposition", "jihadist"]
    assert frame.legend[0] == ("government", "■", "Government")
    assert frame.labelled == frozenset()
    assert all(len(line) == 10 for line in frame_text(frame).split("\n"))


SQUARE = ring(-0.075, 0.095, 0.075, -0.095)  # dots 0.5..15.5 across, 0.5..19.5 down
HOLE = ring(-0.035, 0.055, 0.035, -0.055)  # dots 4.5..11.5 across, 4.5..15.5 down


def test_a_square_with_a_square_hole_outlines_both_and_leaves_the_hole_unfilled() -> None:
    view = View(0.0, 0.0, KM, 8, 5)
    layer = outlines(view, [MapArea("sq", ((SQUARE, HOLE),), "district")])
    assert text(draw(view, layer, [])) == (
        "⡏⠉⠉⠉⠉⠉⠉⢹\n"
        "⡇·⡏⠉⠉⢹·⢸\n"
        "⡇·⡇··⢸·⢸\n"
        "⡇·⣇⣀⣀⣸·⢸\n"
        "⣇⣀⣀⣀⣀⣀⣀⣸"
    )
    # With a place inside, the ring between the outlines fills with its colour; the hole does not.
    frame = draw(view, layer, [place("p", "P", (-0.055, 0.075))], labels=False)
    assert text(frame) == (
        "⡏■⠉⠉⠉⠉⠉⢹\n"
        f"⡇{FILL_CHAR}⡏⠉⠉⢹{FILL_CHAR}⢸\n"
        f"⡇{FILL_CHAR}⡇··⢸{FILL_CHAR}⢸\n"
        f"⡇{FILL_CHAR}⣇⣀⣀⣸{FILL_CHAR}⢸\n"
        "⣇⣀⣀⣀⣀⣀⣀⣸"
    )
    assert key_letters(frame) == ["ogoooooo", "ogoooogo", "ogo..ogo", "ogoooogo", "oooooooo"]


def test_an_area_with_no_place_inside_stays_unfilled_and_a_place_outside_fills_nothing() -> None:
    view = View(0.0, 0.0, KM, 8, 5)
    layer = outlines(view, [MapArea("sq", ((SQUARE, HOLE),), "district")])
    in_the_hole = draw(view, layer, [place("p", "P", centre_of(view, 3, 2))], labels=False)
    assert FILL_CHAR not in frame_text(in_the_hole)
    assert text(in_the_hole).split("\n")[2] == "⡇·⡇■·⢸·⢸"


def test_an_area_held_by_two_sides_is_filled_by_the_nearest_place() -> None:
    view = View(0.0, 0.0, KM, 10, 2)
    everything = ring(-1.0, 1.0, 1.0, -1.0)  # larger than the screen: no outline on it
    layer = outlines(view, [MapArea("d", ((everything,),), "district")])
    places = [place("g", "G", centre_of(view, 1, 0)), place("o", "O", centre_of(view, 8, 1), "opposition", "▲")]
    frame = draw(view, layer, places, labels=False)
    # Each side shades with a pattern of its own, so the halves show without colour too.
    assert FILL_CHARS["government"] == FILL_CHAR == "⠡" and FILL_CHARS["opposition"] == "⠌"
    assert text(frame) == "⠡■⠡⠡⠡⠌⠌⠌⠌⠌\n⠡⠡⠡⠡⠡⠌⠌⠌▲⠌"
    # The straight distance in dots decides: cell (5, 0) is 8 dots from G and about 7.2 from O.
    assert key_letters(frame) == ["gggggooooo", "gggggooooo"]
    # The next day the opposition's place goes over: the same outlines, all one side.
    later = draw(view, layer, [places[0], place("o", "O", centre_of(view, 8, 1))], labels=False)
    assert key_letters(later) == ["gggggggggg", "gggggggggg"]
    assert text(later) == "⠡■⠡⠡⠡⠡⠡⠡⠡⠡\n⠡⠡⠡⠡⠡⠡⠡⠡■⠡"


def test_a_fill_stays_inside_its_own_area() -> None:
    view = View(0.0, 0.0, KM, 10, 2)
    west, east = ring(-0.1, 0.04, 0.0, -0.04), ring(0.0, 0.04, 0.1, -0.04)
    layer = outlines(view, [MapArea("w", ((west,),), "district"), MapArea("e", ((east,),), "district")])
    frame = draw(view, layer, [place("g", "G", centre_of(view, 1, 0))], labels=False)
    letters = key_letters(frame)
    assert all(set(row[5:]) <= {"o", "."} for row in letters), letters  # nothing of the west leaks east
    assert "g" in letters[1][:5]


def test_two_places_in_one_cell_keep_the_lower_rank_then_the_name() -> None:
    view = View(0.0, 0.0, KM, 6, 1)
    layer = outlines(view, [])
    lon, lat = centre_of(view, 2, 0)
    zed = place("z", "Zed", (lon, lat), rank=3)
    bee = place("b", "Bee", (lon + 0.004, lat), "opposition", "▲", rank=2)
    ant = place("a", "Ant", (lon - 0.004, lat), "jihadist", "◆", rank=2)
    frame = draw(view, layer, [zed, bee], labels=False)
    assert (text(frame), frame.markers) == ("··▲···", {"b": (2, 0)})
    frame = draw(view, layer, [zed, bee, ant], labels=False)
    assert (text(frame), frame.markers) == ("··◆···", {"a": (2, 0)})
    assert [key for key, _, _ in frame.legend] == ["jihadist"]
    # The highlighted place always takes its cell, in the highlight style.
    frame = draw(view, layer, [zed, bee, ant], labels=False, highlighted="z")
    assert (text(frame), frame.markers) == ("··■···", {"z": (2, 0)})
    assert key_letters(frame) == ["..h..."]


def test_zooming_out_thins_the_markers() -> None:
    view = View(0.0, 0.0, KM, 10, 3)
    places = [place(f"p{i}", f"P{i}", (-0.09 + 0.02 * i, 0.0), rank=i % 3) for i in range(10)]
    near = draw(view, outlines(view, []), places, labels=False)
    far_view = view.zoomed(0.25)
    far = draw(far_view, outlines(far_view, []), places, labels=False)
    assert len(near.markers) == 10
    assert 1 <= len(far.markers) < 10
    assert {pid for pid in far.markers} <= {p.id for p in places if p.rank == 0}


def test_labels_are_not_written_over_one_another() -> None:
    view = View(0.0, 0.0, KM, 16, 4)
    layer = outlines(view, [])
    alpha = place("A", "Alpha", centre_of(view, 0, 1), rank=1)
    bravo = place("B", "Bravo", centre_of(view, 2, 2), "opposition", "▲", rank=2)
    cee = place("C", "Cee", centre_of(view, 15, 3), "jihadist", "◆", rank=3)
    frame = draw(view, layer, [cee, bravo, alpha])
    # Bravo's name would touch Alpha's (a cell of margin around every label): it is left out.
    # Cee has no room on its right, so its name goes to the left.
    assert text(frame) == (
        "················\n"
        "■Alpha··········\n"
        "··▲·············\n"
        "············Cee◆"
    )
    assert frame.labelled == {"A", "C"}
    assert key_letters(frame)[1] == "glllll.........."
    assert frame.markers == {"A": (0, 1), "B": (2, 2), "C": (15, 3)}


def test_the_highlighted_place_is_labelled_first() -> None:
    view = View(0.0, 0.0, KM, 16, 4)
    layer = outlines(view, [])
    alpha = place("A", "Alpha", centre_of(view, 0, 1), rank=1)
    bravo = place("B", "Bravo", centre_of(view, 2, 2), "opposition", "▲", rank=2)
    frame = draw(view, layer, [alpha, bravo], highlighted="B")
    assert text(frame) == (
        "················\n"
        "■···············\n"
        "··▲Bravo········\n"
        "················"
    )
    assert frame.labelled == {"B"}
    assert key_letters(frame)[2] == "..hhhhhh........"


def test_the_highlighted_place_is_labelled_even_with_no_room() -> None:
    view = View(0.0, 0.0, KM, 10, 1)
    layer = outlines(view, [])
    crowd = [place(f"p{c}", f"P{c}", centre_of(view, c, 0), rank=1) for c in (2, 4, 5, 6)]
    target = place("t", "Tall", centre_of(view, 3, 0), "opposition", "▲", rank=9)
    frame = draw(view, layer, [*crowd, target], highlighted="t")
    assert text(frame) == "P2■▲Tall··"
    assert frame.labelled == {"t", "p2"}
    # The markers under the name are no longer drawn, and say so.
    assert set(frame.markers) == {"p2", "t"}
    assert key_letters(frame) == ["llghhhhh.."]
    # Without the highlight only the places at the ends of the row have room.
    plain = draw(view, layer, [*crowd, target])
    assert (text(plain), plain.labelled) == ("P2■▲■■■P6·", {"p2", "p6"})


def test_labels_show_stored_names_cleaned() -> None:
    view = View(0.0, 0.0, KM, 16, 1)
    frame = draw(view, outlines(view, []), [place("x", "Al\x1b[31mpha\n[/]", centre_of(view, 0, 0))])
    assert text(frame) == "■Al[31mpha·[/]··"
    assert frame.labelled == {"x"}


def test_views_round_trip() -> None:
    view = View(36.3, 33.5, 1.5, 80, 24)
    for lon, lat in ((36.3, 33.5), (36.1, 33.7), (36.9, 33.2)):
        back = view.unproject(*view.project(lon, lat))
        assert back == pytest.approx((lon, lat), abs=1e-9)
    assert view.project(36.3, 33.5) == pytest.approx((80.0, 48.0))
    zoomed = view.zoomed(2)
    assert zoomed.km_per_col == pytest.approx(0.75)
    assert (zoomed.centre_lon, zoomed.centre_lat, zoomed.cols, zoomed.rows) == (36.3, 33.5, 80, 24)
    assert zoomed.zoomed(0.5).km_per_col == pytest.approx(1.5)
    # Panning 3 columns right leaves the old centre 3 columns (6 dots) left of the middle;
    # 2 rows up leaves it 2 rows (8 dots) below.
    assert view.panned(3, 0).project(36.3, 33.5) == pytest.approx((80.0 - 6, 48.0))
    assert view.panned(0, -2).project(36.3, 33.5) == pytest.approx((80.0, 48.0 + 8))
    assert view.panned(0, -2).centre_lat > 33.5 and view.panned(3, 0).centre_lon > 36.3
    back = view.panned(3, -2).panned(-3, 2)
    assert (back.centre_lon, back.centre_lat) == pytest.approx((36.3, 33.5))
    resized = view.resized(120, 40)
    assert (resized.cols, resized.rows, resized.km_per_col) == (120, 40, 1.5)
    assert resized.project(36.3, 33.5) == pytest.approx((120.0, 80.0))


def test_one_row_down_is_the_same_ground_as_two_columns_across() -> None:
    # A cell is about twice as tall as wide: 4 dots down cover 2 columns' worth of ground.
    view = View(0.0, 0.0, 1.0, 10, 10)
    east = view.unproject(view.cols + 4, 2 * view.rows)  # two columns right of the centre
    south = view.unproject(view.cols, 2 * view.rows + 4)  # one row down
    km_east = east[0] * 111.32
    km_south = -south[1] * 111.32
    assert km_east == pytest.approx(2.0) and km_south == pytest.approx(2.0)


def box(lon: float, lat: float) -> tuple[tuple[float, float], ...]:
    return ring(lon - 0.05, lat + 0.05, lon + 0.05, lat - 0.05)


def test_a_degree_of_longitude_is_shorter_at_33_5_north() -> None:
    at_equator = View(36.35, 0.0, 2.0, 8, 4)
    equator_frame = draw(at_equator, outlines(at_equator, [MapArea("b", ((box(36.35, 0.0),),), "d")]), [])
    assert text(equator_frame) == (
        "·⡤⠤⠤⠤⠤⢤·\n"
        "·⡇····⢸·\n"
        "·⡇····⢸·\n"
        "·⠓⠒⠒⠒⠒⠚·"
    )  # 12 dots by 12: square
    at_damascus = View(36.35, 33.5, 2.0, 8, 4)
    damascus_frame = draw(at_damascus, outlines(at_damascus, [MapArea("b", ((box(36.35, 33.5),),), "d")]), [])
    assert text(damascus_frame) == (
        "·⢠⠤⠤⠤⠤⡄·\n"
        "·⢸····⡇·\n"
        "·⢸····⡇·\n"
        "·⠘⠒⠒⠒⠒⠃·"
    )  # 10 dots across, 12 down
    x0, y0 = at_damascus.project(36.3, 33.55)
    x1, y1 = at_damascus.project(36.4, 33.45)
    assert (x1 - x0) / (y1 - y0) == pytest.approx(math.cos(math.radians(33.5)))


def test_fit_shows_the_whole_box() -> None:
    bounds = (36.0, 33.2, 36.9, 33.8)
    for cols, rows in ((80, 24), (120, 40), (30, 30)):
        view = fit(bounds, cols, rows)
        for lon in (bounds[0], bounds[2]):
            for lat in (bounds[1], bounds[3]):
                assert view.cell_of(lon, lat) is not None, (cols, rows, lon, lat)
        # ... and not much more: one of the two directions is nearly filled.
        x0, y0 = view.project(bounds[0], bounds[3])
        x1, y1 = view.project(bounds[2], bounds[1])
        assert max((x1 - x0) / (2 * cols), (y1 - y0) / (4 * rows)) == pytest.approx(0.88, abs=0.01)
    point = fit((36.3, 33.5, 36.3, 33.5), 80, 24)
    assert point.km_per_col == DEFAULT_KM_PER_COL
    assert point.cell_of(36.3, 33.5) == (40, 12)


def test_the_scale_bar_is_a_round_number() -> None:
    assert scale_bar(1.0) == "├───┤ 5 km"
    assert scale_bar(2.2264) == "├───────┤ 20 km"
    assert scale_bar(0.1) == "├───┤ 500 m"
    assert scale_bar(12.0) == "├──────┤ 100 km"  # 8.3 columns, rounded
    for km in (0.013, 0.4, 1.7, 3.3, 25.0, 400.0):
        bar = scale_bar(km)
        assert len(bar) <= 16, bar
        assert bar.startswith("├") and "┤ " in bar


def test_the_renderer_imports_neither_textual_nor_rich() -> None:
    code = ("import json, sys\nimport tui.mapdraw\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'textual'))))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []


def test_an_empty_view_draws_nothing_and_a_zoom_must_be_positive() -> None:
    empty = View(0.0, 0.0, KM, 0, 3)
    frame = draw(empty, outlines(empty, []), [place("a", "A", (0.0, 0.0))])
    assert frame_text(frame) == "\n\n" and frame.markers == {}
    with pytest.raises(ValueError):
        View(0.0, 0.0, KM, 10, 3).zoomed(0)


def test_a_layer_reuses_the_winners_of_each_cell_and_notices_other_places() -> None:
    """Which place holds each cell is kept between frames of the same places; a
    new side is drawn, and a different set of places is worked out again."""
    view = View(0.0, 0.0, KM, 10, 3)
    layer = outlines(view, [])
    a = place("a", "A", centre_of(view, 2, 1), rank=1)
    b = place("b", "B", centre_of(view, 2, 1), rank=2)  # the same cell: A wins (lower rank)
    c = place("c", "C", centre_of(view, 7, 1))
    first = draw(view, layer, [a, b, c], labels=False)
    assert first.markers == {"a": (2, 1), "c": (7, 1)}
    moved_on = [place("a", "A", centre_of(view, 2, 1), key="opposition", glyph="▲", rank=1), b, c]
    second = draw(view, layer, moved_on, labels=False)  # a new date: only A's side changed
    assert frame_text(second).split("\n")[1][2] == "▲" and second.markers == first.markers
    assert key_letters(second)[1][2] == "o"
    others = draw(view, layer, [b, c], labels=False)  # A gone: B now holds the cell
    assert others.markers == {"b": (2, 1), "c": (7, 1)}
    highlighted = draw(view, layer, [b, c], highlighted="c", labels=False)
    assert key_letters(highlighted)[1][7] == "h"
