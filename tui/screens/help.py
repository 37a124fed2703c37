"""The help overlay, generated from the bindings (after any user remapping)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEY_NAMES = {
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "left_curly_bracket": "{",
    "right_curly_bracket": "}",
    "question_mark": "?",
    "slash": "/",
    "space": "space",
    "backspace": "⌫",
    "enter": "⏎",
    "escape": "esc",
    "left": "←",
    "right": "→",
    "up": "↑",
    "down": "↓",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "home": "Home",
    "end": "End",
}


def key_label(keys: str) -> str:
    return ", ".join(KEY_NAMES.get(k.strip(), k.strip()) for k in keys.split(",") if k.strip())


class HelpScreen(ModalScreen[None]):
    HELP_SECTION = ("Help", 90)  # where its keys are listed in the help (see FrontlinesApp.binding_sections)

    BINDINGS = [Binding("escape,question_mark,q", "close", "Close", id="help.close")]

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > VerticalScroll {
        width: 90%;
        max-width: 90;
        height: 90%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    """

    def __init__(self, sections: Sequence[tuple[str, Sequence[Binding]]], overrides: dict[str, str]) -> None:
        super().__init__()
        self.sections = sections
        self.overrides = overrides

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self._render_help())

    def _render_help(self) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(justify="right", style="bold", no_wrap=True)
        table.add_column()
        table.add_column(style="dim", no_wrap=True)
        table.add_row(Text("frontlines", style="bold"), Text("keys (remap any id in keymap.toml)"), Text("id"))
        for title, bindings in self.sections:
            table.add_row("", "", "")
            table.add_row("", Text(title, style="bold underline"), "")
            for binding in bindings:
                keys = self.overrides.get(binding.id or "", binding.key)
                table.add_row(
                    Text(key_label(keys)), Text(binding.tooltip or binding.description or binding.action), Text(binding.id or "")
                )
        table.add_row("", "", "")
        table.add_row(Text("ctrl+p"), Text("command palette: every action, and 'go to' any place"), Text(""))
        return table

    def action_close(self) -> None:
        self.dismiss(None)
