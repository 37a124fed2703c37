"""Events of the highlighted place and everything under it, filterable."""

from __future__ import annotations

import bisect
from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Select, Static

from store import Event, Store
from store.model import EVENT_TYPES, NOT_RECORDED

from ..format import bloc_glyph, citations
from .following import FollowsState
from .rowlist import RowList


class EventList(RowList):
    """Events, three lines each, drawn only when on screen."""

    row_height = 3

    DEFAULT_CSS = """
    EventList {
        height: 1fr;
        border: none;
    }
    """

    def __init__(self, store: Store, *, id: str | None = None) -> None:
        super().__init__(empty_text="no events match", id=id)
        self.store = store
        self.events: list[Event] = []
        self.day: date = store.span[1]

    def render_row(self, index: int, width: int) -> list[Text]:
        event = self.events[index]
        current = event.first <= self.day <= event.last
        head = Text("▶ " if current else "  ", style="bold")
        head.append(event.date_text, style="bold")
        if event.precision in ("month", "year", "disputed"):
            head.append(f" ({event.precision})", style="dim")
        head.append(f"  {event.type}", style="italic")
        title = Text("  ")
        title.append(event.title)
        places = [self.store.regions[p].name for p in event.places if p in self.store.regions]
        names = [self.store.sources[s].publication for s in event.sources if s in self.store.sources]
        facts = [", ".join(places) if places else "no place recorded"]
        if event.figures:
            more = len(event.figures) - 1
            facts.append(event.figures[0].text + (f" (+{more} more)" if more else ""))
        facts.append(", ".join(dict.fromkeys(names)) or "no source")
        return [head, title, Text("  " + " · ".join(facts), style="dim")]


class EventsPane(FollowsState, Vertical):
    """A filter row (type, faction) over the list of events, oldest first."""
    HELP_SECTION = ("Events pane", 50)  # where its keys are listed in the help (see FrontlinesApp.binding_sections)

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
    EventsPane > EventList {
        height: 1fr;
    }
    EventsPane > #event-detail {
        height: auto;
        max-height: 40%;
        border-top: solid $panel-lighten-2;
        padding: 0 1;
        overflow-y: auto;
    }
    """

    class EventChosen(Message):
        def __init__(self, event: Event) -> None:
            super().__init__()
            self.event = event

    region_id: reactive[str | None] = reactive(None, init=False, repaint=False)
    """The place whose events show (bound to the app's highlighted place)."""
    day: reactive[date] = reactive(date(2018, 12, 31), init=False, repaint=False)
    """The as-of date (bound to the app's)."""

    def __init__(self, store: Store, day: date, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        self.set_reactive(EventsPane.day, day)
        self._shown_for: tuple[str | None, date] | None = None
        self._query: tuple[str | None, str | None, str | None] | None = None

    def compose(self) -> ComposeResult:
        types = [(Text(t), t) for t in EVENT_TYPES if any(e.type == t for e in self.store.events.values())]
        factions = [(Text(f"{f.glyph} {f.name}"), f.id) for f in sorted(self.store.factions.values(), key=lambda f: f.name.casefold())]
        self._values = {"#events-type": [v for _, v in types], "#events-faction": [v for _, v in factions]}
        with Horizontal(id="events-filters"):
            yield Select(types, prompt="Any type", id="events-type", allow_blank=True, compact=True)
            yield Select(factions, prompt="Any faction", id="events-faction", allow_blank=True, compact=True)
        yield Static(id="events-summary")
        yield EventList(self.store, id="events-list")
        yield Static(id="event-detail")

    @property
    def event_list(self) -> EventList:
        return self.query_one(EventList)

    @property
    def events(self) -> list[Event]:
        return self.event_list.events

    @property
    def highlighted_event(self) -> Event | None:
        event_list = self.event_list
        return event_list.events[event_list.cursor] if event_list.events else None

    def watch_region_id(self) -> None:
        self._update()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if self.is_mounted:
            self._describe(self.highlighted_event)  # another theme: the actors' colours

    def _update(self) -> None:
        """Events in and under the place; the list is queried again only when
        the place or a filter changed, a new date only redraws it. A hidden
        pane waits until it shows."""
        if not self.is_mounted or not self.display or self.region_id is None:
            return
        if self._shown_for == (self.region_id, self.day):
            return
        self._shown_for = (self.region_id, self.day)
        event_list = self.event_list
        event_list.day = self.day
        if self._query != (self.region_id, *self._filters()):
            self._fill()
        else:
            event_list.invalidate()
            self._describe(self.highlighted_event)

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
        self._query = (self.region_id, event_type, faction)
        # At a root, every event: those with no (known) place too.
        place = None if self.region_id in {r.id for r in self.store.roots()} else self.region_id
        events = self.store.events_query(place=place, faction=faction, types=[event_type] if event_type else None)
        event_list = self.event_list
        keep = self.highlighted_event.id if self.highlighted_event else None
        event_list.events = events
        ids = [e.id for e in events]
        if keep in ids:
            cursor = ids.index(keep)
        else:
            # The latest event that began on or before the as-of date.
            firsts = [e.first for e in events]
            cursor = max(0, bisect.bisect_right(firsts, self.day) - 1)
        event_list.set_row_count(len(events), cursor)
        region = self.store.regions[self.region_id]
        summary = Text(f"{len(events)} event{'s' if len(events) != 1 else ''} in and under ")
        summary.append(region.name)
        self.query_one("#events-summary", Static).update(summary)
        self._describe(self.highlighted_event)

    def _describe(self, event: Event | None) -> None:
        """The highlighted event in full: actors, figures with their sources, summary, citations."""
        detail = self.query_one("#event-detail", Static)
        detail.display = event is not None
        if event is None:
            return
        text = Text(event.title, style="bold")
        text.append(f"\n{event.date_text}", style="bold")
        if event.precision != "day":
            text.append(f" ({event.precision})", style="dim")
        text.append(f" · {event.type} · confidence {event.confidence}", style="dim")
        actors = [(self.store.factions.get(a.faction), a) for a in event.actors]
        for faction, actor in actors:
            text.append("\n")
            key = faction.bloc_key if faction else NOT_RECORDED
            text.append(bloc_glyph(key), style=self.colours.get(key, ""))
            text.append(" ")
            text.append(faction.name if faction else actor.faction)
            text.append(f" ({actor.role})", style="dim")
        for figure in event.figures:
            text.append("\n")
            text.append(figure.text)
            source = self.store.sources.get(figure.source) if figure.source else None
            text.append(f" — {source.publication}" if source else " — no source recorded", style="dim")
            if figure.note:
                text.append(f" ({figure.note})", style="dim italic")
        if event.summary:
            text.append("\n")
            text.append(event.summary, style="italic")
        text.append_text(citations(self.store, event.sources))
        detail.update(text)

    def on_select_changed(self, message: Select.Changed) -> None:
        message.stop()
        self._fill()

    def on_row_list_highlighted(self, message: RowList.Highlighted) -> None:
        message.stop()
        self._describe(self.highlighted_event)

    def on_row_list_selected(self, message: RowList.Selected) -> None:
        message.stop()
        event = self.highlighted_event
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
        self.event_list.focus()
