"""Benchmarks: the explorer (``tui.app.make_app``) against a bare Textual app (``make bench``).

Every figure has a baseline measured in the same run, in the same harness:

(d) start-up. Headless: from ``app.run_test(size=(120, 40))`` entry to the
    first frame the compositor hands to the driver (``App._display``, the
    frame a terminal would receive), and to the last frame drawn before the
    app goes idle (``pilot.pause()``); the explorer draws a first frame, then
    finishes its detail pane and redraws. Each run gets a freshly opened
    Store (opened outside the timed region, so no cache of an earlier run
    helps); the baseline is a bare ``App`` showing one ``Static``. Then the
    real process: ``frontlines --db FILE`` in a pseudo-terminal (120x40,
    xterm-256color), timed from spawn to the first output showing
    ``as of <last day>`` and to the last output before it falls quiet, then
    ``q`` to exit; the baseline is a tiny script running the same bare app.
(e) key presses: process CPU time (``time.process_time``) of ``pilot.press``
    per key, a final ``pilot.pause()`` included, in the place column (j/k,
    l/h) and on the date (]/[ and }/{); the baseline is a bare app whose
    bindings for the same keys move a 100-item ``OptionList``'s cursor or
    rewrite a one-line header.
(f) memory: the real processes of (d), peak resident set (``VmHWM``) once
    start-up has drawn its frames.

Only sanity is asserted (the expected date is on screen, key presses moved
the highlighted place, the level and the date, each process quits on ``q``),
never wall-clock limits. ``FRONTLINES_BENCH_PRESSES`` sets the j/k presses
(default 80; l/h, ]/[ and }/{ get a quarter each); ``FRONTLINES_BENCH_RUNS``
the repeats of start-up (the big database gets at most 3).
"""

from __future__ import annotations

import asyncio
import gc
import os
import re
import select
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import OptionList, Static

from fixtures import synth
from store.db import Store
from store.dates import add_months
from store.locate import bundled_path
from tui.app import make_app

if TYPE_CHECKING:
    from conftest import BigFiles, Report

RUNS = int(os.environ.get("FRONTLINES_BENCH_RUNS", 5))  # as in conftest.py
BIG_RUNS = max(1, min(RUNS, 3))  # start-up on the big database costs a Store.open per run
PRESSES = max(4, int(os.environ.get("FRONTLINES_BENCH_PRESSES", 80)))
SIZE = (120, 40)
MARKER = "bench-marker: a bare Textual app"
pytestmark = pytest.mark.bench


@pytest.fixture(scope="module", autouse=True)
def _sections(report: Report) -> None:
    report.section("d", "explorer start-up, 120x40 (big db: the file of (a)); baseline: a bare App with one Static")
    report.section("e", "explorer key presses: CPU per key (Pilot, 120x40); baseline: bare App, 100-item OptionList")
    report.section("f", "explorer memory: the real processes of (d) once start-up has drawn")


# --- the baselines -----------------------------------------------------------------------


class BareApp(App[None]):
    """The start-up baseline: one Static, nothing else."""

    BINDINGS = [Binding("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Static(MARKER)


_BARE_SCRIPT = """
import sys
from textual.app import App
from textual.widgets import Static

class BareApp(App):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self):
        yield Static(sys.argv[1])

BareApp().run()
"""


class KeysApp(App[None]):
    """The key-press baseline: the explorer's keys, each doing trivial work."""

    BINDINGS = [
        Binding("j", "move(1)"),
        Binding("k", "move(-1)"),
        Binding("l", "level(1)"),
        Binding("h", "level(-1)"),
        Binding("right_square_bracket", "step_days(7)"),
        Binding("left_square_bracket", "step_days(-7)"),
        Binding("right_curly_bracket", "step_months(1)"),
        Binding("left_curly_bracket", "step_months(-1)"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.day = date(2017, 7, 2)

    def compose(self) -> ComposeResult:
        yield Static(self._header(), id="header")
        yield OptionList(*(f"place {i:03d}" for i in range(100)), id="places")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def _header(self) -> str:
        return f"depth {self.depth} · as of {self.day.isoformat()}"

    def _redraw(self) -> None:
        self.query_one("#header", Static).update(self._header())

    def action_move(self, delta: int) -> None:
        options = self.query_one(OptionList)
        options.action_cursor_down() if delta > 0 else options.action_cursor_up()

    def action_level(self, delta: int) -> None:
        self.depth += delta
        self._redraw()

    def action_step_days(self, days: int) -> None:
        self.day = date.fromordinal(self.day.toordinal() + days)
        self._redraw()

    def action_step_months(self, months: int) -> None:
        self.day = add_months(self.day, months)
        self._redraw()


# --- helpers --------------------------------------------------------------------------------


def screen_text(app: App[Any]) -> str:
    """What the terminal shows, line by line."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def frame_clock(app: App[Any]) -> list[float]:
    """perf_counter() of every frame the app hands to its driver (headless: not written)."""
    marks: list[float] = []
    display = app._display

    def timed(screen: Any, renderable: Any) -> None:
        if renderable is not None and not app._batch_count:
            marks.append(time.perf_counter())
        display(screen, renderable)

    app._display = timed  # type: ignore[method-assign]
    return marks


@dataclass
class Paint:
    first: float  # seconds from run_test entry to the first frame
    last: float  # ... to the last frame before the app went idle
    frames: int
    text: str


async def paint(app: App[Any]) -> Paint:
    marks = frame_clock(app)
    start = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        idle = time.perf_counter()
        drawn = list(marks)
        text = screen_text(app)
    if not drawn:  # no frame seen (a Textual without App._display): fall back on the pause
        drawn = [idle]
    return Paint(drawn[0] - start, drawn[-1] - start, len(drawn), text)


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def mid_span(store: Store) -> date:
    first, last = store.span
    return date.fromordinal((first.toordinal() + last.toordinal()) // 2)


# --- (d) start-up, headless ------------------------------------------------------------------


def test_first_paint_headless(big: BigFiles, report: Report) -> None:
    opens: list[float] = []
    times: dict[str, list[Paint]] = {"bare": [], "bundled": [], "big": []}

    async def one(kind: str) -> Paint:
        store = None
        if kind == "bare":
            app: App[Any] = BareApp()
        else:
            gc.collect()
            start = time.perf_counter()
            store = Store.open(bundled_path() if kind == "bundled" else big.ours)
            if kind == "big":
                opens.append(time.perf_counter() - start)
            app = make_app(store, use_keymap_file=False)
        gc.collect()
        try:
            result = await paint(app)
        finally:
            if store is not None:
                store.close()
        expected = MARKER if store is None else f"as of {store.span[1].isoformat()}"
        assert expected in result.text, f"{kind}: {expected!r} not on screen"
        return result

    async def main() -> None:
        # Warm-up, untimed: the first app of a process pays for lazy imports and CSS parsing.
        await one("bare")
        await one("bundled")
        kinds = ["bare", "bundled", "big"]
        for index in range(RUNS):
            for kind in kinds[index % 3:] + kinds[: index % 3]:
                if kind == "big" and len(times["big"]) >= BIG_RUNS:
                    continue
                times[kind].append(await one(kind))
                gc.collect()

    asyncio.run(main())

    def med(kind: str, field: str) -> float | None:
        return median([getattr(p, field) for p in times[kind]])

    frames = {kind: round(median([p.frames for p in runs]) or 0) for kind, runs in times.items()}
    base = "bare App + one Static, same harness"
    report.add("d", "first frame, headless: bundled data", baseline=base,
               base=med("bare", "first"), ours=med("bundled", "first"), runs=RUNS,
               note="from run_test() entry to the first frame handed to the driver; a fresh Store each "
                    "run, opened outside the timing; after one untimed warm-up run")
    report.add("d", "first frame, headless: big db", baseline=base,
               base=med("bare", "first"), ours=med("big", "first"), runs=BIG_RUNS)
    report.add("d", "start-up drawn, headless: bundled data", baseline="same bare App (its last start-up frame)",
               base=med("bare", "last"), ours=med("bundled", "last"), runs=RUNS,
               note=f"the last frame before the app went idle (pilot.pause()); frames drawn by then: "
                    f"bare {frames['bare']}, bundled {frames['bundled']}, big {frames['big']}")
    report.add("d", "start-up drawn, headless: big db", baseline="same bare App",
               base=med("bare", "last"), ours=med("big", "last"), runs=BIG_RUNS)
    report.add("d", "Store.open(big db), before each run above", ours=median(opens), runs=BIG_RUNS,
               note="outside the timed region (and measured against stock TinyDB in (b)); "
                    "the real process of the next rows pays it before its first frame")


# --- (d) and (f): the real process in a pseudo-terminal ----------------------------------------

# CSI, OSC, DCS and two-character escape sequences: what is left is the text on screen.
_ESCAPES = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|P[^\x1b]*\x1b\\|[ -/]*[0-~])")
QUIET = 0.3  # seconds without output that end start-up
COMPLETE_TARGET = 1.2  # seconds from spawn to the big database on screen (issue 9's figure, reported beside ours)
TIMEOUT = 60.0  # seconds, for any one wait on the child


@dataclass
class Launch:
    first: float  # spawn to the first frame (the early marker, else the marker)
    complete: float  # spawn to the first output showing the marker (the data on screen)
    last: float  # spawn to the last output before QUIET seconds without any
    quit: float  # 'q' written to the process gone
    hwm: int | None  # VmHWM (peak resident set) once start-up had drawn, bytes
    rss: int | None  # VmRSS then, bytes


def _status(pid: int) -> dict[str, int]:
    """The kB figures of /proc/PID/status, in bytes ({} where there is no /proc)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            lines = status.read().splitlines()
    except OSError:
        return {}
    out = {}
    for line in lines:
        key, _, rest = line.partition(":")
        parts = rest.split()
        if len(parts) == 2 and parts[1] == "kB":
            out[key] = int(parts[0]) * 1024
    return out


def _read(master: int, wait: float) -> bytes | None:
    """What the child wrote within ``wait`` seconds: b"" for nothing yet, None once it is gone."""
    ready, _, _ = select.select([master], [], [], max(0.0, wait))
    if not ready:
        return b""
    try:
        chunk = os.read(master, 1 << 16)
    except OSError:  # EIO: the child closed its side
        return None
    return chunk or None


def launch(argv: list[str], marker: bytes, env: dict[str, str], early: bytes | None = None) -> Launch:
    import fcntl
    import struct
    import termios

    master, slave = os.openpty()
    columns, lines = SIZE
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                            start_new_session=True, close_fds=True)
    os.close(slave)
    output = b""
    try:
        first = complete = last = None
        deadline = start + TIMEOUT
        while complete is None:
            chunk = _read(master, deadline - time.perf_counter())
            if chunk is None or time.perf_counter() >= deadline:
                tail = _ESCAPES.sub(b"", output)[-400:]
                raise AssertionError(f"{argv[-1]}: no {marker!r} within {TIMEOUT:.0f} s; last text {tail!r}")
            output += chunk
            text = _ESCAPES.sub(b"", output) if chunk else b""
            if first is None and early is not None and early in text:
                first = time.perf_counter() - start
            if chunk and marker in text:
                complete = last = time.perf_counter() - start
                first = complete if first is None else first
        # Start-up is drawn once the output falls quiet.
        deadline = time.perf_counter() + TIMEOUT
        while time.perf_counter() < deadline:
            chunk = _read(master, QUIET)
            if chunk is None:
                raise AssertionError(f"{argv[-1]}: exited during start-up")
            if not chunk:
                break
            last = time.perf_counter() - start
        status = _status(proc.pid)
        asked = time.perf_counter()
        os.write(master, b"q")
        deadline = asked + TIMEOUT
        while proc.poll() is None and time.perf_counter() < deadline:
            if _read(master, 0.02) is None:
                break
        proc.wait(timeout=max(0.1, deadline - time.perf_counter()))
        quit_time = time.perf_counter() - asked
        assert proc.returncode == 0, f"{argv[-1]}: exit status {proc.returncode} after 'q'"
        return Launch(first, complete, last, quit_time, status.get("VmHWM"), status.get("VmRSS"))
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the child's own session, started above
            proc.wait(timeout=10)
        os.close(master)


def _frontlines_argv() -> list[str]:
    script = Path(sys.executable).with_name("frontlines")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tui.cli"]


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_first_paint_real_terminal(big: BigFiles, report: Report, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("NO_COLOR", "FRONTLINES_DB", "COLORTERM") and not k.startswith("TEXTUAL")}
    env.update(TERM="xterm-256color", COLUMNS=str(SIZE[0]), LINES=str(SIZE[1]),
               FRONTLINES_KEYMAP=str(tmp_path / "no-keymap.toml"))  # missing: no remapping
    with Store.open(bundled_path()) as store:
        bundled_day = store.span[1]
    # Our first frame is the layout with a loading state ("Opening <file>…");
    # the data comes on screen when 'as of <day>' does.
    cases: dict[str, tuple[list[str], bytes, bytes | None]] = {
        "bare": ([sys.executable, "-c", _BARE_SCRIPT, MARKER], MARKER.encode(), None),
        "bundled": ([*_frontlines_argv(), "--db", str(bundled_path())], f"as of {bundled_day}".encode(), b"Opening "),
        "big": ([*_frontlines_argv(), "--db", str(big.ours)], f"as of {synth.SPAN_TO}".encode(), b"Opening "),
    }
    runs: dict[str, list[Launch]] = {kind: [] for kind in cases}
    kinds = list(cases)
    for index in range(RUNS):
        for kind in kinds[index % 3:] + kinds[: index % 3]:
            if kind == "big" and len(runs["big"]) >= BIG_RUNS:
                continue
            argv, marker, early = cases[kind]
            runs[kind].append(launch(argv, marker, env, early))

    def med(kind: str, field: str) -> float | None:
        return median([v for v in (getattr(r, field) for r in runs[kind]) if v is not None])

    base = "bare App script, same pty harness"
    report.add("d", "first frame, real process in a pty: bundled", baseline=base,
               base=med("bare", "first"), ours=med("bundled", "first"), runs=RUNS,
               note="from spawn to the first frame: the layout with 'Opening <file>…' (the baseline: its "
                    "marker); interpreter start and imports included, the database opens behind it")
    report.add("d", "first frame, real process in a pty: big db", baseline=base,
               base=med("bare", "first"), ours=med("big", "first"), runs=BIG_RUNS)
    report.add("d", "data on screen, pty: bundled", baseline=base,
               base=med("bare", "complete"), ours=med("bundled", "complete"), runs=RUNS,
               note="from spawn to the first output showing 'as of <last day>': Store.open included")
    report.add("d", "data on screen, pty: big db", baseline=base,
               base=med("bare", "complete"), ours=med("big", "complete"), runs=BIG_RUNS,
               note=f"issue 9 asked for {COMPLETE_TARGET} s: not met, Store.open checks every record first (see (b)); "
                    "asserted: first frames at most 1.3x (bundled) and 1.5x (big) the bare app")
    report.add("d", "start-up drawn, pty: bundled data", baseline="same bare script",
               base=med("bare", "last"), ours=med("bundled", "last"), runs=RUNS,
               note=f"the last output before {QUIET:.1f} s without any")
    report.add("d", "start-up drawn, pty: big db", baseline="same bare script",
               base=med("bare", "last"), ours=med("big", "last"), runs=BIG_RUNS)
    report.add("d", "'q' to process exit, pty: bundled data", baseline="same bare script",
               base=med("bare", "quit"), ours=med("bundled", "quit"), runs=RUNS)
    report.add("d", "'q' to process exit, pty: big db", baseline="same bare script",
               base=med("bare", "quit"), ours=med("big", "quit"), runs=BIG_RUNS,
               note="Textual's shutdown, then the interpreter freeing the store on the way out")

    # Issue 9's targets for the real process.
    missed = []
    bare_first = med("bare", "first") or 0.0
    for kind, target in (("bundled", 1.3), ("big", 1.5)):
        ours = med(kind, "first") or 0.0
        if ours > target * bare_first:
            missed.append(f"first frame, {kind}: {ours * 1e3:.0f} ms, {ours / bare_first:.2f}x the bare app (target {target}x)")
    # Data on screen for the big database is reported, not asserted: it waits
    # for Store.open, which checks every record before anything is shown (a
    # file that cannot be read must end in a one-line error, not halfway
    # through a session), and that alone is above the 1.2 s issue 9 asked
    # for; see the README's Performance section.

    if med("bare", "hwm") is None:
        report.add("f", "peak RSS after start-up", ours=None, runs=0, note="no /proc here: not measured")
        assert not missed, "; ".join(missed)
        return
    rss = {kind: med(kind, "rss") for kind in cases}
    base = "bare App script (VmHWM)"
    report.add("f", "peak RSS after start-up: bundled data", baseline=base, kind="bytes",
               base=med("bare", "hwm"), ours=med("bundled", "hwm"), runs=RUNS,
               note="VmHWM of the child, read from /proc once start-up had drawn; resident then (VmRSS): "
                    + ", ".join(f"{kind} {value / 1e6:.1f} MB" for kind, value in rss.items() if value))
    report.add("f", "peak RSS after start-up: big db", baseline=base, kind="bytes",
               base=med("bare", "hwm"), ours=med("big", "hwm"), runs=BIG_RUNS)
    base = "bare App script (VmRSS)"
    report.add("f", "resident after start-up: bundled data", baseline=base, kind="bytes",
               base=rss["bare"], ours=rss["bundled"], runs=RUNS, note="VmRSS once start-up had drawn")
    report.add("f", "resident after start-up: big db", baseline=base, kind="bytes",
               base=rss["bare"], ours=rss["big"], runs=BIG_RUNS)
    assert not missed, "; ".join(missed)


# --- (e) key presses ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    label: str
    keys: tuple[str, str]  # pressed alternately, the first one first
    presses: int


GROUPS = (
    Group("j/k, place column", ("j", "k"), PRESSES),
    Group("l/h, into a place and out", ("l", "h"), max(2, PRESSES // 4)),
    # Stepping on through time, from the start of the data: every press is a
    # date not seen before (alternating ] and [ would revisit two cached ones).
    Group("], next change: each a new date", ("right_square_bracket", "right_square_bracket"), max(2, PRESSES // 4)),
    Group("}, a month on: each a new date", ("right_curly_bracket", "right_curly_bracket"), max(2, PRESSES // 4)),
)

# Issue 9's targets: CPU per key at most this many times the bare app's, same keys, same run.
KEY_TARGETS = {
    "j/k, place column": 3.0,
    "l/h, into a place and out": 4.0,
    "], next change: each a new date": 5.0,
}


async def press_groups(
    app: App[Any], state: Callable[[Group], Any], restart: Callable[[], None] = lambda: None
) -> dict[str, tuple[float, int]]:
    """CPU seconds per press of each group, and how many distinct states the
    presses went through. ``restart`` (untimed) goes back to the start of the
    data before a group that steps on through time."""
    out: dict[str, tuple[float, int]] = {}
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("l")  # one level down: a column with more than one place
        await pilot.pause()
        for group in GROUPS:
            if group.keys[0] == group.keys[1]:
                restart()
                await pilot.pause()
            seen = {state(group)}
            gc.collect()
            start = time.process_time()
            for index in range(group.presses):
                await pilot.press(group.keys[index % 2])
                seen.add(state(group))
            await pilot.pause()
            out[group.label] = ((time.process_time() - start) / group.presses, len(seen))
    return out


def test_cpu_per_key(big: BigFiles, report: Report) -> None:

    def baseline_restart(app: KeysApp) -> Callable[[], None]:
        def restart() -> None:
            app.day = date(2016, 1, 1)
            app._redraw()
        return restart

    def explorer_restart(app: Any) -> Callable[[], None]:
        def restart() -> None:
            app.set_date(app.store.span[0])
        return restart

    def baseline_state(app: KeysApp) -> Callable[[Group], Any]:
        def state(group: Group) -> Any:
            if group.keys[0] == "j":
                return app.query_one(OptionList).highlighted
            return app.depth if group.keys[0] == "l" else app.day
        return state

    def explorer_state(app: Any) -> Callable[[Group], Any]:
        def state(group: Group) -> Any:
            if group.keys[0] == "j":
                return app.focus_region
            return len(app.miller.path) if group.keys[0] == "l" else app.as_of
        return state

    async def main() -> dict[str, dict[str, tuple[float, int]]]:
        results = {}
        bare = KeysApp()
        results["bare"] = await press_groups(bare, baseline_state(bare), baseline_restart(bare))
        for kind, path in (("bundled", bundled_path()), ("big", big.ours)):
            with Store.open(path) as store:
                app = make_app(store, at=mid_span(store), use_keymap_file=False)
                gc.collect()
                results[kind] = await press_groups(app, explorer_state(app), explorer_restart(app))
                del app
            gc.collect()
        return results

    results = asyncio.run(main())
    missed = []
    for index, group in enumerate(GROUPS):
        base, base_states = results["bare"][group.label]
        for kind, label in (("bundled", "bundled data"), ("big", "big db")):
            ours, states = results[kind][group.label]
            note = ""
            if index == 0 and kind == "bundled":
                note = ("process_time() of pilot.press() per key, a final pause() included; runs = presses, "
                        "alternating; one level down from the root, the date starting mid-span")
            target = KEY_TARGETS.get(group.label)
            if target is not None:
                note = (note + "; " if note else "") + f"target: at most {target:g}x the bare app's CPU per key"
            report.add("e", f"{group.label}: {label}", baseline=f"bare App, same {group.presses} keys",
                       base=base, ours=ours, runs=group.presses, note=note)
            assert states >= 2, f"{group.label} on the {label}: the presses changed nothing"
            if target is not None and ours > target * base:
                missed.append(f"{group.label} ({label}): {ours * 1e3:.1f} ms a key, {ours / base:.1f}x the bare "
                              f"app's {base * 1e3:.1f} ms (target {target:g}x)")
        assert base_states >= 2, f"{group.label}: the baseline's presses changed nothing"
    assert not missed, "; ".join(missed)


# --- (d) the bundled data before and after the gazetteer (issue 8) ---------------------------------

BEFORE_GAZETTEER = Path(__file__).with_name("damascus-before-issue-8.json")  # the 77-place data set


def test_bundled_first_paint_before_and_after_the_gazetteer(report: Report) -> None:
    """Issue 8 took the bundled data from 77 places to every COD-AB place with
    outlines: it must stay under about 2 MB and must not make the first paint
    slower. Both data sets are timed in the same run, alternating."""
    sizes = {"before": BEFORE_GAZETTEER.stat().st_size, "after": bundled_path().stat().st_size}
    opens: dict[str, list[float]] = {"before": [], "after": []}
    paints: dict[str, list[Paint]] = {"before": [], "after": []}

    async def one(kind: str) -> Paint:
        gc.collect()
        start = time.perf_counter()
        store = Store.open(BEFORE_GAZETTEER if kind == "before" else bundled_path())
        opens[kind].append(time.perf_counter() - start)
        try:
            result = await paint(make_app(store, use_keymap_file=False))
        finally:
            store.close()
        assert f"as of {store.span[1].isoformat()}" in result.text
        return result

    async def main() -> None:
        await one("before")  # warm-up, untimed
        opens["before"].clear()
        for index in range(max(RUNS, 9)):
            for kind in (("before", "after") if index % 2 == 0 else ("after", "before")):
                paints[kind].append(await one(kind))

    asyncio.run(main())
    first = {k: median([p.first for p in v]) for k, v in paints.items()}
    drawn = {k: median([p.last for p in v]) for k, v in paints.items()}
    baseline = "the 77-place bundled data of issue 7"
    report.add("d", "bundled file size, with every COD-AB place", baseline=baseline, kind="bytes",
               base=sizes["before"], ours=sizes["after"], runs=1, note="must stay under about 2 MB")
    report.add("d", "Store.open, bundled data", baseline=baseline,
               base=median(opens["before"]), ours=median(opens["after"]), runs=max(RUNS, 9))
    report.add("d", "first frame, headless: bundled data", baseline=baseline,
               base=first["before"], ours=first["after"], runs=max(RUNS, 9),
               note="the same harness as above, the two data sets alternating; medians (the check compares the fastest)")
    report.add("d", "start-up drawn, headless: bundled data", baseline=baseline,
               base=drawn["before"], ours=drawn["after"], runs=max(RUNS, 9))
    assert sizes["after"] < 2_000_000
    # Not slower: the fastest of the alternating runs, the figure least disturbed
    # by what else the machine (or an earlier benchmark's big store) is doing.
    fastest = {k: min(p.first for p in v) for k, v in paints.items()}
    assert fastest["after"] <= fastest["before"] * 1.25, (fastest, first, drawn)
