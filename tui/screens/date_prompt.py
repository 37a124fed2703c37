"""Ask for a date: YYYY, YYYY-MM or YYYY-MM-DD, checked as it is typed."""

from __future__ import annotations

import re
from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from store.dates import DateError, day_in_data, parse_partial

# What a date looks like while it is still being typed: 2, 201, 2018-, 2018-0 ...
_PARTIAL = re.compile(r"^\d{1,3}$|^\d{4}-$|^\d{4}-0$|^\d{4}-\d{1,2}-$|^\d{4}-\d{1,2}-0$")


class DatePrompt(ModalScreen[date | None]):
    """Returns the chosen day (a month or year means its last day), or None.

    A date outside the data is refused with a message naming the data's span
    (see :func:`day_in_data`); the prompt stays open to correct it.
    """
    HELP_SECTION = ("Date prompt", 80)  # where its keys are listed in the help (see FrontlinesApp.binding_sections)

    BINDINGS = [Binding("escape", "cancel", "Close", id="date.cancel")]

    DEFAULT_CSS = """
    DatePrompt {
        align: center middle;
    }
    DatePrompt > Vertical {
        width: 60;
        max-width: 95%;
        height: auto;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    DatePrompt #date-message {
        color: $text-muted;
    }
    DatePrompt #date-message.-error {
        color: $error;
    }
    """

    def __init__(self, current: date, span: tuple[date, date]) -> None:
        super().__init__()
        self.current = current
        self.span = span

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Go to date", style="bold"))
            yield Input(value=self.current.isoformat(), placeholder="YYYY, YYYY-MM or YYYY-MM-DD", id="date-input")
            yield Static(id="date-message")

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.focus()
        field.action_select_all()
        self._hint()

    def _hint(self) -> None:
        message = self.query_one("#date-message", Static)
        message.remove_class("-error")
        message.update(
            Text(f"Data covers {self.span[0]} to {self.span[1]}. A month or year means its last day. Esc cancels.")
        )

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if not event.value.strip():
            self._hint()
            return
        try:
            typed = parse_partial(event.value)
        except DateError as exc:
            if _PARTIAL.match(event.value.strip()):
                self._hint()  # still being typed: no red yet
            else:
                self._error(str(exc))
            return
        try:
            day_in_data(typed, self.span)
        except DateError as exc:
            self._error(str(exc))
        else:
            self._hint()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        try:
            day = day_in_data(parse_partial(event.value), self.span)
        except DateError as exc:
            self._error(str(exc))
            return
        self.dismiss(day)

    def _error(self, text: str) -> None:
        message = self.query_one("#date-message", Static)
        message.add_class("-error")
        message.update(Text(text))

    def action_cancel(self) -> None:
        self.dismiss(None)
