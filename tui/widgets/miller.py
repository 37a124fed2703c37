"""Miller columns: the current level, and a preview of the highlighted place's children.

The widget owns the navigation path (the places above the current column)
and tells the app which place is highlighted; it never reads files, only
the :class:`~store.Store` it is given.
"""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.cache import LRUCache
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.strip import Strip

from store import Region, Store

from .places import PlaceColumn
from .rowlist import RowList


class MillerColumns(Horizontal):
    """Two place columns; ``h``/``l`` move up and down the hierarchy."""
    HELP_SECTION = ("Places", 20)  # where its keys are listed in the help (see FrontlinesApp.binding_sections)

    BINDINGS = [
        Binding("l,right", "descend", "In", id="nav.descend", tooltip="Into the highlighted place: list the places under it"),
        Binding("h,left,backspace", "ascend", "Out", id="nav.ascend", tooltip="Up a level, back to the place you came from"),
    ]

    DEFAULT_CSS = """
    MillerColumns {
        height: 1fr;
        width: 100%;
    }
    MillerColumns > #preview {
        display: block;
    }
    MillerColumns.-narrow > #preview {
        display: none;
    }
    """

    day: reactive[date] = reactive(date(2018, 12, 31), init=False, repaint=False)
    """The as-of date the columns show (bound to the app's)."""

    highlighted_id: reactive[str | None] = reactive(None, init=False, repaint=False)
    """The highlighted place: set here, in the same call as the key that moved
    the cursor (the app watches it), so a key press is one frame."""

    def __init__(self, store: Store, day: date, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        self.set_reactive(MillerColumns.day, day)
        self.path: list[str] = []  # region ids above the current column
        self._cursor_memory: dict[str | None, str] = {}

    def compose(self) -> ComposeResult:
        lines: LRUCache[tuple[object, ...], Strip] = LRUCache(4096)  # rows drawn by either column
        yield PlaceColumn(self.store, self.day, id="current", lines=lines).data_bind(MillerColumns.day)
        yield PlaceColumn(self.store, self.day, id="preview", empty_text="no places under it", lines=lines).data_bind(
            MillerColumns.day
        )

    @property
    def current(self) -> PlaceColumn:
        return self.query_one("#current", PlaceColumn)

    @property
    def preview(self) -> PlaceColumn:
        return self.query_one("#preview", PlaceColumn)

    def on_mount(self) -> None:
        self.preview.can_focus = False
        # Synchronous: the preview and the highlighted place follow the cursor
        # in the same call, not one message (and one frame) later.
        self.watch(self.current, "cursor", self._cursor_moved, init=False)
        if not self.current.regions:
            self._show_level(None)

    # --- navigation ---------------------------------------------------------------

    @property
    def parent_id(self) -> str | None:
        return self.path[-1] if self.path else None

    @property
    def highlighted(self) -> Region | None:
        return self.current.highlighted

    def _show_level(self, parent_id: str | None, select: str | None = None) -> None:
        regions = self.store.children(parent_id) if parent_id else self.store.roots()
        wanted = select or self._cursor_memory.get(parent_id)
        cursor = 0
        if wanted:
            cursor = next((i for i, r in enumerate(regions) if r.id == wanted), 0)
        title = self.store.regions[parent_id].name if parent_id else "Places"
        self.current.show(regions, cursor, title)
        self._cursor_moved()

    def action_descend(self) -> None:
        region = self.highlighted
        if region is None:
            return
        if not self.store.has_children(region.id):
            self.app.bell()
            self.notify(f"{region.name} has no places under it", timeout=2, markup=False)
            return
        self._cursor_memory[self.parent_id] = region.id
        # A chain of single places (Damascus > Damascus > Damascus) is passed
        # in one step: the column shows the places at its end, the
        # breadcrumb every level.
        chain = [region.id, *(r.id for r in self.store.single_child_chain(region.id))]
        self.path.extend(chain)
        self._show_level(chain[-1])

    def action_ascend(self) -> None:
        if not self.path:
            self.app.bell()
            self.notify("Already at the top", timeout=2, markup=False)
            return
        came_from = self.path.pop()
        # Back out of a single-child chain in one step too.
        while self.path and self.store.single_child_chain(self.path[-1]):
            came_from = self.path.pop()
        self._show_level(self.parent_id, select=came_from)

    def jump_to(self, region_id: str) -> None:
        """Show ``region_id`` highlighted in its parent's column."""
        chain = [r.id for r in self.store.ancestors(region_id)]
        self.path = chain[:-1]
        for parent, child in zip([None, *chain], chain):
            self._cursor_memory[parent] = child
        self._show_level(self.parent_id, select=region_id)

    # --- the cursor -------------------------------------------------------------------

    def _cursor_moved(self) -> None:
        region = self.current.highlighted
        if region is None:
            return
        chain = self.store.single_child_chain(region.id)
        end = chain[-1] if chain else region
        self.preview.show(self.store.children(end.id), 0, end.name)
        self.highlighted_id = region.id

    def on_row_list_highlighted(self, message: RowList.Highlighted) -> None:
        message.stop()  # the cursor is watched directly (see on_mount)

    def on_row_list_selected(self, message: RowList.Selected) -> None:
        message.stop()
        if message.row_list is self.current:
            self.action_descend()
