"""Human-readable output of the CLI subcommands (Rich, never markup).

Stored text is never read as markup: it goes into ``rich.text.Text``
objects, or straight to the stream when no style can be shown, so a place
called ``[link=x]`` prints literally. Colour follows the terminal (none when
piped, with ``NO_COLOR`` or ``--no-color``); glyphs carry the meaning
without it. Output that cannot show a style (a pipe, a file) does not even
import Rich: see :func:`plain_output`.
"""

from __future__ import annotations

import builtins
import os
import sys
import textwrap
from collections.abc import Iterable
from datetime import date
from typing import IO, TYPE_CHECKING, Any

from store.model import (
    BLOCS,
    NOT_RECORDED,
    NOT_RECORDED_LABEL,
    STATUS_MARKS,
    Control,
    Event,
    Period,
    Problem,
    Region,
)
from store.text import safe_message

from .encoding import safe_stream
from .format import bloc_glyph, claim_text, faction_name, transition_text, control_style, location_text, palette, since_until, status_text

if TYPE_CHECKING:
    from rich.console import Console

    from store import Store
    from store.history import ChangeRecord
    from store.situation import ChangeOfControl, Situation

DIM = "dim"
COLOURS = palette(dark=True)


def plain_output(stream: IO[str], environ: Any = None) -> bool:
    """True when Rich would write ``stream`` without any style (its colour
    system would be None) and measure it as :func:`plain_width` does; False
    when only Rich can tell (then it is asked).

    Rich (``Console.is_terminal``, ``Console._detect_color_system``) writes
    no style to a stream that is not a terminal: ``TTY_COMPATIBLE=0``, else
    ``FORCE_COLOR`` set and empty, else the stream is not a tty. Windows and
    Jupyter have rules of their own: those are left to Rich.
    """
    env = os.environ if environ is None else environ
    if sys.platform == "win32" or "get_ipython" in vars(builtins):
        return False
    compatible = env.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "0"
    force = env.get("FORCE_COLOR")
    if force is not None:
        return force == ""
    try:
        return not stream.isatty()
    except (AttributeError, ValueError):
        return True  # Rich: no isatty, or a closed file, is not a terminal


def plain_width(environ: Any = None) -> int:
    """The width Rich gives a stream that is not a terminal (``Console.size``):
    ``$COLUMNS``, else the first of standard input, output and error that is a
    terminal, else 80."""
    env = os.environ if environ is None else environ
    columns = env.get("COLUMNS")
    if columns is not None and columns.isdigit():
        return int(columns)
    width = None
    for fd in (0, 1, 2):
        try:
            width = os.get_terminal_size(fd).columns
        except (AttributeError, ValueError, OSError):  # not a terminal
            continue
        break
    return width or 80


def _is_text(value: Any) -> bool:
    """Whether ``value`` is a ``rich.text.Text`` (nothing is if Rich was never loaded)."""
    module = sys.modules.get("rich.text")
    return module is not None and isinstance(value, module.Text)


def _console(stream: IO[str], no_color: bool) -> Console:
    from rich.console import Console

    class _PipeConsole(Console):
        """A reader that stops reading (``| head``) is not an error: let the CLI exit 0."""

        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    return _PipeConsole(file=stream, markup=False, highlight=False, emoji=False, no_color=no_color, soft_wrap=False)


class Printer:
    def __init__(self, *, no_color: bool = False, console: Console | None = None) -> None:
        # A stream that cannot encode every character (an ASCII or Latin-1
        # locale) gets transliterated output rather than a UnicodeEncodeError.
        self._no_color = no_color
        self._console = console
        self._file: IO[str] = console.file if console is not None else safe_stream(sys.stdout)
        self._pending: list[Any] = []  # Text, or str when plain
        self._width: int | None = None
        # No styles will be written (a pipe, a file, a terminal without
        # colour): plain strings, without Rich's work per line, or Rich at all.
        self._plain = self.console.color_system is None if console is not None or not plain_output(self._file) else True
        if not self._plain:
            from rich.text import Text

            self._text = Text

    @property
    def console(self) -> Console:
        """The Rich console, made when first needed (plain output never needs it)."""
        if self._console is None:
            self._console = _console(self._file, self._no_color)
        return self._console

    # Lines are collected and printed in batches: one Console.print per
    # line was three quarters of the time of a long listing.
    BATCH = 2000

    def line(self, *parts: Any) -> None:
        # Stored text was cleaned at load; paths and typed text were not:
        # every string part is cleaned again here, the last step before the terminal.
        if self._plain:
            self._pending.append(
                "".join(
                    part.plain
                    if not isinstance(part, (str, tuple)) and _is_text(part)
                    else safe_message(str(part[0] if isinstance(part, tuple) else part))
                    for part in parts
                )
            )
        else:
            Text = self._text
            text = Text()
            for part in parts:
                if isinstance(part, tuple):
                    text.append(safe_message(str(part[0])), style=part[1] or "")
                elif isinstance(part, Text):
                    text.append_text(part)
                else:
                    text.append(safe_message(str(part)))
            self._pending.append(text)
        if len(self._pending) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        """Print the lines collected so far, in one write."""
        if not self._pending:
            return
        lines, self._pending = self._pending, []
        if self._plain:
            self._file.write("\n".join(lines) + "\n")
            self._file.flush()
        else:
            self.console.print(self._text("\n").join(lines), soft_wrap=True)

    @property
    def width(self) -> int:
        """The width lines are wrapped to, measured once (at least 40)."""
        if self._width is None:  # asking the console measures the terminal each time
            width = plain_width() if self._console is None and self._plain else self.console.width
            self._width = max(40, width)
        return self._width

    # --- status --------------------------------------------------------------------

    def status(self, store: Store, control: Control) -> None:
        region = control.region
        self._heading(region)
        path = " > ".join(r.name for r in store.ancestors(region.id))
        self.line(("  " + path, DIM))
        who = control.faction.name if control.faction else ("mixed control" if control.status == "mixed" else NOT_RECORDED_LABEL)
        self.line(
            f"As of {control.at.isoformat()}: ",
            control_style(control, COLOURS),
            " ",
            (who, "bold"),
            f" ({status_text(control)})" if control.status not in (NOT_RECORDED, "mixed") else "",
        )
        period = control.period
        if period is not None:
            if period.others:
                self.line("  with: ", ", ".join(faction_name(store, f) for f in period.others))
            self.line("  " + since_until(store, control, period) + f"; confidence {period.confidence}")
            if period.claim:
                self._claim(store, period.claim)
            if period.note:
                self._wrapped("  note: ", period.note)
            for label, event_id in (("began with", period.start_event), ("ended with", period.end_event)):
                if event_id and event_id in store.events:
                    event = store.events[event_id]
                    self.line(f"  {label}: ", (event.date_text, "bold"), f"  {event.type}: ", event.title)
            self._sources(store, period.sources)
        elif control.derived:
            if control.since:
                until = f" until {control.until.isoformat()}" if control.until else ""
                self.line(f"  this picture since {control.since.isoformat()}{until} (derived from places under it)")
            if control.breakdown:
                self._breakdown(store, control)
        elif control.status == NOT_RECORDED:
            span = store.span
            self.line(
                f"  nothing recorded: no control period of its own and no area claim covers this date "
                f"(data spans {span[0]} to {span[1]})"
            )
        location = location_text(region)
        if location:
            self.line(("  " + location, DIM))

    def _claim(self, store: Store, claim_id: str) -> None:
        self._wrapped("  ", claim_text(store, claim_id))

    def _heading(self, region: Region) -> None:
        parts: list[Any] = [(region.name, "bold")]
        if region.name_ar:
            parts += ["  ", region.name_ar]
        parts += [(f"  {region.id} · {region.level}", DIM)]
        self.line(*parts)

    def _breakdown(self, store: Store, control: Control) -> None:
        breakdown = control.breakdown
        assert breakdown is not None
        self.line(f"  {breakdown.total} places under it:")
        for share in breakdown.by_bloc:
            bloc = BLOCS.get(share.key)
            label = bloc.label if bloc else NOT_RECORDED_LABEL
            self.line(
                "    ", (bloc_glyph(share.key), COLOURS.get(share.key)), f" {label:<12} {share.count:>4}  {share.share:>4.0%}"
            )
        factions = ", ".join(
            f"{faction_name(store, s.key) if s.key != NOT_RECORDED else NOT_RECORDED_LABEL} {s.count}" for s in breakdown.by_faction
        )
        self._wrapped("    by faction: ", factions)

    def _sources(self, store: Store, source_ids: Iterable[str]) -> None:
        ids = list(source_ids)
        if not ids:
            self.line(("  sources: none recorded", "yellow"))
            return
        self.line("  sources:")
        for sid in ids:
            source = store.sources.get(sid)
            if source is None:
                self.line(f"    - {sid} (missing)")
                continue
            parts = [source.publication, f"“{source.title}”"] + ([source.date] if source.date else [])
            self._wrapped("    - ", ", ".join(parts), indent=6)
            if source.url:
                self.line("      ", (source.url, "underline"))

    def _wrapped(self, prefix: str, text: str, indent: int | None = None) -> None:
        width = self.width
        pad = " " * (indent if indent is not None else len(prefix))
        lines = textwrap.wrap(text, width=width - len(pad), break_long_words=True, break_on_hyphens=False) or [""]
        self.line(prefix, lines[0])
        for rest in lines[1:]:
            self.line(pad, rest)

    # --- tree --------------------------------------------------------------------------

    def tree(self, store: Store, roots: list[Region], day: date, depth: int | None) -> None:
        self.line((f"As of {day.isoformat()}", DIM))
        for region, level in store.walk_regions(roots, depth):
            control = store.control(region.id, day)
            if control.faction is not None:
                who = control.faction.short
            elif control.status == "mixed" and control.breakdown:
                who = "mixed " + " ".join(f"{bloc_glyph(s.key)}{s.count}" for s in control.breakdown.by_bloc)
            else:
                who = NOT_RECORDED_LABEL
            status = f" {status_text(control)}" if control.status not in ("held", "mixed", NOT_RECORDED) else ""
            level_note = f" ({region.level})" if store.has_children(region.id) else ""
            self.line(
                _indent(level),
                control_style(control, COLOURS),
                " ",
                region.name,
                (level_note, DIM),
                (f"  {who}{status}", DIM if control.status == "held" else ""),
            )

    # --- events ------------------------------------------------------------------------

    def events(self, store: Store, events: list[Event]) -> None:
        if not events:
            self.line(("no events match", DIM))
            return
        for event in events:
            places = ", ".join(store.regions[p].name if p in store.regions else p for p in event.places)
            self.line((f"{event.date_text:<24}", "bold"), f" {event.type:<12} ", event.title)
            details = []
            if places:
                details.append(places)
            details += [f.text for f in event.figures]
            details.append(f"confidence {event.confidence}")
            self._wrapped(" " * 26, "; ".join(details), indent=26)
            names = [store.sources[s].publication if s in store.sources else s for s in event.sources]
            self._wrapped(" " * 26 + "sources: ", ", ".join(dict.fromkeys(names)), indent=26)
        self.line((f"{len(events)} event{'s' if len(events) != 1 else ''}", DIM))

    # --- factions -----------------------------------------------------------------------

    def factions(self, store: Store, day: date) -> None:
        self.line((f"Places each faction held on {day.isoformat()} (its own, not its sub-factions')", DIM))
        for faction, level in store.walk_factions():
            bloc = BLOCS[faction.bloc_key]
            held = len(store.holdings(faction.id, day))
            self.line(
                _indent(level),
                (faction.glyph, COLOURS.get(faction.bloc_key)),
                " ",
                (f"{faction.short:<7}", "bold"),
                " ",
                faction.name,
                (f"  {bloc.label} · {faction.id}", DIM),
                f" · {_places(held)}",
            )

    # --- history ------------------------------------------------------------------------

    def history(self, store: Store, region: Region, periods: list[Period], day: date) -> None:
        self._heading(region)
        current = None
        for period in periods:
            faction = store.factions.get(period.faction)
            key = faction.bloc_key if faction else NOT_RECORDED
            glyph, colour = bloc_glyph(key), COLOURS.get(key)
            end = period.end.isoformat() if period.end else "…"
            now = period.covers(day)
            current = current or (period if now else None)
            self.line(
                f"  {period.since_text:<10} to {end:<10} ",
                (glyph, colour),
                " ",
                (faction.name if faction else period.faction, "bold"),
                f"  {period.status}, confidence {period.confidence}",
                (f"  (current on {day.isoformat()})", "bold") if now else "",
            )
            if period.others:
                self.line(" " * 28, "with ", ", ".join(faction_name(store, f) for f in period.others))
            if period.claim:
                self._wrapped(" " * 28, claim_text(store, period.claim), indent=28)
            if period.start_event and period.start_event in store.events:
                event = store.events[period.start_event]
                self._wrapped(" " * 28 + "began with: ", f"{event.date_text} {event.title}", indent=28)
            names = [store.sources[s].publication if s in store.sources else s for s in period.sources]
            self._wrapped(" " * 28 + "sources: ", ", ".join(dict.fromkeys(names)), indent=28)
        if current is None:
            self.line((f"  nothing recorded on {day.isoformat()}", DIM))

    # --- situation ----------------------------------------------------------------------

    def situation(
        self,
        store: Store,
        found: Situation,
        *,
        bloc: str | None = None,
        not_bloc: str | None = None,
        faction: str | None = None,
    ) -> None:
        from store.situation import since_precision

        region = found.region
        filters = []
        if bloc is not None:
            filters.append(f"held by {_bloc_label(bloc)}")
        if not_bloc is not None:
            filters.append(f"not {_bloc_label(not_bloc)}")
        if faction is not None:
            filters.append(f"held by {faction_name(store, faction)} or its sub-factions")
        shown = f"{found.shown} shown, " + " and ".join(filters) if filters else "all shown"
        self.line(
            (region.name, "bold"),
            (f" ({region.id})", DIM),
            f" on {found.at.isoformat()}: {_places(found.total)} under it, {shown}",
        )
        if not found.groups:
            self.line(("  no place matches", DIM))
            return
        rows = [placed for group in found.groups for placed in group.places]
        name_width = min(32, max(len(p.region.name) for p in rows))
        code_width = min(16, max(len(p.region.pcode or p.region.id) for p in rows))
        start = store.span[0]
        for group in found.groups:
            key = group.bloc
            who = group.faction.name if group.faction else NOT_RECORDED_LABEL
            status = "" if group.status == NOT_RECORDED else f", {_status_words(group.status)}"
            self.line(
                (bloc_glyph(key), COLOURS.get(key)),
                " ",
                (who, "bold"),
                f"{status}: {_places(len(group.places))}",
            )
            for placed in group.places:
                since = placed.since
                if since is None:
                    when = ""
                elif since == start:
                    when = f"since {since.isoformat()} (the start of the data)"
                else:
                    precision = since_precision(store, placed.region.id, since)
                    when = f"since {_day_text(since, precision)}"
                code = placed.region.pcode or placed.region.id
                if when:
                    self.line("    ", f"{placed.region.name:<{name_width}}  ", (f"{code:<{code_width}}", DIM), "  " + when)
                else:
                    self.line("    ", f"{placed.region.name:<{name_width}}  ", (code, DIM))

    # --- map ------------------------------------------------------------------------------

    def map(self, area: Region, day: date, frame: Any, *, places: int, highlighted: Region | None = None,
            unlocated: int = 0) -> None:
        """A frame of :mod:`tui.mapdraw` (of ``places`` places) as lines, with its legend and scale bar."""
        total = places
        marked = len(frame.markers)
        heading: list[Any] = []
        if highlighted is not None:
            heading += [(highlighted.name, "bold"), (f" ({highlighted.id})", DIM), " in "]
        heading += [(area.name, "bold"), (f" ({area.id}, {area.level})", DIM), f" on {day.isoformat()}: "]
        counts = f"{_places(total)} with a location"
        if marked < total:
            counts += f", {marked} marked (the others share a cell with another; a wider --width shows more)"
        if unlocated:
            counts += f"; {_places(unlocated)} without one not drawn"
        self.line(*heading, counts)
        styles = {**COLOURS, "outline": DIM, "label": "", "highlight": "bold reverse"}
        for runs in frame.rows:
            self.line(*((text, styles.get(key, "") if key else "") for text, key in runs))
        legend: list[Any] = []
        for key, glyph, label in frame.legend:
            if legend:
                legend.append("  ")
            legend += [(glyph, COLOURS.get(key, "")), f" {label}"]
        if legend:
            self.line(*legend)
        self.line((frame.scale, DIM))

    # --- changes ------------------------------------------------------------------------

    def changes(
        self, store: Store, region: Region, since: date, until: date, found: list[ChangeOfControl]
    ) -> None:
        from store.situation import change_precision

        count = f"{len(found)} change{'s' if len(found) != 1 else ''} of control"
        self.line(
            (region.name, "bold"),
            (f" ({region.id})", DIM),
            f": {count} from {since.isoformat()} to {until.isoformat()}",
        )
        for item in found:
            change = item.change
            precision = change_precision(change)
            when = _day_text(change.day, precision)
            self.line(
                (f"{when:<10}", "bold"),
                "  ",
                (item.region.name, "bold"),
                (f" ({item.region.pcode or item.region.id})", DIM),
                ": ",
                transition(store, change.before, change.after),
            )
            if item.event is not None:
                event = item.event
                self._wrapped("    event: ", f"{event.date_text}, {event.type}: {event.title}", indent=11)
            if not item.sources:
                self.line(("    sources: none recorded", "yellow"))
                continue
            self.line("    sources:")
            for number, source in enumerate(item.sources, 1):
                mark = f"      {number}. "
                parts = [source.publication, f"“{source.title}”"] + ([source.date] if source.date else [])
                self._wrapped(mark, ", ".join(parts), indent=len(mark))
                if source.url:  # whole, on its own line: never wrapped
                    self.line(" " * len(mark), (source.url, "underline"))

    # --- the bare command, when it cannot open the explorer ----------------------------

    def summary(self, store: Store, commands: Iterable[tuple[str, str]]) -> None:
        first, last = store.span
        self.line((store.title, "bold"), f": {first.isoformat()} to {last.isoformat()}")
        self.line(f"  database: {store.path}")
        self.line(
            f"  {len(store.regions)} places, {len(store.factions)} factions, {len(store.periods)} control periods, "
            f"{len(store.events)} events, {len(store.claims)} area claims, {len(store.sources)} sources"
        )
        self.line("")
        self.line("Standard output is not a terminal, so the explorer was not opened. Commands:")
        listed = list(commands)
        width = max(len(name) for name, _ in listed)
        for name, help_text in listed:
            self.line(f"  {name:<{width}}  ", help_text)
        self.line("")
        self.line("`frontlines COMMAND --help` describes each command; `frontlines` in a terminal opens the explorer.")

    # --- changes made to the database (record, undo, redo, log) ------------------------

    def change(self, change: ChangeRecord, verb: str, *, store: Store, folded: int | None = None) -> None:
        """What a writing command did: its summary, the change's id, where it is kept."""
        from store.storage import where

        self._wrapped(f"{verb}: " if verb else "", change.summary, indent=2)
        self.line(("  change ", DIM), change.id, (f", {change.when}, by ", DIM), change.author,
                  (" on device ", DIM), change.device)
        if change.reverts:
            self.line(("  takes back change ", DIM), change.reverts)
        if change.reapplies:
            self.line(("  makes change ", DIM), change.reapplies, (" again", DIM))
        if folded:
            self.line((f"  folded into {where(store.path)} with the changes waiting ({folded})", DIM))
        else:
            waiting = store.pending_changes
            self.line((f"  saved in {where(store.history_file)}; {waiting} change{'s' if waiting != 1 else ''} "
                       "waiting to be folded into the database file (`frontlines compact`)", DIM))

    def log(self, store: Store, changes: list[ChangeRecord], in_effect: set[str], *, filtered: bool = False) -> None:
        """The audit trail, oldest first: a line of when, what kind, who, where and
        the id, then what changed; an undo says what it took back."""
        if not changes:
            self.line(("no changes match" if filtered else "no changes have been made through frontlines", DIM))
            return
        for change in changes:
            undone = change.kind not in ("undo", "redo") and change.id not in in_effect
            self.line(
                (change.when, "bold"),
                f"  {change.kind:<7}  ",
                change.author,
                (" on ", DIM),
                change.device,
                ("  ", DIM),
                (change.id, DIM),
                ("  (undone)", "yellow") if undone else "",
            )
            self._wrapped("  ", change.summary)
            if change.reverts:
                self.line(("  took back change ", DIM), change.reverts)
            if change.reapplies:
                self.line(("  made change ", DIM), change.reapplies, (" again", DIM))
        count = f"{len(changes)} change{'s' if len(changes) != 1 else ''}"
        waiting = store.pending_changes
        if waiting:
            count += (f"; {waiting}{' in all' if filtered else ''} not yet in the database file itself "
                      "(`frontlines compact` folds them in)")
        self.line((count, DIM))

    # --- validate -----------------------------------------------------------------------

    def problems(self, store: Store, problems: list[Problem]) -> None:
        counts = (
            f"{len(store.regions)} regions, {len(store.factions)} factions, {len(store.periods)} periods, "
            f"{len(store.events)} events, {len(store.claims)} area claims, {len(store.sources)} sources"
        )
        if not problems:
            self.line(("OK", "green"), f": {store.path}: no problems in {counts}")
            return
        for problem in problems:
            self.line(f"{problem.table} {problem.record}: ", problem.message)
        self.line((f"{len(problems)} problem{'s' if len(problems) != 1 else ''}", "red"), f" in {counts}")


_MAX_INDENT = 12


def _indent(level: int) -> str:
    """Two spaces a level; past twelve levels (only crafted data goes there)
    the depth is written as a number so lines do not run off the screen."""
    if level <= _MAX_INDENT:
        return "  " * level
    return "  " * _MAX_INDENT + f"[{level}] "


def _places(count: int) -> str:
    return f"{count} place{'s' if count != 1 else ''}"


def _bloc_label(bloc: str) -> str:
    return BLOCS[bloc].label if bloc in BLOCS else NOT_RECORDED_LABEL


def _status_words(status: str) -> str:
    mark = STATUS_MARKS.get(status, "")
    return f"{status} {mark}".strip()


def _day_text(day: date, precision: str) -> str:
    """A day as far as it is known: '2018-04-20', '2017-12 (month)', '2016 (year)'."""
    if precision == "month":
        return f"{day:%Y-%m} (month)"
    if precision == "year":
        return f"{day:%Y} (year)"
    return day.isoformat()


def transition(store: Store, before: Period | None, after: Period | None) -> str:
    """``Jaysh al-Islam (truce) -> Syrian Arab Army (held)``; the same faction
    once: ``Islamic State: held -> contested`` (see format.transition_text)."""
    return transition_text(store, before, after, arrow="->", full=True)


