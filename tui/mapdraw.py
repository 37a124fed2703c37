"""The map as text: places and outlines drawn in braille cells, no Textual, no Rich.

A terminal cell holds 2 x 4 braille dots; a cell is about twice as tall as
it is wide, so a dot is about square and one dot across or down is the same
ground distance (half a column's worth). The projection is equirectangular
about the view's centre, longitude shortened by the cosine of the centre's
latitude.

Drawing is split by what changes: :func:`outlines` rasterises the outlines
and works out which cells lie inside each area, once per :class:`View`
(zoom, pan, size); :func:`draw` puts the places of one date on top of that
(fills, markers, labels), cheaply, so stepping the date or moving the
highlight does not rasterise the world again. Colour is per cell: each cell
of a :class:`Frame` carries a style key ("outline", "label", "highlight",
or a place's colour key), and the caller maps keys to colours (or to none).

Only the standard library and :mod:`store` are imported here: the
``frontlines map`` command prints through this module on its plain path.
"""

from __future__ import annotations

import heapq
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Protocol

from store.model import BLOCS, MIXED_GLYPH, NOT_RECORDED, NOT_RECORDED_GLYPH, NOT_RECORDED_LABEL
from store.text import shown

if TYPE_CHECKING:
    from store import Store

Polygon = tuple[tuple[tuple[float, float], ...], ...]  # outer ring then holes, (lon, lat)

KM_PER_DEGREE = 111.32  # a degree of latitude (and of longitude at the equator)
DEFAULT_KM_PER_COL = 2.0  # the zoom for a single point
MIN_KM_PER_COL = 0.01
MAX_KM_PER_COL = 2000.0

BRAILLE = 0x2800
# Dot bits by [dot row 0..3][dot column 0..1].
DOT_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
FILL_MASK = 0x01 | 0x20  # a light pattern: one dot top left, one lower right
FILL_CHAR = chr(BRAILLE + FILL_MASK)
# Each colour key fills with a pattern of its own, so that without colour
# (NO_COLOR, a printout) the shading still tells the sides apart.
FILL_CHARS = {
    "government": FILL_CHAR,  # ⠡ falling
    "opposition": chr(BRAILLE + (0x04 | 0x08)),  # ⠌ rising
    "jihadist": chr(BRAILLE + (0x02 | 0x10)),  # ⠒ level
    "kurdish": chr(BRAILLE + (0x01 | 0x04)),  # ⠅ upright, left
    "other": chr(BRAILLE + (0x08 | 0x20)),  # ⠨ upright, right
    "mixed": chr(BRAILLE + (0x02 | 0x20)),  # ⠢
    "not-recorded": chr(BRAILLE + 0x04),  # ⠄ a single dot: nothing known
}

OUTLINE = "outline"
LABEL = "label"
HIGHLIGHT = "highlight"
MIXED = "mixed"

LEGEND_ORDER = (*BLOCS, MIXED, NOT_RECORDED)
LEGEND_LABELS = {b.id: b.label for b in BLOCS.values()} | {MIXED: "Mixed", NOT_RECORDED: NOT_RECORDED_LABEL}
LEGEND_GLYPHS = {b.id: b.glyph for b in BLOCS.values()} | {MIXED: MIXED_GLYPH, NOT_RECORDED: NOT_RECORDED_GLYPH}

SCALE_STEPS = (1, 2, 5)
SCALE_MAX_BAR = 9  # cells of the bar itself; with " 500 km" it fits in 16
LABEL_LIMIT = 40  # characters of a name at most


# --- the view -----------------------------------------------------------------


@dataclass(frozen=True)
class View:
    centre_lon: float
    centre_lat: float
    km_per_col: float  # ground distance across one terminal column (2 braille dots)
    cols: int
    rows: int

    @property
    def km_per_dot(self) -> float:
        return self.km_per_col / 2

    @property
    def _lon_km(self) -> float:
        """Kilometres in a degree of longitude at the centre's latitude."""
        return KM_PER_DEGREE * max(math.cos(math.radians(self.centre_lat)), 1e-6)

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        """Dot coordinates: x in [0, 2*cols), y in [0, 4*rows) on screen, y down."""
        dot = self.km_per_dot
        x = self.cols + (lon - self.centre_lon) * self._lon_km / dot
        y = 2 * self.rows - (lat - self.centre_lat) * KM_PER_DEGREE / dot
        return x, y

    def unproject(self, x: float, y: float) -> tuple[float, float]:
        dot = self.km_per_dot
        lon = self.centre_lon + (x - self.cols) * dot / self._lon_km
        lat = self.centre_lat - (y - 2 * self.rows) * dot / KM_PER_DEGREE
        return lon, lat

    def cell_of(self, lon: float, lat: float) -> tuple[int, int] | None:
        """The (col, row) a point falls in, or None off screen."""
        x, y = self.project(lon, lat)
        col, row = math.floor(x / 2), math.floor(y / 4)
        if 0 <= col < self.cols and 0 <= row < self.rows:
            return col, row
        return None

    def zoomed(self, factor: float) -> View:
        """``factor`` > 1 zooms in (fewer km per column), about the same centre."""
        if not factor > 0:
            raise ValueError(f"a zoom factor must be more than 0, not {factor}")
        km = min(max(self.km_per_col / factor, MIN_KM_PER_COL), MAX_KM_PER_COL)
        return replace(self, km_per_col=km)

    def panned(self, dcols: float, drows: float) -> View:
        """The centre moved by ``dcols`` columns right and ``drows`` rows down."""
        lon, lat = self.unproject(self.cols + 2 * dcols, 2 * self.rows + 4 * drows)
        return replace(self, centre_lon=lon, centre_lat=max(-89.0, min(89.0, lat)))

    def resized(self, cols: int, rows: int) -> View:
        return replace(self, cols=max(1, cols), rows=max(1, rows))


def fit(bounds: tuple[float, float, float, float], cols: int, rows: int, margin: float = 0.06) -> View:
    """A view showing the whole box ``(min_lon, min_lat, max_lon, max_lat)`` with a margin.

    A box of no size (a single point) gets :data:`DEFAULT_KM_PER_COL`.
    """
    min_lon, min_lat, max_lon, max_lat = bounds
    cols, rows = max(1, cols), max(1, rows)
    centre_lon, centre_lat = (min_lon + max_lon) / 2, (min_lat + max_lat) / 2
    lon_km = KM_PER_DEGREE * max(math.cos(math.radians(centre_lat)), 1e-6)
    width_km = abs(max_lon - min_lon) * lon_km
    height_km = abs(max_lat - min_lat) * KM_PER_DEGREE
    usable = max(1.0 - 2 * margin, 0.1)
    # One column is km_per_col across; one row is 4 dots = 2 * km_per_col down.
    km = max(width_km / (cols * usable), height_km / (2 * rows * usable))
    if km <= 0:
        km = DEFAULT_KM_PER_COL
    km = min(max(km, MIN_KM_PER_COL), MAX_KM_PER_COL)
    return View(centre_lon, centre_lat, km, cols, rows)


def rows_for(bounds: tuple[float, float, float, float], cols: int, margin: float = 0.06,
             least: int = 8, most: int | None = None) -> int:
    """The rows a map ``cols`` wide needs to show ``bounds`` at the zoom its width
    allows (for output with no height of its own: the text command)."""
    most = most if most is not None else max(least, cols // 2)
    wide = fit(bounds, cols, 10_000, margin)  # the width alone decides the zoom
    min_lon, min_lat, max_lon, max_lat = bounds
    height_km = abs(max_lat - min_lat) * KM_PER_DEGREE
    usable = max(1.0 - 2 * margin, 0.1)
    rows = math.ceil(height_km / (2 * wide.km_per_col * usable))
    return max(least, min(most, rows))


# --- what is drawn ------------------------------------------------------------


@dataclass(frozen=True)
class MapPlace:
    id: str
    name: str
    lon: float
    lat: float
    key: str  # colour key: a bloc id, "mixed" or "not-recorded"
    glyph: str  # one character
    rank: int  # lower = more important when thinning


@dataclass(frozen=True)
class MapArea:
    id: str
    polygons: tuple[Polygon, ...]
    level: str


@dataclass(frozen=True)
class Frame:
    rows: list[list[tuple[str, str | None]]]  # per screen row: runs of (text, style key) covering `cols` cells
    markers: dict[str, tuple[int, int]]  # place id -> (col, row) of its marker
    labelled: frozenset[str]  # place ids whose name was written
    legend: list[tuple[str, str, str]]  # (key, glyph, label) of the colour keys on screen
    scale: str  # e.g. "├───┤ 10 km"


# --- the outline layer ----------------------------------------------------------


@dataclass(eq=False)
class OutlineLayer:
    """The rasterised outlines and the inside cells of each area for one View.

    Make one per view (:func:`outlines`) and keep it while only the date or
    the highlight changes. ``outline`` holds a braille dot mask per cell
    (0 where no outline passes), ``area_of`` the index in ``areas`` of the
    innermost area whose inside holds the cell's centre (-1 for none).
    """

    view: View
    areas: tuple[MapArea, ...]
    outline: list[int]
    area_of: list[int]
    outline_cells: list[tuple[int, str]] = field(default_factory=list, repr=False)
    place_cells: dict[str, tuple[int, float, float]] = field(default_factory=dict, repr=False)
    _nearest: dict[tuple[int, ...], list[tuple[int, int]]] = field(default_factory=dict, repr=False)
    # Which place wins each cell depends on where the places are, their ranks and
    # names, never on the date: kept as (count of places, [(cell, index, id)],
    # {id: (index, cell)}) and checked against the places of each frame.
    winners: tuple[int, list[tuple[int, int, str]], dict[str, tuple[int, int]]] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.outline_cells = [(cell, chr(BRAILLE + mask)) for cell, mask in enumerate(self.outline) if mask]

    def nearest_seeds(self, seeds: tuple[int, ...]) -> list[tuple[int, int]]:
        """(cell, seed cell) for each cell that takes a seed's fill, by distance in dots
        through cells of the same area. Cached by the set of seed cells, which only
        changes when the places move, not when the date does."""
        found = self._nearest.get(seeds)
        if found is None:
            if len(self._nearest) > 8:
                self._nearest.clear()
            owner = _spread_seeds(self.view.cols, self.view.rows, self.area_of, seeds)
            found = self._nearest[seeds] = [(cell, seed) for cell, seed in enumerate(owner) if seed >= 0]
        return found


def outlines(view: View, areas: Sequence[MapArea]) -> OutlineLayer:
    """Rasterise ``areas`` for ``view``: outline dots and the cells inside each area."""
    cols, rows = max(view.cols, 0), max(view.rows, 0)
    outline = [0] * (cols * rows)
    inside_sets: list[list[int]] = []
    for area in areas:
        cells: set[int] = set()
        for polygon in area.polygons:
            projected = [[view.project(lon, lat) for lon, lat in ring] for ring in polygon if len(ring) >= 2]
            for ring in projected:
                for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
                    _line(outline, cols, rows, x1, y1, x2, y2)
            cells.update(_inside_cells(projected, cols, rows))
        inside_sets.append(sorted(cells))
    area_of = [-1] * (cols * rows)
    # Larger areas first, so the innermost (smallest) area owns a cell.
    for index in sorted(range(len(inside_sets)), key=lambda i: -len(inside_sets[i])):
        for cell in inside_sets[index]:
            area_of[cell] = index
    return OutlineLayer(view, tuple(areas), outline, area_of)


def _line(mask: list[int], cols: int, rows: int, x1: float, y1: float, x2: float, y2: float) -> None:
    """Bresenham between two dot positions, clipped to the screen."""
    width, height = 2 * cols, 4 * rows
    clipped = _clip(x1, y1, x2, y2, 0.0, 0.0, width - 1e-9, height - 1e-9)
    if clipped is None:
        return
    ax, ay, bx, by = (math.floor(v) for v in clipped)
    dx, dy = abs(bx - ax), -abs(by - ay)
    sx, sy = (1 if ax < bx else -1), (1 if ay < by else -1)
    err = dx + dy
    bits = DOT_BITS
    while True:
        if 0 <= ax < width and 0 <= ay < height:
            mask[(ay >> 2) * cols + (ax >> 1)] |= bits[ay & 3][ax & 1]
        if ax == bx and ay == by:
            return
        e2 = 2 * err
        if e2 >= dy:
            err += dy
            ax += sx
        if e2 <= dx:
            err += dx
            ay += sy


def _clip(x1: float, y1: float, x2: float, y2: float, xmin: float, ymin: float, xmax: float, ymax: float,
          ) -> tuple[float, float, float, float] | None:
    """Liang-Barsky: the part of a segment inside a rectangle, or None."""
    dx, dy = x2 - x1, y2 - y1
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, x1 - xmin), (dx, xmax - x1), (-dy, y1 - ymin), (dy, ymax - y1)):
        if p == 0:
            if q < 0:
                return None
            continue
        t = q / p
        if p < 0:
            if t > t1:
                return None
            t0 = max(t0, t)
        else:
            if t < t0:
                return None
            t1 = min(t1, t)
    return x1 + t0 * dx, y1 + t0 * dy, x1 + t1 * dx, y1 + t1 * dy


def _inside_cells(rings: list[list[tuple[float, float]]], cols: int, rows: int) -> list[int]:
    """Cells whose centre is inside the polygon (even-odd over all rings, so holes are out)."""
    edges = [(a, b) for ring in rings for a, b in zip(ring, ring[1:]) if a[1] != b[1]]
    if not edges:
        return []
    ys = [p[1] for ring in rings for p in ring]
    first = max(0, math.floor((min(ys) - 2) / 4))
    last = min(rows - 1, math.ceil((max(ys) - 2) / 4))
    out: list[int] = []
    for row in range(first, last + 1):
        y = 4 * row + 2
        xs = sorted(x1 + (y - y1) * (x2 - x1) / (y2 - y1)
                    for (x1, y1), (x2, y2) in edges if (y1 > y) != (y2 > y))
        for start, end in zip(xs[::2], xs[1::2]):
            # centres x = 2 * col + 1 with start <= x < end
            c0 = max(0, math.ceil((start - 1) / 2))
            c1 = min(cols - 1, math.ceil((end - 1) / 2) - 1)
            base = row * cols
            out.extend(range(base + c0, base + c1 + 1))
    return out


_NEIGHBOURS = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1))


def _spread_seeds(cols: int, rows: int, area_of: list[int], seeds: tuple[int, ...]) -> list[int]:
    """Each inside cell's nearest seed cell of the same area.

    A seed spreads cell by cell through its area (so a fill never leaks into
    a neighbouring area), in order of the straight distance in dots between
    cell centres (a cell is 2 dots across and 4 down): the Voronoi regions of
    the seeds, clipped to each area.
    """
    owner = [-1] * (cols * rows)
    best = [1 << 60] * (cols * rows)
    heap: list[tuple[int, int, int]] = []
    for seed in seeds:
        if area_of[seed] >= 0:
            best[seed] = 0
            heap.append((0, seed, seed))
    heapq.heapify(heap)
    while heap:
        _, seed, cell = heapq.heappop(heap)
        if owner[cell] >= 0:
            continue
        owner[cell] = seed
        area = area_of[cell]
        row, col = divmod(cell, cols)
        seed_row, seed_col = divmod(seed, cols)
        for dc, dr in _NEIGHBOURS:
            c, r = col + dc, row + dr
            if 0 <= c < cols and 0 <= r < rows:
                other = r * cols + c
                if owner[other] < 0 and area_of[other] == area:
                    d = (2 * (c - seed_col)) ** 2 + (4 * (r - seed_row)) ** 2
                    if d < best[other]:
                        best[other] = d
                        heapq.heappush(heap, (d, seed, other))
    return owner


# --- one frame ------------------------------------------------------------------


def draw(view: View, layer: OutlineLayer, places: Sequence[MapPlace], *, highlighted: str | None = None,
         labels: bool = True) -> Frame:
    """The frame of ``places`` over ``layer`` (which must be made for ``view``)."""
    cols, rows = view.cols, view.rows
    if cols <= 0 or rows <= 0:
        return Frame([[] for _ in range(max(rows, 0))], {}, frozenset(), [], scale_bar(view.km_per_col))
    size = cols * rows
    # Project inline (the same arithmetic as View.project), one place per cell: the lowest rank.
    dot = view.km_per_dot
    lon_scale = view._lon_km / dot
    lat_scale = KM_PER_DEGREE / dot
    cx, cy = view.centre_lon, view.centre_lat
    half_x, half_y = float(cols), 2.0 * rows
    width, height = 2 * cols, 4 * rows
    chosen: dict[int, MapPlace] = {}
    focus: MapPlace | None = None
    focus_cell = -1
    cached = layer.winners
    if (
        cached is not None
        and cached[0] == len(places)
        and all(places[index].id == pid for _, index, pid in cached[1])
        and (not places or places[-1].id in cached[2])
    ):
        # The same places as the last frame (a new date or highlight: only their sides
        # changed; a caller keeps each place at its index, as MapItems does): the same winners.
        chosen = {cell: places[index] for cell, index, _ in cached[1]}
        spot = cached[2].get(highlighted) if highlighted is not None else None
        if spot is not None and spot[1] >= 0 and places[spot[0]].id == highlighted:
            focus, focus_cell = places[spot[0]], spot[1]
    else:
        get = chosen.get
        known = layer.place_cells  # id -> (cell or -1, lon, lat): places rarely move, dates change often
        if len(known) > 200_000:
            known.clear()
        recall = known.get
        where: dict[str, tuple[int, int]] = {}
        winner_index: dict[int, int] = {}
        for index, place in enumerate(places):
            seen = recall(place.id)
            if seen is not None and seen[1] == place.lon and seen[2] == place.lat:
                cell = seen[0]
            else:
                x = half_x + (place.lon - cx) * lon_scale
                y = half_y - (place.lat - cy) * lat_scale
                cell = int(y) // 4 * cols + int(x) // 2 if 0 <= x < width and 0 <= y < height else -1
                known[place.id] = (cell, place.lon, place.lat)
            where[place.id] = (index, cell)
            if cell < 0:
                continue
            if place.id == highlighted:
                focus, focus_cell = place, cell
            other = get(cell)
            if other is None or (place.rank <= other.rank and (place.rank < other.rank or place.name < other.name)):
                chosen[cell] = place
                winner_index[cell] = index
        layer.winners = (len(places), [(cell, winner_index[cell], p.id) for cell, p in chosen.items()], where)

    keys: list[str | None] = [None] * size
    chars = [" "] * size
    # Fills: each inside cell takes the key of the nearest seed (a cell holding a place) of its area.
    area_of = layer.area_of
    seeds = tuple(sorted(cell for cell in chosen if area_of[cell] >= 0))
    if seeds:
        seed_key = {seed: chosen[seed].key for seed in seeds}
        seed_char = {seed: FILL_CHARS.get(key, FILL_CHAR) for seed, key in seed_key.items()}
        for cell, seed in layer.nearest_seeds(seeds):
            keys[cell] = seed_key[seed]
            chars[cell] = seed_char[seed]
    # Outlines over fills.
    for cell, char in layer.outline_cells:
        keys[cell] = OUTLINE
        chars[cell] = char
    # Markers over both; the highlighted place takes its cell whatever else is there.
    if focus is not None:
        chosen[focus_cell] = focus
    markers: dict[str, tuple[int, int]] = {}
    for cell, place in chosen.items():
        row, col = divmod(cell, cols)
        markers[place.id] = (col, row)
        chars[cell] = place.glyph[:1] or "?"
        keys[cell] = place.key
    if focus is not None:
        keys[focus_cell] = HIGHLIGHT

    labelled: set[str] = set()
    if labels and chosen:
        _place_labels(chars, keys, cols, rows, chosen, markers, focus, focus_cell, labelled)

    out_rows: list[list[tuple[str, str | None]]] = []
    for row in range(rows):
        runs: list[tuple[str, str | None]] = []
        base = row * cols
        start = base
        key = keys[base]
        for cell in range(base + 1, base + cols + 1):
            if cell == base + cols or keys[cell] != key:
                runs.append(("".join(chars[start:cell]), key))
                if cell < base + cols:
                    start, key = cell, keys[cell]
        out_rows.append(runs)
    on_screen = {place.key for place in chosen.values() if place.id in markers}
    legend = [(k, LEGEND_GLYPHS[k], LEGEND_LABELS[k]) for k in LEGEND_ORDER if k in on_screen]
    legend += [(k, LEGEND_GLYPHS.get(k, "?"), k) for k in sorted(on_screen - set(LEGEND_ORDER))]
    return Frame(out_rows, markers, frozenset(labelled), legend, scale_bar(view.km_per_col))


def _cells(text: str) -> list[str]:
    """``text`` one entry per terminal cell (a wide character then an empty string)."""
    if text.isascii():
        return list(text)
    out: list[str] = []
    for ch in text:
        if unicodedata.combining(ch):
            if out:
                out[-1] += ch
            continue
        out.append(ch)
        if unicodedata.east_asian_width(ch) in "WF":
            out.append("")
    return out


_LABELS: dict[str, list[str]] = {}


def _label_cells(name: str) -> list[str]:
    """A name cleaned and cut for a label, one entry per cell (remembered: names recur every frame)."""
    found = _LABELS.get(name)
    if found is None:
        if len(_LABELS) > 100_000:
            _LABELS.clear()
        found = _LABELS[name] = _cells(shown(name, LABEL_LIMIT))
    return found


def _place_labels(chars: list[str], keys: list[str | None], cols: int, rows: int, chosen: dict[int, MapPlace],
                  markers: dict[str, tuple[int, int]], focus: MapPlace | None, focus_cell: int,
                  labelled: set[str]) -> None:
    """Names beside their markers where they overlap nothing (a one-cell margin around each label)."""
    taken = bytearray(cols * rows)  # 1: a marker or a label's text, 2: a label's margin
    for cell in chosen:
        taken[cell] = 1

    def room(cell: int) -> bool:
        """Whether a label of one character could go either side (the space only shrinks)."""
        col = cell % cols
        if col + 1 < cols and not taken[cell + 1] and (col + 2 >= cols or not taken[cell + 2]):
            return True
        return col >= 1 and not taken[cell - 1] and (col < 2 or not taken[cell - 2])

    order = sorted((item for item in chosen.items() if item[0] != focus_cell and room(item[0])), key=_rank_of)
    if focus is not None:
        order.insert(0, (focus_cell, focus))
    for cell, place in order:
        if place is not focus and not room(cell):
            continue
        name = _label_cells(place.name)
        if not name:
            continue
        row, col = divmod(cell, cols)
        base = row * cols
        span = _label_span(taken, cols, base, col, len(name))
        if span is None:
            if place is not focus:
                continue
            # The highlighted place is always labelled, over the markers in the way.
            if col + 1 + len(name) <= cols or col < cols - 1 - col:
                span = (col + 1, min(cols, col + 1 + len(name)))
            else:
                span = (max(0, col - len(name)), col)
        start, end = span
        text = name[: end - start]
        if text and text[-1] == "" and len(text) < len(name):  # half a wide character
            text = text[:-1] + [" "]
        key = HIGHLIGHT if place is focus else LABEL
        for i, ch in enumerate(text):
            index = base + start + i
            hidden = chosen.get(index)
            if hidden is not None and index != cell:
                markers.pop(hidden.id, None)
            chars[index] = ch
            keys[index] = key
        labelled.add(place.id)
        for r in (row - 1, row, row + 1):
            if 0 <= r < rows:
                for c in range(max(0, start - 1), min(cols, end + 1)):
                    index = r * cols + c
                    if not taken[index]:
                        taken[index] = 2
        for c in range(start, end):
            taken[base + c] = 1


def _rank_of(item: tuple[int, MapPlace]) -> tuple[int, str]:
    return item[1].rank, item[1].name


def _label_span(taken: bytearray, cols: int, base: int, col: int, length: int) -> tuple[int, int] | None:
    """Free cells for a label of ``length`` to the right of ``col``, else to its left."""
    right = (col + 1, col + 1 + length)
    left = (col - length, col)
    for start, end in (right, left):
        if start < 0 or end > cols:
            continue
        # The text's cells must be free, and so must a cell of margin at its far end.
        lo, hi = (start, min(cols, end + 1)) if start > col else (max(0, start - 1), end)
        if taken[base + lo:base + hi] == bytes(hi - lo):
            return start, end
    return None


def scale_bar(km_per_col: float) -> str:
    """A bar of a round number of km (or m) about :data:`SCALE_MAX_BAR` cells long at most."""
    limit = SCALE_MAX_BAR * km_per_col
    exponent = math.floor(math.log10(limit)) if limit > 0 else 0
    length = 0.0
    for e in (exponent, exponent - 1):
        for step in reversed(SCALE_STEPS):
            value = step * 10.0 ** e
            if value <= limit * (1 + 1e-9):
                length = value
                break
        if length:
            break
    cells = max(2, round(length / km_per_col)) if km_per_col > 0 else 2
    if length >= 1:
        label = f"{length:g} km"
    else:
        label = f"{length * 1000:g} m"
    return "├" + "─" * (cells - 2) + "┤ " + label


def frame_text(frame: Frame) -> str:
    """The rows as plain text lines (trailing spaces kept: every line is ``cols`` cells)."""
    return "\n".join("".join(text for text, _ in runs) for runs in frame.rows)


# --- from the store -------------------------------------------------------------


def map_items(store: Store, region_id: str, day: date) -> tuple[list[MapPlace], list[MapArea]]:
    """What the map of ``region_id`` on ``day`` draws (see :class:`tui.mapitems.MapItems`,
    which the explorer keeps per area): a marker for each place under it with
    nothing under it that has a location, coloured by its control on ``day``,
    and every outline under it."""
    from .mapitems import MapItems

    items = MapItems(store, region_id)
    return list(items.places(day)), list(items.areas)


def unlocated(store: Store, region_id: str) -> int:
    """How many places :func:`map_items` leaves out for want of a location."""
    return sum(1 for rid in store.descendants(region_id)
               if not store.has_children(rid) and (store.region(rid).lat is None or store.region(rid).lon is None))


def polygons_of(outline: Sequence[object]) -> tuple[Polygon, ...]:
    """A region's GeoJSON-nested outline as tuples; anything malformed is left out."""
    out: list[Polygon] = []
    for polygon in outline:
        if not isinstance(polygon, (list, tuple)):
            continue
        rings = []
        for ring in polygon:
            if not isinstance(ring, (list, tuple)):
                continue
            points = []
            for point in ring:
                try:
                    lon, lat = float(point[0]), float(point[1])  # type: ignore[index]
                except (TypeError, ValueError, IndexError, KeyError):
                    continue
                if math.isfinite(lon) and math.isfinite(lat):
                    points.append((lon, lat))
            if len(points) >= 2:
                rings.append(tuple(points))
        if rings:
            out.append(tuple(rings))
    return tuple(out)


class Located(Protocol):
    """Anything with a point: a MapPlace, or a place before it is keyed by a date."""

    @property
    def lon(self) -> float: ...

    @property
    def lat(self) -> float: ...


def bounds_of(places: Sequence[Located], areas: Sequence[MapArea]) -> tuple[float, float, float, float] | None:
    """The box around every place and outline, or None when there is nothing."""
    lons = [p.lon for p in places] + [x for a in areas for poly in a.polygons for x, _ in poly[0]]
    lats = [p.lat for p in places] + [y for a in areas for poly in a.polygons for _, y in poly[0]]
    if not lons:
        return None
    return min(lons), min(lats), max(lons), max(lats)
