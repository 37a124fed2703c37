"""The data model: plain records built from the database's JSON.

Treat every record as read-only. Regions, factions and sources are frozen;
periods and events (the big tables) are plain slotted classes compared by
identity, because a frozen dataclass costs several times more to build.

Nothing here knows about TinyDB files or Textual; :mod:`store.db` builds
these from the tables and indexes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date
from typing import Any

from .dates import PartialDate, parse_partial
from .storage import DatabaseCorrupt, where
from .text import shown

SCHEMA_VERSION = 1

# Dates a record may carry: outside these ``validate`` reports a slip (a
# period to 9999-12-31) and the span of the data ignores it.
EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)


def sane(day: date) -> bool:
    """Whether ``day`` is within the years a date of the data can be in."""
    return EARLIEST <= day <= LATEST


# Levels below a root beyond which a region or faction hierarchy is reported
# by ``validate`` (the real ones are six levels and three).
MAX_DEPTH = 16

LEVELS = ("province", "governorate", "district", "sub-district", "community", "neighbourhood")
STATUSES = ("held", "contested", "besieged", "truce")
CONFIDENCES = ("high", "medium", "low")
EVENT_PRECISIONS = ("day", "month", "year", "span", "disputed")
EVENT_TYPES = (
    "offensive",
    "bombardment",
    "siege",
    "ceasefire",
    "agreement",
    "ultimatum",
    "encirclement",
    "surrender",
    "evacuation",
    "defection",
    "takeover",
    "deployment",
    "withdrawal",
    "split",
    "declaration",
)


@dataclass(frozen=True, slots=True)
class Bloc:
    id: str
    label: str
    glyph: str
    colour: str


BLOCS: dict[str, Bloc] = {
    b.id: b
    for b in (
        Bloc("government", "Government", "■", "#D55E00"),
        Bloc("opposition", "Opposition", "▲", "#009E73"),
        Bloc("jihadist", "Jihadist", "◆", "#9E9E9E"),
        Bloc("kurdish", "Kurdish-led", "●", "#F0E442"),
        Bloc("other", "Other", "✚", "#56B4E9"),
    )
}
MIXED_GLYPH = "◧"
# Where no period and no area claim covers a place at a date, its status is
# "not recorded": a stable value in --json, its own glyph, counted apart.
NOT_RECORDED = "not-recorded"
NOT_RECORDED_LABEL = "not recorded"
NOT_RECORDED_GLYPH = "○"
STATUS_MARKS = {"held": "", "contested": "×", "besieged": "⊗", "truce": "≈", "mixed": "", NOT_RECORDED: ""}


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    publication: str
    title: str
    url: str | None = None
    date: str | None = None
    kind: str = "news"
    note: str | None = None

    @property
    def citation(self) -> str:
        parts = [self.publication, f"“{self.title}”"]
        if self.date:
            parts.append(self.date)
        if self.url:
            parts.append(self.url)
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Faction:
    id: str
    name: str
    short: str
    bloc: str
    name_ar: str | None = None
    alt_names: tuple[str, ...] = ()
    parent: str | None = None
    colour: str | None = None
    note: str | None = None

    @property
    def bloc_key(self) -> str:
        """The bloc to draw and count this faction under: an unknown bloc is 'other'
        (``validate`` reports it), so every view treats it the same way."""
        return self.bloc if self.bloc in BLOCS else "other"

    @property
    def glyph(self) -> str:
        return BLOCS[self.bloc_key].glyph

    @property
    def display_colour(self) -> str:
        return self.colour or BLOCS[self.bloc_key].colour


@dataclass(frozen=True, slots=True)
class Region:
    id: str
    name: str
    level: str
    parent: str | None = None
    pcode: str | None = None
    other_codes: tuple[str, ...] = ()
    name_ar: str | None = None
    alt_names: tuple[str, ...] = ()
    lat: float | None = None
    lon: float | None = None
    coord_note: str | None = None
    note: str | None = None
    # Polygons as GeoJSON nests them: [[[lon, lat], ...] outer ring, holes...], ...
    # Read-only like the rest; kept out of equality and hashing.
    outline: list[Any] | None = field(default=None, compare=False)
    sources: tuple[str, ...] = ()  # where the place, its names and shape come from (a gazetteer)

    @property
    def depth(self) -> int:
        return LEVELS.index(self.level) if self.level in LEVELS else len(LEVELS)


@dataclass(slots=True, eq=False)
class Period:
    id: str
    region: str
    faction: str
    status: str
    start: date
    end: date | None  # inclusive; None while ongoing
    others: tuple[str, ...] = ()
    from_precision: str = "day"
    start_event: str | None = None
    end_event: str | None = None
    sources: tuple[str, ...] = ()
    confidence: str = "medium"
    note: str | None = None
    claim: str | None = None  # set when the period comes from an area claim (see Claim)

    def covers(self, d: date) -> bool:
        return self.start <= d and (self.end is None or d <= self.end)

    @property
    def since_text(self) -> str:
        if self.from_precision == "month":
            return self.start.strftime("%Y-%m")
        if self.from_precision == "year":
            return self.start.strftime("%Y")
        return self.start.isoformat()


@dataclass(frozen=True, slots=True)
class Claim:
    """A source's statement about an area: from ``start`` (to ``end``), every
    place under ``region`` was held by ``faction``, except the places named in
    ``exceptions`` (and everything under them).

    A place with no period of its own takes its status from the nearest claim
    that covers it on a day (the claim on its closest ancestor); the store
    turns claims into periods of the places they cover, marked with the
    claim's id, so every view treats them alike and can say where they came from.
    """

    id: str
    region: str
    faction: str
    status: str
    start: date
    end: date | None
    exceptions: tuple[str, ...] = ()
    others: tuple[str, ...] = ()
    from_precision: str = "day"
    start_event: str | None = None
    sources: tuple[str, ...] = ()
    confidence: str = "medium"
    note: str | None = None


@dataclass(slots=True, eq=False)
class Actor:
    faction: str
    role: str


@dataclass(slots=True, eq=False)
class Figure:
    label: str
    low: int
    high: int
    unit: str = "people"
    source: str | None = None
    approximate: bool = False
    note: str | None = None

    @property
    def text(self) -> str:
        about = "about " if self.approximate else ""
        value = f"{self.low:,}" if self.low == self.high else f"{self.low:,}-{self.high:,}"
        return f"{self.label}: {about}{value} {self.unit}".rstrip()


@dataclass(slots=True, eq=False)
class Event:
    id: str
    date: str
    type: str
    title: str
    precision: str = "day"
    date_to: str | None = None
    summary: str | None = None
    places: tuple[str, ...] = ()
    actors: tuple[Actor, ...] = ()
    figures: tuple[Figure, ...] = ()
    sources: tuple[str, ...] = ()
    confidence: str = "medium"
    # Derived at load: the first and last days the event may cover.
    first: date = field(default=date.min, compare=False)
    last: date = field(default=date.min, compare=False)

    @property
    def date_text(self) -> str:
        """The date as a reader should see it, precision included."""
        if self.precision == "disputed" and self.date_to:
            return f"{self.date} or {self.date_to}"
        if self.date_to and self.date_to != self.date:
            return f"{self.date} to {self.date_to}"
        return self.date


# --- building records from JSON, with one-line errors -----------------------


class _Fields:
    """Typed access to one record's fields, naming the record in errors."""

    def __init__(self, path: str, table: str, doc_id: str, record: dict[str, Any]) -> None:
        self.path, self.table, self.doc_id, self.record = path, table, doc_id, record

    @property
    def where(self) -> str:
        """The record, named for an error message (made only when one is raised)."""
        rid = self.record.get("id")
        return f"{where(self.path)}: {self.table} record {shown(self.doc_id, 20)}" + (
            f" (id {shown(rid, 60)})" if isinstance(rid, str) else ""
        )

    def fail(self, name: str, expected: str) -> DatabaseCorrupt:
        value = self.record.get(name)
        return DatabaseCorrupt(f"{self.where}: field '{name}' must be {expected}, found {shown(repr(value), 40)}")

    def str(self, name: str) -> str:
        value = self.record.get(name)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(name, "a non-empty string")
        return value

    def opt_str(self, name: str) -> str | None:
        value = self.record.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise self.fail(name, "a string or null")
        return value

    def str_list(self, name: str) -> tuple[str, ...]:
        value = self.record.get(name)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(name, "a list of strings")
        return tuple(v for v in value if v)

    def opt_float(self, name: str) -> float | None:
        value = self.record.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(name, "a number or null")
        return float(value)

    def int(self, name: str) -> int:
        value = self.record.get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(name, "a whole number")
        return value

    def day(self, name: str) -> date:
        value = self.record.get(name)
        try:
            return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else _bad()
        except ValueError:
            raise self.fail(name, "a date YYYY-MM-DD") from None

    def opt_day(self, name: str) -> date | None:
        return None if self.record.get(name) is None else self.day(name)

    def outline(self, name: str) -> list[Any] | None:
        """Polygons as nested lists of [lon, lat] pairs (each ring closed), or None."""
        value = self.record.get(name)
        if value is None:
            return None
        expected = "a list of polygons, each a list of closed rings of [longitude, latitude] pairs"
        if not isinstance(value, list):
            raise self.fail(name, expected)
        for polygon in value:
            if not isinstance(polygon, list) or not polygon:
                raise self.fail(name, expected)
            for ring in polygon:
                if not isinstance(ring, list) or len(ring) < 4 or ring[0] != ring[-1]:
                    raise self.fail(name, expected)
                for pair in ring:
                    if (
                        not isinstance(pair, list)
                        or len(pair) != 2
                        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pair)
                        or not (-180 <= pair[0] <= 180 and -90 <= pair[1] <= 90)
                    ):
                        raise self.fail(name, expected)
        return value

    def partial(self, name: str) -> PartialDate:
        value = self.record.get(name)
        try:
            if not isinstance(value, str):
                _bad()
            return parse_partial(value)
        except ValueError:
            raise self.fail(name, "a date YYYY, YYYY-MM or YYYY-MM-DD") from None


def _bad() -> Any:
    raise ValueError


def source_from(f: _Fields) -> Source:
    return Source(
        id=f.str("id"),
        publication=f.str("publication"),
        title=f.str("title"),
        url=f.opt_str("url"),
        date=f.opt_str("date"),
        kind=f.opt_str("kind") or "news",
        note=f.opt_str("note"),
    )


def faction_from(f: _Fields) -> Faction:
    name = f.str("name")
    return Faction(
        id=f.str("id"),
        name=name,
        short=f.opt_str("short") or name,
        bloc=f.str("bloc"),
        name_ar=f.opt_str("name_ar"),
        alt_names=f.str_list("alt_names"),
        parent=f.opt_str("parent"),
        colour=f.opt_str("colour"),
        note=f.opt_str("note"),
    )


def region_from(f: _Fields) -> Region:
    return Region(
        id=f.str("id"),
        name=f.str("name"),
        level=f.str("level"),
        parent=f.opt_str("parent"),
        pcode=f.opt_str("pcode"),
        other_codes=f.str_list("other_codes"),
        name_ar=f.opt_str("name_ar"),
        alt_names=f.str_list("alt_names"),
        lat=f.opt_float("lat"),
        lon=f.opt_float("lon"),
        coord_note=f.opt_str("coord_note"),
        note=f.opt_str("note"),
        outline=f.outline("outline"),
        sources=f.str_list("sources"),
    )


def claim_from(f: _Fields) -> Claim:
    return Claim(
        id=f.str("id"),
        region=f.str("region"),
        faction=f.str("faction"),
        status=f.opt_str("status") or "held",
        start=f.day("from"),
        end=f.opt_day("to"),
        exceptions=f.str_list("except"),
        others=f.str_list("others"),
        from_precision=f.opt_str("from_precision") or "day",
        start_event=f.opt_str("start_event"),
        sources=f.str_list("sources"),
        confidence=f.opt_str("confidence") or "medium",
        note=f.opt_str("note"),
    )


def period_from(f: _Fields) -> Period:
    return Period(
        id=f.str("id"),
        region=f.str("region"),
        faction=f.str("faction"),
        status=f.str("status"),
        start=f.day("from"),
        end=f.opt_day("to"),
        others=f.str_list("others"),
        from_precision=f.opt_str("from_precision") or "day",
        start_event=f.opt_str("start_event"),
        end_event=f.opt_str("end_event"),
        sources=f.str_list("sources"),
        confidence=f.opt_str("confidence") or "medium",
        note=f.opt_str("note"),
    )


def event_from(f: _Fields) -> Event:
    first = f.partial("date")
    to = f.opt_str("date_to")
    last = f.partial("date_to") if to else first
    actors = []
    raw_actors = f.record.get("actors") or []
    if not isinstance(raw_actors, list):
        raise f.fail("actors", "a list of {faction, role} objects")
    for actor in raw_actors:
        if not isinstance(actor, dict) or not isinstance(actor.get("faction"), str):
            raise f.fail("actors", "a list of {faction, role} objects")
        actors.append(Actor(actor["faction"], str(actor.get("role") or "party")))
    figures = []
    raw_figures = f.record.get("figures") or []
    if not isinstance(raw_figures, list):
        raise f.fail("figures", "a list of figure objects")
    for fig in raw_figures:
        if not isinstance(fig, dict):
            raise f.fail("figures", "a list of figure objects")
        figure = _figure(fig)
        if figure is None:
            raise f.fail("figures", "figures with whole-number 'low' and 'high'")
        figures.append(figure)
    return Event(
        id=f.str("id"),
        date=first.text,
        date_to=last.text if to else None,
        precision=f.opt_str("precision") or first.precision,
        type=f.str("type"),
        title=f.str("title"),
        summary=f.opt_str("summary"),
        places=f.str_list("places"),
        actors=tuple(actors),
        figures=tuple(figures),
        sources=f.str_list("sources"),
        confidence=f.opt_str("confidence") or "medium",
        first=min(first.first, last.first),
        last=max(first.last, last.last),
    )


BUILDERS = {
    "sources": source_from,
    "factions": faction_from,
    "regions": region_from,
    "periods": period_from,
    "events": event_from,
    "claims": claim_from,
}


def build_records(path: str, table: str, records: dict[str, dict[str, Any]]) -> list[Any]:
    """Typed records from a table; the first malformed one raises a one-line error.

    Well-formed periods and events (the big tables) take a fast path with
    only the checks they need; anything unusual falls back to the careful
    builder, which names the record and field at fault.
    """
    builder = BUILDERS[table]
    fast = FAST_BUILDERS.get(table)
    out = []
    for doc_id, record in records.items():
        item = fast(record) if fast is not None else None
        out.append(item if item is not None else builder(_Fields(path, table, doc_id, record)))
    return out


# --- fast paths for well-formed records --------------------------------------

_str = str


def _fast_strs(value: Any) -> tuple[str, ...] | None:
    """A tuple of non-empty strings, or None if ``value`` is not a plain list of strings."""
    if value is None:
        return ()
    if type(value) is not list:
        return None
    for item in value:
        if type(item) is not _str or not item:
            return None
    return tuple(value)


def _fast_opt(value: Any) -> str | None | bool:
    """The string, None for null/empty, or False if ``value`` is not a string."""
    if value is None or value == "":
        return None
    return value if type(value) is _str else False


@lru_cache(maxsize=4096)
def _partial_bounds(text: str) -> tuple[date, date, str] | None:
    try:
        parsed = parse_partial(text)
    except ValueError:
        return None
    if len(text) not in (4, 7, 10):  # unpadded forms go the careful way
        return None
    return parsed.first, parsed.last, parsed.precision


def _figure(fig: dict[str, Any]) -> Figure | None:
    """A figure from its record, or None if its counts are not whole numbers."""
    low, high = fig.get("low"), fig.get("high", fig.get("low"))
    if type(low) is not int or type(high) is not int:  # bool is not a count either
        return None
    source, note = fig.get("source"), fig.get("note")
    return Figure(
        label=_str(fig.get("label") or "count"),
        low=min(low, high),
        high=max(low, high),
        unit=_str(fig.get("unit") or ""),
        source=source if type(source) is _str else None,
        approximate=bool(fig.get("approximate")),
        note=note if type(note) is _str else None,
    )


def _fast_period(r: dict[str, Any]) -> Period | None:
    try:
        pid, region, faction, status = r["id"], r["region"], r["faction"], r["status"]
        start_s, end_s = r["from"], r.get("to")
    except KeyError:
        return None
    if not (type(pid) is type(region) is type(faction) is type(status) is type(start_s) is _str):
        return None
    if not (pid and region and faction and status) or len(start_s) != 10:
        return None
    others, sources = _fast_strs(r.get("others")), _fast_strs(r.get("sources"))
    precision, start_event, end_event = _fast_opt(r.get("from_precision")), _fast_opt(r.get("start_event")), _fast_opt(r.get("end_event"))
    confidence, note = _fast_opt(r.get("confidence")), _fast_opt(r.get("note"))
    if others is None or sources is None or False in (precision, start_event, end_event, confidence, note):
        return None
    try:
        start = date.fromisoformat(start_s)
        end = None if end_s is None else date.fromisoformat(end_s) if type(end_s) is _str and len(end_s) == 10 else False
    except ValueError:
        return None
    if end is False:
        return None
    return Period(
        id=pid,
        region=region,
        faction=faction,
        status=status,
        start=start,
        end=end,  # type: ignore[arg-type]
        others=others,
        from_precision=precision or "day",  # type: ignore[arg-type]
        start_event=start_event,  # type: ignore[arg-type]
        end_event=end_event,  # type: ignore[arg-type]
        sources=sources,
        confidence=confidence or "medium",  # type: ignore[arg-type]
        note=note,  # type: ignore[arg-type]
    )


def _fast_event(r: dict[str, Any]) -> Event | None:
    try:
        eid, date_s, etype, title = r["id"], r["date"], r["type"], r["title"]
    except KeyError:
        return None
    if not (type(eid) is type(date_s) is type(etype) is type(title) is _str) or not (eid and etype and title.strip()):
        return None
    first = _partial_bounds(date_s)
    if first is None:
        return None
    to_s = r.get("date_to")
    last = first
    if to_s is not None and to_s != "":
        if type(to_s) is not _str or (last := _partial_bounds(to_s)) is None:  # type: ignore[assignment]
            return None
    places, sources = _fast_strs(r.get("places")), _fast_strs(r.get("sources"))
    precision, summary, confidence = _fast_opt(r.get("precision")), _fast_opt(r.get("summary")), _fast_opt(r.get("confidence"))
    if places is None or sources is None or False in (precision, summary, confidence):
        return None
    actors: tuple[Actor, ...] = ()
    raw_actors = r.get("actors")
    if raw_actors:
        if type(raw_actors) is not list:
            return None
        built = []
        for actor in raw_actors:
            if type(actor) is not dict or type(actor.get("faction")) is not _str:
                return None
            built.append(Actor(actor["faction"], _str(actor.get("role") or "party")))
        actors = tuple(built)
    figures: tuple[Figure, ...] = ()
    raw_figures = r.get("figures")
    if raw_figures:
        if type(raw_figures) is not list:
            return None
        built_figures = []
        for fig in raw_figures:
            figure = _figure(fig) if type(fig) is dict else None
            if figure is None:
                return None
            built_figures.append(figure)
        figures = tuple(built_figures)
    return Event(
        id=eid,
        date=date_s,
        date_to=to_s or None,
        precision=precision or first[2],  # type: ignore[arg-type]
        type=etype,
        title=title,
        summary=summary,  # type: ignore[arg-type]
        places=places,
        actors=actors,
        figures=figures,
        sources=sources,
        confidence=confidence or "medium",  # type: ignore[arg-type]
        first=min(first[0], last[0]),
        last=max(first[1], last[1]),
    )


FAST_BUILDERS = {"periods": _fast_period, "events": _fast_event}


# --- query results -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Share:
    """One faction's or bloc's part of a parent's units at a date."""

    key: str  # faction id or bloc id (NOT_RECORDED for places nothing covers)
    count: int
    share: float  # of all units, 0..1


@dataclass(frozen=True, slots=True)
class Breakdown:
    total: int
    by_bloc: tuple[Share, ...]
    by_faction: tuple[Share, ...]
    units: tuple[tuple[str, str | None], ...]  # (region id, faction id or None)


@dataclass(frozen=True, slots=True)
class Control:
    """Who controlled a region at a date, and on what evidence."""

    region: Region
    at: date
    status: str  # held / contested / besieged / truce / mixed / not-recorded
    faction: Faction | None
    period: Period | None  # the region's own period, if it has periods
    derived: bool  # True when computed from the region's descendants
    breakdown: Breakdown | None = None
    since: date | None = None  # first day of the current situation
    until: date | None = None  # last day of it (None: still so at the data's end)

    @property
    def bloc(self) -> str | None:
        return self.faction.bloc_key if self.faction else None


@dataclass(frozen=True, slots=True)
class Change:
    """A region's control changing hands (or status) on a day."""

    day: date
    region: str
    before: Period | None
    after: Period | None

    @property
    def event_id(self) -> str | None:
        if self.after and self.after.start_event:
            return self.after.start_event
        if self.before and self.before.end_event:
            return self.before.end_event
        return None


@dataclass(frozen=True, slots=True)
class Problem:
    """One integrity problem found by :meth:`store.db.Store.validate`."""

    table: str
    record: str
    message: str

    def __str__(self) -> str:
        return f"{self.table} {self.record}: {self.message}"
