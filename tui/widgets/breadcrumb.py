"""The path from the root to the highlighted place."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from store import Region, Store


class Breadcrumb(Widget):
    """One line, fitted to the width at draw time (a repaint, never a re-layout).

    Shows the path to ``region_id``, which is bound to the app's highlighted place."""

    DEFAULT_CSS = """
    Breadcrumb {
        height: 1;
        width: 100%;
        padding: 0 1;
        color: $text-muted;
    }
    """

    region_id: reactive[str | None] = reactive(None)

    def __init__(self, store: Store, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store

    @property
    def _path(self) -> list[Region]:
        return self.store.ancestors(self.region_id) if self.region_id in self.store.regions else []

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
