"""Two questions analysts ask first, answered from the store's indexes.

* :func:`situation`: the places under a region on a day, grouped by who held
  them and how (held, contested, besieged, truce, not recorded), optionally
  filtered to one bloc, everything but one bloc, or one faction and its
  sub-factions.
* :func:`changes_between`: every change of control under a region in a
  window of days, each with the event that caused it and its sources.

Both are plain data for the explorer's views and the ``situation`` and
``changes`` commands; nothing here formats text for a screen.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from .model import BLOCS, NOT_RECORDED, Change, Event, Faction, Period, Region, Source

if TYPE_CHECKING:
    from .db import Store

# Groups are listed bloc by bloc in this order, then largest first.
_BLOC_ORDER = {bloc: n for n, bloc in enumerate((*BLOCS, NOT_RECORDED))}
_STATUS_ORDER = {"held": 0, "contested": 1, "besieged": 2, "truce": 3, NOT_RECORDED: 4}


@dataclass(frozen=True, slots=True)
class Placed:
    """One place in a situation: its own period on the day, and the days its situation lasted."""

    region: Region
    period: Period | None
    since: date | None
    until: date | None


@dataclass(frozen=True, slots=True)
class Group:
    """The places one controller held with one status on the day."""

    faction: Faction | None  # None: no period or claim covers these places
    status: str
    places: tuple[Placed, ...]

    @property
    def bloc(self) -> str:
        return self.faction.bloc_key if self.faction else NOT_RECORDED

    @property
    def key(self) -> str:
        """A stable id for the group (faction id or not-recorded, and the status)."""
        return f"{self.faction.id if self.faction else NOT_RECORDED}/{self.status}"


@dataclass(frozen=True, slots=True)
class Situation:
    region: Region
    at: date
    total: int  # places under the region, before any filter
    groups: tuple[Group, ...]

    @property
    def shown(self) -> int:
        return sum(len(group.places) for group in self.groups)


class FilterError(ValueError):
    """A bloc or faction filter that names nothing in the data."""


def situation(
    store: Store,
    region_id: str,
    day: date,
    *,
    bloc: str | None = None,
    not_bloc: str | None = None,
    faction: str | None = None,
) -> Situation:
    """The places under ``region_id`` (its units: see :meth:`Store.units`) on
    ``day``, grouped by controller and status.

    ``bloc`` keeps one bloc's places, ``not_bloc`` drops them (``not_bloc=
    "government"`` is "outside government control", not-recorded places
    included, since nothing says who held them); ``faction`` keeps a faction
    and its sub-factions. ``not-recorded`` is a bloc for these filters.
    """
    for name in (bloc, not_bloc):
        if name is not None and name not in _BLOC_ORDER:
            raise FilterError(f"unknown bloc {name!r}: one of {', '.join(_BLOC_ORDER)}")
    wanted: set[str] | None = None
    if faction is not None:
        if faction not in store.factions:
            raise FilterError(f"unknown faction {faction!r}")
        wanted = set(store.faction_descendants(faction))
    units = store.units(region_id)
    grouped: dict[tuple[str | None, str], list[Placed]] = {}
    for uid in units:
        control = store.control(uid, day)
        held_by = control.faction
        group_bloc = held_by.bloc_key if held_by else NOT_RECORDED
        if bloc is not None and group_bloc != bloc:
            continue
        if not_bloc is not None and group_bloc == not_bloc:
            continue
        if wanted is not None and (held_by is None or held_by.id not in wanted):
            continue
        key = (held_by.id if held_by else None, control.status)
        grouped.setdefault(key, []).append(Placed(control.region, control.period, control.since, control.until))
    groups = []
    for (fid, status), places in grouped.items():
        places.sort(key=lambda p: (p.region.name.casefold(), p.region.id))
        groups.append(Group(store.factions.get(fid) if fid else None, status, tuple(places)))
    groups.sort(
        key=lambda g: (
            _BLOC_ORDER.get(g.bloc, len(_BLOC_ORDER)),
            -len(g.places),
            g.faction.name.casefold() if g.faction else "",
            _STATUS_ORDER.get(g.status, 9),
        )
    )
    return Situation(store.regions[region_id], day, len(units), tuple(groups))


@dataclass(frozen=True, slots=True)
class ChangeOfControl:
    """A change with what a reader needs beside it: the place, the event, the sources."""

    change: Change
    region: Region
    event: Event | None
    sources: tuple[Source, ...]  # the new period's (or the ended one's), then the event's

    @property
    def day(self) -> date:
        return self.change.day


def changes_between(store: Store, region_id: str | None, since: date, until: date) -> list[ChangeOfControl]:
    """Every change of controller or status under ``region_id`` taking effect
    on a day from ``since`` to ``until`` (both included), by day then place."""
    changes = store.changes(region_id)
    days = store._days_of_changes(region_id)[0]  # the day of each change, in order (cached)
    lo = bisect.bisect_left(days, since)
    hi = bisect.bisect_right(days, until)
    return [describe(store, change) for change in changes[lo:hi]]


def describe(store: Store, change: Change) -> ChangeOfControl:
    event_id = change.event_id
    event = store.events.get(event_id) if event_id else None
    ids: list[str] = []
    for period in (change.after, change.before):
        if period is not None and period.sources:
            ids.extend(period.sources)
            break
    if event is not None:
        ids.extend(event.sources)
    seen: dict[str, Source] = {}
    for sid in ids:
        if sid not in seen and sid in store.sources:
            seen[sid] = store.sources[sid]
    return ChangeOfControl(change, store.regions[change.region], event, tuple(seen.values()))


# --- the stable ``--json`` form of both answers (see the commands' --help) ---------------


def since_precision(store: Store, region_id: str, since: date | None) -> str:
    """How well the first day of a place's situation is known: day, month or year.

    The first of the periods making up the situation says (a start known
    only to the month is stored as the month's first day)."""
    if since is None:
        return "day"
    for period in store.history(region_id):
        if period.start == since:
            return period.from_precision
    return "day"


def place_ref(region: Region) -> dict[str, Any]:
    return {"id": region.id, "name": region.name, "level": region.level, "pcode": region.pcode}


def situation_dict(
    store: Store,
    found: Situation,
    *,
    bloc: str | None = None,
    not_bloc: str | None = None,
    faction: str | None = None,
) -> dict[str, Any]:
    from .export import faction_ref

    groups = []
    for group in found.groups:
        places = [
            {
                **place_ref(placed.region),
                "since": placed.since.isoformat() if placed.since else None,
                "since_precision": since_precision(store, placed.region.id, placed.since),
                "until": placed.until.isoformat() if placed.until else None,
                "period": placed.period.id if placed.period else None,
            }
            for placed in group.places
        ]
        groups.append(
            {
                "key": group.key,
                "controller": faction_ref(store, group.faction.id) if group.faction else None,
                "bloc": group.bloc,
                "status": group.status,
                "count": len(places),
                "places": places,
            }
        )
    return {
        "place": place_ref(found.region),
        "at": found.at.isoformat(),
        "filter": {"bloc": bloc, "not_bloc": not_bloc, "faction": faction},
        "total": found.total,
        "shown": found.shown,
        "groups": groups,
    }


def _side_dict(store: Store, period: Period | None) -> dict[str, Any] | None:
    from .export import faction_ref

    if period is None:
        return None
    return {
        "controller": faction_ref(store, period.faction),
        "others": [faction_ref(store, f) for f in period.others],
        "status": period.status,
        "period": period.id,
        "claim": period.claim,
    }


def change_precision(change: Change) -> str:
    """How well the day of a change is known: a start known to the month or year says so."""
    after = change.after
    return after.from_precision if after is not None and after.start == change.day else "day"


def change_dict(store: Store, found: ChangeOfControl) -> dict[str, Any]:
    from .export import source_dict

    event = found.event
    return {
        "day": found.day.isoformat(),
        "day_precision": change_precision(found.change),
        "place": place_ref(found.region),
        "from": _side_dict(store, found.change.before),
        "to": _side_dict(store, found.change.after),
        "event": (
            {"id": event.id, "date": event.date_text, "type": event.type, "title": event.title}
            if event is not None
            else None
        ),
        "sources": [source_dict(source) for source in found.sources],
    }


def changes_dict(
    store: Store, region: Region | None, since: date, until: date, found: list[ChangeOfControl]
) -> dict[str, Any]:
    return {
        "place": place_ref(region) if region is not None else None,
        "since": since.isoformat(),
        "until": until.isoformat(),
        "count": len(found),
        "changes": [change_dict(store, change) for change in found],
    }
