"""The command palette (Ctrl+P): every action of the explorer, and "Go to" any place.

Stored names never pass through markup: hits are built from ``Content``
objects, and no stored text goes into ``help`` (which Textual parses).

Scores are on one scale for actions and places, so the palette's order
means something: a place whose name matches (``yalda``, ``go to yalda``, the
row's own label ``Go to Yalda``) outranks an action the letters only
scatter through ("Play the changes…"); an action whose name is typed
outranks a place that merely contains it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

if TYPE_CHECKING:
    from textual.fuzzy import Matcher

    from store.search import Match

    from .app import FrontlinesApp  # noqa: F401 - the annotations below

GO_TO = "Go to "
# "go to yalda", "go yalda", "Go to Yalda": what is left is the place.
_GO_PREFIX = re.compile(r"^\s*go(?:\s+to)?\s+", re.IGNORECASE)
# Place hits by how the name matched (store.search's tiers: code, name, similar spelling, prefix, substring).
_PLACE_SCORES = (0.95, 0.95, 0.85, 0.75, 0.6)
EXPORT_HELP = "writes frontlines-PLACE-DATE.* into the current directory"
FUZZY_CEILING = 0.4  # an action only fuzzily matched ranks below any place that matched by name


def _actions(app: FrontlinesApp) -> Iterator[tuple[str, str, str, str]]:
    """(label, short name, action, help) for every action the app itself runs.

    Moving in a list or a pane belongs to the focused widget, so only the
    app's own bindings are offered; the help screen lists the rest.
    """
    for binding in app.app_bindings():
        label = binding.tooltip or binding.description
        yield label, binding.description, binding.action, f"key: {app.key_for(binding)}"


def place_query(query: str) -> str:
    """The place a query names, without a leading "go to" or "go"."""
    return _GO_PREFIX.sub("", query, count=1).strip()


def action_score(query: str, texts: tuple[str, ...], matcher: Matcher) -> float:
    """How well ``query`` names an action called by any of ``texts`` (0: not at all)."""
    wanted = query.strip().casefold()
    if not wanted:
        return 0.0
    best = 0.0
    for text in texts:
        folded = text.casefold()
        if folded == wanted:
            score = 1.0
        elif folded.startswith(wanted):
            score = 0.9
        elif any(word.startswith(wanted) for word in re.findall(r"\w+", folded)):
            score = 0.8
        elif wanted in folded:
            score = 0.7
        else:
            raw = matcher.match(text)
            # Textual's fuzzy score grows with the letters matched (about 2-4 a letter).
            score = 0.2 + 0.2 * min(1.0, raw / (4 * len(wanted))) if raw > 0 else 0.0
        best = max(best, score)
    return best


class FrontlinesCommands(Provider):
    @property
    def fl_app(self) -> FrontlinesApp:
        from .app import FrontlinesApp  # here: the app module imports this one

        app = self.app
        assert isinstance(app, FrontlinesApp), "the palette's provider belongs to the explorer"
        return app

    def _export_place(self) -> str | None:
        """The place an export is for: the highlighted one of the screen the
        palette was opened on (a view's), else the columns'."""
        app = self.fl_app
        if app.loading:
            return None
        current = getattr(self.screen, "current_place", None)
        place = current() if callable(current) else None
        return place or app.focus_region

    def _exports(self) -> Iterator[tuple[str, Content, Callable[[], object]]]:
        """(plain label, display, callback) for each export of the highlighted place."""
        from .exporting import EXPORTS, export, palette_label

        app = self.fl_app
        region_id = self._export_place()
        region = app.store.regions.get(region_id) if region_id else None
        if region is None:
            return
        for kind in EXPORTS:
            label = palette_label(kind, region.name, app)
            yield label, Content(label), partial(export, app, kind, region.id)

    async def discover(self) -> Hits:
        for label, _name, action, help_text in _actions(self.fl_app):
            yield DiscoveryHit(Content(label), partial(self.fl_app.run_named_action, action), text=label, help=help_text)
        for label, display, callback in self._exports():
            yield DiscoveryHit(display, callback, text=label, help=EXPORT_HELP)

    async def search(self, query: str) -> Hits:
        app = self.fl_app
        matcher = self.matcher(query)
        for label, name, action, help_text in _actions(app):
            score = action_score(query, (label, name), matcher)
            if score > 0:
                yield Hit(score, matcher.highlight(label), partial(app.run_named_action, action), text=label, help=help_text)
        if app.loading:
            return
        for label, display, callback in self._exports():
            # Matched on the words of the export alone: the place's name is no action's.
            score = action_score(query, (label.split(" for ", 1)[0],), matcher)
            if score > 0:
                yield Hit(score, display, callback, text=label, help=EXPORT_HELP)
        best: dict[str, tuple[float, Match]] = {}
        # The query as typed and without "go to": a place called "Go..." is still found.
        for wanted in dict.fromkeys((place_query(query), query.strip())):
            if len(wanted) < 2:
                continue
            for rank, match in enumerate(app.store.search(wanted, limit=12)):
                score = _PLACE_SCORES[min(match.tier, len(_PLACE_SCORES) - 1)] - 0.001 * rank
                if match.region.id not in best or best[match.region.id][0] < score:
                    best[match.region.id] = (score, match)
        for score, match in best.values():
            region = match.region
            display = Content.assemble(GO_TO, (region.name, "bold"), Content(f"  {region.level}"))
            if match.matched != region.name:
                display = display + Content(f"  ← {match.matched}")
            yield Hit(score, display, partial(app.jump_to, region.id), text=GO_TO + region.name)
