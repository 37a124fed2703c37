"""The path from the root to the highlighted place."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from store import Region


class Breadcrumb(Widget):
    """One line, fitted to the width at draw time (a repaint, never a re-layout)."""

    DEFAULT_CSS = """
    Breadcrumb {
        height: 1;
        width: 100%;
        padding: 0 1;
        color: $text-muted;
    }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._path: list[Region] = []

    def show(self, path: list[Region]) -> None:
        self._path = list(path)
        self.refresh()

    def render(self) -> Text:
        text = Text()
        for i, region in enumerate(self._path):
            if i:
                text.append(" > ", style="dim")
            text.append(region.name, style="bold" if i == len(self._path) - 1 else "")
        # Keep the end (the place itself) visible on narrow screens.
        width = max(10, self.content_size.width) if self.content_size.width else 200
        if text.cell_len > width:
            text = Text("…") + text[text.cell_len - width + 1 :]
        return text
