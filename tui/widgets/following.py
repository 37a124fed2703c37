"""What the events and factions panes share: they follow the app's state."""

from __future__ import annotations

from textual.widget import Widget

from ..theme import bloc_colours


class FollowsState(Widget):
    """A pane drawn from reactives bound to the app's (``day``, and maybe
    ``region_id``): it redraws through :meth:`_update` when one changes and
    when it is shown again, and takes its bloc colours from the theme."""

    @property
    def colours(self) -> dict[str, str]:
        return bloc_colours(self.app)

    def watch_day(self) -> None:
        self._update()

    def on_show(self) -> None:
        self._update()

    def _update(self) -> None:
        """Redraw for the current state; a hidden pane may wait until it shows."""
        raise NotImplementedError
