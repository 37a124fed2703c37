"""Dates as users type them: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from .text import shown

_DATE_RE = re.compile(r"^\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?\s*$")


_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def days_in_month(year: int, month: int) -> int:
    """As ``calendar.monthrange(year, month)[1]`` (without importing calendar and locale)."""
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _DAYS_IN_MONTH[month - 1]


class DateError(ValueError):
    """A date the user typed that we cannot read; the message is one line."""


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A day, a month or a year: ``first`` and ``last`` are the days it covers."""

    first: date
    last: date
    precision: str  # "day", "month" or "year"

    @property
    def text(self) -> str:
        if self.precision == "year":
            return f"{self.first.year:04d}"
        if self.precision == "month":
            return f"{self.first.year:04d}-{self.first.month:02d}"
        return self.first.isoformat()


_PARSED: dict[str, PartialDate] = {}  # a data set has a few thousand distinct dates


def parse_partial(text: str) -> PartialDate:
    """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; raise :class:`DateError`."""
    found = _PARSED.get(text)
    if found is None:
        found = _parse_partial(text)
        if len(_PARSED) < 50_000:
            _PARSED[text] = found
    return found


def _parse_partial(text: str) -> PartialDate:
    match = _DATE_RE.match(text or "")
    if not match:
        raise _not_a_date(text, "use YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2018-04-20)")
    year_s, month_s, day_s = match.groups()
    year = int(year_s)
    if year < 1:
        raise _not_a_date(text, "the year must be 0001 or later")
    if month_s is None:
        return PartialDate(date(year, 1, 1), date(year, 12, 31), "year")
    month = int(month_s)
    if not 1 <= month <= 12:
        raise _not_a_date(text, f"month {month} is not between 1 and 12")
    last_day = days_in_month(year, month)
    if day_s is None:
        return PartialDate(date(year, month, 1), date(year, month, last_day), "month")
    day = int(day_s)
    if not 1 <= day <= last_day:
        month_name = date(2001, month, 1).strftime("%B")  # as calendar.month_name[month]
        raise _not_a_date(text, f"{month_name} {year} has days 1 to {last_day}")
    d = date(year, month, day)
    return PartialDate(d, d, "day")


def _not_a_date(text: str, why: str) -> DateError:
    """The error for typed ``text`` (quoted cleaned: it may come from anyone)."""
    return DateError(f"'{shown(text, 40)}' is not a date: {why}")


def parse_day(text: str) -> date:
    """A stored full date (``YYYY-MM-DD``)."""
    return date.fromisoformat(text)


def day_before(d: date) -> date:
    """The previous day (``date.min`` stays put rather than overflow)."""
    return d - timedelta(days=1) if d > date.min else d


def day_after(d: date) -> date:
    """The next day (``date.max`` stays put rather than overflow)."""
    return d + timedelta(days=1) if d < date.max else d


def add_months(d: date, months: int) -> date:
    """Same day ``months`` later (clamped to the month's last day, and to
    the years 1 to 9999 that dates can hold)."""
    index = d.year * 12 + (d.month - 1) + months
    index = max(12, min(index, 9999 * 12 + 11))
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(d.day, days_in_month(year, month)))


def month_starts(first: date, last: date) -> list[date]:
    """The first day of every month from ``first``'s month to ``last``'s month."""
    out = []
    current = date(first.year, first.month, 1)
    while current <= last:
        out.append(current)
        current = add_months(current, 1)
    return out


def day_in_data(typed: PartialDate, span: tuple[date, date]) -> date:
    """The day ``typed`` means in the data: its last day, or the data's last
    day for a month or year the data ends in. A date wholly outside the data
    raises :class:`DateError` naming the span (the explorer never shows a
    day it has no data for as if it had: 2020 is not "government-held").

    The date prompt, the explorer's ``--at`` and the commands that tell
    who held what on a day all refuse through this.
    """
    first, last = span
    covers = f"the data covers {first.isoformat()} to {last.isoformat()}"
    what = typed.text if typed.precision == "day" else f"{typed.text} ({typed.first.isoformat()} to {typed.last.isoformat()})"
    if typed.last < first:
        raise DateError(f"{what} is before the data: {covers}")
    if typed.first > last:
        raise DateError(f"{what} is after the data: {covers}")
    return min(typed.last, last)
