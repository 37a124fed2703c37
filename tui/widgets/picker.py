"""A small keyboard-driven chooser over the screen: j/k or arrows, Enter, Escape."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from .lists import KeyedOptionList

ALL = ""
"""What the picker returns for its first row, "All": the filter is cleared."""


class Picker(ModalScreen[str | None]):
    """Pick one of ``choices`` (label, count, value); the first row (value ``ALL``) resets.

    Dismissed with the chosen value, ``ALL`` for the reset row, or None when
    Escape closes it with nothing chosen. Labels are ``Text``, never markup:
    they hold stored names.
    """
    HELP_SECTION = ("Filter picker", 75)  # where its keys are listed in the help (see FrontlinesApp.binding_sections)

    BINDINGS = [Binding("escape", "cancel", "Close", id="picker.cancel", tooltip="Close the picker; the filter stays as it was")]

    DEFAULT_CSS = """
    Picker {
        align: center middle;
    }
    Picker > Vertical {
        width: 60;
        max-width: 90%;
        height: auto;
        max-height: 80%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    Picker #picker-title {
        text-wrap: nowrap;
        text-overflow: ellipsis;
        text-style: bold;
    }
    Picker #picker-hint {
        color: $text-muted;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    Picker OptionList, Picker OptionList:focus {
        height: auto;
        max-height: 100%;
        border: none;
        background: $surface;
    }
    """

    def __init__(self, title: Text, choices: Sequence[tuple[Text, int, str]], current: str) -> None:
        super().__init__()
        self.title_text = title
        self.choices = list(choices)
        self.values = [value for _, _, value in choices]
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, id="picker-title")
            yield Static(Text("j k move · Enter picks · Esc closes"), id="picker-hint")
            yield KeyedOptionList(id="picker-options")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        rows = []
        width = max((label.cell_len for label, _, _ in self.choices), default=0)
        for label, count, value in self.choices:
            row = Text("● " if value == self.current else "  ", style="bold")
            row.append_text(label)
            row.append(" " * (width - label.cell_len + 2))
            row.append(f"{count:>5}", style="dim")
            rows.append(Option(row))
        options.add_options(rows)
        options.highlighted = self.values.index(self.current) if self.current in self.values else 0
        options.focus()

    def on_option_list_option_selected(self, message: OptionList.OptionSelected) -> None:
        message.stop()
        self.dismiss(self.values[message.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)
