"""Turning store answers into Rich ``Text`` — shared by the CLI and the explorer.

Stored text only ever goes into ``Text`` objects (never markup), so a name
like ``[link=x]`` is shown as typed. Rich is imported by the three helpers
that build ``Text`` (:func:`control_glyph`, :func:`breakdown_bar`,
:func:`citations`), not by this module: the CLI's plain output uses only the
others and never loads it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .links import openable
from store.model import (
    BLOCS,
    MIXED_GLYPH,
    NOT_RECORDED,
    NOT_RECORDED_GLYPH,
    NOT_RECORDED_LABEL,
    STATUS_MARKS,
    Breakdown,
    Change,
    Control,
)

if TYPE_CHECKING:
    from rich.text import Text

    from store import Store

# Dark backgrounds take the Okabe-Ito colours as they are; light ones need
# darker variants so yellow and grey stay legible.
DARK_PALETTE = {b.id: b.colour for b in BLOCS.values()} | {NOT_RECORDED: "#8A8A8A", "mixed": "#B0B0B0"}
LIGHT_PALETTE = {
    "government": "#B34700",
    "opposition": "#007A5A",
    "jihadist": "#505050",
    "kurdish": "#8A7C00",
    "other": "#1F78B4",
    NOT_RECORDED: "#7A7A7A",
    "mixed": "#5A5A5A",
}


def palette(dark: bool = True) -> dict[str, str]:
    return DARK_PALETTE if dark else LIGHT_PALETTE


def bloc_glyph(bloc: str | None) -> str:
    if bloc in BLOCS:
        return BLOCS[bloc].glyph
    return MIXED_GLYPH if bloc == "mixed" else NOT_RECORDED_GLYPH


def control_key(control: Control) -> str:
    """'government', 'opposition', ..., 'mixed' or NOT_RECORDED."""
    if control.faction is not None:
        return control.faction.bloc_key
    return "mixed" if control.status == "mixed" else NOT_RECORDED


def control_style(control: Control, colours: dict[str, str]) -> tuple[str, str]:
    """The glyph of ``control`` and the style it is drawn in."""
    key = control_key(control)
    return bloc_glyph(key), f"bold {colours.get(key, '')}".strip()


def control_glyph(control: Control, colours: dict[str, str]) -> Text:
    from rich.text import Text

    return Text(*control_style(control, colours))


def status_text(control: Control) -> str:
    if control.status == NOT_RECORDED:
        return NOT_RECORDED_LABEL
    mark = STATUS_MARKS.get(control.status, "")
    return f"{control.status} {mark}".strip()


def spread(counts: Sequence[tuple[str, int]], cells: int) -> list[str]:
    """Share ``cells`` among keys by count (largest remainder), in order.

    Every key that counts something gets at least one cell while there are
    cells enough, so a bloc holding a few places is never drawn away.
    """
    total = sum(n for _, n in counts)
    if total == 0 or cells <= 0:
        return []
    exact = [(key, n * cells / total) for key, n in counts]
    held = sum(1 for _, n in counts if n > 0)
    floor = 1 if held <= cells else 0
    base = [(key, max(int(x), floor if n > 0 else 0)) for (key, x), (_, n) in zip(exact, counts)]
    while sum(n for _, n in base) > cells:  # the floors borrowed cells: return them from the largest
        index = max(range(len(base)), key=lambda i: base[i][1])
        base[index] = (base[index][0], base[index][1] - 1)
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
    from rich.text import Text

    bar = Text()
    if breakdown is None or breakdown.total == 0:
        return bar
    for key in spread([(s.key, s.count) for s in breakdown.by_bloc], cells):
        bar.append(bloc_glyph(key), style=colours.get(key, ""))
    return bar


def citations(store: Store, source_ids: Iterable[str]) -> Text:
    """One bullet per source: publication, title, date, and the address on its own line."""
    from rich.text import Text

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
            # On a line of its own, as a terminal hyperlink (OSC 8) to the whole address.
            from rich.style import Style

            text.append("\n  ")
            text.append(source.url, style=Style(underline=True, link=source.url) if openable(source.url) else "underline")
    return text


ARROW = "→"  # the one arrow of the explorer: from → to, in the status line and the detail pane alike


def describe_changes(store: Store, changes: Iterable[Change]) -> list[str]:
    """One line per kind of change on a day, places grouped:

    ``2018-04-20 Dumair: Jaysh al-Islam → Syrian Arab Army (takeover: Syrian forces enter Dumair)``

    A change of status under the same faction names the faction once:
    ``2018-05-15 Hajar al-Aswad: Islamic State, held → contested``.
    """
    groups: dict[tuple[Any, ...], list[str]] = {}
    for change in changes:
        what = transition_text(store, change.before, change.after, joiner=", ")
        event = store.events.get(change.event_id) if change.event_id else None
        key = (change.day, what, event.id if event else None)
        name = store.regions[change.region].name if change.region in store.regions else change.region
        when = change.after.since_text if change.after and change.after.from_precision != "day" else change.day.isoformat()
        groups.setdefault((*key, when), []).append(name)
    lines = []
    for (day, what, event_id, when), names in groups.items():
        places = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
        unsure = " (day not known)" if when != day.isoformat() else ""
        line = f"{when}{unsure} {places}: {what}"
        if event_id:
            event = store.events[event_id]
            line += f" ({event.type}: {event.title})"
        lines.append(line)
    return lines


def transition_text(store: Store, before: Any, after: Any, *, arrow: str = ARROW, joiner: str = ": ",
                    full: bool = False) -> str:
    """Who held a place before and after a change, in words: the one wording
    of the explorer and the command line.

    ``Jaysh al-Islam (besieged) → Syrian Arab Army``; the same faction is
    named once: ``Islamic State: held → contested`` (``joiner`` ", " after a
    place name and a colon); partners are named (``with ...``); ``not
    recorded`` where no record covers a side. ``full`` (the command line's
    form) says "(held)" too and names each side's partners.
    """

    def partners(period: Any) -> str:
        return (" with " + ", ".join(faction_name(store, f) for f in period.others)) if period.others else ""

    if before is not None and after is not None and before.faction == after.faction:
        name = faction_name(store, after.faction)
        return f"{name}{joiner}{before.status}{partners(before)} {arrow} {after.status}{partners(after)}"

    def side(period: Any) -> str:  # on one line of the explorer, partners only where nothing else changed
        if period is None:
            return NOT_RECORDED_LABEL
        name = faction_name(store, period.faction) + (partners(period) if full else "")
        return name if period.status == "held" and not full else f"{name} ({period.status})"

    return f"{side(before)} {arrow} {side(after)}"


def faction_name(store: Store, faction_id: str) -> str:
    faction = store.factions.get(faction_id)
    return faction.name if faction else faction_id


def period_source_ids(store: Store, period: Any) -> list[str]:
    """What a period rests on: its own sources, then those of the events that
    began and ended it, each once, in that order."""
    ids = list(period.sources)
    for event_id in (period.start_event, period.end_event):
        event = store.events.get(event_id) if event_id else None
        if event is not None:
            ids.extend(event.sources)
    return list(dict.fromkeys(ids))


def since_until(store: Store, control: Control, period: Any) -> str:
    """'since 2016-01-01 (the start of the data), until 2018-04-19' for a place's own situation.

    The situation's first day (adjacent records of the same holder count as
    one); a start on the data's first day says so, because it means "as far
    back as the data goes", not "a change on that day"; a date known only
    to the month or year says so.
    """
    since = control.since or period.start
    first = next((p for p in store.history(period.region) if p.start == since), period)
    if first.from_precision != "day":
        text = f"since {first.since_text} (known to the {first.from_precision})"
    else:
        text = f"since {since.isoformat()}"
    if since == store.span[0]:
        text += " (the start of the data)"
    until = control.until if control.since else period.end
    return text + (f", until {until.isoformat()}" if until else ", still so at the end of the data")


def location_text(region: Any) -> str | None:
    """'at 33.9589 N, 36.6589 E (gazetteer point)', or None without coordinates."""
    if region.lat is None or region.lon is None:
        return None
    north = f"{abs(region.lat):.4f} {'N' if region.lat >= 0 else 'S'}"
    east = f"{abs(region.lon):.4f} {'E' if region.lon >= 0 else 'W'}"
    note = f" ({region.coord_note})" if region.coord_note else ""
    return f"at {north}, {east}{note}"


def claim_parts(store: Store, claim_id: str) -> tuple[str, str, list[str]]:
    """(area name, area id, names of the places it leaves out) of an area claim."""
    claim = store.claims.get(claim_id)
    if claim is None:
        return claim_id, claim_id, []
    area = store.regions[claim.region].name if claim.region in store.regions else claim.region
    excepted = [store.regions[r].name if r in store.regions else r for r in claim.exceptions]
    return area, claim.region, excepted


def claim_text(store: Store, claim_id: str) -> str:
    """'from an area claim on Yabroud (SY0305), which leaves out ...'"""
    area, code, excepted = claim_parts(store, claim_id)
    text = f"from an area claim on {area} ({code})"
    return text + (", which leaves out " + ", ".join(excepted) if excepted else "")

