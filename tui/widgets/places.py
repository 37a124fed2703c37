"""A column of places: glyph, name, status mark and a breakdown bar for parents."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import events
from textual.cache import LRUCache
from textual.reactive import reactive
from textual.strip import Strip

from store import Control, Region, Store
from store.model import NOT_RECORDED, STATUS_MARKS

from ..format import breakdown_bar, control_glyph
from ..theme import bloc_colours
from .rowlist import RowList

BAR_CELLS = 6


class PlaceColumn(RowList):
    """The places of one level. Rows are drawn on demand and cached per date.

    No scrollbar: one that came and went as the places changed would move the
    rows (a screen layout on every key). Where the places do not all fit, the
    bottom border says which one is highlighted ("12/64"), or in a preview,
    how many show ("34 of 64"); the mouse wheel moves the cursor.
    """

    DEFAULT_CSS = """
    PlaceColumn {
        width: 1fr;
        min-width: 16;
        border: round $panel-lighten-2;
        border-title-color: $text-muted;
        border-subtitle-color: $text-muted;
        padding: 0 0;
        overflow-y: hidden;
    }
    PlaceColumn:focus {
        border: round $accent;
        border-title-color: $text;
    }
    """

    day: reactive[date] = reactive(date(2018, 12, 31), init=False, repaint=False)
    """The date whose control the rows show (bound to the columns', so the app's)."""

    def __init__(
        self,
        store: Store,
        day: date,
        *,
        empty_text: str = "no places under it",
        id: str | None = None,
        lines: LRUCache[tuple[object, ...], Strip] | None = None,
    ) -> None:
        """``lines``: a cache of drawn rows to share with the other columns of
        the same store (the places the preview drew are drawn again as the
        current column after `l`, and back after `h`)."""
        super().__init__(empty_text=empty_text, id=id)
        if lines is not None:
            self.shared_lines = lines
        self.store = store
        self.set_reactive(PlaceColumn.day, day)
        self.regions: list[Region] = []
        self._controls: dict[str, Control] = {}
        self._colours: dict[str, str] | None = None

    def row_identity(self, index: int) -> object | None:
        # A row shows the place's control on the day in the theme's colours.
        return (self.regions[index].id, self.day, self.app.theme)

    def cursor_moved(self) -> None:
        visible = self.scrollable_content_region.height
        count = self.row_count
        if not visible or count <= visible:
            subtitle = ""
        elif self.can_focus:
            subtitle = f"{self.cursor + 1}/{count}"
        else:
            subtitle = f"{visible} of {count}"
        if subtitle != (self.border_subtitle or ""):
            self.border_subtitle = subtitle

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self._wheel(1)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self._wheel(-1)

    def _wheel(self, step: int) -> None:
        if self.can_focus:
            self.move_cursor(self.cursor + step)
        else:  # the preview has no cursor to move: scroll it
            top = max(0, min(self.scroll_offset.y + step, self.row_count - self.scrollable_content_region.height))
            self.scroll_to(y=top, animate=False, immediate=True, force=True)

    def show(self, regions: list[Region], cursor: int = 0, title: str = "") -> None:
        self.regions = regions
        self.border_title = Text(title) if title else None
        self.set_row_count(len(regions), cursor)

    def watch_day(self) -> None:
        self._controls.clear()
        self.invalidate()

    def data_changed(self) -> None:
        """The database changed (an edit): every row drawn anew."""
        self._controls.clear()
        self.shared_lines.clear()
        self.invalidate()

    @property
    def colours(self) -> dict[str, str]:
        """Bloc colours of the current theme (kept until the styles change)."""
        if self._colours is None:
            self._colours = bloc_colours(self.app)
        return self._colours

    def notify_style_update(self) -> None:
        self._colours = None  # a new theme: new bloc colours
        super().notify_style_update()

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
