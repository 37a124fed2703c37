"""A keyboard-first list that draws only the rows on screen (Line API).

Subclasses implement :meth:`RowList.render_row`; the list keeps a cursor,
scrolls to it, and posts :class:`RowList.Highlighted` and
:class:`RowList.Selected`. Cost per key press is the visible rows, not the
list's length: drawn rows are kept in a line cache, and new contents change
the list's height without a screen layout (see :class:`LineView`).
"""

from __future__ import annotations

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget


class LineView(ScrollView):
    """A Line API view whose content height can change without a screen layout.

    Assigning ``virtual_size`` asks Textual for a layout of the whole screen,
    which costs far more than drawing the few lines that changed. The
    compositor only needs a layout when a scrollbar comes or goes (that moves
    the content); otherwise the new height is a matter of scroll limits and
    the scrollbar's thumb, which :meth:`set_virtual_height` updates in place.
    """

    def set_virtual_height(self, height: int) -> None:
        size = Size(self.size.width, height)
        if size == self.virtual_size:
            return
        self.set_reactive(Widget.virtual_size, size)
        # Recomputes which scrollbars show (a change there is a reactive with a
        # layout of its own), updates the thumbs, and clamps the scroll offset.
        self._scroll_update(size)
        self.refresh()


class RowList(LineView, can_focus=True):
    """A virtual list of one-line rows with a cursor."""
    HELP_SECTION = ("Lists", 30)  # where its keys are listed in the help (see FrontlinesApp.binding_sections)

    BINDINGS = [
        Binding("down,j", "cursor_down", "Down", show=False, id="list.down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="list.up"),
        Binding("g,home", "first", "Top", show=False, id="list.top"),
        Binding("G,end", "last", "Bottom", show=False, id="list.bottom"),
        Binding("pageup", "page_up", "Page up", show=False, id="list.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="list.page_down"),
        Binding("enter", "select", "Open", show=False, id="list.select", tooltip="Open the highlighted row: go into the place"),
    ]

    COMPONENT_CLASSES = {"rowlist--cursor", "rowlist--empty"}

    DEFAULT_CSS = """
    RowList {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
    }
    RowList > .rowlist--cursor {
        background: $surface-lighten-2;
        text-style: bold;
    }
    RowList:focus > .rowlist--cursor {
        background: $accent 40%;
        text-style: bold;
    }
    RowList > .rowlist--empty {
        color: $text-muted;
        text-style: italic;
    }
    """

    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)

    class _RowMessage(Message):
        def __init__(self, row_list: RowList, index: int) -> None:
            super().__init__()
            self.row_list = row_list
            self.index = index

        @property
        def control(self) -> RowList:
            return self.row_list

    class Highlighted(_RowMessage):
        """The cursor moved to ``index``."""

    class Selected(_RowMessage):
        """Enter (or a double click) on ``index``."""

    row_height = 1
    """Lines per row; a subclass with taller rows returns that many lines from render_row."""

    def __init__(self, *, empty_text: str = "nothing here", id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._count = 0
        self.empty_text = empty_text
        self._styles: tuple[Style, Style, Style] | None = None  # base, cursor, empty
        # Drawn lines, keyed by what they show: (row, line of the row, cursor on it, width, version).
        self._lines: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._version = 0

    def invalidate(self) -> None:
        """The rows' contents changed (new data, a new date, new colours): draw them anew."""
        self._version += 1
        self._lines.clear()
        self.refresh()

    # --- content ---------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return self._count

    def set_row_count(self, count: int, cursor: int = 0) -> None:
        """Replace the rows (the subclass holds the data) and place the cursor."""
        self._count = count
        self.set_virtual_height(count * self.row_height)
        self.set_reactive(RowList.cursor, max(0, min(cursor, count - 1)))
        self._scroll_cursor_into_view(center=True)
        self.invalidate()
        self.cursor_moved()
        if count:
            self.post_message(self.Highlighted(self, self.cursor))

    def render_row(self, index: int, width: int) -> Text | list[Text]:
        """The row's text: one Text, or ``row_height`` of them."""
        raise NotImplementedError

    def refresh_row(self, index: int) -> None:
        """Redraw one row only."""
        self.refresh_lines(index * self.row_height, self.row_height)

    # --- drawing ------------------------------------------------------------------

    def _get_styles(self) -> tuple[Style, Style, Style]:
        if self._styles is None:
            base = self.rich_style
            self._styles = (
                base,
                base + self.get_component_rich_style("rowlist--cursor"),
                self.get_component_rich_style("rowlist--empty"),
            )
        return self._styles

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width or self.size.width
        base, cursor_style, empty_style = self._get_styles()
        line = self.scroll_offset.y + y
        index, part = divmod(line, self.row_height)
        if self._count == 0:
            if y == 0:
                return _strip(Text(" " + self.empty_text, style=empty_style), width, base, self.app.console)
            return Strip.blank(width, base)
        if index >= self._count:
            return Strip.blank(width, base)
        on_cursor = index == self.cursor
        style = cursor_style if on_cursor else base
        identity = self.row_identity(index)
        cache = self._lines if identity is None else self.shared_lines
        key = (index, part, on_cursor, width, self._version) if identity is None else (identity, part, style, width)
        strip = cache.get(key)
        if strip is None:
            rendered = self.render_row(index, width)
            text = rendered if isinstance(rendered, Text) else (rendered[part] if part < len(rendered) else Text())
            strip = _strip(text, width, style, self.app.console)
            cache[key] = strip
        return strip

    shared_lines: LRUCache[tuple[object, ...], Strip] = LRUCache(1)
    """Drawn rows with an identity (see row_identity); a list given a cache of
    its own to share (PlaceColumn) replaces this placeholder."""

    def row_identity(self, index: int) -> object | None:
        """What row ``index`` shows, if that alone decides how it looks (with
        its style and width): its lines are then shared by every list of this
        kind, so going into a place and back out redraws nothing anew. None
        (the default): the row is cached by position in this list only."""
        return None

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self.invalidate()

    def on_resize(self) -> None:
        self.set_virtual_height(self._count * self.row_height)
        self._scroll_cursor_into_view()
        self.cursor_moved()

    # --- cursor ---------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        self.cursor_moved()
        if not self._scroll_cursor_into_view():
            # Nothing scrolled: only the two rows whose highlight changed need drawing.
            self.refresh_row(old)
            self.refresh_row(new)
        if self._count:
            self.post_message(self.Highlighted(self, new))

    def cursor_moved(self) -> None:
        """Hook: the cursor or the rows changed (a subclass may show where it is)."""

    def move_cursor(self, index: int) -> None:
        if self._count == 0:
            return
        index = max(0, min(index, self._count - 1))
        if index != self.cursor:
            self.cursor = index

    @property
    def _visible_rows(self) -> int:
        height = self.scrollable_content_region.height or self.size.height
        return max(1, height // self.row_height)

    def _scroll_cursor_into_view(self, center: bool = False) -> bool:
        """Scroll so the cursor's row shows; True if the list scrolled (and will redraw)."""
        height = self.scrollable_content_region.height or self.size.height
        if height <= 0:
            return False
        top = self.scroll_offset.y
        row_top = self.cursor * self.row_height
        row_bottom = row_top + self.row_height
        if center and not (top <= row_top and row_bottom <= top + height):
            target = max(0, row_top - (height - self.row_height) // 2)
        elif row_top < top:
            target = row_top
        elif row_bottom > top + height:
            target = row_bottom - height
        else:
            return False
        if self.row_height > 1:
            # Keep whole rows at the top: round down, or up when scrolling down to a row.
            step = self.row_height
            target = -(-target // step) * step if row_bottom > top + height else (target // step) * step
        if target == top:
            return False
        # Forced: a list may hide its scrollbar (overflow hidden) and still scroll to its cursor.
        self.scroll_to(y=target, animate=False, immediate=True, force=True)
        self.refresh()
        return True

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor - 1)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(self._count - 1)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor - max(1, self._visible_rows - 1))

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor + max(1, self._visible_rows - 1))

    def action_select(self) -> None:
        if self._count:
            self.post_message(self.Selected(self, self.cursor))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:  # on the border or scrollbar
            return
        index = (self.scroll_offset.y + offset.y) // self.row_height
        if 0 <= index < self._count:
            self.focus()
            if index == self.cursor and event.chain >= 2:
                self.action_select()
            self.move_cursor(index)


def _strip(text: Text, width: int, style: Style, console: Console) -> Strip:
    """One row: the text cut (with an ellipsis) or padded to ``width``, on ``style``."""
    text = text.copy()
    text.truncate(width, overflow="ellipsis", pad=True)
    segments = [
        Segment(seg.text, style + seg.style if seg.style else style)
        for seg in text.render(console, end="")
    ]
    return Strip(segments, width).crop_extend(0, width, style)


def wrap_line(line: Text, width: int, console: Console) -> list[Text]:
    """``line`` wrapped to ``width`` for a Line API view. A line holding a web
    address (a hyperlink) is cut with an ellipsis instead: an address is
    never broken across lines, and its OSC 8 link still holds all of it."""
    if line.cell_len <= width:
        return [line]  # most lines fit: only the others go through Rich's wrapping
    if any(isinstance(span.style, Style) and span.style.link for span in line.spans):
        cut = line.copy()
        cut.truncate(width, overflow="ellipsis")
        return [cut]
    return list(line.wrap(console, width))


def line_strip(text: Text, width: int, base: Style, console: Console) -> Strip:
    """One wrapped line on a view's style, padded to ``width``."""
    segments = [Segment(seg.text, base + seg.style if seg.style else base) for seg in text.render(console, end="")]
    return Strip(segments).crop_extend(0, width, base)
