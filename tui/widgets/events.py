"""Events of the highlighted place and everything under it, filterable."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import OptionList, Select, Static
from textual.widgets.option_list import Option

from store import Event, Store
from store.model import EVENT_TYPES

from ..format import bloc_glyph, palette

ALL = "*"


class EventsPane(Vertical):
    """A filter row (type, faction) over the list of events, oldest first."""

    BINDINGS = [
        Binding("y", "cycle_type", "Type", id="events.type", tooltip="Cycle the event-type filter (offensive, agreement, ...)"),
        Binding("a", "cycle_faction", "Faction", id="events.faction", tooltip="Cycle the faction filter (sub-factions included)"),
    ]

    DEFAULT_CSS = """
    EventsPane {
        width: 2fr;
        min-width: 30;
        border: round $accent;
        padding: 0 0;
    }
    EventsPane > #events-filters {
        height: auto;
    }
    EventsPane Select {
        width: 1fr;
    }
    EventsPane > #events-summary {
        color: $text-muted;
        padding: 0 1;
    }
    EventsPane > OptionList, EventsPane > OptionList:focus {
        height: 1fr;
        border: none;
        padding: 0 0;
        background: $surface;
    }
    """

    class EventChosen(Message):
        def __init__(self, event: Event) -> None:
            super().__init__()
            self.event = event

    def __init__(self, store: Store, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.store = store
        self.colours = palette(True)
        self.region_id: str | None = None
        self.day: date = store.span[1]
        self.events: list[Event] = []

    def compose(self) -> ComposeResult:
        types = [(Text(t), t) for t in EVENT_TYPES if any(e.type == t for e in self.store.events.values())]
        factions = [(Text(f"{f.glyph} {f.name}"), f.id) for f in sorted(self.store.factions.values(), key=lambda f: f.name.casefold())]
        self._values = {"#events-type": [v for _, v in types], "#events-faction": [v for _, v in factions]}
        with Horizontal(id="events-filters"):
            yield Select(types, prompt="Any type", id="events-type", allow_blank=True, compact=True)
            yield Select(factions, prompt="Any faction", id="events-faction", allow_blank=True, compact=True)
        yield Static(id="events-summary")
        yield OptionList(id="events-list")

    @property
    def option_list(self) -> OptionList:
        return self.query_one("#events-list", OptionList)

    def show(self, region_id: str, day: date) -> None:
        changed = (region_id, day) != (self.region_id, self.day)
        self.region_id, self.day = region_id, day
        if changed:
            self._fill()

    def set_colours(self, colours: dict[str, str]) -> None:
        """Redraw the list in another palette (the theme changed)."""
        if colours != self.colours:
            self.colours = colours
            if self.is_mounted:
                self._fill()

    def _filters(self) -> tuple[str | None, str | None]:
        type_value = self.query_one("#events-type", Select).value
        faction_value = self.query_one("#events-faction", Select).value
        return (
            type_value if isinstance(type_value, str) else None,
            faction_value if isinstance(faction_value, str) else None,
        )

    def _fill(self) -> None:
        if self.region_id is None:
            return
        event_type, faction = self._filters()
        self.events = self.store.events_query(
            place=self.region_id, faction=faction, types=[event_type] if event_type else None
        )
        options = self.option_list
        keep = options.highlighted_option.id if options.highlighted_option else None
        options.clear_options()
        options.add_options([Option(self._prompt(e), id=e.id) for e in self.events])
        region = self.store.regions[self.region_id]
        summary = Text(f"{len(self.events)} event{'s' if len(self.events) != 1 else ''} in and under ")
        summary.append(region.name)
        self.query_one("#events-summary", Static).update(summary)
        if not self.events:
            return
        ids = [e.id for e in self.events]
        if keep in ids:
            options.highlighted = ids.index(keep)
        else:
            # The latest event on or before the as-of date.
            before = [i for i, e in enumerate(self.events) if e.first <= self.day]
            options.highlighted = before[-1] if before else 0

    def _prompt(self, event: Event) -> Text:
        current = event.first <= self.day <= event.last
        text = Text()
        text.append("▶ " if current else "  ", style="bold")
        text.append(event.date_text, style="bold")
        if event.precision in ("month", "year", "disputed"):
            text.append(f" ({event.precision})", style="dim")
        text.append(f"  {event.type}", style="italic")
        text.append("\n  ")
        text.append(event.title)
        places = [self.store.regions[p].name for p in event.places if p in self.store.regions]
        if places:
            text.append("\n  ")
            text.append(", ".join(places[:6]) + (f" +{len(places) - 6}" if len(places) > 6 else ""), style="dim")
        actors = []
        for actor in event.actors:
            faction = self.store.factions.get(actor.faction)
            if faction:
                actors.append((faction, actor.role))
        if actors:
            text.append("\n  ")
            for i, (faction, role) in enumerate(actors):
                if i:
                    text.append(", ")
                text.append(bloc_glyph(faction.bloc), style=self.colours.get(faction.bloc, ""))
                text.append(f" {faction.short} ({role})")
        for figure in event.figures:
            text.append("\n  ")
            text.append(figure.text)
            source = self.store.sources.get(figure.source) if figure.source else None
            text.append(f" — {source.publication}" if source else " — unsourced", style="dim")
        names = [self.store.sources[s].publication for s in event.sources if s in self.store.sources]
        text.append("\n  ")
        text.append("sources: " + ", ".join(dict.fromkeys(names)), style="dim")
        text.append(f" · confidence {event.confidence}", style="dim")
        return text

    def on_select_changed(self, message: Select.Changed) -> None:
        message.stop()
        self._fill()

    def on_option_list_option_selected(self, message: OptionList.OptionSelected) -> None:
        message.stop()
        event = self.store.events.get(message.option.id or "")
        if event is not None:
            self.post_message(self.EventChosen(event))

    def _cycle(self, select_id: str) -> None:
        select = self.query_one(select_id, Select)
        values = self._values[select_id]
        current = select.value
        if current not in values:
            if values:
                select.value = values[0]
        else:
            index = values.index(current) + 1
            if index < len(values):
                select.value = values[index]
            else:
                select.clear()

    def action_cycle_type(self) -> None:
        self._cycle("#events-type")

    def action_cycle_faction(self) -> None:
        self._cycle("#events-faction")

    def focus_list(self) -> None:
        self.option_list.focus()
