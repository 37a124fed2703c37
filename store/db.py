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
import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import orjson
from tinydb import TinyDB

from . import matching, search
from .search import TIER_LABELS, Match, Resolution
from .dates import day_after, parse_day
from .model import (
    BLOCS,
    EARLIEST,
    LATEST,
    NOT_RECORDED,
    SCHEMA_VERSION,
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
    sane,
)
from .parse import _Fields, build_records
from .storage import (
    DatabaseCorrupt,
    FrontlinesStorage,
    StoreError,
    Tables,
    check_shape,
    collector_paused,
    real_path,
    where,
)
from .history import ChangeRecord, History, history_path, iter_ops
from .tally import Tally
from .tree import in_cycles, walk
from .text import clean_value, display_value, json_needs_display, shown

if TYPE_CHECKING:
    from .situation import ChangeOfControl, Situation

TABLES = ("meta", "sources", "factions", "regions", "periods", "events", "claims")
_record_id = attrgetter("id")
_STATUS_SEVERITY = {"contested": 3, "besieged": 2, "truce": 1, "held": 0}


class Store:
    """An open frontlines database. Use :meth:`open` or :meth:`from_tables`."""

    def __init__(
        self,
        tables: Mapping[str, Mapping[str, dict[str, Any]]],
        *,
        path: Path | str = "<memory>",
        db: TinyDB | None = None,
        storage: FrontlinesStorage | None = None,
        schema_required: bool | None = None,
    ) -> None:
        self.path = Path(path) if not isinstance(path, Path) else path
        self._db = db
        self._storage = storage
        self._history: History | None = None  # the changes beside the file (see store.history)
        self._doc_ids: dict[str, dict[str, str]] = {}  # see store.edits.doc_ids
        # Why this store cannot be changed, in a few words for a header (see open_for_editing).
        self.read_only_reason: str | None = None
        self.warnings: list[str] = []
        # Tables read from a file must say which schema they follow: a file
        # such as ``{}`` is not an empty database but something else.
        self._schema_required = str(path) != "<memory>" if schema_required is None else schema_required
        self._load(self._for_display(tables))

    # --- opening and closing -------------------------------------------------

    @classmethod
    def open(
        cls, path: Path | str, *, readonly: bool = True, create: bool = False, schema_required: bool = True
    ) -> Store:
        """Open a database file. Raises :class:`StoreError` (one-line message).

        ``readonly=False`` takes the writer lock (a second writer gets
        :class:`~store.storage.DatabaseLocked`); ``create=True`` makes an
        empty database if the file does not exist. A file without
        ``meta.schema_version`` is refused unless ``schema_required`` is
        false (``validate`` reads it to report it) or it was just created.
        """
        path = Path(path)
        schema_required = schema_required and not (create and not path.exists())
        # Parsing and building make hundreds of thousands of small objects and
        # no cycles: the collector stays off from the read until they are all
        # frozen, so no collection walks them while they are being made.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            # With a history of changes beside it (or to write one), the version
            # of the file read must be known: see store.history.
            has_history = history_path(path).exists()
            db = TinyDB(str(path), storage=FrontlinesStorage, readonly=readonly, create=create, identify=has_history)
            # TinyDB made it from the class it was given; its ``storage`` says only Storage.
            storage = cast(FrontlinesStorage, db.storage)
            try:
                history = History.read(path, storage.identity) if has_history or not storage.readonly else None
                doc_index: dict[str, dict[str, str]] = {}
                if history is not None and history.pending and storage._cache is not None:
                    from .edits import apply_ops

                    apply_ops(doc_index, storage._cache, iter_ops(history.pending))
                    storage.display_unsafe = storage.display_unsafe or json_needs_display(
                        orjson.dumps([op.after for op in iter_ops(history.pending)])
                    )
                store = cls(storage.read() or {}, path=path, db=db, storage=storage, schema_required=schema_required)
                store._history = history
                store._doc_ids = doc_index
                if history is not None and history.changed_outside:
                    store.warnings.append(
                        f"{where(path)} was changed outside frontlines since its changes were last folded in; "
                        f"its history ({where(history.path.name)}) carries on from the file as it is now"
                    )
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

    @classmethod
    def open_for_editing(cls, path: Path | str, *, read_only: bool = False) -> Store:
        """Open a database to change it if it can be: writable, else read-only
        with a warning that says why (another writer holds it: "in use by PID
        N"; the file's mode forbids writing; ``read_only`` asked for it)."""
        from .storage import DatabaseLocked

        if read_only:
            store = cls.open(path, readonly=True)
            store.read_only_reason = "opened read-only (--read-only)"
            return store
        from .locate import bundled_path

        if real_path(path) == real_path(bundled_path()):
            # The data set inside the installed package: a new release would
            # replace it, and every user of the installation shares it.
            store = cls.open(path, readonly=True)
            store.read_only_reason = "the bundled data set is never changed; edit your own copy (frontlines where)"
            return store
        try:
            store = cls.open(path, readonly=False)
        except DatabaseLocked as exc:
            store = cls.open(path, readonly=True)
            holder = f"PID {exc.pid}" if exc.pid else "another process"
            store.read_only_reason = f"in use by {holder}: opened read-only"
            store.warnings.append(f"{where(path)}: in use by {holder}; opened read-only, so it cannot be changed here")
            return store
        if store.readonly and store._storage is not None:
            store.read_only_reason = store._storage.readonly_reason
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
        if not unsafe:
            return tables
        displayed: Mapping[str, Mapping[str, dict[str, Any]]] = display_value(tables)
        return displayed

    @classmethod
    def from_tables(cls, tables: Mapping[str, list[dict[str, Any]]]) -> Store:
        """An in-memory store from lists of records (tests, generators)."""
        data = {name: {str(i): rec for i, rec in enumerate(recs, 1)} for name, recs in tables.items()}
        return cls(check_shape("<memory>", data))

    def close(self) -> None:
        if self._history is not None:
            self._history.close()
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
        with collector_paused():
            self._build(tables)

    def _build(self, tables: Mapping[str, Mapping[str, dict[str, Any]]]) -> None:
        path = str(self.path)
        meta_records = list((tables.get("meta") or {}).items())
        self.meta: dict[str, Any] = dict(meta_records[0][1]) if meta_records else {}
        self.schema_version: int = SCHEMA_VERSION
        if "schema_version" in self.meta:
            self.schema_version = _Fields(path, "meta", meta_records[0][0], self.meta).whole("schema_version")
        elif self._schema_required:
            raise DatabaseCorrupt(
                f"{where(path)}: not a frontlines database: it has no schema version (meta.schema_version)"
            )

        self._problems: list[Problem] = []
        built: dict[str, list[Any]] = {
            name: build_records(path, name, tables.get(name) or {})
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
        out: dict[str, Any] = dict(zip(map(_record_id, records), records))
        if len(out) == len(records):
            return out
        out = {}  # duplicate ids: the first one wins, and validate says so
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
        in_cycle = self._region_cycles = in_cycles({r.id: r.parent for r in self.regions.values()})
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
        self._name_index: search.NameIndex | None = None

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

        # Events by date, by place and by faction: made by the first query
        # that needs them (see _event_indexes), not at open.
        self._events_index: _EventIndexes | None = None
        # With one root and every event placed, "under the root" means "all".
        self._all_placed: bool | None = None  # see _all_events_placed

        fchildren: dict[str | None, list[str]] = defaultdict(list)
        self._faction_cycles = in_cycles({f.id: f.parent for f in self.factions.values()})
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
        self._derived: dict[tuple[str, int], Control] = {}  # (parent, epoch): see control
        self._tallies: dict[str, Tally] = {}  # see _derive
        self._change_days: dict[str | None, tuple[list[date], list[date]]] = {}  # see change_days
        self._runs: dict[str, dict[int, tuple[date, date | None]]] = {}  # see _stretch
        self._shares: dict[tuple[str, tuple[date, ...]], list[dict[str, float]]] = {}  # see bloc_shares_over_time

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

    def _event_indexes(self) -> _EventIndexes:
        """The events sorted by date, by place and by faction (made on first need)."""
        index = self._events_index
        if index is None:
            index = self._events_index = _EventIndexes(self.events.values())
        return index

    def _all_events_placed(self) -> bool:
        """Whether every event names a known place (then "under the single
        root" means every event). Computed on first need."""
        if self._all_placed is None:
            regions = self.regions
            self._all_placed = all(any(p in regions for p in e.places) for e in self.events.values())
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
        if start and end and (start > end or not sane(start) or not sane(end)):
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
        result = frozenset(rid for rid, _ in walk(self._children, [region_id], None))
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
        # A parent's picture changes only on the days one of its units' periods
        # begins or ends: between two such days (an epoch) it is the same, so
        # it is derived once per epoch, and a new date in the same epoch only
        # restamps it. Stepping through time re-derives just the places where
        # something changed.
        key = (region_id, self._tally(region_id).epoch(day))
        cached = self._derived.get(key)
        if cached is not None:
            return cached if cached.at == day else replace(cached, at=day)
        result = self._derive(region, day)
        if len(self._derived) >= 4096:
            self._derived.pop(next(iter(self._derived)))
        self._derived[key] = result
        return result

    def _tally(self, region_id: str) -> Tally:
        """The day-to-day state of ``region_id``'s units (made on first use)."""
        tally = self._tallies.get(region_id)
        if tally is None:
            tally = self._tallies[region_id] = Tally(self.units(region_id), self._own_periods, self.period_at, self._stretch)
        return tally

    def _derive(self, region: Region, day: date) -> Control:
        region_id = region.id
        units = self.units(region_id)
        if not units:
            return Control(region, day, NOT_RECORDED, None, None, True)
        tally = self._tally(region_id)
        tally.move_to(day)  # only the units whose periods began or ended since the last day asked
        breakdown = self._breakdown_of(units, tally.factions, tally.by_faction)
        known = tally.known
        if not known:
            return Control(region, day, NOT_RECORDED, None, None, True, breakdown)
        since, until = tally.since, tally.until
        factions = [fid for fid in tally.by_faction if fid != NOT_RECORDED]  # the counts hold no zeros
        if len(factions) == 1 and known == len(units):
            # One controller everywhere: the most severe of the units' statuses.
            status = max(tally.by_status, key=lambda s: _STATUS_SEVERITY.get(s, 0))
            faction = self.factions.get(factions[0])
        else:
            status, faction = "mixed", None
        return Control(region, day, status, faction, None, True, breakdown, since, until)

    def _own_periods(self, region_id: str) -> list[Period]:
        return self._periods.get(region_id, [])

    def _stretch(self, region_id: str, period: Period) -> tuple[date, date | None]:
        """First and last day of the run of adjacent same-situation periods around ``period``."""
        runs = self._runs.get(region_id)
        if runs is None:
            runs = self._runs[region_id] = _runs(self._periods[region_id])
        return runs[id(period)]

    def breakdown(self, region_id: str, day: date) -> Breakdown:
        units = self.units(region_id)
        return self._breakdown(units, [self.period_at(uid, day) for uid in units])

    def _breakdown_of(self, units: tuple[str, ...], factions: list[str | None], by_faction: dict[str, int]) -> Breakdown:
        """A breakdown from counts already made (see Tally): no pass over the units but one copy."""
        total = len(units)
        by_bloc: dict[str, int] = defaultdict(int)
        for fid, n in by_faction.items():  # counts of units: none is zero
            faction = self.factions.get(fid) if fid != NOT_RECORDED else None
            by_bloc[faction.bloc_key if faction else NOT_RECORDED] += n

        def shares(counts: Mapping[str, int]) -> tuple[Share, ...]:
            items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            return tuple(Share(key, n, n / total if total else 0.0) for key, n in items)

        return Breakdown(total, shares(by_bloc), shares(by_faction), units, tuple(factions))

    def _breakdown(self, units: tuple[str, ...], current: list[Period | None]) -> Breakdown:
        """The breakdown of ``units`` whose covering periods are ``current``."""
        factions = [period.faction if period is not None else None for period in current]
        by_faction: dict[str, int] = defaultdict(int)
        for fid in factions:
            by_faction[fid if fid is not None else NOT_RECORDED] += 1
        return self._breakdown_of(units, factions, by_faction)

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
        so a chart of the root of a 10,000-place database stays cheap; the
        last few answers are kept, as a chart is drawn again on every repaint.
        """
        key = (region_id, tuple(days))
        cached = self._shares.get(key)
        if cached is not None:
            return [dict(shares) for shares in cached]
        result = self._bloc_shares_over_time(region_id, days)
        if len(self._shares) >= 32:
            self._shares.pop(next(iter(self._shares)))
        self._shares[key] = result
        return [dict(shares) for shares in result]

    def _bloc_shares_over_time(self, region_id: str, days: list[date]) -> list[dict[str, float]]:
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
        position = bisect.bisect_right(self._days_of_changes(region_id)[0], days[0])
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
        """The days something changed in ``region_id``'s subtree, ascending."""
        return list(self._days_of_changes(region_id)[1])

    def _days_of_changes(self, region_id: str | None) -> tuple[list[date], list[date]]:
        """(the day of each change, in order; the distinct days), made once per region."""
        cached = self._change_days.get(region_id)
        if cached is None:
            each = [change.day for change in self.changes(region_id)]
            # A period that ends on the data's last day changes things the day
            # after: no day to step to (], play), as it lies outside the data.
            last = self.span[1]
            cached = self._change_days[region_id] = (each, sorted({day for day in each if day <= last}))
        return cached

    def change_after(self, region_id: str | None, day: date) -> date | None:
        """The first day after ``day`` something changed in the subtree (bisect, not a scan)."""
        days = self._days_of_changes(region_id)[1]
        index = bisect.bisect_right(days, day)
        return days[index] if index < len(days) else None

    def change_before(self, region_id: str | None, day: date) -> date | None:
        """The last day before ``day`` something changed in the subtree."""
        days = self._days_of_changes(region_id)[1]
        index = bisect.bisect_left(days, day)
        return days[index - 1] if index > 0 else None

    def changes_on(self, region_id: str | None, day: date) -> list[Change]:
        changes = self.changes(region_id)
        days = self._days_of_changes(region_id)[0]
        lo = bisect.bisect_left(days, day)
        hi = bisect.bisect_right(days, day)
        return list(changes[lo:hi])

    def changes_between(self, region_id: str | None, since: date, until: date) -> list[ChangeOfControl]:
        """Changes under ``region_id`` from ``since`` to ``until`` (see :mod:`store.situation`)."""
        from .situation import changes_between

        return changes_between(self, region_id, since, until)

    def situation(
        self,
        region_id: str,
        day: date,
        *,
        bloc: str | None = None,
        not_bloc: str | None = None,
        faction: str | None = None,
    ) -> Situation:
        """The places under ``region_id`` on ``day`` grouped by controller (see :mod:`store.situation`)."""
        from .situation import situation

        return situation(self, region_id, day, bloc=bloc, not_bloc=not_bloc, faction=faction)

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
        index = self._event_indexes()
        whole_tree = self._children.get(None) == [place] and self._all_events_placed()
        if place is not None and not whole_tree:
            ids = {e.id for rid in self.descendants(place) for e in index.by_place.get(rid, ())}
            pools.append(ids)
        if faction is not None:
            ids = {e.id for fid in self.faction_descendants(faction) for e in index.by_faction.get(fid, ())}
            pools.append(ids)
        if pools:
            chosen = set.intersection(*pools)
            rank = index.rank
            candidates = sorted((self.events[i] for i in chosen), key=lambda e: rank[e.id])
        else:
            candidates = index.ordered
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
        for fid, depth in walk(self._faction_children, self._faction_children.get(None, ()), None):
            yield self.factions[fid], depth

    def walk_regions(self, roots: Iterable[Region], max_depth: int | None = None) -> Iterator[tuple[Region, int]]:
        """``roots`` and the regions under them, depth first, with their depth
        below the root they came from (at most ``max_depth``). Iterative."""
        for rid, depth in walk(self._children, [r.id for r in roots], max_depth):
            yield self.regions[rid], depth

    def faction_descendants(self, faction_id: str) -> list[str]:
        """The faction and every faction under it, depth first."""
        return [fid for fid, _ in walk(self._faction_children, [faction_id], None)]

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

    # --- searching places (see store.search) ----------------------------------------------------

    def search(self, query: str, limit: int = 50) -> list[Match]:
        """Places matching ``query``, best first."""
        return search.search(self, query, limit)

    def resolve(self, query: str) -> Resolution:
        """Which single place ``query`` means."""
        return search.resolve(self, query)

    def suggest(self, query: str, count: int = 5) -> list[Region]:
        """The places with names closest to ``query``, for "did you mean"."""
        return search.suggest(self, query, count)

    # --- integrity -------------------------------------------------------------------------------

    def validate(self) -> list[Problem]:
        """Every integrity problem, each naming its record (see :mod:`store.validate`)."""
        from .validate import validate

        return validate(self)

    # --- writing (see store.edits and store.history) -----------------------------------------

    def record_control(self, region_id: str, faction: str, status: str, day: date, **options: Any) -> ChangeRecord:
        """Record a change of control (see :func:`store.edits.record_control`)."""
        from .edits import record_control

        return record_control(self, region_id, faction, status, day, **options)

    def add_event(self, fields: Mapping[str, Any], *, dry_run: bool = False) -> ChangeRecord:
        from .edits import add_event

        return add_event(self, fields, dry_run=dry_run)

    def edit(self, table: str, record_id: str, fields: Mapping[str, Any], *, fix: str | None = None,
             dry_run: bool = False) -> ChangeRecord:
        """Change fields of a period, an event or a source (see :mod:`store.edits`)."""
        from . import edits

        if table == "periods":
            return edits.edit_period(self, record_id, fields, fix=fix, dry_run=dry_run)
        if table == "events":
            return edits.edit_event(self, record_id, fields, dry_run=dry_run)
        if table == "sources":
            return edits.edit_source(self, record_id, fields, dry_run=dry_run)
        raise edits.EditError(f"{shown(table, 40)} records cannot be edited here (periods, events and sources can)")

    def delete(self, table: str, record_id: str, *, fix: str | None = None, dry_run: bool = False) -> ChangeRecord:
        """Delete a period or an event (see :mod:`store.edits`)."""
        from . import edits

        if table == "periods":
            return edits.delete_period(self, record_id, fix=fix, dry_run=dry_run)
        if table == "events":
            return edits.delete_event(self, record_id, dry_run=dry_run)
        raise edits.EditError(f"{shown(table, 40)} records cannot be deleted here (periods and events can)")

    def undo(self, *, dry_run: bool = False) -> ChangeRecord:
        from .edits import undo

        return undo(self, dry_run=dry_run)

    def redo(self, *, dry_run: bool = False) -> ChangeRecord:
        from .edits import redo

        return redo(self, dry_run=dry_run)

    def undo_target(self) -> ChangeRecord | None:
        """The change undo would take back, or None."""
        from .edits import undo_target

        return undo_target(self)

    def redo_target(self) -> ChangeRecord | None:
        from .edits import redo_target

        return redo_target(self)

    def compact(self) -> bool:
        """Fold the changes not yet in the file into it (see :func:`store.edits.compact`)."""
        from .edits import compact

        return compact(self)

    def prepare_edits(self) -> None:
        """Make what an edit needs ahead of the first one (the explorer does it in
        the background once the data is on screen); a read-only store has nothing to do."""
        if not self.readonly:
            from .edits import prepare

            prepare(self)

    @property
    def pending_changes(self) -> int:
        """How many changes are in the history but not yet in the database file."""
        return len(self._history.pending) if self._history is not None else 0

    def log(self, *, since: date | None = None, place: str | None = None) -> list[ChangeRecord]:
        """The history of changes, oldest first (see :func:`store.edits.log`)."""
        from .edits import log

        return log(self, since=since, place=place)

    def last_change(self, *, table: str | None = None, record_id: str | None = None,
                    place: str | None = None) -> ChangeRecord | None:
        from .edits import last_change

        return last_change(self, table=table, record_id=record_id, place=place)

    @property
    def history_file(self) -> Path:
        return history_path(self.path)

    # The first API: one record written straight through to the file (a
    # change in the history, then a compaction). Slow on a big file.

    def insert(self, table: str, record: dict[str, Any]) -> None:
        """Add one record (cleaned and checked first) and write the file atomically."""
        self._raw_change(table, str(record.get("id")), record, adding=True)

    def update(self, table: str, record_id: str, fields: dict[str, Any]) -> None:
        """Change fields of the record with ``id == record_id``."""
        self._raw_change(table, record_id, fields, adding=False)

    def remove(self, table: str, record_id: str) -> None:
        self._raw_change(table, record_id, None, adding=False)

    def _raw_change(self, table: str, record_id: str, fields: dict[str, Any] | None, *, adding: bool) -> None:
        from .edits import _live, commit, stored
        from .history import TABLES as CHANGEABLE, Op

        _live(self)
        if table not in CHANGEABLE:
            raise StoreError(f"unknown table '{shown(table, 40)}' (expected one of {', '.join(CHANGEABLE)})")
        current = stored(self, table, record_id)
        if adding:
            if current is not None:
                raise StoreError(f"{where(self.path)}: {table} already has a record with id {record_id}")
            after: dict[str, Any] | None = clean_value(dict(fields or {}))
        elif current is None:
            raise StoreError(f"{where(self.path)}: {table} has no record with id {record_id}")
        else:
            after = None if fields is None else {**current, **clean_value(fields)}
        if after is not None:
            build_records(str(self.path), table, {"new": after})
            if after.get("id") != record_id:
                raise StoreError(f"{where(self.path)}: a record's id cannot be changed")
        kind = "delete" if after is None else "edit"
        commit(self, kind, f"{table} {record_id}: {'added' if adding else kind + 'ed'}",
               [Op(table, record_id, current, after)], [])
        self.compact()

    def _apply_ops(self, ops: Sequence[Any], built: Sequence[Any], display_unsafe: bool = True) -> None:
        """Bring the typed records and the indexes up to date with ``ops``
        (already in the tables; ``built``: each op's record, already made from
        its ``after``): only what they touched is made again.
        ``display_unsafe``: the change may hold text that
        :func:`~store.text.display_text` changes (each record is looked at)."""
        touched: dict[str, set[str]] = defaultdict(set)
        path = str(self.path)
        unsafe = display_unsafe or (self._storage is not None and self._storage.display_unsafe)
        for op, made in zip(ops, built):
            records: dict[str, Any] = getattr(self, op.table)
            touched[op.table].add(op.id)
            old = records.pop(op.id, None)
            if op.table == "periods" and old is not None:
                touched["regions-of-periods"].add(old.region)
            if op.after is not None:
                record = made
                if unsafe and json_needs_display(orjson.dumps(op.after)):
                    # Shown without what the terminal cannot measure (the file keeps it).
                    record = build_records(path, op.table, {"new": display_value(op.after)})[0]
                records[op.id] = record
                if op.table == "periods":
                    touched["regions-of-periods"].add(record.region)
        if touched.keys() & {"regions", "factions", "claims"}:
            self._index()  # rare: every index again (no file read, no parse)
            return
        if "periods" in touched:
            self._periods_changed(touched["regions-of-periods"])
        if "events" in touched:
            self._events_index = None
            self._all_placed = None
            if "span_from" not in self.meta or "span_to" not in self.meta:
                self._span = self._compute_span()

    def _periods_changed(self, regions: set[str]) -> None:
        """The periods of ``regions`` changed: their lists again, and every cache above them."""
        own: dict[str, list[Period]] = defaultdict(list)
        for period in self.periods.values():
            if period.region in regions:
                own[period.region].append(period)
        flipped = False  # a place gained its first own period, or lost its last
        for rid in regions:
            had_own = rid in self._periods and rid not in self._claim_periods
            plist = sorted(own.get(rid, ()), key=lambda p: (p.start, p.id))
            if plist:
                self._periods[rid] = plist
                self._claim_periods.pop(rid, None)
            else:
                self._periods.pop(rid, None)
            flipped |= had_own != bool(plist)
        if flipped and self.claims:
            # Which claims reach which places depends on who has periods of their own.
            by_region = {rid: plist for rid, plist in self._periods.items() if rid not in self._claim_periods}
            self._claim_periods = self._periods_from_claims(by_region)
            by_region.update(self._claim_periods)
            self._periods = by_region
            regions = set(regions) | set(self._claim_periods)
        self._starts.update({rid: [p.start for p in plist] for rid, plist in self._periods.items() if rid in regions})
        for rid in regions:
            if rid not in self._periods:
                self._starts.pop(rid, None)
        if "span_from" not in self.meta or "span_to" not in self.meta:
            self._span = self._compute_span()
        if flipped:
            self._units.clear()
            self._tallies.clear()
            self._derived.clear()
            self._changes.clear()
            self._change_days.clear()
            self._shares.clear()
            self._runs.clear()
        else:
            above = {a.id for rid in regions for a in self.ancestors(rid)} | set(regions)
            for region in [k for k in self._tallies if k in above]:
                del self._tallies[region]
            for epoch in [k for k in self._derived if k[0] in above]:
                del self._derived[epoch]
            for subtree in [k for k in self._changes if k is None or k in above]:
                del self._changes[subtree]
            for subtree in [k for k in self._change_days if k is None or k in above]:
                del self._change_days[subtree]
            for chart in [k for k in self._shares if k[0] in above]:
                del self._shares[chart]
            for rid in regions:
                self._runs.pop(rid, None)
        self._holders.clear()


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


def _runs(plist: list[Period]) -> dict[int, tuple[date, date | None]]:
    """For each period of a region (by identity), the first and last day of
    the run of adjacent same-situation periods it belongs to: one pass."""
    out: dict[int, tuple[date, date | None]] = {}
    first = 0
    for index in range(len(plist)):
        if index + 1 < len(plist) and _continues(plist[index], plist[index + 1]):
            continue
        bounds = (plist[first].start, plist[index].end)
        for member in plist[first : index + 1]:
            out[id(member)] = bounds
        first = index + 1
    return out


def _same_situation(a: Period, b: Period) -> bool:
    return (a.faction, a.status, a.others) == (b.faction, b.status, b.others)


def _continues(earlier: Period, later: Period) -> bool:
    """``later`` starts the day after ``earlier`` ends, in the same situation."""
    return earlier.end is not None and day_after(earlier.end) == later.start and _same_situation(earlier, later)


def _event_key(event: Event) -> tuple[date, date, str]:
    return (event.first, event.last, event.id)


class _EventIndexes:
    """Events oldest first (with each one's rank in that order), and by place
    and by faction (each list oldest first, an event once per place or faction)."""

    __slots__ = ("ordered", "rank", "by_place", "by_faction")
    ordered: list[Event]
    rank: dict[str, int]  # event id -> index in ordered
    by_place: dict[str, list[Event]]
    by_faction: dict[str, list[Event]]

    def __init__(self, events: Iterable[Event]) -> None:
        with collector_paused():
            ordered = sorted(events, key=_event_key)
            self.ordered = ordered
            self.rank = {e.id: i for i, e in enumerate(ordered)}
            by_place: dict[str, list[Event]] = defaultdict(list)
            by_faction: dict[str, list[Event]] = defaultdict(list)
            for event in ordered:
                for place in dict.fromkeys(event.places) if len(event.places) > 1 else event.places:
                    by_place[place].append(event)
                actors = event.actors
                if len(actors) == 1:
                    by_faction[actors[0].faction].append(event)
                else:
                    for faction in dict.fromkeys(a.faction for a in actors):
                        by_faction[faction].append(event)
            self.by_place = dict(by_place)
            self.by_faction = dict(by_faction)


__all__ = ["Match", "Resolution", "Store", "StoreError", "Tables", "TIER_LABELS"]
