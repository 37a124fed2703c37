"""The path from the root to the highlighted place."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from store import Region


class Breadcrumb(Static):
    DEFAULT_CSS = """
    Breadcrumb {
        height: 1;
        width: 100%;
        padding: 0 1;
        color: $text-muted;
    }
    """

    _path: list[Region] = []

    def on_resize(self) -> None:
        # Fit the path again to the new width (the end must stay visible).
        if self._path:
            self.show(self._path)

    def show(self, path: list[Region]) -> None:
        self._path = list(path)
        text = Text()
        for i, region in enumerate(path):
            if i:
                text.append(" > ", style="dim")
            text.append(region.name, style="bold" if i == len(path) - 1 else "")
        # Keep the end (the place itself) visible on narrow screens.
        width = max(10, self.size.width - 2) if self.size.width else 200
        if text.cell_len > width:
            plain_cut = text.cell_len - width + 1
            text = Text("…") + text[plain_cut:]
        self.update(text)
