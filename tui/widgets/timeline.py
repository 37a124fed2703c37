"""Control over time: a one-line strip for a place, a stacked chart for a parent.

Both span the data's whole period, mark the current date, and use a glyph
or fill pattern per bloc so they read without colour.
"""

from __future__ import annotations

from datetime import date, timedelta

from rich.text import Text

from store import Store
from store.model import BLOCS, NOT_RECORDED, NOT_RECORDED_LABEL

from ..format import bloc_glyph, control_key

# Bottom to top in the chart; the fill pattern tells blocs apart without colour.
STACK_ORDER = ("government", "other", "kurdish", "jihadist", "opposition", NOT_RECORDED)
FILLS = {
    "government": "█",
    "opposition": "▓",
    "jihadist": "▒",
    "kurdish": "░",
    "other": "▚",
    NOT_RECORDED: "·",  # visible, and light: nothing is known there
}


def sample_days(first: date, last: date, columns: int) -> tuple[list[date], str]:
    """Days to sample for ``columns`` columns spread evenly over the span (a
    column a day at most), and what one column covers ("a week", "≈ 25 days").
    Each day is the last of its column's stretch of time."""
    span = (last - first).days + 1
    if columns <= 0 or span <= 0:
        return [], ""
    count = min(columns, span)
    days = [first + timedelta(days=(span * (i + 1)) // count - 1) for i in range(count)]
    return days, _stretch(span / count)


def _stretch(days: float) -> str:
    """What one column covers, for the legend."""
    if days < 1.5:
        return "a day"
    if abs(days - 7) < 0.5:
        return "a week"
    if days < 60:
        return f"≈ {round(days)} days"
    return f"≈ {days / 30.44:.1f} months"


def marker_line(width: int, marker: int | None, label: str) -> Text:
    """``▼ as of`` above the column of the current date."""
    if marker is None or not 0 <= marker < width:
        return Text("")
    text = f"▼ {label}"
    if marker + len(text) > width:
        text = f"{label} ▼"
        return Text(" " * max(0, marker - len(text) + 1) + text, style="bold")
    return Text(" " * marker + text, style="bold")


def axis(days: list[date], marker: int | None) -> Text:
    """Year labels under the columns, and the as-of marker."""
    width = len(days)
    line = [" "] * width
    previous_year = None
    for i, day in enumerate(days):
        if day.year != previous_year:
            label = str(day.year)
            if all(c == " " for c in line[i : i + len(label) + 1]) and i + len(label) <= width:
                line[i : i + len(label)] = list(label)
            previous_year = day.year
    text = Text("".join(line), style="dim")
    if marker is not None and 0 <= marker < width:
        text = Text("".join(line[:marker]), style="dim")
        text.append("▲", style="bold reverse")
        text.append("".join(line[marker + 1 :]), style="dim")
    return text


def marker_index(days: list[date], day: date) -> int | None:
    if not days or day < days[0] - timedelta(days=400) or day > days[-1] + timedelta(days=1):
        return None
    for i, sample in enumerate(days):
        if day <= sample:
            return i
    return len(days) - 1


class TimelineStrip:
    """One place's control history as a strip of bloc glyphs across the data span.

    Three lines: the as-of marker, the strip, the years. Not a widget: the
    detail pane draws it among its sections (see DetailPane)."""

    HEIGHT = 3

    def __init__(self, store: Store) -> None:
        self.store = store

    def text(self, region_id: str, day: date, width: int, colours: dict[str, str], height: int = HEIGHT) -> Text:
        width = max(1, width)
        first, last = self.store.span
        span = (last - first).days + 1
        days = [first + timedelta(days=(span * i + span // 2) // width) for i in range(width)]
        cells = []
        for sample in days:
            key = control_key(self.store.control(region_id, sample))
            cells.append((bloc_glyph(key), colours.get(key, "")))
        strip = runs(cells)
        marker = None
        if first <= day <= last:
            marker = min(width - 1, (day - first).days * width // span)
        return Text("\n").join([marker_line(width, marker, day.isoformat()), strip, axis(days, None)])


class ControlChart:
    """Share of a parent's places held by each bloc over the data's span.

    The columns fill the width given (each an equal stretch of time), and
    the lines the height given, from :attr:`HEIGHT` up to :attr:`MAX_HEIGHT`
    (the marker, the bars, the years, the legend). Not a widget: the detail
    pane draws it among its sections; the series for a place and a width is
    kept, so a new date only recomputes the marked column."""

    HEIGHT = 11
    MAX_HEIGHT = 24  # 20 or so rows of bars: 5% a row; taller would only push the breakdown away

    def __init__(self, store: Store) -> None:
        self.store = store
        self._cache: dict[tuple[str, int, str], tuple[list[date], str, list[dict[str, float]]]] = {}

    def series(self, region_id: str, width: int) -> tuple[list[date], str, list[dict[str, float]]]:
        first, last = self.store.span
        days, unit = sample_days(first, last, width)
        # Keyed by the days sampled (one a column): a new date reuses them.
        key = (region_id, len(days), unit)
        cached = self._cache.get(key)
        if cached is None:
            cached = (days, unit, self.store.bloc_shares_over_time(region_id, days))
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = cached
        return cached

    def text(self, region_id: str, day: date, width: int, colours: dict[str, str], height: int = HEIGHT) -> Text:
        width = max(1, width)
        height = min(max(height, self.HEIGHT), self.MAX_HEIGHT)
        days, unit, shares = self.series(region_id, width)
        # Widen each column when the pane has room for it.
        repeat = max(1, width // max(1, len(days)))
        days = [d for d in days for _ in range(repeat)]
        shares = [s for s in shares for _ in range(repeat)]
        marker = marker_index(days, day)
        if marker is not None:
            if repeat > 1:
                marker = marker - marker % repeat
            # The marked column shows the as-of day itself, not its bucket's last day.
            # The shares of the region's control on the day: derived already
            # for the detail pane, from the units that changed since the last day.
            breakdown = self.store.control(region_id, day).breakdown
            if breakdown is not None:
                exact = {share.key: share.share for share in breakdown.by_bloc}
            else:
                exact = self.store.bloc_shares_over_time(region_id, [day])[0]
            shares = shares[:marker] + [exact] * repeat + shares[marker + repeat :]
        present = [b for b in STACK_ORDER if any(s.get(b) for s in shares)]
        entries = [Text(f"{repeat} columns {unit}" if repeat > 1 else f"one column {unit}", style="dim")]
        for bloc in present:
            entry = Text(FILLS[bloc], style=colours.get(bloc, ""))
            entry.append(" " + (BLOCS[bloc].label if bloc in BLOCS else NOT_RECORDED_LABEL))
            entries.append(entry)
        legend = _flow(entries, width)
        rows = max(2, height - 2 - len(legend))  # less the marker and year lines
        lines: list[Text] = [marker_line(len(days), marker, day.isoformat())]
        for row in range(rows):
            level = (rows - row - 0.5) / rows  # the row's middle, 0 at the bottom
            cells = []
            for i, share in enumerate(shares):
                cumulative = 0.0
                key = NOT_RECORDED
                for bloc in STACK_ORDER:
                    cumulative += share.get(bloc, 0.0)
                    if level <= cumulative + 1e-9:
                        key = bloc
                        break
                style = colours.get(key, "")
                if i == marker:
                    style = f"{style} reverse".strip() if key != NOT_RECORDED else "reverse"
                cells.append((FILLS.get(key, " "), style))
            lines.append(runs(cells))
        lines.append(axis(days, None))
        lines.extend(legend)
        return Text("\n").join(lines)


def runs(cells: list[tuple[str, str]]) -> Text:
    """A line of (character, style) cells, neighbours of one style joined into
    one span: a chart row is a few spans to draw, not one per column."""
    text = Text()
    chars: list[str] = []
    style = None
    for char, cell_style in cells:
        if cell_style != style and chars:
            text.append("".join(chars), style=style)
            chars = []
        style = cell_style
        chars.append(char)
    if chars:
        text.append("".join(chars), style=style)
    return text


def _flow(entries: list[Text], width: int, gap: str = "  ") -> list[Text]:
    """Lay legend entries out in lines of at most ``width`` cells, never splitting one."""
    lines: list[Text] = []
    line = Text()
    for entry in entries:
        if line.cell_len and line.cell_len + len(gap) + entry.cell_len > width:
            lines.append(line)
            line = Text()
        if line.cell_len:
            line.append(gap)
        line.append_text(entry)
    if line.cell_len:
        lines.append(line)
    return lines
