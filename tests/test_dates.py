"""store.dates: partial dates as users type them, month arithmetic."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.dates import DateError, add_months, month_starts, parse_partial


@pytest.mark.parametrize(
    ("text", "first", "last", "precision", "shown"),
    [
        ("2018", date(2018, 1, 1), date(2018, 12, 31), "year", "2018"),
        ("2018-04", date(2018, 4, 1), date(2018, 4, 30), "month", "2018-04"),
        ("2018-4", date(2018, 4, 1), date(2018, 4, 30), "month", "2018-04"),
        ("2018-02", date(2018, 2, 1), date(2018, 2, 28), "month", "2018-02"),
        ("2016-02", date(2016, 2, 1), date(2016, 2, 29), "month", "2016-02"),  # leap year
        ("2018-12", date(2018, 12, 1), date(2018, 12, 31), "month", "2018-12"),
        ("2018-04-20", date(2018, 4, 20), date(2018, 4, 20), "day", "2018-04-20"),
        ("2016-02-29", date(2016, 2, 29), date(2016, 2, 29), "day", "2016-02-29"),
        ("  2018-04-20 ", date(2018, 4, 20), date(2018, 4, 20), "day", "2018-04-20"),
    ],
)
def test_parse_partial(text: str, first: date, last: date, precision: str, shown: str) -> None:
    parsed = parse_partial(text)
    assert (parsed.first, parsed.last, parsed.precision) == (first, last, precision)
    assert parsed.text == shown


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("2018-13", "month 13"),
        ("2018-00", "month 0"),
        ("2018-02-30", "February 2018 has days 1 to 28"),
        ("2017-02-29", "February 2017 has days 1 to 28"),
        ("2018-04-31", "April 2018 has days 1 to 30"),
        ("2018-04-00", "April 2018 has days 1 to 30"),
        ("0000", "0001 or later"),
        ("yesterday", "YYYY-MM-DD"),
        ("", "YYYY-MM-DD"),
        ("18-04-20", "YYYY-MM-DD"),
        ("2018/04/20", "YYYY-MM-DD"),
        ("2018-04-20-01", "YYYY-MM-DD"),
    ],
)
def test_bad_dates_raise_a_one_line_error_naming_the_input(text: str, detail: str) -> None:
    with pytest.raises(DateError) as info:
        parse_partial(text)
    message = str(info.value)
    assert f"'{text}'" in message
    assert detail in message
    assert "\n" not in message
    assert isinstance(info.value, ValueError)  # callers may catch ValueError


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2018, 1, 15), 1, date(2018, 2, 15)),
        (date(2018, 1, 31), 1, date(2018, 2, 28)),  # clamped
        (date(2016, 1, 31), 1, date(2016, 2, 29)),  # clamped, leap year
        (date(2018, 3, 31), 1, date(2018, 4, 30)),
        (date(2018, 3, 31), -1, date(2018, 2, 28)),
        (date(2018, 12, 15), 1, date(2019, 1, 15)),  # across the year
        (date(2018, 1, 15), -1, date(2017, 12, 15)),
        (date(2018, 1, 15), -13, date(2016, 12, 15)),
        (date(2016, 2, 29), 12, date(2017, 2, 28)),
        (date(2018, 5, 31), 0, date(2018, 5, 31)),
        (date(2018, 5, 31), 24, date(2020, 5, 31)),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)), st.integers(-240, 240))
def test_add_months_moves_exactly_n_months_and_never_overflows_the_month(d: date, months: int) -> None:
    result = add_months(d, months)
    assert (result.year * 12 + result.month) - (d.year * 12 + d.month) == months
    assert result.day <= d.day
    if result.day < d.day:  # clamped: only ever to the month's last day
        assert date.fromordinal(result.toordinal() + 1).day == 1


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (date(2018, 1, 15), date(2018, 4, 2), [date(2018, 1, 1), date(2018, 2, 1), date(2018, 3, 1), date(2018, 4, 1)]),
        (date(2018, 4, 1), date(2018, 4, 30), [date(2018, 4, 1)]),
        (date(2017, 11, 30), date(2018, 1, 1), [date(2017, 11, 1), date(2017, 12, 1), date(2018, 1, 1)]),
        (date(2018, 5, 1), date(2018, 4, 30), []),
    ],
)
def test_month_starts(first: date, last: date, expected: list[date]) -> None:
    assert month_starts(first, last) == expected


def test_month_starts_covers_a_three_year_span() -> None:
    starts = month_starts(date(2016, 1, 1), date(2018, 12, 31))
    assert len(starts) == 36
    assert all(d.day == 1 for d in starts)
    assert starts == sorted(set(starts))


def test_date_arithmetic_stops_at_the_ends_of_the_calendar() -> None:
    from datetime import date

    from store.dates import add_months, day_after, day_before

    assert add_months(date(1, 1, 15), -1) == date(1, 1, 15)
    assert add_months(date(9999, 12, 15), 1) == date(9999, 12, 15)
    assert day_after(date.max) == date.max
    assert day_before(date.min) == date.min
