"""Turning store answers into Rich ``Text`` — shared by the CLI and the explorer.

Stored text only ever goes into ``Text`` objects (never markup), so a name
like ``[link=x]`` is shown as typed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.text import Text

from store.model import BLOCS, MIXED_GLYPH, STATUS_MARKS, UNKNOWN_GLYPH, Breakdown, Change, Control

# Dark backgrounds take the Okabe-Ito colours as they are; light ones need
# darker variants so yellow and grey stay legible.
DARK_PALETTE = {b.id: b.colour for b in BLOCS.values()} | {"unknown": "#6C6C6C", "mixed": "#B0B0B0"}
LIGHT_PALETTE = {
    "government": "#B34700",
    "opposition": "#007A5A",
    "jihadist": "#505050",
    "kurdish": "#8A7C00",
    "other": "#1F78B4",
    "unknown": "#8C8C8C",
    "mixed": "#5A5A5A",
}


def palette(dark: bool = True) -> dict[str, str]:
    return DARK_PALETTE if dark else LIGHT_PALETTE


def bloc_glyph(bloc: str | None) -> str:
    if bloc in BLOCS:
        return BLOCS[bloc].glyph
    return MIXED_GLYPH if bloc == "mixed" else UNKNOWN_GLYPH


def control_key(control: Control) -> str:
    """'government', 'opposition', ..., 'mixed' or 'unknown'."""
    if control.faction is not None:
        return control.faction.bloc_key
    return "mixed" if control.status == "mixed" else "unknown"


def control_glyph(control: Control, colours: dict[str, str]) -> Text:
    key = control_key(control)
    return Text(bloc_glyph(key), style=f"bold {colours.get(key, '')}".strip())


def status_text(control: Control) -> str:
    if control.status == "unknown":
        return "no data"
    mark = STATUS_MARKS.get(control.status, "")
    return f"{control.status} {mark}".strip()


def spread(counts: Sequence[tuple[str, int]], cells: int) -> list[str]:
    """Share ``cells`` among keys by count (largest remainder), in order."""
    total = sum(n for _, n in counts)
    if total == 0 or cells <= 0:
        return []
    exact = [(key, n * cells / total) for key, n in counts]
    base = [(key, int(x)) for key, x in exact]
    left = cells - sum(n for _, n in base)
    order = sorted(range(len(exact)), key=lambda i: exact[i][1] - base[i][1], reverse=True)
    extra = [0] * len(exact)
    for i in order[:left]:
        extra[i] += 1
    out: list[str] = []
    for (key, n), more in zip(base, extra):
        out.extend([key] * (n + more))
    return out


def breakdown_bar(breakdown: Breakdown | None, cells: int, colours: dict[str, str]) -> Text:
    """A bar of bloc glyphs, one cell per 1/``cells`` of the units."""
    bar = Text()
    if breakdown is None or breakdown.total == 0:
        return bar
    for key in spread([(s.key, s.count) for s in breakdown.by_bloc], cells):
        bar.append(bloc_glyph(key), style=colours.get(key, ""))
    return bar


def citations(store: Any, source_ids: Iterable[str]) -> Text:
    """One bullet per source: publication, title, date, and the address on its own line."""
    text = Text()
    for sid in source_ids:
        source = store.sources.get(sid)
        text.append("\n• ")
        if source is None:
            text.append(f"{sid} (missing)", style="red")
            continue
        text.append(source.publication, style="bold")
        text.append(f", “{source.title}”" + (f", {source.date}" if source.date else ""))
        if source.kind == "editorial":
            text.append(" (editorial judgement)", style="italic")
        if source.url:
            text.append("\n  ")
            text.append(source.url, style="underline")
    return text


def describe_changes(store: Any, changes: Iterable[Change]) -> list[str]:
    """One line per kind of change on a day, places grouped:

    ``2018-04-20 Dumair: Jaysh al-Islam -> Syrian Arab Army (takeover: Syrian forces enter Dumair)``
    """
    groups: dict[tuple[Any, ...], list[str]] = {}
    for change in changes:
        before = _holder(store, change.before)
        after = _holder(store, change.after)
        event = store.events.get(change.event_id) if change.event_id else None
        key = (change.day, before, after, event.id if event else None)
        name = store.regions[change.region].name if change.region in store.regions else change.region
        when = change.after.since_text if change.after and change.after.from_precision != "day" else change.day.isoformat()
        groups.setdefault((*key, when), []).append(name)
    lines = []
    for (day, before, after, event_id, when), names in groups.items():
        places = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
        unsure = " (day not known)" if when != day.isoformat() else ""
        line = f"{when}{unsure} {places}: {before} -> {after}"
        if event_id:
            event = store.events[event_id]
            line += f" ({event.type}: {event.title})"
        lines.append(line)
    return lines


def _holder(store: Any, period: Any) -> str:
    if period is None:
        return "no data"
    faction = store.factions.get(period.faction)
    name = faction.name if faction else period.faction
    return name if period.status == "held" else f"{name} ({period.status})"

