"""The status line that tells, at each step in time, what changed."""

from __future__ import annotations

from collections import deque

from rich.text import Text
from textual.widget import Widget

SEPARATOR = " · "
KEPT = 100  # recent messages kept whole (the line shows what fits; the messages screen shows them all)


class Chronicle(Widget):
    """One line, always: a new message is a repaint, never a re-layout.

    Several lines of news (four places changed hands that day) are joined on
    the line and cut with an ellipsis where the screen ends, with the key
    that shows them in full; every message is kept whole in
    :attr:`messages`, newest last (see :class:`~tui.screens.messages.MessagesScreen`).
    """

    DEFAULT_CSS = """
    Chronicle {
        height: 1;
        max-height: 1;
        width: 100%;
        padding: 0 1;
        background: $boost;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        overflow: hidden;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = Text()
        self.messages: deque[Text] = deque(maxlen=KEPT)
        self.more_key = ""
        """The key of the messages screen, named at the end of a line that does not fit."""

    @property
    def plain(self) -> str:
        """The whole of the current message (the line may show less)."""
        return self._text.plain

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

    def note(self, message: str, title: str = "", severity: str = "information") -> None:
        """Keep a message shown elsewhere (a notification) in the log; the line stays as it is."""
        text = Text(end="")
        label = title or ("" if severity == "information" else severity)
        if label:
            text.append(f"{label}: ", style="bold red" if severity == "error" else "bold")
        text.append(message)
        self.messages.append(text)

    def render(self) -> Text:
        width = self.content_size.width
        text = self._text
        if not width or text.cell_len <= width:
            return text
        # Cut to the line, and say which key shows the rest.
        hint = Text(f" ({self.more_key}: in full)", style="dim") if self.more_key else Text()
        if hint.cell_len * 3 > width:
            hint = Text()
        shown = text.copy()
        shown.truncate(max(1, width - hint.cell_len), overflow="ellipsis")
        return shown + hint
