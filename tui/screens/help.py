"""The help overlay, generated from the bindings (after any user remapping)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

def key_display(key: str, app: App[Any] | None = None) -> str:
    """One key as Textual's footer shows it (``full_stop`` is ``.``, ``ctrl+p`` is ``^p``).

    With ``app``, its own ``get_key_display`` (what the footer calls); without
    one, the same formatting Textual's App does by default.
    """
    binding = Binding(key, "")
    if app is not None:
        return app.get_key_display(binding)
    from textual.keys import format_key

    modifiers, base = binding.parse_key()
    base = format_key(base)
    if "ctrl" in modifiers:
        modifiers.remove("ctrl")
        base = f"^{base}"
    return "+".join([*modifiers, base])


def key_label(keys: str, app: App[Any] | None = None) -> str:
    """Comma-separated keys (a binding's, or a keymap entry's) as the footer shows them."""
    return ", ".join(key_display(k.strip(), app) for k in keys.split(",") if k.strip())


# Textual's own keys, which no keymap id reaches: listed with the first section.
FIXED_KEYS = (
    ("tab", "Focus the next pane: place columns, details, events, factions"),
    ("shift+tab", "Focus the previous pane"),
    ("ctrl+p", "Command palette: every action, and 'go to' any place"),
    ("ctrl+q", "Leave frontlines at once (whatever is focused)"),
)


# The scrolling keys of a text overlay share the lists' ids: remapping
# list.down moves in every list and in the help and the messages alike.
SCROLL_BINDINGS = [
    Binding("down,j", "scroll('down')", "Scroll down", show=False, id="list.down"),
    Binding("up,k", "scroll('up')", "Scroll up", show=False, id="list.up"),
    Binding("g,home", "scroll('home')", "Top", show=False, id="list.top"),
    Binding("G,end", "scroll('end')", "Bottom", show=False, id="list.bottom"),
    Binding("pageup", "scroll('page_up')", "Page up", show=False, id="list.page_up"),
    Binding("pagedown", "scroll('page_down')", "Page down", show=False, id="list.page_down"),
]


class ScrollingOverlay(ModalScreen[None]):
    """A modal of text in a VerticalScroll, moved with the lists' keys (help, messages)."""

    def action_scroll(self, how: str) -> None:
        scroller = self.query_one(VerticalScroll)
        getattr(scroller, f"scroll_{how}")(animate=False)

    def action_close(self) -> None:
        self.dismiss(None)


class HelpScreen(ScrollingOverlay):
    HELP_SECTION = ("Help", 90)  # where its keys are listed in the help (see FrontlinesApp.binding_sections)

    BINDINGS = [Binding("escape,question_mark,q", "close", "Close", id="help.close"), *SCROLL_BINDINGS]

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
        listed: set[tuple[str, str, str]] = set()  # (id, keys, what it does) rows already shown
        for index, (title, bindings) in enumerate(self.sections):
            table.add_row("", "", "")
            table.add_row("", Text(title, style="bold underline"), "")
            again: list[str] = []
            for binding in bindings:
                keys = self.overrides.get(binding.id or "", binding.key)
                row = (binding.id or "", keys, binding.tooltip or binding.description)
                if binding.id and binding.id.startswith("list.") and row in listed:
                    again.append(binding.id)  # the lists' moving keys, doing the same here: said in one line below
                    continue
                listed.add(row)
                table.add_row(
                    Text(key_label(keys, self.app)),
                    Text(binding.tooltip or binding.description or binding.action),
                    Text(binding.id or ""),
                )
            if again:
                table.add_row(Text(""), Text("The lists' keys above work here too: " + ", ".join(again), style="dim"), Text(""))
            if index == 0:
                for key, what in FIXED_KEYS:
                    table.add_row(Text(key_display(key, self.app)), Text(what), Text("(fixed)"))
        return table
