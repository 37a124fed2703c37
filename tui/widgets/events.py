"""Events of the highlighted place and everything under it, filterable."""

from __future__ import annotations

import bisect
from collections import Counter
from datetime import date

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widgets import Static

from store import Event, Store
from store.model import EVENT_TYPES, NOT_RECORDED

from ..format import bloc_glyph, citations
from .following import FollowsState
from .picker import ALL, Picker
from .rowlist import LineView, RowList, line_strip, wrap_line


class EventList(RowList):
    """Events, three lines each, drawn only when on screen.

    The list scrolls by whole events: its top line is always an event's
    first line, also when the cursor is on the last event and the view's
    height is not a multiple of three (the content is padded at the bottom
    so the last scroll position is a whole number of events).
    """
    HELP_SECTION = ("Events list", 51)  # where its keys are listed in the help (see FrontlinesApp.binding_sections)

    BINDINGS = [
        # The same id as every list's Enter, so one remap moves them all; said here as it works here.
        Binding("enter", "select", "Go to date", show=False, id="list.select",
                tooltip="Go to the highlighted event's first day (a span or a disputed date: its earliest day)"),
        Binding("tab", "focus_detail", "Detail", id="events.detail",
                tooltip="Into the highlighted event's detail, to scroll to its end and its sources; Tab again: back"),
    ]

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

    def set_virtual_height(self, height: int) -> None:
        view = self.scrollable_content_region.height or self.size.height
        if 0 < view < height:
            height += -(height - view) % self.row_height  # the furthest scroll: whole events
        super().set_virtual_height(height)

    def on_resize(self) -> None:
        super().on_resize()
        # A new height may have left the view part-way into an event: back to its first line,
        # or on to the next event's when that is what keeps the cursor's event in view.
        top, step = self.scroll_offset.y, self.row_height
        if top % step:
            target = top - top % step
            height = self.scrollable_content_region.height or self.size.height
            if (self.cursor + 1) * step > target + height:
                target += step
            self.scroll_to(y=target, animate=False, immediate=True, force=True)
            self.refresh()

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

    def action_focus_detail(self) -> None:
        detail = self.parent.query_one(EventDetail) if self.parent else None
        if detail is not None and detail.display:
            detail.focus()


class EventDetail(LineView, can_focus=True):
    """The highlighted event in full, in a box of its own that scrolls.

    A Line API view of fixed height: a new event changes its content height
    in place (no screen layout per key), and Tab from the list focuses it so
    j/k, g/G and the page keys reach its end and its sources.
    """
    HELP_SECTION = ("Event detail", 52)  # where its keys are listed in the help (see FrontlinesApp.binding_sections)

    BINDINGS = [
        Binding("j", "scroll_down", "Scroll down", show=False, id="list.down"),
        Binding("k", "scroll_up", "Scroll up", show=False, id="list.up"),
        Binding("g", "scroll_home", "Top", show=False, id="list.top"),
        Binding("G", "scroll_end", "End", show=False, id="list.bottom"),
        Binding("tab", "focus_list", "List", id="events.list", tooltip="Back from the event's detail to the events list"),
    ]

    DEFAULT_CSS = """
    EventDetail {
        height: 40%;
        min-height: 4;
        border-top: solid $panel-lighten-2;
        padding: 0 1;
        overflow-x: hidden;
        /* Always a scrollbar: one that came and went with the event would move the text. */
        overflow-y: scroll;
        scrollbar-size-vertical: 1;
    }
    EventDetail:focus {
        border-top: solid $accent;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = Text()
        self._lines: list[Text] = []
        self._strips: dict[int, Strip] = {}
        self._wrapped_for: int | None = None  # the width the lines were wrapped to
        self._base: Style | None = None

    def show_text(self, text: Text) -> None:
        """Show ``text`` from its first line."""
        self._text = text
        self._wrapped_for = None
        self.scroll_to(y=0, animate=False, immediate=True, force=True)
        self._wrap()
        self.refresh()

    @property
    def plain(self) -> str:
        """Every line the box holds, as plain text (what scrolling shows)."""
        return self._text.plain

    @property
    def lines(self) -> list[str]:
        """The lines as wrapped to the box's width."""
        self._wrap()
        return [line.plain.rstrip() for line in self._lines]

    def _wrap(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0 or self._wrapped_for == width:
            return
        console = self.app.console
        lines: list[Text] = []
        for line in self._text.split("\n"):
            lines.extend(wrap_line(line, width, console))
        self._lines = lines
        self._strips = {}
        self._wrapped_for = width
        self.set_virtual_height(len(lines))

    def render_line(self, y: int) -> Strip:
        self._wrap()
        width = self._wrapped_for or self.size.width
        if self._base is None:
            self._base = self.rich_style
        index = self.scroll_offset.y + y
        strip = self._strips.get(index)
        if strip is None:
            base = self._base
            if 0 <= index < len(self._lines):
                strip = line_strip(self._lines[index], width, base, self.app.console)
            else:
                strip = Strip.blank(width, base)
            self._strips[index] = strip
        return strip

    def on_resize(self) -> None:
        self._wrapped_for = None
        self._wrap()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base = None
        self._strips = {}
        self.refresh()

    def action_focus_list(self) -> None:
        if self.parent is not None:
            self.parent.query_one(EventList).focus()


class EventsPane(FollowsState, Vertical):
    """A filter line (type, faction) over the list of events, oldest first, and the highlighted event."""
    HELP_SECTION = ("Events pane", 50)  # where its keys are listed in the help (see FrontlinesApp.binding_sections)

    # The ids are those of the cycling filters these pickers replaced, so remaps still apply.
    BINDINGS = [
        Binding("y", "pick_type", "Type", id="events.type",
                tooltip="Filter by event type: a picker of the types that occur here, with counts, and All"),
        Binding("a", "pick_faction", "Faction", id="events.faction",
                tooltip="Filter by faction (sub-factions included): those that occur here, with counts, and All"),
        Binding("x", "clear_filters", "Clear", id="events.clear", tooltip="Clear both event filters"),
    ]

    DEFAULT_CSS = """
    EventsPane {
        width: 2fr;
        min-width: 30;
        border: round $accent;
        border-title-color: $text;
        padding: 0 0;
    }
    EventsPane > #events-filters, EventsPane > #events-summary {
        height: 1;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    EventsPane > #events-summary {
        color: $text-muted;
    }
    EventsPane > EventList {
        height: 1fr;
    }
    """

    class EventChosen(Message):
        """Enter on an event: go to ``day`` (its first day), saying ``say``."""

        def __init__(self, event: Event) -> None:
            super().__init__()
            self.event = event
            self.day = event.first
            self.say = went_to(event)

    region_id: reactive[str | None] = reactive(None, init=False, repaint=False)
    """The place whose events show (bound to the app's highlighted place)."""
    day: reactive[date] = reactive(date(2018, 12, 31), init=False, repaint=False)
    """The as-of date (bound to the app's)."""

    def __init__(self, store: Store, day: date, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        self.set_reactive(EventsPane.day, day)
        self.event_type: str | None = None
        """The type filter (None: any)."""
        self.faction: str | None = None
        """The faction filter, sub-factions included (None: any)."""
        self._shown_for: tuple[str | None, date] | None = None
        self._query: tuple[str | None, str | None, str | None] | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="events-filters")
        yield Static(id="events-summary")
        yield EventList(self.store, id="events-list")
        yield EventDetail(id="event-detail")

    def on_mount(self) -> None:
        self.border_title = Text("Events")
        self._show_filters()

    @property
    def event_list(self) -> EventList:
        return self.query_one(EventList)

    @property
    def event_detail(self) -> EventDetail:
        return self.query_one(EventDetail)

    @property
    def events(self) -> list[Event]:
        return self.event_list.events

    @property
    def highlighted_event(self) -> Event | None:
        event_list = self.event_list
        return event_list.events[event_list.cursor] if event_list.events else None

    def watch_region_id(self) -> None:
        self._update()

    def data_changed(self) -> None:
        """The database changed (an edit): the events queried again, the cursor kept on its event."""
        self._query = None
        self._shown_for = None
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
        return self.event_type, self.faction

    def _place(self) -> str | None:
        """The place to query: None at a root (every event, those with no known place too)."""
        if self.region_id is None or self.region_id in {r.id for r in self.store.roots()}:
            return None
        return self.region_id

    def _fill(self) -> None:
        if self.region_id is None:
            return
        event_type, faction = self._filters()
        self._query = (self.region_id, event_type, faction)
        events = self.store.events_query(place=self._place(), faction=faction, types=[event_type] if event_type else None)
        event_list = self.event_list
        keep = self.highlighted_event.id if self.highlighted_event else None
        event_list.events = events
        ids = [e.id for e in events]
        if keep in ids:
            cursor = ids.index(keep)
        else:
            # The event highlighted before is not listed here: the latest that began on or before the as-of date.
            firsts = [e.first for e in events]
            cursor = max(0, bisect.bisect_right(firsts, self.day) - 1)
        event_list.set_row_count(len(events), cursor)
        region = self.store.regions[self.region_id]
        summary = Text(f"{len(events)} event{'s' if len(events) != 1 else ''} in and under ")
        summary.append(region.name)
        self.query_one("#events-summary", Static).update(summary)
        self.border_title = Text("Events · ") + Text(region.name)
        self._show_filters()
        self._describe(self.highlighted_event)

    def _show_filters(self) -> None:
        """One line: the filters in force (cut with an ellipsis where the pane is narrow)."""
        line = Text("Type ", style="dim")
        line.append(self.event_type or "any", style="bold" if self.event_type else "")
        line.append(" · Faction ", style="dim")
        faction = self.store.factions.get(self.faction) if self.faction else None
        if faction is not None:
            line.append(faction.glyph, style=self.colours.get(faction.bloc_key, ""))
            line.append(" ")
            line.append(faction.name, style="bold")
        else:
            line.append(self.faction or "any")
        self.query_one("#events-filters", Static).update(line)

    def _describe(self, event: Event | None) -> None:
        """The highlighted event in full: actors, figures with their sources, summary, citations."""
        detail = self.event_detail
        if event is None:
            if detail.has_focus:
                self.event_list.focus()
            detail.display = False
            return
        detail.display = True
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
        detail.show_text(text)

    def on_row_list_highlighted(self, message: RowList.Highlighted) -> None:
        message.stop()
        self._describe(self.highlighted_event)

    def on_row_list_selected(self, message: RowList.Selected) -> None:
        message.stop()
        event = self.highlighted_event
        if event is not None:
            self.post_message(self.EventChosen(event))

    # --- filters -------------------------------------------------------------------------

    def type_counts(self) -> Counter[str]:
        """Events in scope (the place, and the faction filter) by type."""
        return Counter(e.type for e in self.store.events_query(place=self._place(), faction=self.faction))

    def faction_counts(self) -> Counter[str]:
        """Events in scope (the place, and the type filter) by faction, each
        counted for its actors and every faction above them (a faction's
        filter takes in its sub-factions)."""
        events = self.store.events_query(place=self._place(), types=[self.event_type] if self.event_type else None)
        counts: Counter[str] = Counter()
        above: dict[str, tuple[str, ...]] = {}
        for event in events:
            involved: set[str] = set()
            for actor in event.actors:
                chain = above.get(actor.faction)
                if chain is None:
                    chain = above[actor.faction] = self._with_ancestors(actor.faction)
                involved.update(chain)
            counts.update(involved)
        return counts

    def _with_ancestors(self, faction_id: str) -> tuple[str, ...]:
        chain: list[str] = []
        current: str | None = faction_id
        while current is not None and current in self.store.factions and current not in chain:
            chain.append(current)
            current = self.store.factions[current].parent
        return tuple(chain)

    def _scope_name(self) -> str:
        region = self.store.regions.get(self.region_id or "")
        return region.name if region else "the data"

    def action_pick_type(self) -> None:
        counts = self.type_counts()
        total = sum(counts.values())
        if not total:
            self.app.notify(f"No events in and under {self._scope_name()} to filter by type.", markup=False)
            return
        choices = [(Text("All types"), total, ALL)]
        choices += [(Text(t), counts[t], t) for t in EVENT_TYPES if counts[t]]
        choices += [(Text(t), n, t) for t, n in sorted(counts.items()) if t not in EVENT_TYPES]
        title = Text("Event type · ") + Text(self._scope_name())
        if self.faction and self.faction in self.store.factions:
            title += Text(" · ") + Text(self.store.factions[self.faction].name)
        self.app.push_screen(Picker(title, choices, self.event_type or ALL), self._type_chosen)

    def _type_chosen(self, value: str | None) -> None:
        if value is not None:
            self.event_type = value or None
            self._fill()

    def action_pick_faction(self) -> None:
        counts = self.faction_counts()
        total = len(self.store.events_query(place=self._place(), types=[self.event_type] if self.event_type else None))
        if not counts:
            self.app.notify(f"No events in and under {self._scope_name()} name a faction.", markup=False)
            return
        choices = [(Text("All factions"), total, ALL)]
        for faction, depth in self.store.walk_factions():
            if counts[faction.id]:
                label = Text("  " * depth)
                label.append(faction.glyph, style=self.colours.get(faction.bloc_key, ""))
                label.append(" ")
                label.append(faction.name)
                choices.append((label, counts[faction.id], faction.id))
        title = Text("Faction · ") + Text(self._scope_name())
        if self.event_type:
            title += Text(f" · {self.event_type}")
        self.app.push_screen(Picker(title, choices, self.faction or ALL), self._faction_chosen)

    def _faction_chosen(self, value: str | None) -> None:
        if value is not None:
            self.faction = value or None
            self._fill()

    def action_clear_filters(self) -> None:
        if self.event_type is None and self.faction is None:
            self.app.notify("No event filter to clear.", markup=False)
            return
        self.event_type = self.faction = None
        self._fill()

    def focus_list(self) -> None:
        self.event_list.focus()


def went_to(event: Event) -> str:
    """What the status line says after Enter on ``event``: the day gone to, and why that day."""
    head = f"{event.type}: {event.title}"
    first = event.first.isoformat()
    if event.first == event.last:
        return f"{first} {head}"
    if event.precision == "disputed":
        return f"{first}, the earlier of its disputed dates ({event.date_text}), {head}"
    if event.precision in ("month", "year"):
        return f"{first}, the first day of {event.date_text} (known to the {event.precision}), {head}"
    return f"{first}, the first day of {event.date_text}, {head}"
