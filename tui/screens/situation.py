"""The situation at a date: the places under the highlighted one, grouped by
who held them and how, with counts, folding groups and filters.

It follows the app's date: ``[``/``]``, ``{``/``}``, ``t`` and playing
redraw it at the new date, so the view is also a way to watch control move.
Enter on a place returns its id (the app jumps there and records the jump).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from store import BLOCS, Store
from store.model import NOT_RECORDED, NOT_RECORDED_LABEL, STATUS_MARKS
from store.situation import Group, Placed, Situation

from ..format import bloc_glyph
from ..widgets.lists import KeyedOptionList
from .choose import ChoiceScreen

if TYPE_CHECKING:
    from ..app import FrontlinesApp

OPEN_LIMIT = 60  # groups start open while the view shows at most this many places;
BIG_GROUP = 20  # beyond it, groups of more than this many places start folded


@dataclass(frozen=True)
class Filter:
    """Which places the view keeps: everything, one bloc, all but one bloc, or one faction."""

    label: str
    bloc: str | None = None
    not_bloc: str | None = None
    faction: str | None = None


EVERYTHING = Filter("all places")
NOT_GOVERNMENT = Filter("not government", not_bloc="government")


def bloc_label(bloc: str) -> str:
    return BLOCS[bloc].label if bloc in BLOCS else NOT_RECORDED_LABEL


def group_label(group: Group) -> str:
    """'Islamic State · contested' or 'not recorded'."""
    if group.faction is None:
        return NOT_RECORDED_LABEL
    if group.status == "held":
        return group.faction.name
    return f"{group.faction.name} · {group.status} {STATUS_MARKS.get(group.status, '')}".rstrip()


def since_label(place: Placed, span_start: date) -> str:
    period = place.period
    if place.since is None:
        return ""
    if period is not None and period.start == place.since and period.from_precision != "day":
        text = f"since {period.since_text}"
    else:
        text = f"since {place.since.isoformat()}"
    return text + (" (start of data)" if place.since == span_start else "")


class SituationScreen(Screen[str | None]):
    """Returns the chosen place's id, or None."""

    HELP_SECTION = ("Situation view", 62)

    BINDINGS = [
        Binding("escape", "close", "Close", id="situation.close"),
        Binding("n", "not_government", "Not gov", id="situation.not_government",
                tooltip="Show only places outside government control (again: all places)"),
        Binding("b", "choose_filter", "Filter", id="situation.filter",
                tooltip="Keep one bloc or one faction, with counts, or all places"),
        Binding("l,right", "unfold", "Open", show=False, id="situation.unfold", tooltip="Open the highlighted group"),
        Binding("h,left", "fold", "Fold", show=False, id="situation.fold",
                tooltip="Fold the highlighted group (on a place: its group)"),
        Binding("z", "fold_all", "Fold all", id="situation.fold_all", tooltip="Fold every group, or open them all"),
    ]

    DEFAULT_CSS = """
    SituationScreen {
        layout: vertical;
    }
    SituationScreen #situation-head {
        height: 1;
        padding: 0 1;
        background: $boost;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    SituationScreen #situation-list {
        height: 1fr;
        border: round $accent;
        padding: 0;
    }
    SituationScreen #situation-hint {
        height: 1;
        padding: 0 1;
        color: $text-muted;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, store: Store, region_id: str, *, filter: Filter = EVERYTHING) -> None:
        super().__init__()
        self.store = store
        self.region_id = region_id
        self.filter = filter
        self.situation: Situation | None = None
        self.folded: set[str] = set()
        self._fold_decided = False

    @property
    def fl_app(self) -> FrontlinesApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(id="situation-head")
        yield KeyedOptionList(id="situation-list")
        yield Static(id="situation-hint")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(OptionList).border_title = "Situation"
        self.watch(self.app, "as_of", self._date_changed, init=False)
        self.refresh_view()
        self.query_one(OptionList).focus()

    def _date_changed(self) -> None:
        self.refresh_view()

    def data_changed(self) -> None:
        """The database changed (an edit): listed again, the highlighted row kept."""
        if self.is_mounted:
            self.refresh_view()

    @property
    def day(self) -> date:
        return self.fl_app.as_of

    def refresh_view(self, keep: str | None = None) -> None:
        """Derive the situation at the app's date and list it, keeping the highlighted row."""
        f = self.filter
        self.situation = self.store.situation(self.region_id, self.day, bloc=f.bloc, not_bloc=f.not_bloc, faction=f.faction)
        if not self._fold_decided:
            # A short list opens whole; in a long one the big groups start folded.
            if self.situation.shown > OPEN_LIMIT:
                self.folded = {g.key for g in self.situation.groups if len(g.places) > BIG_GROUP}
            self._fold_decided = True
        options = self.query_one(OptionList)
        if keep is None and options.highlighted is not None and options.option_count:
            keep = options.get_option_at_index(options.highlighted).id
        self._list(options, keep)
        self._head()

    def _head(self) -> None:
        sit = self.situation
        assert sit is not None
        region = sit.region
        head = Text(no_wrap=True, overflow="ellipsis")
        head.append(region.name, style="bold")
        head.append(f" on {sit.at.isoformat()}", style="bold")
        shown = f"{sit.shown} of {sit.total} places" if self.filter != EVERYTHING else f"{sit.total} places"
        head.append(f" · {self.filter.label}: {shown}" if self.filter != EVERYTHING else f" · {shown}")
        self.query_one("#situation-head", Static).update(head)
        keys = {b.id: self.fl_app.key_for(b) for b in (*self.BINDINGS, *self.fl_app.app_bindings()) if isinstance(b, Binding)}
        hint = (
            f"Enter: go to the place, or open/fold a group · {keys['situation.not_government']} not government"
            f" · {keys['situation.filter']} filter · {keys['time.prev_change']} {keys['time.next_change']}"
            f" {keys['time.prev_month']} {keys['time.next_month']} {keys['time.prompt']} date · Esc closes"
        )
        self.query_one("#situation-hint", Static).update(Text(hint))

    def _list(self, options: OptionList, keep: str | None) -> None:
        sit = self.situation
        assert sit is not None
        colours = self.fl_app.colours
        start = self.store.span[0]
        rows: list[Option] = []
        for group in sit.groups:
            open_ = group.key not in self.folded
            label = Text(no_wrap=True, overflow="ellipsis")
            label.append("▾ " if open_ else "▸ ", style="dim")
            label.append(bloc_glyph(group.bloc), style=f"bold {colours.get(group.bloc, '')}".strip())
            label.append(" ")
            label.append(group_label(group), style="bold")
            count = len(group.places)
            label.append(f"  {count} place{'s' if count != 1 else ''}", style="dim")
            if group.faction is not None:
                label.append(f"  {bloc_label(group.bloc)}", style="dim italic")
            rows.append(Option(label, id=f"g:{group.key}"))
            if not open_:
                continue
            for place in group.places:
                region = place.region
                row = Text(no_wrap=True, overflow="ellipsis")
                row.append("    ")
                row.append(region.name)
                parent = self.store.regions.get(region.parent or "")
                detail = f"  {region.level}" + (f" in {parent.name}" if parent else "")
                row.append(detail, style="dim")
                since = since_label(place, start)
                if since:
                    row.append(f"  {since}")
                if region.pcode:
                    row.append(f"  {region.pcode}", style="dim")
                rows.append(Option(row, id=f"p:{region.id}"))
        if not rows:
            empty = Text(f"No place under {sit.region.name} is {self.filter.label} on {sit.at.isoformat()}.", style="italic")
            rows.append(Option(empty, id="empty", disabled=True))
        options.clear_options()
        options.add_options(rows)
        index = 0
        if keep is not None:
            try:
                index = options.get_option_index(keep)
            except Exception:  # the row is gone (a group folded, a place filtered away)
                index = 0
        options.highlighted = index if options.option_count and rows[index].id != "empty" else None

    # --- keys ---------------------------------------------------------------------------------

    def _highlighted_id(self) -> str | None:
        options = self.query_one(OptionList)
        if options.highlighted is None or not options.option_count:
            return None
        return options.get_option_at_index(options.highlighted).id

    def _group_of(self, row_id: str | None) -> str | None:
        if row_id is None or self.situation is None:
            return None
        if row_id.startswith("g:"):
            return row_id[2:]
        rid = row_id[2:]
        for group in self.situation.groups:
            if any(p.region.id == rid for p in group.places):
                return group.key
        return None

    @on(OptionList.OptionSelected)
    def _selected(self, message: OptionList.OptionSelected) -> None:
        message.stop()
        row_id = message.option.id or ""
        if row_id.startswith("p:"):
            self.dismiss(row_id[2:])
        elif row_id.startswith("g:"):
            key = row_id[2:]
            self.folded.symmetric_difference_update({key})
            self.refresh_view(keep=row_id)

    def action_unfold(self) -> None:
        key = self._group_of(self._highlighted_id())
        if key is not None and key in self.folded:
            self.folded.discard(key)
            self.refresh_view(keep=f"g:{key}")

    def action_fold(self) -> None:
        key = self._group_of(self._highlighted_id())
        if key is not None:
            self.folded.add(key)
            self.refresh_view(keep=f"g:{key}")

    def action_fold_all(self) -> None:
        assert self.situation is not None
        keys = {g.key for g in self.situation.groups}
        self.folded = set() if keys <= self.folded else keys
        self.refresh_view(keep=f"g:{k}" if (k := self._group_of(self._highlighted_id())) else None)

    def set_filter(self, new: Filter) -> None:
        self.filter = new
        self._fold_decided = False
        self.folded = set()
        self.refresh_view()

    def action_not_government(self) -> None:
        self.set_filter(EVERYTHING if self.filter == NOT_GOVERNMENT else NOT_GOVERNMENT)

    def filters(self) -> list[tuple[Text, Filter]]:
        """Every filter that keeps something today, with how many places it keeps."""
        whole = self.store.situation(self.region_id, self.day)
        by_bloc: dict[str, int] = {}
        by_faction: dict[str, int] = {}
        for group in whole.groups:
            by_bloc[group.bloc] = by_bloc.get(group.bloc, 0) + len(group.places)
            if group.faction is not None:
                by_faction[group.faction.id] = by_faction.get(group.faction.id, 0) + len(group.places)
        # A faction's filter keeps its sub-factions' places too: count them with it.
        held = dict(by_faction)
        for fid in self.store.factions:
            total = sum(held.get(sub, 0) for sub in self.store.faction_descendants(fid))
            if total:
                by_faction[fid] = total
        colours = self.fl_app.colours
        out: list[tuple[Text, Filter]] = []

        def row(glyph_key: str | None, label: str, count: int, f: Filter) -> None:
            text = Text()
            if glyph_key is not None:
                text.append(bloc_glyph(glyph_key) + " ", style=colours.get(glyph_key, ""))
            else:
                text.append("  ")
            text.append(label)
            text.append(f"  {count}", style="dim")
            out.append((text, f))

        row(None, "All places", whole.total, EVERYTHING)
        outside = whole.total - by_bloc.get("government", 0)
        row(None, "Not government (not recorded included)", outside, NOT_GOVERNMENT)
        for bloc, count in by_bloc.items():
            label = bloc_label(bloc)
            row(bloc, f"{label} bloc" if bloc != NOT_RECORDED else "Not recorded", count, Filter(label, bloc=bloc))
        for fid, count in sorted(by_faction.items(), key=lambda kv: (-kv[1], self.store.factions[kv[0]].name)):
            faction = self.store.factions[fid]
            row(faction.bloc_key, faction.name, count, Filter(faction.name, faction=fid))
        return out

    def action_choose_filter(self) -> None:
        choices = self.filters()
        current = next((n for n, (_, f) in enumerate(choices) if f == self.filter), 0)

        def chosen(f: Filter | None) -> None:
            if f is not None:
                self.set_filter(f)

        self.app.push_screen(
            ChoiceScreen(f"Which places, on {self.day.isoformat()}", choices, highlighted=current), chosen
        )

    def action_close(self) -> None:
        self.dismiss(None)
