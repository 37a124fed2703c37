"""The status line that tells, at each step in time, what changed."""

from __future__ import annotations

from collections import deque

from rich.text import Text
from textual.widget import Widget

SEPARATOR = " · "
KEPT = 100  # recent messages kept whole (the line shows what fits)


class Chronicle(Widget):
    """One line, always: a new message is a repaint, never a re-layout.

    Several lines of news (four places changed hands that day) are joined on
    the line and cut with an ellipsis where the screen ends; every message is
    kept whole in :attr:`messages`, newest last.
    """

    DEFAULT_CSS = """
    Chronicle {
        height: 1;
        width: 100%;
        padding: 0 1;
        background: $boost;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = Text()
        self.messages: deque[Text] = deque(maxlen=KEPT)

    def say(self, lines: list[str], prefix: str = "") -> None:
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        if prefix:
            text.append(prefix, style="bold")
        if not lines:
            text.append("no change of control on this day", style="dim")
        for i, line in enumerate(lines):
            if i:
                text.append(SEPARATOR, style="dim")
            text.append(line)
        self._text = text
        self.messages.append(text)
        self.refresh()

    def render(self) -> Text:
        return self._text
