"""A column of places: glyph, name, status mark and a breakdown bar for parents."""

from __future__ import annotations

from datetime import date

from rich.text import Text

from store import Control, Region, Store
from store.model import NOT_RECORDED, STATUS_MARKS

from ..format import breakdown_bar, control_glyph, palette
from .rowlist import RowList

BAR_CELLS = 6


class PlaceColumn(RowList):
    """The places of one level. Rows are drawn on demand and cached per date."""

    DEFAULT_CSS = """
    PlaceColumn {
        width: 1fr;
        min-width: 16;
        border: round $panel-lighten-2;
        border-title-color: $text-muted;
        padding: 0 0;
    }
    PlaceColumn:focus {
        border: round $accent;
        border-title-color: $text;
    }
    """

    def __init__(self, store: Store, day: date, *, empty_text: str = "no places under it", **kwargs: object) -> None:
        super().__init__(empty_text=empty_text, **kwargs)
        self.store = store
        self.day = day
        self.colours = palette(True)
        self.regions: list[Region] = []
        self._controls: dict[str, Control] = {}

    def show(self, regions: list[Region], cursor: int = 0, title: str = "") -> None:
        self.regions = regions
        self.border_title = Text(title) if title else None
        self.set_row_count(len(regions), cursor)

    def set_day(self, day: date) -> None:
        if day != self.day:
            self.day = day
            self._controls.clear()
            self.refresh()

    def set_colours(self, colours: dict[str, str]) -> None:
        self.colours = colours
        self.refresh()

    @property
    def highlighted(self) -> Region | None:
        if 0 <= self.cursor < len(self.regions):
            return self.regions[self.cursor]
        return None

    def index_of(self, region_id: str) -> int:
        for index, region in enumerate(self.regions):
            if region.id == region_id:
                return index
        return 0

    def control(self, region: Region) -> Control:
        control = self._controls.get(region.id)
        if control is None:
            control = self.store.control(region.id, self.day)
            self._controls[region.id] = control
        return control

    def render_row(self, index: int, width: int) -> Text:
        region = self.regions[index]
        control = self.control(region)
        row = Text(" ")
        row.append_text(control_glyph(control, self.colours))
        row.append(" ")
        has_children = self.store.has_children(region.id)
        bar = Text()
        cells = BAR_CELLS if width >= 26 else 4 if width >= 19 else 0
        if has_children and control.breakdown is not None and cells:
            bar = breakdown_bar(control.breakdown, cells, self.colours)
        mark = STATUS_MARKS.get(control.status, "") if control.status not in (NOT_RECORDED, "mixed") else ""
        mark = f" {mark}" if mark else ""
        arrow = " ›" if has_children else ""
        name_width = max(1, width - 3 - len(mark) - len(arrow) - (bar.cell_len + 1 if bar else 0) - 1)
        name = Text(region.name)
        name.truncate(name_width, overflow="ellipsis", pad=True)
        row.append_text(name)
        row.append(mark, style="bold")
        if bar:
            row.append(" ")
            row.append_text(bar)
        row.append(arrow, style="dim")
        return row
