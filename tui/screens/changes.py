"""What changed between two dates: every change of control under the
highlighted place in a window of days, with from → to, the event and the
sources (addresses as terminal hyperlinks).

The window runs from the day after the previous step to the as-of date (the
month before it when there was no step yet), or from a day the user picks;
it follows the app's date, so stepping with ``[``/``]`` or ``{``/``}`` while
the view is open lists what each step changed. Enter on a change returns
(place id, day) for the app to jump to.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from rich.console import Group as RenderGroup
from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from store import Source, Store
from store.dates import add_months
from store.situation import ChangeOfControl

from ..format import transition_text
from ..links import openable
from ..widgets.lists import KeyedOptionList

if TYPE_CHECKING:
    from ..app import FrontlinesApp


def default_window(app: FrontlinesApp) -> tuple[date, date, str]:
    """(since, until, why): from the previous step to the as-of date."""
    until = app.as_of
    previous = app.previous_as_of
    first = app.store.span[0]
    if previous is not None and previous != until:
        lo, hi = sorted((previous, until))
        return lo + timedelta(days=1), hi, "since the last step"
    since = max(add_months(until, -1) + timedelta(days=1), first)
    return since, until, "the month before (no step yet)"


def source_lines(source: Source, number: int) -> list[Text]:
    """'[1] Publication, “Title”, date' and, on its own line, the address as a hyperlink."""
    head = Text(no_wrap=True, overflow="ellipsis")
    head.append(f"    [{number}] ", style="dim")
    head.append(source.publication, style="bold")
    head.append(f", “{source.title}”" + (f", {source.date}" if source.date else ""))
    lines = [head]
    if source.url:
        url = Text(no_wrap=True, overflow="ellipsis")
        url.append("        ")
        url.append(source.url, style=Style(underline=True, link=source.url) if openable(source.url) else "underline")
        lines.append(url)
    return lines


class ChangesScreen(Screen[tuple[str, date] | None]):
    """Returns (place id, day of the change) to jump to, or None."""

    HELP_SECTION = ("Changes view", 65)

    BINDINGS = [
        Binding("escape", "close", "Close", id="changes.close"),
        Binding("d", "choose_since", "From date", id="changes.since",
                tooltip="List the changes from a date you choose to the as-of date"),
    ]

    DEFAULT_CSS = """
    ChangesScreen {
        layout: vertical;
    }
    ChangesScreen #changes-head {
        height: 1;
        padding: 0 1;
        background: $boost;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    ChangesScreen #changes-list {
        height: 1fr;
        border: round $accent;
        padding: 0;
    }
    ChangesScreen #changes-hint {
        height: 1;
        padding: 0 1;
        color: $text-muted;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, store: Store, region_id: str) -> None:
        super().__init__()
        self.store = store
        self.region_id = region_id
        self.chosen_since: date | None = None  # set with d; else the default window
        self.found: list[ChangeOfControl] = []
        self.window: tuple[date, date, str] = (store.span[0], store.span[1], "")

    @property
    def fl_app(self) -> FrontlinesApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(id="changes-head")
        yield KeyedOptionList(id="changes-list")
        yield Static(id="changes-hint")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(OptionList).border_title = "What changed"
        self.watch(self.app, "as_of", self._date_changed, init=False)
        self.refresh_view()
        self.query_one(OptionList).focus()

    def _date_changed(self) -> None:
        self.refresh_view()

    def data_changed(self) -> None:
        """The database changed (an edit): listed again, the highlighted row kept."""
        if self.is_mounted:
            self.refresh_view()

    def refresh_view(self) -> None:
        app = self.fl_app
        if self.chosen_since is not None:
            lo, hi = sorted((self.chosen_since, app.as_of))
            self.window = (lo, hi, "from the date you chose")
        else:
            self.window = default_window(app)
        since, until, why = self.window
        self.found = self.store.changes_between(self.region_id, since, until)
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([self._row(n, c) for n, c in enumerate(self.found)])
        if not self.found:
            options.add_option(Option(Text(f"No change of control from {since} to {until}.", style="italic"), disabled=True))
        else:
            options.highlighted = 0
        places = len({c.region.id for c in self.found})
        head = Text(no_wrap=True, overflow="ellipsis")
        head.append(f"{self.store.regions[self.region_id].name}, {since} to {until}", style="bold")
        count = len(self.found)
        head.append(f" · {count} change{'s' if count != 1 else ''}, {places} place{'s' if places != 1 else ''} · {why}")
        self.query_one("#changes-head", Static).update(head)
        keys = {b.id: app.key_for(b) for b in (*self.BINDINGS, *app.app_bindings()) if isinstance(b, Binding)}
        self.query_one("#changes-hint", Static).update(
            Text(
                f"Enter: go to the place on that day · {keys['app.open_source']} open source · {keys['app.copy']} copy"
                f" · {keys['changes.since']} from date · {keys['time.prev_change']} {keys['time.next_change']} step · Esc closes"
            )
        )

    def _row(self, index: int, found: ChangeOfControl) -> Option:
        change = found.change
        region = found.region
        first = Text(no_wrap=True, overflow="ellipsis")
        period = change.after
        when = period.since_text if period is not None and period.start == change.day else change.day.isoformat()
        first.append(when, style="bold")
        if period is not None and period.start == change.day and period.from_precision != "day":
            first.append(f" (known to the {period.from_precision})", style="dim")
        first.append("  ")
        first.append(region.name, style="bold")
        parent = self.store.regions.get(region.parent or "")
        first.append(f"  {region.level}" + (f" in {parent.name}" if parent else ""), style="dim")
        second = Text(no_wrap=True, overflow="ellipsis")
        second.append("    ")
        second.append(transition_text(self.store, change.before, change.after))
        lines = [first, second]
        if found.event is not None:
            event = Text(no_wrap=True, overflow="ellipsis")
            event.append(f"    {found.event.type}: ", style="dim")
            event.append(found.event.title)
            lines.append(event)
        for number, source in enumerate(found.sources, 1):
            lines.extend(source_lines(source, number))
        if not found.sources:
            lines.append(Text("    no source cited", style="dim italic"))
        return Option(RenderGroup(*lines), id=str(index))

    def highlighted(self) -> ChangeOfControl | None:
        options = self.query_one(OptionList)
        if options.highlighted is None or not self.found:
            return None
        return self.found[options.highlighted]

    def current_sources(self) -> list[Source]:
        """The sources of the highlighted change (for the app's open and copy keys)."""
        found = self.highlighted()
        return list(found.sources) if found else []

    def current_place(self) -> str | None:
        found = self.highlighted()
        return found.region.id if found else None

    @on(OptionList.OptionSelected)
    def _selected(self, message: OptionList.OptionSelected) -> None:
        message.stop()
        found = self.found[int(message.option.id or 0)]
        self.dismiss((found.region.id, found.day))

    def action_choose_since(self) -> None:
        from .date_prompt import DatePrompt

        def chosen(day: date | None) -> None:
            if day is not None:
                self.chosen_since = day
                self.refresh_view()

        self.app.push_screen(DatePrompt(self.window[0], self.store.span), chosen)

    def action_close(self) -> None:
        self.dismiss(None)

