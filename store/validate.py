"""Integrity checks of an open store: :func:`validate`.

Every problem names its table and record and says what is wrong, in one
line; nothing here changes the store. ``frontlines validate`` prints them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING

from .dates import parse_day, parse_partial
from .model import (
    BLOCS,
    CONFIDENCES,
    EARLIEST,
    EVENT_PRECISIONS,
    EVENT_TYPES,
    LATEST,
    LEVELS,
    MAX_DEPTH,
    STATUSES,
    Claim,
    Period,
    Problem,
    sane,
)
from .tree import too_deep

if TYPE_CHECKING:
    from .db import Store

# Records a problem: add(table, record id, message).
Add = Callable[[str, str, str], None]


def validate(store: Store) -> list[Problem]:
    """Every integrity problem of ``store``, each naming its record."""
    return _Validator(store).run()


class _Validator:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._published: dict[str, date] = {}  # each source's last possible day of publication

    def run(self) -> list[Problem]:
        """Every integrity problem, each naming its record."""
        problems = list(self.store._problems)

        def add(table: str, rid: str, msg: str) -> None:
            problems.append(Problem(table, rid, msg))

        if "schema_version" not in self.store.meta:
            add("meta", "-", "no schema_version")
        for name in ("span_from", "span_to"):
            value = self.store.meta.get(name)
            if value is None:
                continue
            try:
                day = parse_day(value) if isinstance(value, str) else None
            except ValueError:
                day = None
            if day is None:
                add("meta", name, f"'{value}' is not a date YYYY-MM-DD")
            elif not sane(day):
                add("meta", name, f"{value} is outside {EARLIEST.year}-{LATEST.year}, the years a date can be in")
        try:
            declared = parse_day(self.store.meta["span_from"]), parse_day(self.store.meta["span_to"])
        except (KeyError, TypeError, ValueError):
            declared = None
        if declared and declared[0] > declared[1]:
            add("meta", "span_from", f"span_from {declared[0]} is after span_to {declared[1]}")
        roots = self.store._children.get(None, [])
        looped = self.store._region_cycles
        for region in self.store.regions.values():
            if region.level not in LEVELS:
                add("regions", region.id, f"unknown level '{region.level}' (expected one of {', '.join(LEVELS)})")
            _check_parent(add, "regions", region.id, region.parent, self.store.regions, looped, "")
            if region.lat is not None and not -90 <= region.lat <= 90:
                add("regions", region.id, f"latitude {region.lat} out of range")
            if region.lon is not None and not -180 <= region.lon <= 180:
                add("regions", region.id, f"longitude {region.lon} out of range")
            for sid in region.sources:
                if sid not in self.store.sources:
                    add("regions", region.id, f"unknown source '{sid}'")
        for rid, depth in too_deep(self.store._children):
            add("regions", rid, f"is {depth} levels below its root; more than {MAX_DEPTH} is not a real hierarchy")
        if len([r for r in roots if self.store.regions[r].parent is None]) > 1:
            add("regions", ", ".join(roots), "more than one root region")

        for faction in self.store.factions.values():
            if faction.bloc not in BLOCS:
                add("factions", faction.id, f"unknown bloc '{faction.bloc}' (expected one of {', '.join(BLOCS)})")
            _check_parent(
                add, "factions", faction.id, faction.parent, self.store.factions, self.store._faction_cycles,
                " (shown at the top of the tree)",
            )
        for fid, depth in too_deep(self.store._faction_children):
            add("factions", fid, f"is {depth} levels below its root; more than {MAX_DEPTH} is not a real hierarchy")

        for source in self.store.sources.values():
            if not source.publication or not source.title:
                add("sources", source.id, "needs a publication and a title")
            if source.date:
                try:
                    self._published[source.id] = parse_partial(source.date).last
                except ValueError:
                    add("sources", source.id, f"date '{source.date}' is not YYYY, YYYY-MM or YYYY-MM-DD")

        for period in self.store.periods.values():
            pid = period.id
            self._check_holding(add, problems, "periods", period)
            for eid in (period.start_event, period.end_event):
                if eid and eid not in self.store.events:
                    add("periods", pid, f"event '{eid}' does not exist")
        self._validate_claims(add, problems)
        for rid, plist in self.store._periods.items():
            for earlier, later in zip(plist, plist[1:]):
                if earlier.end is None or earlier.end >= later.start:
                    add(
                        "periods",
                        later.id,
                        f"overlaps {earlier.id} in region {rid} "
                        f"({earlier.start} to {earlier.end or 'open'} and {later.start} to {later.end or 'open'})",
                    )

        for event in self.store.events.values():
            eid = event.id
            if event.type not in EVENT_TYPES:
                add("events", eid, f"unknown type '{event.type}'")
            if event.precision not in EVENT_PRECISIONS:
                add("events", eid, f"unknown precision '{event.precision}'")
            # (A disputed date's two candidates may come in either order.)
            if event.date_to and event.precision != "disputed" and _ends_before_start(event.date, event.date_to):
                add("events", eid, f"date_to {event.date_to} is before date {event.date}")
            if not (sane(event.first) and sane(event.last)):
                add("events", eid, f"date {event.date_text} is outside {EARLIEST.year}-{LATEST.year}")
            if event.confidence not in CONFIDENCES:
                add("events", eid, f"unknown confidence '{event.confidence}'")
            if event.precision == "day" and (len(event.date) < 10 or (event.date_to and len(event.date_to) < 10)):
                add("events", eid, f"precision 'day' but its date {event.date_text} is not a full YYYY-MM-DD")
            for place in event.places:
                if place not in self.store.regions:
                    add("events", eid, f"place '{place}' does not exist")
            for actor in event.actors:
                if actor.faction not in self.store.factions:
                    add("events", eid, f"unknown faction '{actor.faction}'")
            self._check_sources(problems, "events", eid, event.sources)
            self._check_source_dates(problems, "events", eid, event.sources, event.first, "the event")
            for figure in event.figures:
                if figure.source is not None and figure.source not in self.store.sources:
                    add("events", eid, f"figure '{figure.label}' cites unknown source '{figure.source}'")
                if figure.source is None and not figure.note:
                    add("events", eid, f"figure '{figure.label}' has neither a source nor a note")
        return problems

    def _validate_claims(self, add: Add, problems: list[Problem]) -> None:
        by_region: dict[str, list[Claim]] = defaultdict(list)
        for claim in self.store.claims.values():
            cid = claim.id
            self._check_holding(add, problems, "claims", claim)
            if claim.start_event and claim.start_event not in self.store.events:
                add("claims", cid, f"event '{claim.start_event}' does not exist")
            under = self.store.descendants(claim.region) if claim.region in self.store.regions else frozenset()
            for exception in claim.exceptions:
                if exception not in self.store.regions:
                    add("claims", cid, f"excepted place '{exception}' does not exist")
                elif exception == claim.region or exception not in under:
                    add("claims", cid, f"excepted place '{exception}' is not under {claim.region}")
            by_region[claim.region].append(claim)
        covering = {p.claim for plist in self.store._claim_periods.values() for p in plist}
        for claim in self.store.claims.values():
            if claim.region in self.store.regions and claim.id not in covering:
                add("claims", claim.id, "covers no place: every place under it has periods of its own or is excepted")
        for rid, claims in by_region.items():
            claims.sort(key=lambda c: (c.start, c.id))
            for earlier, later in zip(claims, claims[1:]):
                if earlier.end is None or earlier.end >= later.start:
                    add("claims", later.id, f"overlaps {earlier.id} on region {rid}; say which holds, or end the first")

    def _check_holding(self, add: Add, problems: list[Problem], table: str, record: Period | Claim) -> None:
        """What periods and claims share: a region, factions, a status, sane
        dates in order, a confidence, and sources that came after the change."""
        rid = record.id
        if record.region not in self.store.regions:
            add(table, rid, f"region '{record.region}' does not exist")
        for fid in (record.faction, *record.others):
            if fid not in self.store.factions:
                add(table, rid, f"unknown faction '{fid}'")
        if record.status not in STATUSES:
            add(table, rid, f"unknown status '{record.status}' (expected one of {', '.join(STATUSES)})")
        if record.end is not None and record.end < record.start:
            add(table, rid, f"ends ({record.end}) before it starts ({record.start})")
        for label, day in (("from", record.start), ("to", record.end)):
            if day is not None and not sane(day):
                add(table, rid, f"'{label}' {day} is outside {EARLIEST.year}-{LATEST.year}")
        if record.confidence not in CONFIDENCES:
            add(table, rid, f"unknown confidence '{record.confidence}'")
        self._check_sources(problems, table, rid, record.sources)
        self._check_source_dates(problems, table, rid, record.sources, record.start, "the change it records")
        event = self.store.events.get(record.start_event) if record.start_event else None
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
        if table != "events" and day <= self.store.span[0]:
            return
        for sid in sources:
            last = self._published.get(sid)
            if last is not None and last < day:
                problems.append(
                    Problem(table, rid, f"cites {sid}, published {self.store.sources[sid].date}, before {what} ({day})")
                )

    def _check_sources(self, problems: list[Problem], table: str, rid: str, sources: tuple[str, ...]) -> None:
        if not sources:
            problems.append(Problem(table, rid, "has no source"))
        for sid in sources:
            if sid not in self.store.sources:
                problems.append(Problem(table, rid, f"unknown source '{sid}'"))


def _ends_before_start(start_text: str, end_text: str) -> bool:
    try:
        return parse_partial(end_text).last < parse_partial(start_text).first
    except ValueError:
        return False


def _check_parent(
    add: Add, table: str, rid: str, parent: str | None, known: Mapping[str, object], looped: set[str], note: str
) -> None:
    """A region's or faction's parent: it exists, is not itself, and its chain does not loop."""
    if parent is not None and parent not in known:
        add(table, rid, f"parent '{parent}' does not exist")
    if parent == rid:
        add(table, rid, "is its own parent")
    elif rid in looped:
        add(table, rid, f"its parents form a cycle{note}")
