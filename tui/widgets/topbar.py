"""The header: the data set's title and the one global "as of" date."""

from __future__ import annotations

from datetime import date

from rich.text import Text
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

    def __init__(self, title: str, day: date, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.title = title
        self.day = day
        self.playing = False

    def set_state(self, *, day: date | None = None, playing: bool | None = None) -> None:
        if day is not None:
            self.day = day
        if playing is not None:
            self.playing = playing
        self.refresh()

    def render(self) -> Text:
        width = max(20, self.content_size.width or (self.app.size.width - 2))
        right = Text()
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
