"""The detail pane: everything known about the highlighted place at the date."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from store import Control, Region, Store
from store.model import BLOCS, NOT_RECORDED, NOT_RECORDED_LABEL

from ..format import bloc_glyph, citations, claim_parts, control_glyph, palette, since_until, status_text
from .timeline import ControlChart, TimelineStrip

LABEL = "bold"
DIM = "dim"


class DetailPane(VerticalScroll):
    """Names, codes, controller and evidence, history, and for parents the breakdown."""
    HELP_SECTION = ("Details pane", 40)  # where its keys are listed in the help (see FrontlinesApp.binding_sections)

    BINDINGS = [
        Binding("j", "scroll_down", "Scroll down", show=False, id="list.down"),
        Binding("k", "scroll_up", "Scroll up", show=False, id="list.up"),
    ]

    DEFAULT_CSS = """
    DetailPane {
        width: 2fr;
        min-width: 30;
        border: round $panel-lighten-2;
        border-title-color: $text-muted;
        padding: 0 1;
        scrollbar-size-vertical: 1;
    }
    DetailPane:focus-within {
        border: round $accent;
    }
    DetailPane > Static {
        width: 100%;
    }
    DetailPane > .section {
        margin-top: 1;
    }
    DetailPane > TimelineStrip, DetailPane > ControlChart {
        margin-top: 1;
    }
    """

    can_focus = True

    def __init__(self, store: Store, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.store = store
        self.colours = palette(True)
        self.region_id: str | None = None
        self.day: date = store.span[1]

    def compose(self) -> ComposeResult:
        yield Static(id="detail-head")
        yield Static(id="detail-control", classes="section")
        yield Static(id="detail-history-title", classes="section")
        yield TimelineStrip(self.store, id="detail-strip")
        yield ControlChart(self.store, id="detail-chart")
        yield Static(id="detail-history")
        yield Static(id="detail-breakdown", classes="section")
        yield Static(id="detail-sources", classes="section")
        yield Static(id="detail-about", classes="section")

    def show(self, region_id: str, day: date) -> None:
        region_changed = region_id != self.region_id
        self.region_id, self.day = region_id, day
        region = self.store.regions[region_id]
        control = self.store.control(region_id, day)
        self.border_title = Text(region.name)
        self.query_one("#detail-head", Static).update(self._head(region))
        self.query_one("#detail-control", Static).update(self._control(control))
        is_parent = self.store.has_children(region_id) and control.derived
        strip = self.query_one("#detail-strip", TimelineStrip)
        chart = self.query_one("#detail-chart", ControlChart)
        strip.display = not is_parent
        chart.display = is_parent
        for widget in (strip, chart):
            widget.colours = self.colours
        if is_parent:
            chart.show(region_id, day)
            self.query_one("#detail-history-title", Static).update(
                Text("Control over time", style=LABEL)
                + Text(f"  share of {_places(len(self.store.units(region_id)))} by bloc", style=DIM)
            )
            self.query_one("#detail-history", Static).display = False
        else:
            strip.show(region_id, day)
            self.query_one("#detail-history-title", Static).update(Text("History", style=LABEL))
            history = self.query_one("#detail-history", Static)
            history.display = True
            history.update(self._history(region_id, day))
        sections = (
            ("#detail-breakdown", self._breakdown(control)),
            ("#detail-sources", self._sources(control)),
            ("#detail-about", self._about(region)),
        )
        for selector, text in sections:
            widget = self.query_one(selector, Static)
            widget.display = bool(text.plain)
            widget.update(text)
        if region_changed:
            self.scroll_home(animate=False)

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
                text.append(", ".join(self._faction_name(f) for f in period.others))
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
        ids = list(dict.fromkeys([*period.sources, *self._event_sources(period.start_event, period.end_event)]))
        text.append_text(citations(self.store, ids))
        return text

    def _event_sources(self, *event_ids: str | None) -> list[str]:
        out: list[str] = []
        for event_id in event_ids:
            event = self.store.events.get(event_id) if event_id else None
            if event:
                out.extend(event.sources)
        return out

    def _faction_name(self, faction_id: str) -> str:
        faction = self.store.factions.get(faction_id)
        return faction.name if faction else faction_id


def _places(count: int) -> str:
    return f"{count} place" if count == 1 else f"{count} places"


def _confidence_style(confidence: str) -> str:
    return {"high": "green", "medium": "", "low": "yellow"}.get(confidence, "")
