"""The explorer's editing forms: record a change of control, add or edit an
event, edit a period. Each is a :class:`~tui.screens.form.FormScreen`: the
fields, and how to make the change with the store (checked as they change,
saved on ctrl+s; see :mod:`tui.screens.form`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button

from store import Store
from store.edits import PRECISIONS, ROLES, EditError, source_fields
from store.history import ChangeRecord
from store.model import CONFIDENCES, EVENT_PRECISIONS, EVENT_TYPES, STATUSES, Event, Period
from store.text import shown

from .form import (
    CheckEditor,
    ChoiceEditor,
    FormScreen,
    FuzzyEditor,
    PickListEditor,
    Row,
    SourceIndex,
    TextEditor,
    describe_new_source,
    faction_candidates,
    place_candidates,
    source_candidates,
    source_label,
    word_candidates,
)

DATE_HINT = "YYYY-MM-DD, or YYYY-MM / YYYY (month or year precision)"


def _faction_text(store: Store, faction_id: str | None) -> str:
    found = store.factions.get(faction_id or "")
    return found.name if found else (faction_id or "")


class _Form(FormScreen):
    """What the forms share: the store's sources, indexed once for picking."""

    def __init__(self, store: Store, *, place: str | None = None) -> None:
        super().__init__(store, place=place)
        self.sources = SourceIndex(store)


class ControlForm(_Form):
    """Record that a faction took (or contested, besieged...) the place from a date."""

    def __init__(self, store: Store, region_id: str, day: date) -> None:
        super().__init__(store, place=region_id)
        self.region_id = region_id
        self.day = day
        region = store.regions[region_id]
        units = store.units(region_id)
        where = region.name if len(units) <= 1 else f"{region.name} ({len(units)} places)"
        self.title_text = f"Record a change of control: {where}"
        current = store.control(region_id, day)
        holder = current.faction.name if current.faction else None
        self.holder_note = f"on {day.isoformat()}: {holder} ({current.status})" if holder else ""

    def rows(self) -> ComposeResult:
        self.faction = FuzzyEditor(faction_candidates(self.store), placeholder="who: name, short name, Arabic …",
                                   what="faction", id="control-faction")
        self.status = ChoiceEditor(STATUSES, "held", id="control-status")
        self.date = TextEditor(self.day.isoformat(), placeholder="YYYY-MM-DD", id="control-date", date=True)
        self.precision = ChoiceEditor(PRECISIONS, "day", id="control-precision")
        self.source = FuzzyEditor(source_candidates(self.store, self.sources),
                                  placeholder="Publication, Title, https://… or search the sources",
                                  free=True, what="source", id="control-source")
        self.source_date = TextEditor(placeholder="when it was published (optional)", id="control-source-date", date=True)
        self.confidence = ChoiceEditor(CONFIDENCES, "medium", id="control-confidence")
        self.note = TextEditor(placeholder="optional", id="control-note")
        hint = f"now {self.holder_note}" if self.holder_note else "type to search; ↑ ↓ then Enter picks"
        yield Row("Faction", self.faction, keys=("faction", "others", "place"), hint=hint, id="row-faction")
        yield Row("Status", self.status, keys=("status",), hint="← → or the first letter", id="row-status")
        yield Row("Date", self.date, keys=("date",), hint=DATE_HINT, id="row-date")
        yield Row("Precision", self.precision, keys=("precision",), id="row-precision")
        yield Row("Source", self.source, keys=("source",), hint="required: free text, or an existing source (↓ to pick)",
                  id="row-source")
        yield Row("Source date", self.source_date, keys=("source.date",), id="row-source-date")
        yield Row("Confidence", self.confidence, keys=("confidence",), id="row-confidence")
        yield Row("Note", self.note, keys=("note",), id="row-note")

    @on(TextEditor.Changed, "#control-date")
    def _date_typed(self) -> None:
        typed = self.date.partial()
        if typed is not None:
            self.precision.value = typed.precision

    def notes(self) -> dict[Row, str]:
        out: dict[Row, str] = {}
        source = self.source
        row = self.query_one("#row-source", Row)
        if source.picked is not None:
            found = self.store.sources.get(str(source.picked))
            out[row] = f"existing source: {found.citation if found else source.picked}"
        elif source.text.strip():
            out[row] = f"new source: {describe_new_source(source.text)}"
        typed = self.date.partial()
        if typed is not None and typed.precision != "day":
            out[self.query_one("#row-date", Row)] = f"from {typed.first.isoformat()} ({typed.precision} precision)"
        if source.picked is not None:
            out[self.query_one("#row-source-date", Row)] = "the existing source's own date is kept"
        return out

    def attempt(self, *, dry_run: bool, fix: str | None = None) -> ChangeRecord:
        faction = self.faction.value
        if not faction:
            raise EditError("pick the faction that held it from that date", "faction")
        typed = self.date.partial()
        if typed is None:
            raise EditError("a date is needed (YYYY-MM-DD, YYYY-MM or YYYY)", "date")
        source: str | dict[str, Any]
        if self.source.picked is not None:
            source = str(self.source.picked)
        else:
            text = self.source.text.strip()
            if not text:
                raise EditError("a source is required: publication, title, address, or an existing source", "source")
            source = {**source_fields(text), "date": self.source_date.value.strip() or None}
        return self.store.record_control(
            self.region_id, str(faction), self.status.value, typed.first,
            source=source, precision=self.precision.value, confidence=self.confidence.value,
            note=self.note.value.strip() or None, fix=fix, dry_run=dry_run,
        )


class PeriodForm(_Form):
    """Edit a period of a place's record (not one from an area claim)."""

    def __init__(self, store: Store, period: Period) -> None:
        super().__init__(store, place=period.region)
        self.period = period
        name = store.regions[period.region].name if period.region in store.regions else period.region
        self.title_text = f"Edit the period of {name} from {period.start.isoformat()}"

    def rows(self) -> ComposeResult:
        p = self.period
        claim = self.store.claims.get(p.claim or "")
        if claim is not None and claim.region == p.region:
            # A claim on the place itself (a change recorded on a place an area claim
            # covered): the form shows the claim as recorded, not as other claims cut it.
            p = Period(p.id, p.region, claim.faction, claim.status, claim.start, claim.end, claim.others,
                       claim.from_precision, claim.start_event, None, claim.sources, claim.confidence, claim.note,
                       claim.id)
            self.period = p
        self.faction = FuzzyEditor(faction_candidates(self.store), value=p.faction, text=_faction_text(self.store, p.faction),
                                   what="faction", id="period-faction")
        self.status = ChoiceEditor(STATUSES, p.status, id="period-status")
        # As recorded: a month or a year when the period is known to that precision from its first day.
        whole = (p.from_precision == "month" and p.start.day == 1) or (p.from_precision == "year" and (p.start.month, p.start.day) == (1, 1))
        self._from_text = p.since_text if whole else p.start.isoformat()
        self.start = TextEditor(self._from_text, id="period-from", date=True)
        self.end = TextEditor(p.end.isoformat() if p.end else "", placeholder="empty: ongoing", id="period-to", date=True)
        self.precision = ChoiceEditor(PRECISIONS, p.from_precision, id="period-precision")
        self.confidence = ChoiceEditor(CONFIDENCES, p.confidence, id="period-confidence")
        self.note = TextEditor(p.note or "", placeholder="optional", id="period-note")
        self.source_list = PickListEditor(
            source_candidates(self.store, self.sources, free=False),
            picked=[(sid, source_label(self.store, sid)) for sid in p.sources],
            placeholder="search the sources to add one", what="source", id="period-sources",
        )
        yield Row("Faction", self.faction, keys=("faction", "others"), id="row-faction")
        yield Row("Status", self.status, keys=("status",), id="row-status")
        yield Row("From", self.start, keys=("from",), hint=DATE_HINT, id="row-from")
        yield Row("To", self.end, keys=("to",), hint="the last day; empty while it lasts (a month or year: its last day)",
                  id="row-to")
        yield Row("Precision", self.precision, keys=("from_precision", "precision"), id="row-precision")
        yield Row("Confidence", self.confidence, keys=("confidence",), id="row-confidence")
        yield Row("Note", self.note, keys=("note",), id="row-note")
        yield Row("Sources", self.source_list, keys=("sources", "source"),
                  hint="Enter adds · Backspace in the empty field drops the last", id="row-sources")

    @on(TextEditor.Changed, "#period-from")
    def _from_typed(self) -> None:
        typed = self.start.partial()
        if typed is not None and self.start.value != self._from_text:
            self.precision.value = typed.precision

    def fields(self) -> dict[str, Any]:
        start = self.start.partial()
        if start is None:
            raise EditError("a start date is needed", "from")
        end = self.end.partial()
        if self.end.value.strip() and end is None:
            raise EditError("the end date cannot be read", "to")
        faction = self.faction.value
        if not faction:
            raise EditError("pick a faction", "faction")
        return {
            "faction": str(faction),
            "status": self.status.value,
            "from": start.first.isoformat(),
            "to": end.last.isoformat() if end else None,
            "from_precision": self.precision.value,
            "confidence": self.confidence.value,
            "note": self.note.value.strip() or None,
            "sources": [str(s) for s in self.source_list.value],
        }

    def attempt(self, *, dry_run: bool, fix: str | None = None) -> ChangeRecord:
        return self.store.edit("periods", self.period.id, self.fields(), fix=fix, dry_run=dry_run)


class EventForm(_Form):
    """Add an event on a place, or edit one."""

    def __init__(self, store: Store, *, place: str | None = None, day: date | None = None, event: Event | None = None) -> None:
        super().__init__(store, place=place if place is not None else (event.places[0] if event and event.places else None))
        self.event = event
        self.day = day
        self.actor_rows: list[Row] = []
        self.figure_rows: list[tuple[Row, Row]] = []
        if event is not None:
            self.title_text = f"Edit the event of {event.date}: {shown(event.title, 60)}"
        else:
            name = store.regions[place].name if place in store.regions else "the data"
            self.title_text = f"Add an event in {name}"

    def rows(self) -> ComposeResult:
        e = self.event
        s = self.store
        self.kind = FuzzyEditor(word_candidates(EVENT_TYPES), value=e.type if e else None, text=e.type if e else "",
                                placeholder="offensive, siege, takeover … (type to search)", what="event type", id="event-type")
        self.title_field = TextEditor(e.title if e else "", placeholder="what happened, in a line", id="event-title")
        first = e.date if e else (self.day.isoformat() if self.day else "")
        self.date = TextEditor(first, id="event-date", date=True)
        self.date_to = TextEditor((e.date_to or "") if e else "", placeholder="optional: the last day of a range",
                                  id="event-date-to", date=True)
        precision = e.precision if e else "auto"
        self.precision = ChoiceEditor(("auto", *EVENT_PRECISIONS), precision, id="event-precision",
                                      labels={"auto": "as typed"})
        places = list(e.places) if e else ([self.place] if self.place else [])
        self.places = PickListEditor(place_candidates(s), picked=[(p, s.regions[p].name if p in s.regions else p) for p in places],
                                     placeholder="search a place to add it", what="place", id="event-places")
        self.source_list = PickListEditor(
            source_candidates(s, self.sources),
            picked=[(sid, source_label(s, sid)) for sid in (e.sources if e else ())],
            placeholder="Publication, Title, https://… or search; Enter adds", free=True, what="source", id="event-sources",
        )
        self.confidence = ChoiceEditor(CONFIDENCES, e.confidence if e else "medium", id="event-confidence")
        self.summary = TextEditor((e.summary or "") if e else "", placeholder="optional", id="event-summary")
        yield Row("Type", self.kind, keys=("type",), id="row-type")
        yield Row("Title", self.title_field, keys=("title",), id="row-title")
        yield Row("Date", self.date, keys=("date",), hint=DATE_HINT, id="row-date")
        yield Row("Date to", self.date_to, keys=("date_to",), id="row-date-to")
        yield Row("Precision", self.precision, keys=("precision",), id="row-precision")
        yield Row("Places", self.places, keys=("places",), hint="Enter adds · Backspace in the empty field drops the last",
                  id="row-places")
        actors = list(e.actors) if e else []
        for n in range(max(1, len(actors))):
            actor = actors[n] if n < len(actors) else None
            yield self._actor_row(actor.faction if actor else None, actor.role if actor else "party")
        yield Horizontal(Button(Text("+ Actor"), id="add-actor", compact=True), classes="add-row", id="add-actor-row")
        figures = list(e.figures) if e else []
        for n in range(max(1, len(figures))):
            yield from self._figure_rows(figures[n] if n < len(figures) else None)
        yield Horizontal(Button(Text("+ Figure"), id="add-figure", compact=True), classes="add-row", id="add-figure-row")
        yield Row("Sources", self.source_list, keys=("sources",), hint="required; Enter adds each", id="row-sources")
        yield Row("Confidence", self.confidence, keys=("confidence",), id="row-confidence")
        yield Row("Summary", self.summary, keys=("summary",), id="row-summary")

    DEFAULT_CSS = """
    EventForm .add-row {
        height: 1;
        margin-left: 14;
    }
    EventForm .figure-label { width: 1fr; }
    EventForm .figure-number { width: 9; margin-left: 1; }
    EventForm .figure-unit { width: 10; margin-left: 1; }
    EventForm CheckEditor { margin-left: 1; }
    EventForm .actor-role { width: 32; margin-left: 1; }
    """

    def _actor_row(self, faction: str | None, role: str) -> Row:
        n = len(self.actor_rows) + 1
        fuzzy = FuzzyEditor(faction_candidates(self.store), value=faction, text=_faction_text(self.store, faction),
                            placeholder="faction", what="faction")
        choice = ChoiceEditor(ROLES, role if role in ROLES else "party")
        choice.add_class("actor-role")
        row = Row(f"Actor {n}", fuzzy, choice, hint="empty: none · role: ← → or a letter")
        self.actor_rows.append(row)
        return row

    def _figure_rows(self, figure: Any | None) -> tuple[Row, Row]:
        n = len(self.figure_rows) + 1
        label = TextEditor(figure.label if figure else "", placeholder="what is counted (killed, fighters evacuated …)")
        label.add_class("figure-label")
        low = TextEditor(str(figure.low) if figure else "", placeholder="low")
        high = TextEditor(str(figure.high) if figure else "", placeholder="high")
        low.add_class("figure-number")
        high.add_class("figure-number")
        unit = TextEditor(figure.unit if figure else "people", placeholder="unit")
        unit.add_class("figure-unit")
        approx = CheckEditor("~", bool(figure.approximate) if figure else False)
        approx.tooltip = "approximate"
        source = FuzzyEditor(source_candidates(self.store, self.sources), value=figure.source if figure and figure.source else None,
                             text=source_label(self.store, figure.source) if figure and figure.source else "",
                             placeholder="its own source (optional): free text or search", free=True, what="source")
        first = Row(f"Figure {n}", label, low, high, unit, approx, hint="low to high (high empty: exactly low) · ~ approximate")
        second = Row("  its source", source)
        self.figure_rows.append((first, second))
        return first, second

    @on(Button.Pressed, "#add-actor")
    async def _add_actor(self, event: Button.Pressed) -> None:
        event.stop()
        row = self._actor_row(None, "party")
        button_row = self.query_one("#add-actor-row")
        await self.query_one("#form-body").mount(row, before=button_row)
        self._focus_row(row)

    @on(Button.Pressed, "#add-figure")
    async def _add_figure(self, event: Button.Pressed) -> None:
        event.stop()
        first, second = self._figure_rows(None)
        button_row = self.query_one("#add-figure-row")
        await self.query_one("#form-body").mount(first, second, before=button_row)
        self._focus_row(first)

    def fields(self) -> dict[str, Any]:
        actors = []
        for row in self.actor_rows:
            fuzzy, choice = row.editors
            assert isinstance(fuzzy, FuzzyEditor) and isinstance(choice, ChoiceEditor)
            if not fuzzy.text.strip():
                row.keys = ()
                continue
            actors.append({"faction": fuzzy.value or fuzzy.text.strip(), "role": choice.value})
            row.keys = (f"actors.{len(actors)}.faction", f"actors.{len(actors)}.role", f"actors.{len(actors)}")
        figures = []
        for first, second in self.figure_rows:
            label, low, high, unit, approx = first.editors
            (source,) = second.editors
            assert isinstance(label, TextEditor) and isinstance(low, TextEditor) and isinstance(high, TextEditor)
            assert isinstance(unit, TextEditor) and isinstance(approx, CheckEditor) and isinstance(source, FuzzyEditor)
            if not (label.value.strip() or low.value.strip() or high.value.strip()):
                first.keys = second.keys = ()
                continue
            figures.append({
                "label": label.value,
                "low": low.value,
                "high": high.value,
                "unit": unit.value.strip() or "people",
                "approximate": approx.value,
                "source": source.value,
            })
            n = len(figures)
            first.keys = (f"figures.{n}.label", f"figures.{n}.low", f"figures.{n}.high", f"figures.{n}.unit", f"figures.{n}")
            second.keys = (f"figures.{n}.source",)
        fields: dict[str, Any] = {
            "type": self.kind.value or self.kind.text.strip(),
            "title": self.title_field.value,
            "date": self.date.value.strip(),
            "date_to": self.date_to.value.strip() or None,
            "places": [str(p) for p in self.places.value],
            "actors": actors,
            "figures": figures,
            "sources": list(self.source_list.value),
            "confidence": self.confidence.value,
            "summary": self.summary.value,
        }
        if self.precision.value != "auto":
            fields["precision"] = self.precision.value
        elif self.event is not None:
            fields["precision"] = None
        return fields

    def attempt(self, *, dry_run: bool, fix: str | None = None) -> ChangeRecord:
        fields = self.fields()
        if self.event is not None:
            return self.store.edit("events", self.event.id, fields, dry_run=dry_run)
        return self.store.add_event(fields, dry_run=dry_run)
