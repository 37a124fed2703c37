"""Recent messages in full: what the one-line status line had to cut."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from .help import SCROLL_BINDINGS, ScrollingOverlay


class MessagesScreen(ScrollingOverlay):
    """The status line's recent messages, newest last, each wrapped in full."""

    HELP_SECTION = ("Messages", 85)  # where its keys are listed in the help (see FrontlinesApp.binding_sections)

    BINDINGS = [Binding("escape,q", "close", "Close", id="messages.close"), *SCROLL_BINDINGS]

    DEFAULT_CSS = """
    MessagesScreen {
        align: center middle;
    }
    MessagesScreen > VerticalScroll {
        width: 90%;
        max-width: 110;
        height: 90%;
        border: round $accent;
        border-title-color: $text;
        background: $surface;
        padding: 0 1;
    }
    MessagesScreen Static.message {
        margin-bottom: 1;
    }
    MessagesScreen Static.-latest {
        text-style: bold;
    }
    """

    def __init__(self, messages: Iterable[Text]) -> None:
        super().__init__()
        self.messages = [message.copy() for message in messages]

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroller:
            scroller.border_title = "Recent messages, newest last"
            if not self.messages:
                yield Static(Text("No messages yet.", style="dim"))
            for index, message in enumerate(self.messages):
                # Wrapped in full: the copy the status line cut with an ellipsis.
                message.no_wrap = False
                message.overflow = "fold"
                last = index == len(self.messages) - 1
                yield Static(message, classes="message -latest" if last else "message")

    def on_mount(self) -> None:
        scroller = self.query_one(VerticalScroll)
        scroller.focus()
        self.call_after_refresh(scroller.scroll_end, animate=False, immediate=True)

