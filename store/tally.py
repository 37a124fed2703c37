"""The state of a parent's units on a day, moved from day to day incrementally.

Deriving a parent's control means knowing, for each of its units (the places
with periods under it), the period that covers the day. Looking that up for
every unit on every new day costs a bisection per unit: at the root of a
10,000-place database, ten thousand of them per step through time. A
:class:`Tally` keeps the answer for the last day asked and, for a new day,
revisits only the units whose periods begin or end in between (one bisection
over the parent's sorted boundary days finds them), keeping up to date as it
goes the counts by faction and by status, each unit's faction, and the
latest start and earliest end of the units' situations (two heaps with lazy
deletion), so that a step costs the units that changed, not all of them.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable, Sequence
from datetime import date

from .model import NOT_RECORDED, Period

# Past this share of units to revisit, looking every unit up afresh is cheaper.
REBUILD_SHARE = 0.25


class Tally:
    """The covering period of each unit of one parent, on :attr:`day`."""

    __slots__ = (
        "units", "_bound_days", "_bound_units", "_period_at", "_stretch", "day", "current", "factions",
        "by_faction", "by_status", "_starts", "_ends", "_start_heap", "_end_heap",
    )

    def __init__(
        self,
        units: tuple[str, ...],
        periods_of: Callable[[str], Sequence[Period]],
        period_at: Callable[[str, date], Period | None],
        stretch: Callable[[str, Period], tuple[date, date | None]],
    ) -> None:
        """``stretch(unit, period)``: the first and last day of the unit's
        situation that ``period`` is part of (None: to the end of the data)."""
        self.units = units
        # Each boundary as one int, (day's ordinal << 20) | unit index, so one
        # sort of plain ints orders them (a sort of (date, index) tuples costs
        # several times more at the root of a big database).
        if len(units) >= 1 << 20:
            raise ValueError("a Tally holds fewer than 1,048,576 units")
        keys: list[int] = []
        append = keys.append
        for index, uid in enumerate(units):
            for period in periods_of(uid):
                append(period.start.toordinal() << 20 | index)
                if period.end is not None:
                    append((period.end.toordinal() + 1) << 20 | index)
        keys.sort()
        self._bound_days = [key >> 20 for key in keys]  # ordinals, ascending
        self._bound_units = [key & 0xFFFFF for key in keys]
        self._period_at = period_at
        self._stretch = stretch
        self.day: date | None = None
        self.current: list[Period | None] = []  # per unit, the period covering the day
        self.factions: list[str | None] = []  # per unit, its period's faction
        self.by_faction: dict[str, int] = {}  # faction id (NOT_RECORDED for none) -> units (never 0)
        self.by_status: dict[str, int] = {}  # status -> units with a period (never 0)
        # Situation starts and (known) ends of the covered units, counted, with
        # heaps over them whose stale tops are dropped when read.
        self._starts: dict[int, int] = {}  # ordinal -> units
        self._ends: dict[int, int] = {}
        self._start_heap: list[int] = []  # negated ordinals: a max-heap
        self._end_heap: list[int] = []

    def epoch(self, day: date) -> int:
        """How many unit boundaries fall on or before ``day``: two days with
        the same epoch see every unit in the same period."""
        return bisect.bisect_right(self._bound_days, day.toordinal())

    def move_to(self, day: date) -> None:
        """Bring :attr:`current` and the counts to ``day``."""
        if self.day == day:
            return
        if self.day is None:
            self._rebuild(day)
            return
        low, high = (self.day, day) if day > self.day else (day, self.day)
        first = bisect.bisect_right(self._bound_days, low.toordinal())
        last = bisect.bisect_right(self._bound_days, high.toordinal())
        if last - first > REBUILD_SHARE * len(self.units):
            self._rebuild(day)
            return
        period_at = self._period_at
        units, current = self.units, self.current
        for index in set(self._bound_units[first:last]):
            uid = units[index]
            new = period_at(uid, day)
            old = current[index]
            if new is not old:
                self._count(uid, old, -1)
                self._count(uid, new, 1)
                current[index] = new
                self.factions[index] = new.faction if new is not None else None
        self.day = day

    def _rebuild(self, day: date) -> None:
        period_at = self._period_at
        self.current = [period_at(uid, day) for uid in self.units]
        self.factions = [p.faction if p is not None else None for p in self.current]
        self.by_faction, self.by_status = {}, {}
        self._starts, self._ends = {}, {}
        for uid, period in zip(self.units, self.current):
            self._count(uid, period, 1)
        self._start_heap = [-ordinal for ordinal in self._starts]
        self._end_heap = list(self._ends)
        heapq.heapify(self._start_heap)
        heapq.heapify(self._end_heap)
        self.day = day

    def _count(self, uid: str, period: Period | None, step: int) -> None:
        key = period.faction if period is not None else NOT_RECORDED
        _add(self.by_faction, key, step)
        if period is None:
            return
        _add(self.by_status, period.status, step)
        start, end = self._stretch(uid, period)
        ordinal = start.toordinal()
        count = self._starts.get(ordinal, 0)
        self._starts[ordinal] = count + step
        if step > 0 and count == 0 and self.day is not None:
            heapq.heappush(self._start_heap, -ordinal)
        if end is not None:
            ordinal = end.toordinal()
            count = self._ends.get(ordinal, 0)
            self._ends[ordinal] = count + step
            if step > 0 and count == 0 and self.day is not None:
                heapq.heappush(self._end_heap, ordinal)

    @property
    def since(self) -> date | None:
        """The latest start among the covered units' situations (None: no unit covered)."""
        heap, counts = self._start_heap, self._starts
        while heap and counts.get(-heap[0], 0) <= 0:
            heapq.heappop(heap)
        return date.fromordinal(-heap[0]) if heap else None

    @property
    def until(self) -> date | None:
        """The earliest end among them (None: every one lasts to the end of the data)."""
        heap, counts = self._end_heap, self._ends
        while heap and counts.get(heap[0], 0) <= 0:
            heapq.heappop(heap)
        return date.fromordinal(heap[0]) if heap else None

    @property
    def known(self) -> int:
        """Units some period covers on the day."""
        return len(self.units) - self.by_faction.get(NOT_RECORDED, 0)


def _add(counts: dict[str, int], key: str, step: int) -> None:
    """Count ``step`` more of ``key``; a key counted down to nothing is dropped."""
    value = counts.get(key, 0) + step
    if value:
        counts[key] = value
    else:
        del counts[key]
