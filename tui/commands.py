"""The command palette (Ctrl+P): every action of the explorer, and "Go to" any place.

Stored names never pass through markup: hits are built from ``Content``
objects, and no stored text goes into ``help`` (which Textual parses).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

if TYPE_CHECKING:
    from .app import FrontlinesApp  # noqa: F401 - the annotations below


def _actions(app: FrontlinesApp) -> Iterator[tuple[str, str, str]]:
    """(label, action, help) for every action the app itself runs.

    Moving in a list or a pane belongs to the focused widget, so only the
    app's own bindings are offered; the help screen lists the rest.
    """
    for binding in app.app_bindings():
        label = binding.tooltip or binding.description
        yield label, binding.action, f"key: {app.key_for(binding)}"


class FrontlinesCommands(Provider):
    @property
    def fl_app(self) -> FrontlinesApp:
        from .app import FrontlinesApp  # here: the app module imports this one

        app = self.app
        assert isinstance(app, FrontlinesApp), "the palette's provider belongs to the explorer"
        return app

    async def discover(self) -> Hits:
        for label, action, help_text in _actions(self.fl_app):
            yield DiscoveryHit(Content(label), partial(self.fl_app.run_named_action, action), text=label, help=help_text)

    async def search(self, query: str) -> Hits:
        app = self.fl_app
        matcher = self.matcher(query)
        for label, action, help_text in _actions(app):
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, Content(label), partial(app.run_named_action, action), text=label, help=help_text)
        if len(query.strip()) < 2:
            return
        for rank, match in enumerate(app.store.search(query, limit=12)):
            region = match.region
            display = Content.assemble("Go to ", (region.name, "bold"), Content(f"  {region.level}"))
            if match.matched != region.name:
                display = display + Content(f"  ← {match.matched}")
            score = max(0.05, 0.95 - 0.05 * match.tier - 0.01 * rank)
            yield Hit(score, display, partial(app.jump_to, region.id), text=f"Go to {region.name}")
