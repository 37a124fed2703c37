"""The map pane: the highlighted place's area in braille, coloured by who held
each place on the as-of date, with names, a legend and a scale.

A Line API widget: :mod:`tui.mapdraw` rasterises the outlines once per view
(zoom, pan, size) and paints a frame per date and highlighted place; the
pane turns the frame's rows into strips only when they are drawn. Moving the
cursor or the date repaints; it never asks for a screen layout.
"""

from __future__ import annotations

import math
from datetime import date

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from store import Store

from .. import mapdraw
from ..mapitems import MapItems, map_area_of
from ..theme import bloc_colours

ZOOM_STEP = 1.5
SHORT_LABELS = {"government": "gov", "opposition": "opp", "jihadist": "jihadist", "kurdish": "Kurdish",
                "other": "other", "mixed": "mixed", "not-recorded": "n/r"}
PAN_STEP = 0.25  # of the pane's width or height


class MapPane(Widget, can_focus=True):
    """Follows the columns (region_id) and the date (day); selecting on the map posts PlaceChosen."""

    HELP_SECTION = ("Map", 45)

    BINDINGS = [
        Binding("plus,equals_sign", "zoom(1.5)", "Zoom in", id="map.zoom_in"),
        Binding("minus", "zoom(0.6666667)", "Zoom out", id="map.zoom_out"),
        Binding("0", "fit", "Fit", id="map.fit", tooltip="Fit the map to the highlighted place's area"),
        Binding("H,shift+left", "pan(-1, 0)", "Pan left", show=False, id="map.pan_left"),
        Binding("L,shift+right", "pan(1, 0)", "Pan right", show=False, id="map.pan_right"),
        Binding("K,shift+up", "pan(0, -1)", "Pan up", show=False, id="map.pan_up"),
        Binding("J,shift+down", "pan(0, 1)", "Pan down", show=False, id="map.pan_down"),
        Binding("left,h", "nearest('left')", "West", show=False, id="map.west",
                tooltip="Select the nearest place to the west (east, north, south with the other arrows)"),
        Binding("right,l", "nearest('right')", "East", show=False, id="map.east"),
        Binding("up,k", "nearest('up')", "North", show=False, id="map.north"),
        Binding("down,j", "nearest('down')", "South", show=False, id="map.south"),
        Binding("n", "by_distance(1)", "Next nearest", show=False, id="map.next",
                tooltip="Select the next place by distance from the highlighted one (p: the previous)"),
        Binding("p", "by_distance(-1)", "Previous nearest", show=False, id="map.previous"),
    ]

    DEFAULT_CSS = """
    MapPane {
        border: round $pane-border;
        border-title-color: $text-muted;
        border-subtitle-color: $text-muted;
        height: 100%;
        width: 100%;
    }
    MapPane:focus {
        border: round $pane-border-focus;
    }
    """

    region_id: reactive[str | None] = reactive(None, repaint=False)
    day: reactive[date] = reactive(date(2018, 12, 31), repaint=False)

    class PlaceChosen(Message):
        """A place selected on the map (a key or a click): the columns follow."""

        def __init__(self, region_id: str) -> None:
            super().__init__()
            self.region_id = region_id

    def __init__(self, store: Store, day: date, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        self.set_reactive(MapPane.day, day)
        self._items: MapItems | None = None
        self._view: mapdraw.View | None = None
        self._layer: tuple[mapdraw.View, mapdraw.OutlineLayer] | None = None
        self._frame: mapdraw.Frame | None = None
        self._frame_for: tuple[object, ...] | None = None
        self._strips: dict[int, Strip] = {}
        self._styles: dict[str | None, Style] = {}
        self._base: Style | None = None
        self._distance_order: list[str] = []  # places by distance from where a walk (n, p) began
        self._walk_to: str | None = None

    # --- following the app ----------------------------------------------------------------

    def watch_region_id(self, region_id: str | None) -> None:
        if region_id is None or region_id not in self.store.regions:
            return
        area = map_area_of(self.store, region_id)
        if self._items is None or self._items.area_id != area:
            self._items = MapItems(self.store, area)
            self._view = None  # a new area: fitted when next drawn
        elif self._view is not None:
            self._keep_in_view(region_id)
        if region_id != self._walk_to:
            self._distance_order = []  # moved by other means: a new walk by distance starts here
        self._changed()

    def watch_day(self) -> None:
        self._changed()

    def data_changed(self) -> None:
        """The database changed (an edit): the places of the area keyed again."""
        if self._items is not None:
            self._items = MapItems(self.store, self._items.area_id)
        self._changed()

    def _changed(self) -> None:
        self._frame_for = None
        self.refresh()

    def on_resize(self) -> None:
        if self._view is not None:
            self._view = self._view.resized(*self._canvas_size())
        self._changed()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = {}
        self._base = None
        self._strips = {}
        self.refresh()

    # --- the frame ------------------------------------------------------------------------

    def _canvas_size(self) -> tuple[int, int]:
        region = self.content_region
        return max(1, region.width), max(1, region.height - 1)  # the last row: the legend

    def view(self) -> mapdraw.View | None:
        if self._items is None:
            return None
        if self._view is None:
            cols, rows = self._canvas_size()
            bounds = self._items.bounds
            if bounds is None:
                return None
            self._view = mapdraw.fit(bounds, cols, rows)
        return self._view

    def frame(self) -> mapdraw.Frame | None:
        view = self.view()
        if view is None or self._items is None:
            return None
        key = (view, self.day, self.region_id)
        if self._frame_for == key and self._frame is not None:
            return self._frame
        if self._layer is None or self._layer[0] != view:
            self._layer = (view, mapdraw.outlines(view, self._items.areas))
        self._frame = mapdraw.draw(view, self._layer[1], self._items.places(self.day), highlighted=self.region_id)
        self._frame_for = key
        self._strips = {}
        self._titles()
        return self._frame

    def _titles(self) -> None:
        if self._items is None or self._frame is None:
            return
        area = self.store.regions[self._items.area_id]
        self.border_title = f"Map · {area.name}"
        self.border_subtitle = self._frame.scale

    def _style(self, key: str | None) -> Style:
        style = self._styles.get(key)
        if style is None:
            if self._base is None:
                self._base = self.rich_style
            base = self._base
            colours = bloc_colours(self.app)
            if key is None:
                style = base
            elif key == "outline":
                style = base + Style(dim=True)
            elif key == "label":
                style = base
            elif key == "highlight":
                style = base + Style(bold=True, reverse=True)
            else:
                colour = colours.get(key)
                style = base + (Style.parse(colour) if colour else Style())
            self._styles[key] = style
        return style

    def render_line(self, y: int) -> Strip:
        width = self.content_region.width
        frame = self.frame()
        strip = self._strips.get(y)
        if strip is not None:
            return strip
        base = self._style(None)
        if frame is None:
            strip = Strip.blank(width, base)
        elif y < len(frame.rows):
            strip = Strip([Segment(text, self._style(key)) for text, key in frame.rows[y]]).crop_extend(0, width, base)
        elif y == len(frame.rows):
            strip = self._legend_strip(frame, width)
        else:
            strip = Strip.blank(width, base)
        self._strips[y] = strip
        return strip

    def _legend_strip(self, frame: mapdraw.Frame, width: int) -> Strip:
        """The legend of what is on the map; short names when the full ones do not fit."""
        def segments(short: bool) -> list[Segment]:
            out: list[Segment] = []
            for key, glyph, label in frame.legend:
                if out:
                    out.append(Segment("  ", self._style(None)))
                out.append(Segment(glyph, self._style(key)))
                out.append(Segment(f" {SHORT_LABELS.get(key, label) if short else label}", self._style(None)))
            return out

        full = segments(False)
        fits = sum(len(segment.text) for segment in full) <= width
        return Strip(full if fits else segments(True)).crop_extend(0, width, self._style(None))

    # --- keys --------------------------------------------------------------------------------

    def action_zoom(self, factor: float) -> None:
        view = self.view()
        if view is None:
            return
        zoomed = view.zoomed(factor)
        if self.region_id is not None and factor > 1:
            # Zooming in keeps the highlighted place in view.
            place = self._place(self.region_id)
            if place is not None and zoomed.cell_of(place.lon, place.lat) is None:
                zoomed = mapdraw.View(place.lon, place.lat, zoomed.km_per_col, zoomed.cols, zoomed.rows)
        self._view = zoomed
        self._changed()

    def action_pan(self, dx: int, dy: int) -> None:
        view = self.view()
        if view is None:
            return
        self._view = view.panned(dx * max(1, round(view.cols * PAN_STEP)), dy * max(1, round(view.rows * PAN_STEP)))
        self._changed()

    def action_fit(self) -> None:
        self._view = None
        self._changed()

    def _place(self, region_id: str) -> mapdraw.MapPlace | None:
        if self._items is None:
            return None
        return next((p for p in self._items.places(self.day) if p.id == region_id), None)

    def _here(self) -> tuple[float, float] | None:
        view = self.view()
        if view is None or self.region_id is None:
            return None
        place = self._place(self.region_id)
        if place is not None:
            return view.project(place.lon, place.lat)
        return (view.cols, view.rows * 2.0)  # the centre, in dots

    def action_nearest(self, direction: str) -> None:
        """The nearest drawn place in a direction (within 45 degrees of it)."""
        view, here, frame = self.view(), self._here(), self.frame()
        if view is None or here is None or frame is None or self._items is None:
            return
        hx, hy = here
        want = {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}[direction]
        best: tuple[float, str] | None = None
        for place in self._items.places(self.day):
            if place.id == self.region_id or place.id not in frame.markers:
                continue
            x, y = view.project(place.lon, place.lat)
            dx, dy = x - hx, y - hy
            along = dx * want[0] + dy * want[1]
            across = abs(dx * want[1] - dy * want[0])
            if along <= 0 or across > along:
                continue
            distance = math.hypot(dx, dy)
            if best is None or distance < best[0]:
                best = (distance, place.id)
        if best is None:
            self.app.bell()
            return
        self.post_message(self.PlaceChosen(best[1]))

    def action_by_distance(self, step: int) -> None:
        """The next (or previous) place by distance from where this walk began."""
        view, here = self.view(), self._here()
        if view is None or here is None or self._items is None:
            return
        if not self._distance_order or self.region_id not in self._distance_order:
            hx, hy = here
            ranked = sorted(
                self._items.places(self.day),
                key=lambda p: (math.hypot(view.project(p.lon, p.lat)[0] - hx, view.project(p.lon, p.lat)[1] - hy), p.name),
            )
            self._distance_order = [p.id for p in ranked]
        order = self._distance_order
        index = order.index(self.region_id) if self.region_id in order else -1
        target = index + step
        if not 0 <= target < len(order):
            self.app.bell()
            return
        self._walk_to = order[target]  # the walk goes on from the same centre
        self.post_message(self.PlaceChosen(order[target]))

    def on_click(self, event: events.Click) -> None:
        frame = self.frame()
        if frame is None or not frame.markers:
            return
        offset = event.get_content_offset(self)
        if offset is None:
            return
        col, row = offset.x, offset.y
        nearest = min(frame.markers.items(), key=lambda item: (item[1][0] - col) ** 2 + (2 * (item[1][1] - row)) ** 2)
        self.post_message(self.PlaceChosen(nearest[0]))

    def _keep_in_view(self, region_id: str) -> None:
        """The highlighted place stays on the map: recentre on it if it went off."""
        place = self._place(region_id)
        view = self._view
        if place is None or view is None:
            return
        if view.cell_of(place.lon, place.lat) is None:
            self._view = mapdraw.View(place.lon, place.lat, view.km_per_col, view.cols, view.rows)
