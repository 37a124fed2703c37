"""The header: the data set's title and the one global "as of" date."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


class TopBar(Widget):
    """Title and date on one line, drawn at paint time (a repaint, never a re-layout)."""

    DEFAULT_CSS = """
    TopBar {
        height: 1;
        width: 100%;
        background: $primary-background;
        color: $text;
        padding: 0 1;
    }
    """

    day: reactive[date] = reactive(date(2018, 12, 31))
    """The as-of date (bound to the app's)."""
    playing: reactive[bool] = reactive(False)
    """Whether time is playing (bound to the app's)."""

    def __init__(self, title: str, day: date, *, id: str | None = None, read_only: bool = False) -> None:
        super().__init__(id=id)
        self.title = title
        self.read_only = read_only  # the database cannot be changed here: marked, so nobody types in vain
        self.set_reactive(TopBar.day, day)

    def render(self) -> Text:
        width = max(20, self.content_size.width or (self.app.size.width - 2))
        right = Text()
        if self.read_only:
            right.append(" read-only ", style="bold reverse")
            right.append("  ")
        if self.playing:
            right.append("▶ playing  ", style="bold")
        right.append("as of ", style="dim")
        right.append(self.day.isoformat(), style="bold reverse")
        left = Text("frontlines", style="bold")
        left.append(" · ")
        left.append(self.title)
        room = width - right.cell_len - 1
        if left.cell_len > room:
            left.truncate(max(1, room), overflow="ellipsis")
        gap = max(1, width - left.cell_len - right.cell_len)
        return Text.assemble(left, " " * gap, right)
