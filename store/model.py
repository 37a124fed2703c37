"""The data model: plain records built from the database's JSON.

Treat every record as read-only. Regions, factions and sources are frozen;
periods and events (the big tables) are plain slotted classes compared by
identity, because a frozen dataclass costs several times more to build.

Nothing here knows about TinyDB files or Textual; :mod:`store.parse` builds
these from the tables and :mod:`store.db` indexes them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from datetime import date
from typing import Any


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
    # ACLED's kinds of event that none of the above is (see store.acled)
    "clash",
    "attack",
    "protest",
    "riot",
    "arrests",
    "looting",
    "other",
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
    def unit_text(self) -> str:
        """The unit as the count reads with it: "1 person", "2 people"."""
        return _ONE.get(self.unit, self.unit) if self.low == self.high == 1 else self.unit

    @property
    def text(self) -> str:
        about = "about " if self.approximate else ""
        value = f"{self.low:,}" if self.low == self.high else f"{self.low:,}-{self.high:,}"
        return f"{self.label}: {about}{value} {self.unit_text}".rstrip()


# Units of figures, as one of them is called.
_ONE = {"people": "person", "fighters": "fighter", "civilians": "civilian", "families": "family", "buses": "bus",
        "vehicles": "vehicle", "detainees": "detainee", "households": "household"}


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
    # Derived at load: the first and last days the event may cover. (Spelled
    # ``datetime.date``: inside this class ``date`` is the field above.)
    first: datetime.date = field(default=datetime.date.min, compare=False)
    last: datetime.date = field(default=datetime.date.min, compare=False)

    @property
    def date_text(self) -> str:
        """The date as a reader should see it, precision included."""
        if self.precision == "disputed" and self.date_to:
            return f"{self.date} or {self.date_to}"
        if self.date_to and self.date_to != self.date:
            return f"{self.date} to {self.date_to}"
        return self.date


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
    unit_ids: tuple[str, ...]  # the parent's units (see Store.units)
    unit_factions: tuple[str | None, ...]  # the faction holding each on the day, or None

    @property
    def units(self) -> tuple[tuple[str, str | None], ...]:
        """(region id, faction id or None) for each unit: made when asked, as
        a breakdown is derived on every step through time and few read this."""
        return tuple(zip(self.unit_ids, self.unit_factions))


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
