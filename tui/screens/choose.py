"""A small keyboard picker: a title, a list of choices, Enter picks, Esc closes.

Used to pick what to copy, which source to open and which places the
situation view shows. Labels are ``Content`` or ``Text`` built by the
caller (never markup); the value of each choice is returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..widgets.lists import KeyedOptionList

T = TypeVar("T")


class ChoiceScreen(ModalScreen[T | None], Generic[T]):
    """Returns the chosen value, or None."""

    HELP_SECTION = ("Pickers (copy, open, filter)", 77)

    BINDINGS = [Binding("escape,q", "cancel", "Close", id="choose.cancel")]

    DEFAULT_CSS = """
    ChoiceScreen {
        align: center middle;
    }
    ChoiceScreen > Vertical {
        width: 90%;
        max-width: 100;
        height: auto;
        max-height: 90%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    ChoiceScreen OptionList, ChoiceScreen OptionList:focus {
        height: auto;
        max-height: 20;
        border: none;
        padding: 0;
    }
    ChoiceScreen #choose-hint {
        color: $text-muted;
    }
    """

    def __init__(
        self,
        title: str,
        choices: Sequence[tuple[Content | Text | str, T]],
        *,
        hint: str = "Enter picks · Esc closes",
        highlighted: int = 0,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.choices = list(choices)
        self.hint = hint
        self.start_at = highlighted

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.title_text, style="bold"), id="choose-title")
            yield KeyedOptionList(
                *(Option(label if not isinstance(label, str) else Content(label), id=str(n)) for n, (label, _) in enumerate(self.choices)),
                id="choose-list",
            )
            yield Static(Text(self.hint), id="choose-hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.focus()
        if self.choices:
            options.highlighted = min(max(self.start_at, 0), len(self.choices) - 1)

    @on(OptionList.OptionSelected)
    def _selected(self, message: OptionList.OptionSelected) -> None:
        message.stop()
        self.dismiss(self.choices[int(message.option.id or 0)][1])

    def action_cancel(self) -> None:
        self.dismiss(None)
