"""The store: a TinyDB file loaded once, indexed, and queried without scans.

``Store.open(path)`` reads the file (read-only unless ``readonly=False``),
builds typed records (:mod:`store.model`) and in-memory indexes (by id, by
parent, by normalised name, control periods by region, events by place and
faction), and answers the questions the CLI and the explorer ask: who
controlled a place at a date, since when and on what evidence, what changed
in a subtree, which events touched it.
"""

from __future__ import annotations

import bisect
import difflib
import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from tinydb import TinyDB

from . import matching
from .dates import day_after, parse_day, parse_partial
from .model import (
    BLOCS,
    CONFIDENCES,
    EARLIEST,
    LATEST,
    MAX_DEPTH,
    EVENT_PRECISIONS,
    EVENT_TYPES,
    LEVELS,
    SCHEMA_VERSION,
    STATUSES,
    NOT_RECORDED,
    Breakdown,
    Change,
    Claim,
    Control,
    Event,
    Faction,
    Period,
    Problem,
    Region,
    Share,
    Source,
    _Fields,
    build_records,
)
from .storage import FrontlinesStorage, ReadOnlyError, StoreError, Tables, check_shape, where
from .text import clean_value, display_value, json_needs_display

TABLES = ("meta", "sources", "factions", "regions", "periods", "events", "claims")
MIN_LOOSE = 3  # shorter consonant skeletons ("dm") match too much to be useful
_STATUS_SEVERITY = {"contested": 3, "besieged": 2, "truce": 1, "held": 0}


@dataclass(frozen=True, slots=True)
class Match:
    """A search hit: the region, how well it matched (lower is better), on what."""

    region: Region
    tier: int
    matched: str


TIER_CODE, TIER_NAME, TIER_LOOSE, TIER_PREFIX, TIER_SUBSTRING = range(5)
TIER_LABELS = {
    TIER_CODE: "code",
    TIER_NAME: "name",
    TIER_LOOSE: "similar spelling",
    TIER_PREFIX: "starts with",
    TIER_SUBSTRING: "contains",
}


@dataclass(frozen=True, slots=True)
class Resolution:
    """The answer to 'which place did the user mean?'."""

    query: str
    chosen: Region | None
    candidates: tuple[Region, ...]  # when ambiguous: every place that matched equally well
    suggestions: tuple[Region, ...]  # when nothing matched: the closest names

    @property
    def ambiguous(self) -> bool:
        return self.chosen is None and len(self.candidates) > 1


class Store:
    """An open frontlines database. Use :meth:`open` or :meth:`from_tables`."""

    def __init__(
        self,
        tables: Mapping[str, Mapping[str, dict[str, Any]]],
        *,
        path: Path | str = "<memory>",
        db: TinyDB | None = None,
        storage: FrontlinesStorage | None = None,
    ) -> None:
        self.path = Path(path) if not isinstance(path, Path) else path
        self._db = db
        self._storage = storage
        self.warnings: list[str] = []
        self._load(self._for_display(tables))

    # --- opening and closing -------------------------------------------------

    @classmethod
    def open(cls, path: Path | str, *, readonly: bool = True, create: bool = False) -> Store:
        """Open a database file. Raises :class:`StoreError` (one-line message).

        ``readonly=False`` takes the writer lock (a second writer gets
        :class:`~store.storage.DatabaseLocked`); ``create=True`` makes an
        empty database if the file does not exist.
        """
        path = Path(path)
        # Parsing and building make hundreds of thousands of small objects and
        # no cycles: the collector stays off from the read until they are all
        # frozen, so no collection walks them while they are being made.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            db = TinyDB(str(path), storage=FrontlinesStorage, readonly=readonly, create=create)
            storage: FrontlinesStorage = db.storage  # type: ignore[assignment]
            try:
                store = cls(storage.read() or {}, path=path, db=db, storage=storage)
            except BaseException:
                db.close()
                raise
            if readonly:
                # Reading never goes back to TinyDB's documents: let the parsed
                # tables go (about three quarters of the memory of a big file).
                storage.release_cache()
            # Everything built so far lives as long as the store: keep the
            # collector from walking it again on every later collection.
            gc.freeze()
        finally:
            if gc_was_enabled:
                gc.enable()
        if store.schema_version > SCHEMA_VERSION:
            reason = (
                f"its schema version {store.schema_version} is newer than this frontlines "
                f"understands ({SCHEMA_VERSION}); upgrade frontlines to change it"
            )
            storage.make_readonly(reason)
            store.warnings.append(f"{where(path)}: opened read-only: {reason}")
        elif not readonly and storage.readonly:
            store.warnings.append(f"{where(path)}: opened read-only: {storage.readonly_reason}")
        return store

    def _for_display(self, tables: Mapping[str, Mapping[str, dict[str, Any]]]) -> Mapping[str, Mapping[str, dict[str, Any]]]:
        """The tables with text the terminal cannot measure dropped (see
        :func:`store.text.display_text`), as new objects: the file, and the
        storage's copy of it, keep every character."""
        if self._storage is not None:
            unsafe = self._storage.display_unsafe
        else:
            import orjson

            unsafe = json_needs_display(orjson.dumps(tables))
        return display_value(tables) if unsafe else tables

    @classmethod
    def from_tables(cls, tables: Mapping[str, list[dict[str, Any]]]) -> Store:
        """An in-memory store from lists of records (tests, generators)."""
        data = {name: {str(i): rec for i, rec in enumerate(recs, 1)} for name, recs in tables.items()}
        return cls(check_shape("<memory>", data))

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def readonly(self) -> bool:
        return self._storage is None or self._storage.readonly

    # --- loading and indexing -------------------------------------------------

    def _load(self, tables: Mapping[str, Mapping[str, dict[str, Any]]]) -> None:
        # Hundreds of thousands of small objects and no cycles: pausing the
        # collector while building saves it from running dozens of times.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            self._build(tables)
        finally:
            if gc_was_enabled:
                gc.enable()

    def _build(self, tables: Mapping[str, Mapping[str, dict[str, Any]]]) -> None:
        path = str(self.path)
        meta_records = list((tables.get("meta") or {}).items())
        self.meta: dict[str, Any] = dict(meta_records[0][1]) if meta_records else {}
        self.schema_version: int = SCHEMA_VERSION
        if "schema_version" in self.meta:
            self.schema_version = _Fields(path, "meta", meta_records[0][0], self.meta).int("schema_version")

        self._problems: list[Problem] = []
        built: dict[str, list[Any]] = {
            name: build_records(path, name, dict(tables.get(name) or {}))
            for name in ("sources", "factions", "regions", "periods", "events", "claims")
        }
        self.sources: dict[str, Source] = self._by_id("sources", built["sources"])
        self.factions: dict[str, Faction] = self._by_id("factions", built["factions"])
        self.regions: dict[str, Region] = self._by_id("regions", built["regions"])
        self.periods: dict[str, Period] = self._by_id("periods", built["periods"])
        self.events: dict[str, Event] = self._by_id("events", built["events"])
        self.claims: dict[str, Claim] = self._by_id("claims", built["claims"])
        self._index()

    def _by_id(self, table: str, records: list[Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for record in records:
            if record.id in out:
                self._problems.append(Problem(table, record.id, "duplicate id; only the first is used"))
                continue
            out[record.id] = record
        return out

    def _index(self) -> None:
        # Regions: children sorted by name, names and codes for matching.
        children: dict[str | None, list[str]] = defaultdict(list)
        # Regions in a parent cycle are shown at the top (validate says why),
        # so every walk ends.
        in_cycle = self._region_cycles = _in_cycles({r.id: r.parent for r in self.regions.values()})
        for region in self.regions.values():
            parent = region.parent if region.parent in self.regions and region.id not in in_cycle else None
            children[parent].append(region.id)
        for ids in children.values():
            ids.sort(key=lambda rid: (self.regions[rid].name.casefold(), rid))
        self._children = dict(children)
        self._codes: dict[str, str] = {}
        for region in self.regions.values():
            for code in (region.id, region.pcode, *region.other_codes):
                if code:
                    self._codes.setdefault(code.upper(), region.id)
        # The name index (folded spellings) is built on the first search:
        # folding every name is a large part of opening a big database, and
        # the explorer's first screen needs none of it.
        self._name_index: _NameIndex | None = None

        # Periods by region, sorted by start; starts kept for bisect.
        by_region: dict[str, list[Period]] = defaultdict(list)
        for period in self.periods.values():
            by_region[period.region].append(period)
        for plist in by_region.values():
            plist.sort(key=lambda p: (p.start, p.id))
        # Places with no period of their own take their periods from the
        # area claims that cover them (see Claim).
        self._claim_periods = self._periods_from_claims(by_region) if self.claims else {}
        by_region.update(self._claim_periods)
        self._periods = dict(by_region)
        self._starts = {rid: [p.start for p in plist] for rid, plist in self._periods.items()}

        # Events sorted by date; by place and by faction.
        ordered = sorted(self.events.values(), key=_event_key)
        self._events_sorted = ordered
        self._event_rank = {e.id: i for i, e in enumerate(ordered)}
        by_place: dict[str, list[Event]] = defaultdict(list)
        by_faction: dict[str, list[Event]] = defaultdict(list)
        for event in ordered:
            for place in dict.fromkeys(event.places):
                by_place[place].append(event)
            for faction in dict.fromkeys(a.faction for a in event.actors):
                by_faction[faction].append(event)
        self._events_by_place = dict(by_place)
        # With one root and every event placed, "under the root" means "all".
        self._all_placed: bool | None = None  # see _all_events_placed
        self._events_by_faction = dict(by_faction)

        fchildren: dict[str | None, list[str]] = defaultdict(list)
        self._faction_cycles = _in_cycles({f.id: f.parent for f in self.factions.values()})
        for faction in self.factions.values():
            # A faction in a parent cycle is shown at the top (validate says why),
            # so every faction is reachable from the roots and every walk ends.
            looped = faction.id in self._faction_cycles
            parent = faction.parent if faction.parent in self.factions and not looped else None
            fchildren[parent].append(faction.id)
        for ids in fchildren.values():
            ids.sort(key=lambda fid: (list(BLOCS).index(self.factions[fid].bloc_key), self.factions[fid].name.casefold()))
        self._faction_children = dict(fchildren)

        self._span = self._compute_span()
        # Lazily filled caches.
        self._units: dict[str, tuple[str, ...]] = {}
        self._descendants: dict[str, frozenset[str]] = {}
        self._changes: dict[str | None, tuple[Change, ...]] = {}
        self._holders: dict[date, dict[str, tuple[str, ...]]] = {}
        self._derived: dict[tuple[str, date], Control] = {}

    def _periods_from_claims(self, own: Mapping[str, list[Period]]) -> dict[str, list[Period]]:
        """Periods for every place without children or periods of its own,
        from the claims on its ancestors (see :func:`_claim_timeline` for
        which claim wins on a day). A claim does not reach beneath a place
        that has periods of its own: that place's record is the more
        specific one, and what is under it is covered only by claims on it
        or below it. An excepted region leaves out everything under it."""
        by_region: dict[str, list[tuple[Claim, frozenset[str]]]] = defaultdict(list)
        for claim in self.claims.values():
            if claim.region in self.regions and (claim.end is None or claim.start <= claim.end):
                by_region[claim.region].append((claim, frozenset(claim.exceptions)))
        out: dict[str, list[Period]] = {}
        for rid in self.regions:
            if rid in own or self._children.get(rid):
                continue
            line = [r.id for r in reversed(self.ancestors(rid))]  # the place, then up to the root
            candidates: list[tuple[int, Claim]] = []
            for distance, aid in enumerate(line):
                for claim, excepted in by_region.get(aid, ()):
                    if not excepted or excepted.isdisjoint(line[: distance + 1]):
                        candidates.append((distance, claim))
                if distance and aid in own:
                    break  # nothing above a place with its own periods speaks for what is under it
            if candidates:
                periods = _claim_timeline(rid, candidates)
                if periods:
                    out[rid] = periods
        return out

    def _names(self) -> _NameIndex:
        if self._name_index is None:
            self._name_index = _NameIndex.build(self.regions.values())
        return self._name_index

    def _all_events_placed(self) -> bool:
        """Whether every event names a known place (then "under the single
        root" means every event). Computed on first need."""
        if self._all_placed is None:
            self._all_placed = all(any(p in self.regions for p in e.places) for e in self._events_sorted)
        return self._all_placed

    # --- meta -------------------------------------------------------------------

    @property
    def title(self) -> str:
        return str(self.meta.get("title") or self.path.name)

    @property
    def span(self) -> tuple[date, date]:
        """The first and last day the data covers (meta, else the data's extent)."""
        return self._span

    def _compute_span(self) -> tuple[date, date]:
        first = self.meta.get("span_from")
        last = self.meta.get("span_to")
        try:
            start = parse_day(first) if isinstance(first, str) else None
            end = parse_day(last) if isinstance(last, str) else None
        except ValueError:
            start = end = None
        if start and end and (start > end or not _sane(start) or not _sane(end)):
            start = end = None  # validate() says why
        if start is None or end is None:
            # Dates outside EARLIEST..LATEST are typing slips (validate names
            # them): a span stretched to year 9999 would make every chart and
            # step of the explorer meaningless.
            days = [p.start for p in self.periods.values()] + [e.first for e in self.events.values()]
            days += [p.end for p in self.periods.values() if p.end]
            days += [c.start for c in self.claims.values()] + [c.end for c in self.claims.values() if c.end]
            days += [e.last for e in self.events.values()]
            days = [d for d in days if EARLIEST <= d <= LATEST]
            if not days:
                today = date.today()
                return (start or today, end or today)
            start = start or min(days)
            end = end or max(days)
        return start, end

    # --- regions -------------------------------------------------------------------

    def region(self, region_id: str) -> Region:
        return self.regions[region_id]

    def roots(self) -> list[Region]:
        return [self.regions[rid] for rid in self._children.get(None, ())]

    def children(self, region_id: str | None) -> list[Region]:
        return [self.regions[rid] for rid in self._children.get(region_id, ())]

    def has_children(self, region_id: str) -> bool:
        return bool(self._children.get(region_id))

    def single_child_chain(self, region_id: str) -> list[Region]:
        """The places below ``region_id`` that each are the only place under
        the one above and have places under them (Damascus governorate >
        Damascus district > Damascus sub-district > Damascus city): a view
        can pass through them in one step. Empty when there is no such chain."""
        chain: list[Region] = []
        seen = {region_id}
        current = region_id
        while True:
            children = self._children.get(current, ())
            if len(children) != 1 or not self._children.get(children[0]) or children[0] in seen:
                return chain
            current = children[0]
            seen.add(current)
            chain.append(self.regions[current])

    def ancestors(self, region_id: str) -> list[Region]:
        """The path from the root down to ``region_id`` (inclusive)."""
        path: list[Region] = []
        seen: set[str] = set()
        current: str | None = region_id
        while current is not None and current in self.regions and current not in seen:
            seen.add(current)
            region = self.regions[current]
            path.append(region)
            current = region.parent
        path.reverse()
        return path

    def descendants(self, region_id: str) -> frozenset[str]:
        """Every region under ``region_id``, itself included."""
        cached = self._descendants.get(region_id)
        if cached is not None:
            return cached
        out: set[str] = set()
        stack = [region_id]
        while stack:
            rid = stack.pop()
            if rid in out:
                continue
            out.add(rid)
            stack.extend(self._children.get(rid, ()))
        result = frozenset(out)
        self._descendants[region_id] = result
        return result

    def units(self, region_id: str) -> tuple[str, ...]:
        """The regions whose own periods make up ``region_id``'s status.

        The region itself if it has periods (its own or from an area claim)
        or nothing under it; else the nearest descendants that do, and the
        places with nothing under them (a region with periods is not looked
        beneath). A place no period covers on a day counts as not recorded.
        """
        cached = self._units.get(region_id)
        if cached is not None:
            return cached
        out: list[str] = []
        seen: set[str] = set()
        stack = [region_id]
        while stack:
            rid = stack.pop()
            if rid in seen:
                continue
            seen.add(rid)
            children = self._children.get(rid)
            if rid in self._periods or not children:
                out.append(rid)  # a place with its own periods, or one nothing is recorded under
            else:
                stack.extend(reversed(children))
        result = tuple(out)
        self._units[region_id] = result
        return result

    # --- control -------------------------------------------------------------------------

    def history(self, region_id: str) -> list[Period]:
        """The region's own control periods, oldest first."""
        return list(self._periods.get(region_id, ()))

    def period_at(self, region_id: str, day: date) -> Period | None:
        plist = self._periods.get(region_id)
        if not plist:
            return None
        index = bisect.bisect_right(self._starts[region_id], day) - 1
        if index < 0:
            return None
        period = plist[index]
        return period if period.covers(day) else None

    def control(self, region_id: str, day: date) -> Control:
        """Who controlled ``region_id`` on ``day``, derived from children if needed.

        ``since``/``until`` bound the situation, not the record: adjacent
        periods with the same controller, status and partners count as one,
        just as :meth:`changes` does not report a change between them.
        """
        region = self.regions[region_id]
        if region_id in self._periods:
            period = self.period_at(region_id, day)
            if period is None:
                before, after = self._gap_bounds(region_id, day)
                return Control(region, day, NOT_RECORDED, None, None, False, since=before, until=after)
            since, until = self._stretch(region_id, period)
            return Control(
                region,
                day,
                period.status,
                self.factions.get(period.faction),
                period,
                False,
                since=since,
                until=until,
            )
        if not self._children.get(region_id):
            return Control(region, day, NOT_RECORDED, None, None, False)
        key = (region_id, day)
        cached = self._derived.get(key)
        if cached is not None:
            return cached
        result = self._derive(region, day)
        if len(self._derived) >= 1024:
            self._derived.pop(next(iter(self._derived)))
        self._derived[key] = result
        return result

    def _derive(self, region: Region, day: date) -> Control:
        region_id = region.id
        units = self.units(region_id)
        if not units:
            return Control(region, day, NOT_RECORDED, None, None, True)
        current = [self.period_at(uid, day) for uid in units]
        breakdown = self._breakdown(units, current)
        known = [(uid, p) for uid, p in zip(units, current) if p is not None]
        if not known:
            return Control(region, day, NOT_RECORDED, None, None, True, breakdown)
        bounds = [self._stretch(uid, p) for uid, p in known]
        since = max(start for start, _ in bounds)
        until = min((end for _, end in bounds if end is not None), default=None)
        factions = {p.faction for _, p in known}
        if len(factions) == 1 and len(known) == len(units):
            # One controller everywhere: the most severe of the units' statuses.
            status = max((p.status for _, p in known), key=lambda s: _STATUS_SEVERITY.get(s, 0))
            faction = self.factions.get(next(iter(factions)))
        else:
            status, faction = "mixed", None
        return Control(region, day, status, faction, None, True, breakdown, since, until)

    def _stretch(self, region_id: str, period: Period) -> tuple[date, date | None]:
        """First and last day of the run of adjacent same-situation periods around ``period``."""
        plist = self._periods[region_id]
        index = plist.index(period)
        start_index = index
        while start_index > 0 and _continues(plist[start_index - 1], plist[start_index]):
            start_index -= 1
        end_index = index
        while end_index + 1 < len(plist) and _continues(plist[end_index], plist[end_index + 1]):
            end_index += 1
        return plist[start_index].start, plist[end_index].end

    def breakdown(self, region_id: str, day: date) -> Breakdown:
        units = self.units(region_id)
        return self._breakdown(units, [self.period_at(uid, day) for uid in units])

    def _breakdown(self, units: tuple[str, ...], current: list[Period | None]) -> Breakdown:
        total = len(units)
        by_faction: dict[str, int] = defaultdict(int)
        by_bloc: dict[str, int] = defaultdict(int)
        pairs = []
        for uid, period in zip(units, current):
            if period is None:
                by_faction[NOT_RECORDED] += 1
                by_bloc[NOT_RECORDED] += 1
                pairs.append((uid, None))
                continue
            faction = self.factions.get(period.faction)
            by_faction[period.faction] += 1
            by_bloc[faction.bloc_key if faction else NOT_RECORDED] += 1
            pairs.append((uid, period.faction))

        def shares(counts: dict[str, int]) -> tuple[Share, ...]:
            items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            return tuple(Share(key, n, n / total if total else 0.0) for key, n in items)

        return Breakdown(total, shares(by_bloc), shares(by_faction), tuple(pairs))

    def _gap_bounds(self, region_id: str, day: date) -> tuple[date | None, date | None]:
        """For a day no period covers: the day after the previous period, the day before the next."""
        plist = self._periods[region_id]
        index = bisect.bisect_right(self._starts[region_id], day)
        prev_end = plist[index - 1].end if index > 0 else None
        next_start = plist[index].start if index < len(plist) else None
        return (
            day_after(prev_end) if prev_end else None,
            next_start.fromordinal(next_start.toordinal() - 1) if next_start else None,
        )

    def bloc_shares_over_time(self, region_id: str, days: list[date]) -> list[dict[str, float]]:
        """For each of ``days`` (ascending): the share of ``region_id``'s units
        held by each bloc (NOT_RECORDED for places nothing covers that day).

        One sweep over the subtree's changes, not a lookup per unit and day,
        so a chart of the root of a 10,000-place database stays cheap.
        """
        units = self.units(region_id)
        if not days or not units:
            return [{} for _ in days]
        total = len(units)

        def bloc_of(period: Period | None) -> str:
            faction = self.factions.get(period.faction) if period else None
            return faction.bloc_key if faction else NOT_RECORDED

        counts: dict[str, int] = defaultdict(int)
        for uid in units:
            counts[bloc_of(self.period_at(uid, days[0]))] += 1
        changes = self.changes(region_id)
        position = bisect.bisect_right([c.day for c in changes], days[0])
        out = []
        for day in days:
            while position < len(changes) and changes[position].day <= day:
                change = changes[position]
                counts[bloc_of(change.before)] -= 1
                counts[bloc_of(change.after)] += 1
                position += 1
            out.append({bloc: n / total for bloc, n in counts.items() if n})
        return out

    def changes(self, region_id: str | None = None) -> tuple[Change, ...]:
        """Every change of controller or status within ``region_id``'s subtree, by day."""
        cached = self._changes.get(region_id)
        if cached is not None:
            return cached
        if region_id is None:
            unit_ids: Iterable[str] = self._periods
        else:
            unit_ids = self.units(region_id)
        out: list[Change] = []
        for uid in unit_ids:
            plist = self._periods.get(uid, [])
            previous: Period | None = None
            for period in plist:
                if previous is None:
                    if period.start > self.span[0]:
                        out.append(Change(period.start, uid, None, period))
                elif previous.end is not None and day_after(previous.end) < period.start:
                    out.append(Change(day_after(previous.end), uid, previous, None))
                    out.append(Change(period.start, uid, None, period))
                elif not _same_situation(previous, period):
                    out.append(Change(period.start, uid, previous, period))
                previous = period
            if previous is not None and previous.end is not None:
                out.append(Change(day_after(previous.end), uid, previous, None))
        out.sort(key=lambda c: (c.day, self.regions[c.region].name.casefold() if c.region in self.regions else c.region))
        result = tuple(out)
        self._changes[region_id] = result
        return result

    def change_days(self, region_id: str | None = None) -> list[date]:
        return sorted({change.day for change in self.changes(region_id)})

    def changes_on(self, region_id: str | None, day: date) -> list[Change]:
        changes = self.changes(region_id)
        days = [c.day for c in changes]
        lo = bisect.bisect_left(days, day)
        hi = bisect.bisect_right(days, day)
        return list(changes[lo:hi])

    # --- events ----------------------------------------------------------------------------

    def event(self, event_id: str) -> Event:
        return self.events[event_id]

    def events_query(
        self,
        *,
        place: str | None = None,
        since: date | None = None,
        until: date | None = None,
        faction: str | None = None,
        types: Iterable[str] | None = None,
    ) -> list[Event]:
        """Events, oldest first; ``place`` includes everything under it and
        ``faction`` includes its sub-factions. An event matches a date window
        if any day it may cover falls inside."""
        candidates: Iterable[Event]
        pools: list[set[str]] = []
        whole_tree = self._children.get(None) == [place] and self._all_events_placed()
        if place is not None and not whole_tree:
            ids = {e.id for rid in self.descendants(place) for e in self._events_by_place.get(rid, ())}
            pools.append(ids)
        if faction is not None:
            ids = {e.id for fid in self.faction_descendants(faction) for e in self._events_by_faction.get(fid, ())}
            pools.append(ids)
        if pools:
            chosen = set.intersection(*pools)
            candidates = sorted((self.events[i] for i in chosen), key=lambda e: self._event_rank[e.id])
        else:
            candidates = self._events_sorted
        wanted = set(types) if types else None
        out = []
        for event in candidates:
            if since is not None and event.last < since:
                continue
            if until is not None and event.first > until:
                continue
            if wanted is not None and event.type not in wanted:
                continue
            out.append(event)
        return out

    def events_for_period(self, period: Period) -> list[Event]:
        return [self.events[e] for e in (period.start_event, period.end_event) if e and e in self.events]

    # --- factions ----------------------------------------------------------------------------

    def faction(self, faction_id: str) -> Faction:
        return self.factions[faction_id]

    def faction_roots(self) -> list[Faction]:
        return [self.factions[fid] for fid in self._faction_children.get(None, ())]

    def faction_children(self, faction_id: str) -> list[Faction]:
        return [self.factions[fid] for fid in self._faction_children.get(faction_id, ())]

    def walk_factions(self) -> Iterator[tuple[Faction, int]]:
        """Every faction once, depth first from the roots, with its depth (0 at a root).

        Iterative, so a chain thousands deep cannot exhaust the stack.
        """
        for fid, depth in _walk(self._faction_children, self._faction_children.get(None, ()), None):
            yield self.factions[fid], depth

    def walk_regions(self, roots: Iterable[Region], max_depth: int | None = None) -> Iterator[tuple[Region, int]]:
        """``roots`` and the regions under them, depth first, with their depth
        below the root they came from (at most ``max_depth``). Iterative."""
        for rid, depth in _walk(self._children, [r.id for r in roots], max_depth):
            yield self.regions[rid], depth

    def faction_descendants(self, faction_id: str) -> list[str]:
        out, stack, seen = [], [faction_id], set()
        while stack:
            fid = stack.pop()
            if fid in seen:
                continue
            seen.add(fid)
            out.append(fid)
            stack.extend(self._faction_children.get(fid, ()))
        return out

    def holdings(self, faction_id: str, day: date) -> list[Region]:
        """Units (regions with their own periods) the faction controlled on ``day``, by name."""
        return [self.regions[rid] for rid in self.holders(day).get(faction_id, ())]

    def holders(self, day: date) -> dict[str, tuple[str, ...]]:
        """Every faction's units on ``day`` (one pass over the units, cached per day)."""
        cached = self._holders.get(day)
        if cached is not None:
            return cached
        found: dict[str, list[str]] = defaultdict(list)
        for rid in self._periods:
            if rid in self.regions and (period := self.period_at(rid, day)) is not None:
                found[period.faction].append(rid)
        result = {
            fid: tuple(sorted(ids, key=lambda r: (self.regions[r].name.casefold(), r))) for fid, ids in found.items()
        }
        if len(self._holders) >= 8:
            self._holders.pop(next(iter(self._holders)))
        self._holders[day] = result
        return result

    def resolve_faction(self, query: str) -> Faction | None:
        if query in self.factions:
            return self.factions[query]
        key = matching.fold(query)
        for faction in self.factions.values():
            labels = (faction.id, faction.name, faction.short, *faction.alt_names, faction.name_ar or "")
            if any(label and matching.fold(label) == key for label in labels):
                return faction
        return None

    # --- searching places ----------------------------------------------------------------------

    def search(self, query: str, limit: int = 50) -> list[Match]:
        """Places matching ``query``, best first (see :mod:`store.matching`)."""
        query = query.strip()
        if not query:
            return []
        found: dict[str, Match] = {}

        def add(rid: str, tier: int, matched: str) -> None:
            if rid in self.regions and (rid not in found or found[rid].tier > tier):
                found[rid] = Match(self.regions[rid], tier, matched)

        code = self._codes.get(query.upper())
        if code:
            add(code, TIER_CODE, query.upper())
        key = matching.fold(query)
        if key:
            names = self._names()
            for rid in names.names.get(key, ()):
                add(rid, TIER_NAME, self._label_for(rid, key))
            loose = matching.skeleton(key)
            if len(loose) >= MIN_LOOSE:
                for rid in names.loose.get(loose, ()):
                    add(rid, TIER_LOOSE, self._label_for(rid, None, loose))
            start = bisect.bisect_left(names.keys, key)
            for label_key, rid, label in names.labels[start:]:
                if not label_key.startswith(key):
                    break
                add(rid, TIER_PREFIX, label)
            if len(key) >= 3:
                for label_key, rid, label in names.labels:
                    if key in label_key:
                        add(rid, TIER_SUBSTRING, label)
        def rank(m: Match) -> tuple[int, int, int, int, str, str]:
            # Within a tier: a place whose own name matched before one matched
            # on an alternate spelling; then the more specific place (the town
            # Dumair before the sub-district named after it); then shorter names.
            own = 0 if key in (matching.fold(m.region.name), matching.fold(m.region.name_ar or "")) else 1
            return (m.tier, own, -m.region.depth, len(m.matched), m.region.name.casefold(), m.region.id)

        return sorted(found.values(), key=rank)[:limit]

    def _label_for(self, rid: str, key: str | None, loose: str | None = None) -> str:
        region = self.regions[rid]
        for label in (region.name, *region.alt_names, region.name_ar or ""):
            if not label:
                continue
            folded = matching.fold(label)
            if (key is not None and folded == key) or (loose is not None and matching.skeleton(folded) == loose):
                return label
        return region.name

    def resolve(self, query: str) -> Resolution:
        """Which single place ``query`` means.

        The best tier of :meth:`search` wins. If several places match equally
        and all lie on one line of descent (Duma district > Duma sub-district
        > Douma town), the most specific is chosen; otherwise the answer is
        ambiguous. With no match, the closest names are suggested.
        """
        matches = self.search(query, limit=10_000)
        if matches:
            best = matches[0].tier
            tied = [m.region for m in matches if m.tier == best]
            if len(tied) == 1:
                return Resolution(query, tied[0], (), ())
            deepest = max(tied, key=lambda r: len(self.ancestors(r.id)))
            line = {r.id for r in self.ancestors(deepest.id)}
            if all(r.id in line for r in tied):
                return Resolution(query, deepest, (), ())
            tied.sort(key=lambda r: (r.depth, r.name.casefold(), r.id))
            return Resolution(query, None, tuple(tied), ())
        return Resolution(query, None, (), tuple(self.suggest(query)))

    def suggest(self, query: str, count: int = 5) -> list[Region]:
        key = matching.fold(query)
        if not key:
            return []
        names = self._names().names
        close = difflib.get_close_matches(key, list(names), n=count * 2, cutoff=0.6)
        out: list[Region] = []
        for candidate in close:
            for rid in sorted(names[candidate]):
                region = self.regions[rid]
                if region not in out:
                    out.append(region)
        return out[:count]

    # --- integrity -------------------------------------------------------------------------------

    def validate(self) -> list[Problem]:
        """Every integrity problem, each naming its record."""
        problems = list(self._problems)
        add = lambda table, rid, msg: problems.append(Problem(table, rid, msg))  # noqa: E731
        self._published: dict[str, date] = {}  # each source's last possible day of publication

        if "schema_version" not in self.meta:
            add("meta", "-", "no schema_version")
        for name in ("span_from", "span_to"):
            value = self.meta.get(name)
            if value is None:
                continue
            try:
                day = parse_day(value) if isinstance(value, str) else None
            except ValueError:
                day = None
            if day is None:
                add("meta", name, f"'{value}' is not a date YYYY-MM-DD")
            elif not _sane(day):
                add("meta", name, f"{value} is outside {EARLIEST.year}-{LATEST.year}, the years a date can be in")
        try:
            declared = parse_day(self.meta["span_from"]), parse_day(self.meta["span_to"])
        except (KeyError, TypeError, ValueError):
            declared = None
        if declared and declared[0] > declared[1]:
            add("meta", "span_from", f"span_from {declared[0]} is after span_to {declared[1]}")
        roots = self._children.get(None, [])
        looped = self._region_cycles
        for region in self.regions.values():
            if region.level not in LEVELS:
                add("regions", region.id, f"unknown level '{region.level}' (expected one of {', '.join(LEVELS)})")
            if region.parent is not None and region.parent not in self.regions:
                add("regions", region.id, f"parent '{region.parent}' does not exist")
            if region.parent == region.id:
                add("regions", region.id, "is its own parent")
            elif region.id in looped:
                add("regions", region.id, "its parents form a cycle")
            if region.lat is not None and not -90 <= region.lat <= 90:
                add("regions", region.id, f"latitude {region.lat} out of range")
            if region.lon is not None and not -180 <= region.lon <= 180:
                add("regions", region.id, f"longitude {region.lon} out of range")
            for sid in region.sources:
                if sid not in self.sources:
                    add("regions", region.id, f"unknown source '{sid}'")
        for rid, depth in _too_deep(self._children):
            add("regions", rid, f"is {depth} levels below its root; more than {MAX_DEPTH} is not a real hierarchy")
        if len([r for r in roots if self.regions[r].parent is None]) > 1:
            add("regions", ", ".join(roots), "more than one root region")

        for faction in self.factions.values():
            if faction.bloc not in BLOCS:
                add("factions", faction.id, f"unknown bloc '{faction.bloc}' (expected one of {', '.join(BLOCS)})")
            if faction.parent is not None and faction.parent not in self.factions:
                add("factions", faction.id, f"parent '{faction.parent}' does not exist")
            if faction.parent == faction.id:
                add("factions", faction.id, "is its own parent")
            elif faction.id in self._faction_cycles:
                add("factions", faction.id, "its parents form a cycle (shown at the top of the tree)")
        for fid, depth in _too_deep(self._faction_children):
            add("factions", fid, f"is {depth} levels below its root; more than {MAX_DEPTH} is not a real hierarchy")

        for source in self.sources.values():
            if not source.publication or not source.title:
                add("sources", source.id, "needs a publication and a title")
            if source.date:
                try:
                    self._published[source.id] = parse_partial(source.date).last
                except ValueError:
                    add("sources", source.id, f"date '{source.date}' is not YYYY, YYYY-MM or YYYY-MM-DD")

        for period in self.periods.values():
            pid = period.id
            self._check_holding(add, problems, "periods", period)
            for eid in (period.start_event, period.end_event):
                if eid and eid not in self.events:
                    add("periods", pid, f"event '{eid}' does not exist")
        self._validate_claims(add, problems)
        for rid, plist in self._periods.items():
            for earlier, later in zip(plist, plist[1:]):
                if earlier.end is None or earlier.end >= later.start:
                    add(
                        "periods",
                        later.id,
                        f"overlaps {earlier.id} in region {rid} "
                        f"({earlier.start} to {earlier.end or 'open'} and {later.start} to {later.end or 'open'})",
                    )

        for event in self.events.values():
            eid = event.id
            if event.type not in EVENT_TYPES:
                add("events", eid, f"unknown type '{event.type}'")
            if event.precision not in EVENT_PRECISIONS:
                add("events", eid, f"unknown precision '{event.precision}'")
            # (A disputed date's two candidates may come in either order.)
            if event.date_to and event.precision != "disputed" and _ends_before_start(event.date, event.date_to):
                add("events", eid, f"date_to {event.date_to} is before date {event.date}")
            if not (_sane(event.first) and _sane(event.last)):
                add("events", eid, f"date {event.date_text} is outside {EARLIEST.year}-{LATEST.year}")
            if event.confidence not in CONFIDENCES:
                add("events", eid, f"unknown confidence '{event.confidence}'")
            if event.precision == "day" and (len(event.date) < 10 or (event.date_to and len(event.date_to) < 10)):
                add("events", eid, f"precision 'day' but its date {event.date_text} is not a full YYYY-MM-DD")
            for place in event.places:
                if place not in self.regions:
                    add("events", eid, f"place '{place}' does not exist")
            for actor in event.actors:
                if actor.faction not in self.factions:
                    add("events", eid, f"unknown faction '{actor.faction}'")
            self._check_sources(problems, "events", eid, event.sources)
            self._check_source_dates(problems, "events", eid, event.sources, event.first, "the event")
            for figure in event.figures:
                if figure.source is not None and figure.source not in self.sources:
                    add("events", eid, f"figure '{figure.label}' cites unknown source '{figure.source}'")
                if figure.source is None and not figure.note:
                    add("events", eid, f"figure '{figure.label}' has neither a source nor a note")
        return problems

    def _validate_claims(self, add: Any, problems: list[Problem]) -> None:
        by_region: dict[str, list[Claim]] = defaultdict(list)
        for claim in self.claims.values():
            cid = claim.id
            self._check_holding(add, problems, "claims", claim)
            if claim.start_event and claim.start_event not in self.events:
                add("claims", cid, f"event '{claim.start_event}' does not exist")
            under = self.descendants(claim.region) if claim.region in self.regions else frozenset()
            for exception in claim.exceptions:
                if exception not in self.regions:
                    add("claims", cid, f"excepted place '{exception}' does not exist")
                elif exception == claim.region or exception not in under:
                    add("claims", cid, f"excepted place '{exception}' is not under {claim.region}")
            by_region[claim.region].append(claim)
        covering = {p.claim for plist in self._claim_periods.values() for p in plist}
        for claim in self.claims.values():
            if claim.region in self.regions and claim.id not in covering:
                add("claims", claim.id, "covers no place: every place under it has periods of its own or is excepted")
        for rid, claims in by_region.items():
            claims.sort(key=lambda c: (c.start, c.id))
            for earlier, later in zip(claims, claims[1:]):
                if earlier.end is None or earlier.end >= later.start:
                    add("claims", later.id, f"overlaps {earlier.id} on region {rid}; say which holds, or end the first")

    def _check_holding(self, add: Any, problems: list[Problem], table: str, record: Period | Claim) -> None:
        """What periods and claims share: a region, factions, a status, sane
        dates in order, a confidence, and sources that came after the change."""
        rid = record.id
        if record.region not in self.regions:
            add(table, rid, f"region '{record.region}' does not exist")
        for fid in (record.faction, *record.others):
            if fid not in self.factions:
                add(table, rid, f"unknown faction '{fid}'")
        if record.status not in STATUSES:
            add(table, rid, f"unknown status '{record.status}' (expected one of {', '.join(STATUSES)})")
        if record.end is not None and record.end < record.start:
            add(table, rid, f"ends ({record.end}) before it starts ({record.start})")
        for label, day in (("from", record.start), ("to", record.end)):
            if day is not None and not _sane(day):
                add(table, rid, f"'{label}' {day} is outside {EARLIEST.year}-{LATEST.year}")
        if record.confidence not in CONFIDENCES:
            add(table, rid, f"unknown confidence '{record.confidence}'")
        self._check_sources(problems, table, rid, record.sources)
        self._check_source_dates(problems, table, rid, record.sources, record.start, "the change it records")
        event = self.events.get(record.start_event) if record.start_event else None
        if event and record.from_precision == "day" and event.precision in ("month", "year") and record.start == event.first:
            add(
                table,
                rid,
                f"says its start {record.start} is known to the day, but its event "
                f"{event.id} is dated only to the {event.precision} ({event.date})",
            )

    def _check_source_dates(
        self, problems: list[Problem], table: str, rid: str, sources: tuple[str, ...], day: date, what: str
    ) -> None:
        """A source published before a change cannot be its evidence. (A
        period or claim at the start of the data describes a situation that
        began earlier, so only later starts are checked.)"""
        if table != "events" and day <= self.span[0]:
            return
        for sid in sources:
            last = self._published.get(sid)
            if last is not None and last < day:
                problems.append(
                    Problem(table, rid, f"cites {sid}, published {self.sources[sid].date}, before {what} ({day})")
                )

    def _check_sources(self, problems: list[Problem], table: str, rid: str, sources: tuple[str, ...]) -> None:
        if not sources:
            problems.append(Problem(table, rid, "has no source"))
        for sid in sources:
            if sid not in self.sources:
                problems.append(Problem(table, rid, f"unknown source '{sid}'"))

    # --- writing -------------------------------------------------------------------------------------

    def _writable(self) -> TinyDB:
        if self._db is None or self._storage is None:
            raise ReadOnlyError(f"{where(self.path)}: cannot write an in-memory store")
        if self._storage.readonly:
            raise ReadOnlyError(f"{where(self.path)}: cannot write: {self._storage.readonly_reason}")
        return self._db

    def _check_record(self, table: str, record: dict[str, Any]) -> None:
        if table not in TABLES:
            raise StoreError(f"unknown table '{table}' (expected one of {', '.join(TABLES)})")
        if table != "meta":
            build_records(str(self.path), table, {"new": record})

    def insert(self, table: str, record: dict[str, Any]) -> None:
        """Add one record (cleaned and checked first) and write the file atomically."""
        db = self._writable()
        record = clean_value(record)
        self._check_record(table, record)
        existing = {doc.get("id") for doc in (self._storage.read() or {}).get(table, {}).values()}  # type: ignore[union-attr]
        if table != "meta" and record["id"] in existing:
            raise StoreError(f"{where(self.path)}: {table} already has a record with id {record['id']}")
        db.table(table).insert(record)
        self._reload()

    def update(self, table: str, record_id: str, fields: dict[str, Any]) -> None:
        """Change fields of the record with ``id == record_id``."""
        db = self._writable()
        tbl = db.table(table)
        docs = [doc for doc in tbl.all() if doc.get("id") == record_id]
        if not docs:
            raise StoreError(f"{where(self.path)}: {table} has no record with id {record_id}")
        fields = clean_value(fields)
        merged = {**docs[0], **fields}
        self._check_record(table, merged)
        if table != "meta" and merged.get("id") != record_id and any(d.get("id") == merged.get("id") for d in tbl.all()):
            raise StoreError(f"{where(self.path)}: {table} already has a record with id {merged.get('id')}")
        tbl.update(fields, doc_ids=[docs[0].doc_id])
        self._reload()

    def remove(self, table: str, record_id: str) -> None:
        db = self._writable()
        tbl = db.table(table)
        ids = [doc.doc_id for doc in tbl.all() if doc.get("id") == record_id]
        if not ids:
            raise StoreError(f"{where(self.path)}: {table} has no record with id {record_id}")
        tbl.remove(doc_ids=ids)
        self._reload()

    def _reload(self) -> None:
        assert self._storage is not None
        self._load(self._storage.read() or {})


@dataclass(slots=True)
class _NameIndex:
    """Every region's spellings, folded (see :mod:`store.matching`)."""

    names: dict[str, set[str]]  # folded name -> region ids
    loose: dict[str, set[str]]  # consonant skeleton -> region ids
    labels: list[tuple[str, str, str]]  # (folded key, region id, label), sorted
    keys: list[str]  # the folded keys of ``labels``, for bisect

    @classmethod
    def build(cls, regions: Iterable[Region]) -> _NameIndex:
        names: dict[str, set[str]] = defaultdict(set)
        loose_index: dict[str, set[str]] = defaultdict(set)
        labels: list[tuple[str, str, str]] = []
        fold, skeleton = matching.fold, matching.skeleton
        for region in regions:
            for label in (region.name, *region.alt_names, region.name_ar or ""):
                key = fold(label) if label else ""
                if not key:
                    continue
                names[key].add(region.id)
                loose = skeleton(key)
                if len(loose) >= MIN_LOOSE:
                    loose_index[loose].add(region.id)
                labels.append((key, region.id, label))
        labels.sort()
        return cls(dict(names), dict(loose_index), labels, [key for key, _, _ in labels])


def _walk(
    children: Mapping[str | None, list[str]], roots: Iterable[str], max_depth: int | None
) -> Iterator[tuple[str, int]]:
    """Ids depth first from ``roots`` with their depth, each once, without recursion."""
    stack: list[tuple[str, int]] = [(rid, 0) for rid in reversed(list(roots))]
    seen: set[str] = set()
    while stack:
        rid, depth = stack.pop()
        if rid in seen:
            continue
        seen.add(rid)
        yield rid, depth
        if max_depth is None or depth < max_depth:
            stack.extend((child, depth + 1) for child in reversed(children.get(rid, ())))


def _too_deep(children: Mapping[str | None, list[str]]) -> list[tuple[str, int]]:
    """Records more than MAX_DEPTH levels below their root in the indexed tree:
    the first one on each line of descent (those under it are deeper still)."""
    return [(rid, depth) for rid, depth in _walk(children, children.get(None, ()), MAX_DEPTH + 1) if depth == MAX_DEPTH + 1]


def _in_cycles(parents: dict[str, str | None]) -> set[str]:
    """The ids whose parent links loop back on themselves (iterative)."""
    state: dict[str, int] = {}  # 1: being walked, 2: done
    looped: set[str] = set()
    for start in parents:
        path: list[str] = []
        current: str | None = start
        while current is not None and current in parents and current not in state:
            state[current] = 1
            path.append(current)
            current = parents[current]
        if current is not None and state.get(current) == 1:
            looped.update(path[path.index(current) :])
        for rid in path:
            state[rid] = 2
    return looped


def _claim_timeline(region_id: str, candidates: list[tuple[int, Claim]]) -> list[Period]:
    """The place's periods from (distance, claim) pairs.

    On each day the claim that covers it and was made from the latest date
    wins: a newer statement about an area replaces an older one, whether
    the area is larger ("the whole province secure" after "rebels hold this
    district") or smaller. Between claims from the same date, the one on the
    nearer region (the smaller area) wins. Adjacent days of one claim make
    one period; a claim covering a place in two stretches gives ids
    ``claim@place`` and ``claim@place#2``."""
    bounds = {claim.start for _, claim in candidates}
    bounds |= {day_after(claim.end) for _, claim in candidates if claim.end is not None}
    edges = sorted(bounds)
    periods: list[Period] = []
    for index, start in enumerate(edges):
        covering = [
            (-claim.start.toordinal(), distance, claim.id, claim)
            for distance, claim in candidates
            if claim.start <= start and (claim.end is None or start <= claim.end)
        ]
        if not covering:
            continue
        claim = min(covering, key=lambda item: item[:3])[3]
        end = date.fromordinal(edges[index + 1].toordinal() - 1) if index + 1 < len(edges) else None
        if claim.end is not None and (end is None or end > claim.end):
            end = claim.end
        last = periods[-1] if periods else None
        if last is not None and last.claim == claim.id and last.end is not None and day_after(last.end) == start:
            last.end = end
            continue
        periods.append(
            Period(
                id=f"{claim.id}@{region_id}",
                region=region_id,
                faction=claim.faction,
                status=claim.status,
                start=start,
                end=end,
                others=claim.others,
                from_precision=claim.from_precision if start == claim.start else "day",
                start_event=claim.start_event if start == claim.start else None,
                sources=claim.sources,
                confidence=claim.confidence,
                note=claim.note,
                claim=claim.id,
            )
        )
    # Ids stay unique when one claim covers a place in two separate stretches.
    seen: dict[str, int] = {}
    for period in periods:
        count = seen.get(period.id, 0)
        seen[period.id] = count + 1
        if count:
            period.id = f"{period.id}#{count + 1}"
    return periods


def _sane(day: date) -> bool:
    return EARLIEST <= day <= LATEST


def _ends_before_start(start_text: str, end_text: str) -> bool:
    try:
        return parse_partial(end_text).last < parse_partial(start_text).first
    except ValueError:
        return False


def _same_situation(a: Period, b: Period) -> bool:
    return (a.faction, a.status, a.others) == (b.faction, b.status, b.others)


def _continues(earlier: Period, later: Period) -> bool:
    """``later`` starts the day after ``earlier`` ends, in the same situation."""
    return earlier.end is not None and day_after(earlier.end) == later.start and _same_situation(earlier, later)


def _event_key(event: Event) -> tuple[date, date, str]:
    return (event.first, event.last, event.id)


__all__ = ["Match", "Resolution", "Store", "StoreError", "Tables", "TIER_LABELS"]
