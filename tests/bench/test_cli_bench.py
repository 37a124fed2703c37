"""Benchmarks: the text commands' start-up (``make bench``), section (g).

``frontlines status Dumair`` on the bundled data, output piped as a script
would read it, against the floor any Python program that reads this kind of
file pays: ``python -c "import tinydb, orjson"`` (the interpreter, its site
set-up and the two libraries the store is built on). Both run as real
processes, alternating in one loop, ``CLI_RUNS`` times each after one
warm-up; the figures are medians, wall time (what a user waits) and the
CPU time of the child beside it.

Both sides run from bytecode, as an installed program does: the processes
get a fresh ``PYTHONPYCACHEPREFIX`` (written by the warm-up) and
``PYTHONDONTWRITEBYTECODE`` is dropped. With bytecode writing off (as in some
sandboxes and CI), every project module would be compiled from source on
every run while the libraries' own bytecode is used: the second pair of
rows shows that case, for information.

The last rows split one in-process run (imports, ``Store.open``, finding the
place, printing) to show where the time goes. The target of issue 9,
``status`` within 1.3x of the baseline, is not met and so reported beside
the figure rather than asserted: the store's own imports, ``Store.open`` of
the bundled data and the name index alone take more than the 15 ms it leaves
(see the phase rows, and the README's Performance section).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from store.locate import bundled_path

if TYPE_CHECKING:
    from conftest import Report

RUNS = int(os.environ.get("FRONTLINES_BENCH_RUNS", 5))  # as in conftest.py
CLI_RUNS = max(21, 3 * RUNS)  # a run is tens of milliseconds: many are cheap and steady the median
TARGET = 1.3  # issue 9: status within 1.3x of `python -c "import tinydb, orjson"`
PLACE = "Dumair"
pytestmark = pytest.mark.bench

BASELINE = "python -c 'import tinydb, orjson'"

# One in-process run of what `frontlines status` does, timed by phase.
_PHASES = """
import io, json, sys, time
start = time.perf_counter()
import tinydb, orjson
t0 = time.perf_counter()
from tui import cli
from store import Store
t1 = time.perf_counter()
store = Store.open(sys.argv[1], readonly=True)
t2 = time.perf_counter()
region = cli.resolve_place(store, sys.argv[2])
t3 = time.perf_counter()
from tui import report
out = report.Printer()
out._file = io.StringIO()
out.status(store, store.control(region.id, store.span[1]))
out.flush()
t4 = time.perf_counter()
print(json.dumps({"libraries": t0 - start, "imports": t1 - t0, "open": t2 - t1, "resolve": t3 - t2, "print": t4 - t3}))
"""


@pytest.fixture(scope="module", autouse=True)
def _sections(report: Report) -> None:
    report.section("g", f"text commands: `frontlines status {PLACE}`, bundled data, piped; real processes")


def _frontlines() -> list[str]:
    script = Path(sys.executable).with_name("frontlines")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tui.cli"]


def _environment(pycache: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FRONTLINES_DB", "NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE")}
    env.update(LANG="C.UTF-8", COLUMNS="100")
    if pycache is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    else:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def _run(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds of the child, and its output."""
    import resource  # POSIX only: the test is skipped elsewhere

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, encoding="utf-8", timeout=60)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert proc.returncode == 0, f"{argv}: exit {proc.returncode}: {proc.stderr[-2000:]}"
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout


def _alternate(cases: dict[str, list[str]], env: dict[str, str], cwd: Path) -> dict[str, tuple[float, float]]:
    """(median wall, median CPU) of each case, the order rotating from round to round."""
    for argv in cases.values():  # warm-up: bytecode written, files in the page cache
        _run(argv, env, cwd)
    walls: dict[str, list[float]] = {name: [] for name in cases}
    cpus: dict[str, list[float]] = {name: [] for name in cases}
    names = list(cases)
    for index in range(CLI_RUNS):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            wall, cpu, out = _run(cases[name], env, cwd)
            if name == "status":
                assert out.startswith(f"{PLACE}  "), out[:200]
            walls[name].append(wall)
            cpus[name].append(cpu)
    return {name: (statistics.median(walls[name]), statistics.median(cpus[name])) for name in names}


@pytest.mark.skipif(sys.platform == "win32", reason="resource.getrusage is POSIX")
def test_status_starts_about_as_fast_as_importing_its_libraries(report: Report, tmp_path: Path) -> None:
    cases = {
        "base": [sys.executable, "-c", "import tinydb, orjson"],
        "status": [*_frontlines(), "--db", str(bundled_path()), "status", PLACE],
    }
    cwd = tmp_path / "elsewhere"  # not the checkout: nothing found by accident on the path
    cwd.mkdir()

    cached = _alternate(cases, _environment(tmp_path / "pycache"), cwd)
    report.add("g", f"status {PLACE}: wall, from bytecode", baseline=f"{BASELINE}, wall",
               base=cached["base"][0], ours=cached["status"][0], runs=CLI_RUNS,
               note=f"issue 9 asked for at most {TARGET}x the baseline's time: not met (the phases below); "
                    "both from bytecode, as installed")
    report.add("g", f"status {PLACE}: CPU, from bytecode", baseline=f"{BASELINE}, CPU",
               base=cached["base"][1], ours=cached["status"][1], runs=CLI_RUNS)

    compiled = _alternate(cases, _environment(None), cwd)
    report.add("g", f"status {PLACE}: wall, no bytecode written", baseline=f"{BASELINE}, wall",
               base=compiled["base"][0], ours=compiled["status"][0], runs=CLI_RUNS,
               note="PYTHONDONTWRITEBYTECODE=1: the project's modules compiled from source on every run")

    phases: dict[str, list[float]] = {}
    env = _environment(tmp_path / "pycache")
    for _ in range(CLI_RUNS):
        proc = subprocess.run([sys.executable, "-c", _PHASES, str(bundled_path()), PLACE], env=env, cwd=cwd,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr[-2000:]
        for phase, seconds in json.loads(proc.stdout).items():
            phases.setdefault(phase, []).append(seconds)
    labels = {
        "libraries": "  of which: tinydb, orjson (as the baseline)",
        "imports": "  of which: frontlines' modules (tui, store)",
        "open": "  of which: Store.open, bundled data",
        "resolve": f"  of which: finding '{PLACE}' (name index)",
        "print": "  of which: printing (tui.report)",
    }
    for phase, label in labels.items():
        report.add("g", label, ours=statistics.median(phases[phase]), runs=CLI_RUNS,
                   note="one process, timed by phase after the interpreter's own start" if phase == "libraries" else "")

    base, ours = cached["base"][0], cached["status"][0]
    assert ours > 0 and base > 0  # both ran; the 1.3x target is reported above, not asserted
