"""Find a place as you type: names in English or Arabic, any spelling, P-codes."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from store import Store
from store.text import shown

from ..widgets.lists import KeyedOptionList
from store.search import TIER_CODE, TIER_LABELS, TIER_NAME


class SearchScreen(ModalScreen[str | None]):
    """Returns the chosen region id, or None."""
    HELP_SECTION = ("Search", 70)  # where its keys are listed in the help (see FrontlinesApp.binding_sections)

    BINDINGS = [
        Binding("escape", "cancel", "Close", id="search.cancel"),
        Binding("down", "results", "Results", show=False, id="search.results"),
    ]

    DEFAULT_CSS = """
    SearchScreen {
        align: center top;
    }
    SearchScreen > Vertical {
        width: 90%;
        max-width: 100;
        height: auto;
        max-height: 90%;
        margin-top: 2;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    SearchScreen Input {
        margin: 0 0;
    }
    SearchScreen OptionList, SearchScreen OptionList:focus {
        height: auto;
        max-height: 20;
        border: none;
    }
    SearchScreen #search-hint {
        color: $text-muted;
    }
    """

    def __init__(self, store: Store, query: str = "") -> None:
        super().__init__()
        self.store = store
        self.initial = query

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Input(value=self.initial, placeholder="Place: name, Arabic, any spelling or P-code", id="search-input")
            yield Static(id="search-hint")
            yield KeyedOptionList(id="search-results")

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self._update(self.initial)

    @on(Input.Changed)
    def _changed(self, message: Input.Changed) -> None:
        self._update(message.value)

    def _update(self, query: str) -> None:
        results = self.query_one(OptionList)
        results.clear_options()
        hint = self.query_one("#search-hint", Static)
        matches = self.store.search(query, limit=50)
        if not query.strip():
            hint.update(Text("Type a name: Dumair, Dmeir, الضمير, C2346 …  Enter jumps, Esc closes"))
            return
        if not matches:
            suggestions = self.store.suggest(query)
            text = Text(f"No place matches '{shown(query)}'")  # typed or pasted: cleaned
            if suggestions:
                text.append("; did you mean " + ", ".join(r.name for r in suggestions) + "?")
            hint.update(text)
            return
        hint.update(Text(f"{len(matches)} match{'es' if len(matches) != 1 else ''} · Enter jumps", style="dim"))
        options = []
        for match in matches:
            region = match.region
            label = Text(region.name, style="bold")
            if region.name_ar:
                label.append("  ")
                label.append(region.name_ar)
            if match.matched != region.name and match.tier != TIER_CODE:
                label.append("  ← ", style="dim")
                label.append(match.matched, style="italic")
            path = " > ".join(r.name for r in self.store.ancestors(region.id)[1:-1])
            label.append(f"\n  {region.level}", style="dim")
            if path:
                label.append(" in ", style="dim")
                label.append(path, style="dim")
            if match.tier != TIER_NAME:
                label.append(f"  ({TIER_LABELS[match.tier]})", style="dim italic")
            options.append(Option(label, id=region.id))
        results.add_options(options)
        results.highlighted = 0

    @on(Input.Submitted)
    def _submitted(self) -> None:
        results = self.query_one(OptionList)
        if results.option_count:
            option = results.get_option_at_index(results.highlighted or 0)
            self.dismiss(option.id)

    @on(OptionList.OptionSelected)
    def _selected(self, message: OptionList.OptionSelected) -> None:
        self.dismiss(message.option.id)

    def action_results(self) -> None:
        results = self.query_one(OptionList)
        if results.option_count:
            results.focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
