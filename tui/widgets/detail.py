"""The detail pane: everything known about the highlighted place at the date."""

from __future__ import annotations

from datetime import date

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.reactive import reactive
from textual.strip import Strip

from store import Control, Region, Store
from store.model import BLOCS, NOT_RECORDED, NOT_RECORDED_LABEL

from ..format import (
    bloc_glyph,
    citations,
    claim_parts,
    control_glyph,
    faction_name,
    period_source_ids,
    since_until,
    status_text,
)
from ..theme import bloc_colours
from .miller import MillerColumns
from .rowlist import LineView, line_strip, wrap_line
from .timeline import ControlChart, TimelineStrip

LABEL = "bold"
DIM = "dim"


class DetailPane(LineView, can_focus=True):
    """Names, codes, controller and evidence, history, and for parents the breakdown.

    One Line API view: the sections are wrapped to the pane's width into
    strips when the place or the date changes, and only the lines on screen
    are drawn. A new place or date repaints the pane in place; it never asks
    for a screen layout (see LineView), which on every key would cost more
    than everything else the key does.
    """
    HELP_SECTION = ("Details pane", 40)  # where its keys are listed in the help (see FrontlinesApp.binding_sections)

    BINDINGS = [
        Binding("j", "scroll_down", "Scroll down", show=False, id="list.down"),
        Binding("k", "scroll_up", "Scroll up", show=False, id="list.up"),
        Binding("g,home", "scroll_home", "Top", show=False, id="list.top"),
        Binding("G,end", "scroll_end", "Bottom", show=False, id="list.bottom"),
        Binding("pageup", "page_up", "Page up", show=False, id="list.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="list.page_down"),
        # As in the columns to its left: h goes back (to the column of the place shown), l goes in.
        Binding("h,left,backspace", "to_places", "Places", show=False, id="nav.ascend",
                tooltip="Back to the place columns, on the place shown"),
        Binding("l,right", "into_place", "In", show=False, id="nav.descend",
                tooltip="Into the place shown: the columns list the places under it"),
    ]

    DEFAULT_CSS = """
    DetailPane {
        width: 2fr;
        min-width: 30;
        border: round $panel-lighten-2;
        border-title-color: $text-muted;
        padding: 0 1;
        overflow-x: hidden;
        /* Always a scrollbar: one that came and went with the length of the
           place's details would move the text (a screen layout per key). */
        overflow-y: scroll;
        scrollbar-size-vertical: 1;
    }
    DetailPane:focus {
        border: round $accent;
    }
    """

    # Sections top to bottom, and whether a blank line comes before each.
    SECTIONS = (
        ("head", False),
        ("control", True),
        ("history-title", True),
        ("over-time", True),
        ("history", False),
        ("breakdown", True),
        ("sources", True),
        ("about", True),
    )

    region_id: reactive[str | None] = reactive(None, init=False, repaint=False)
    """The place shown (bound to the app's highlighted place)."""
    day: reactive[date] = reactive(date(2018, 12, 31), init=False, repaint=False)
    """The as-of date (bound to the app's)."""

    def __init__(self, store: Store, day: date, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        self.set_reactive(DetailPane.day, day)
        self._strip_chart = TimelineStrip(store)
        self._chart = ControlChart(store)
        self._sections: dict[str, Text] = {}
        self._over_time: TimelineStrip | ControlChart | None = None
        self._lines: list[Text | None] = []  # the sections wrapped to the width; None: a blank line
        self._strips: dict[int, Strip] = {}  # the lines drawn so far, by index
        self._base: Style | None = None  # the pane's own style, under every line
        self._built: tuple[str | None, date] | None = None  # (place, day) the sections were made for
        self._drawn_for: tuple[int, int, int] | None = None  # (width, height, version) the strips were made for
        self._version = 0
        self._colours: dict[str, str] | None = None

    # --- what is shown ------------------------------------------------------------------

    def watch_region_id(self, region_id: str | None) -> None:
        region = self.store.regions.get(region_id or "")
        self.border_title = Text(region.name) if region else None
        self.scroll_to(y=0, animate=False, immediate=True)
        self._changed()

    def watch_day(self) -> None:
        self._changed()

    def _changed(self) -> None:
        # Made now, in the call that changed the place or date, so the new
        # height is known before the frame is drawn (one frame a key); a
        # hidden pane waits until it is drawn.
        if self.display:
            self._update_lines()
        self.refresh()

    @property
    def colours(self) -> dict[str, str]:
        if self._colours is None:
            self._colours = bloc_colours(self.app)
        return self._colours

    def _build(self) -> None:
        """The sections for the place and date, made once per change of either."""
        if self._built == (self.region_id, self.day):
            return
        self._built = (self.region_id, self.day)
        self._version += 1
        region_id, day = self.region_id, self.day
        if region_id is None or region_id not in self.store.regions:
            self._sections, self._over_time = {}, None
            return
        region = self.store.regions[region_id]
        control = self.store.control(region_id, day)
        is_parent = self.store.has_children(region_id) and control.derived
        sections = {"head": self._head(region), "control": self._control(control)}
        if is_parent:
            self._over_time = self._chart
            sections["history-title"] = Text("Control over time", style=LABEL) + Text(
                f"  share of {_places(len(self.store.units(region_id)))} by bloc", style=DIM
            )
        else:
            self._over_time = self._strip_chart
            sections["history-title"] = Text("History", style=LABEL)
            sections["history"] = self._history(region_id, day)
        sections["breakdown"] = self._breakdown(control)
        sections["sources"] = self._sources(control)
        sections["about"] = self._about(region)
        self._sections = {name: text for name, text in sections.items() if text.plain}

    def section(self, name: str) -> str:
        """The plain text of one shown section ('' when it is not shown)."""
        self._build()
        if name == "over-time":
            return "\n".join(line.plain for line in self._over_time_lines(max(1, self._width())))
        text = self._sections.get(name)
        return text.plain if text is not None else ""

    @property
    def plain(self) -> str:
        """Every line the pane holds, as plain text (what scrolling shows)."""
        self._update_lines()
        return "\n".join(line.plain.rstrip() if line is not None else "" for line in self._lines)

    # --- keys -------------------------------------------------------------------------

    def _columns(self) -> MillerColumns:
        return self.screen.query_one(MillerColumns)

    def action_to_places(self) -> None:
        self._columns().current.focus()

    def action_into_place(self) -> None:
        columns = self._columns()
        depth = len(columns.path)
        columns.action_descend()  # a place with nothing under it: a bell and a note, and focus stays here
        if len(columns.path) != depth:
            columns.current.focus()

    # --- drawing --------------------------------------------------------------------------

    def _width(self) -> int:
        return self.scrollable_content_region.width

    def _over_time_lines(self, width: int, height: int = ControlChart.HEIGHT) -> list[Text]:
        if self._over_time is None or self.region_id is None:
            return []
        return list(self._over_time.text(self.region_id, self.day, width, self.colours, height).split("\n"))

    def _update_lines(self) -> None:
        """Wrap the sections to the pane's width (when the place, date or width
        changed). Lines become strips only when drawn: a long breakdown or
        list of sources costs nothing below the fold."""
        self._build()
        width = self._width()
        height = self.scrollable_content_region.height  # a taller pane gets a taller chart
        if width <= 0 or self._drawn_for == (width, height, self._version):
            return
        console = self.app.console
        lines: list[Text | None] = []  # None: the blank line between sections
        for name, gap in self.SECTIONS:
            if name == "over-time":
                # The chart takes the rest of the pane's height (within its limits).
                section = self._over_time_lines(width, height - len(lines) - 1)
            elif name in self._sections:
                section = []
                for line in self._sections[name].split("\n"):
                    section.extend(wrap_line(line, width, console))
            else:
                continue
            if gap and lines:
                lines.append(None)
            lines.extend(section)
        self._lines = lines
        self._strips = {}
        self._drawn_for = (width, height, self._version)
        self.set_virtual_height(len(lines))
        self.refresh()

    def render_line(self, y: int) -> Strip:
        if self._drawn_for is None or self._drawn_for[2] != self._version or self._built != (self.region_id, self.day):
            self._update_lines()  # changed while hidden, or a new theme
        index = self.scroll_offset.y + y
        strip = self._strips.get(index)
        if strip is None:
            width = self._drawn_for[0] if self._drawn_for else self.size.width
            if self._base is None:
                self._base = self.rich_style
            line = self._lines[index] if 0 <= index < len(self._lines) else None
            strip = Strip.blank(width, self._base) if line is None else line_strip(line, width, self._base, self.app.console)
            self._strips[index] = strip
        return strip

    def on_resize(self) -> None:
        self._update_lines()

    def data_changed(self) -> None:
        """The database changed (an edit): every section and chart made anew."""
        self._strip_chart = TimelineStrip(self.store)
        self._chart = ControlChart(self.store)
        self._built = self._drawn_for = None
        self._changed()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        # A new theme: new bloc colours and base style, in every section and strip.
        self._colours = self._base = None
        self._built = self._drawn_for = None
        self.refresh()

    # --- sections -------------------------------------------------------------------

    def _head(self, region: Region) -> Text:
        text = Text(region.name, style="bold")
        if region.name_ar:
            # Arabic is shown in logical order (Textual does not shape RTL text),
            # always after the Latin name and on the same line.
            text.append("   ")
            text.append(region.name_ar)
        text.append("\n")
        codes = [region.level]
        if region.pcode:
            codes.append(f"P-code {region.pcode}")
        elif region.id:
            codes.append(f"id {region.id}")
        codes.extend(region.other_codes)
        text.append(" · ".join(codes), style=DIM)
        return text

    def _about(self, region: Region) -> Text:
        text = Text()
        if region.alt_names:
            text.append("Also spelled ", style=LABEL)
            text.append(", ".join(region.alt_names))
        if region.lat is not None and region.lon is not None:
            text.append("\nCoordinates ", style=LABEL)
            text.append(f"{region.lat:.4f}, {region.lon:.4f}")
            if region.coord_note:
                text.append(f" — {region.coord_note}", style=DIM)
        if region.note:
            text.append("\nNote ", style=LABEL)
            text.append(region.note, style="italic")
        edited = self.store.last_change(place=region.id)
        if edited is not None:
            text.append("\nLast edited ", style=LABEL)
            text.append(f"by {edited.author} on {edited.when}")
            text.append(f" — {edited.summary}", style=DIM)
        return Text("\n").join(line for line in text.split("\n") if line.plain) if text.plain else text

    def _control(self, control: Control) -> Text:
        text = Text()
        text.append(f"As of {control.at.isoformat()}\n", style=DIM)
        text.append_text(control_glyph(control, self.colours))
        text.append(" ")
        if control.faction is not None:
            text.append(control.faction.name, style="bold")
        elif control.status == "mixed":
            text.append("Mixed control", style="bold")
        else:
            text.append("Not recorded on this date", style="bold")
        if control.status not in (NOT_RECORDED, "mixed"):
            text.append(f"  {status_text(control)}")
        period = control.period
        if period is not None:
            text.append("\n" + since_until(self.store, control, period))
            if period.claim:
                text.append("\n")
                text.append_text(self._claim(period.claim))
            text.append(f"\nconfidence {period.confidence}", style=_confidence_style(period.confidence))
            if period.others:
                text.append("\nwith ")
                text.append(", ".join(faction_name(self.store, f) for f in period.others))
            for label, event_id in (("began with", period.start_event), ("ended with", period.end_event)):
                event = self.store.events.get(event_id) if event_id else None
                if event is None:
                    continue
                text.append(f"\n{label} ", style=DIM)
                text.append(event.date_text, style="bold")
                text.append(f" {event.type}: ")
                text.append(event.title)
                text.append(f" ({event.confidence})", style=DIM)
            if period.note:
                text.append("\n")
                text.append(period.note, style="italic")
        elif control.derived and control.since:
            text.append(f"\nthis picture since {control.since.isoformat()}", style=DIM)
        elif control.status == NOT_RECORDED and not control.derived:
            text.append("\nNo period of its own and no area claim covers this date: no source says who held it.", style=DIM)
        return text

    def _claim(self, claim_id: str) -> Text:
        """'from an area claim on Yabroud (SY0305)': where a place's status comes from."""
        area, code, excepted = claim_parts(self.store, claim_id)
        text = Text("from an area claim on ", style=DIM)
        text.append(area, style="bold")
        text.append(f" ({code})", style=DIM)
        if excepted:
            text.append(", which leaves out ", style=DIM)
            text.append(", ".join(excepted))
        return text

    def _history(self, region_id: str, day: date) -> Text:
        lines = []
        for period in self.store.history(region_id):
            current = period.covers(day)
            faction = self.store.factions.get(period.faction)
            key = faction.bloc_key if faction else NOT_RECORDED
            end = period.end.isoformat() if period.end else "…"
            line = Text("▶ " if current else "  ", style="bold")
            line.append(f"{period.since_text} → {end}", style="bold" if current else "")
            line.append(f" · {period.status} · {period.confidence}", style=DIM)
            if period.claim:
                line.append(" · claim", style=DIM)
            line.append("\n    ")
            line.append(bloc_glyph(key), style=self.colours.get(key, ""))
            line.append(" ")
            line.append(faction.name if faction else period.faction)
            lines.append(line)
        return Text("\n").join(lines)

    def _breakdown(self, control: Control) -> Text:
        breakdown = control.breakdown
        if breakdown is None or not control.derived:
            return Text("")
        text = Text(f"{_places(breakdown.total)} under it", style=LABEL)
        for share in breakdown.by_bloc:
            bloc = BLOCS.get(share.key)
            text.append("\n")
            text.append(bloc_glyph(share.key), style=self.colours.get(share.key, ""))
            text.append(f" {(bloc.label if bloc else 'Not recorded'):<12}{share.count:>4} {share.share:>5.0%}")
        text.append("\n")
        text.append("By faction", style=LABEL)
        for share in breakdown.by_faction:
            faction = self.store.factions.get(share.key)
            key = faction.bloc_key if faction else NOT_RECORDED
            text.append("\n")
            text.append(bloc_glyph(key), style=self.colours.get(key, ""))
            text.append(f" {share.count:>4}  ")
            text.append(faction.name if faction else NOT_RECORDED_LABEL)
        return text

    def _sources(self, control: Control) -> Text:
        period = control.period
        if period is None:
            return Text("")
        text = Text("Sources", style=LABEL)
        text.append_text(citations(self.store, period_source_ids(self.store, period)))
        return text



def _places(count: int) -> str:
    return f"{count} place" if count == 1 else f"{count} places"


def _confidence_style(confidence: str) -> str:
    return {"high": "green", "medium": "", "low": "yellow"}.get(confidence, "")
