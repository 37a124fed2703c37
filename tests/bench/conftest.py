"""Shared set-up for the benchmarks (``make bench``): the big files, timing, the table.

The big database is generated once per session (``fixtures.synth``) into a
temporary folder, twice: as frontlines writes it (UTF-8, one record per line)
and as stock TinyDB ``JSONStorage`` writes it (``json.dumps``, ``\\u``
escapes). Sizes can be lowered for a quick try:
``FRONTLINES_BENCH_REGIONS=2000 FRONTLINES_BENCH_EVENTS=20000 make bench``.
``FRONTLINES_BENCH_RUNS`` sets the repeat count of the slow measurements.

The table is printed at the end of the session (with or without ``-s``).
"""

from __future__ import annotations

import gc
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from tinydb.storages import JSONStorage

from fixtures import synth
from store.storage import write_tables

REGIONS = int(os.environ.get("FRONTLINES_BENCH_REGIONS", synth.DEFAULT_REGIONS))
EVENTS = int(os.environ.get("FRONTLINES_BENCH_EVENTS", synth.DEFAULT_EVENTS))
RUNS = int(os.environ.get("FRONTLINES_BENCH_RUNS", 5))


# --- the printed table -------------------------------------------------------------


@dataclass
class Row:
    section: str
    measure: str
    baseline: str  # what the baseline is ("" when there is none)
    base: float | None
    ours: float | None
    kind: str  # "time" (seconds), "bytes", "count"
    runs: int | str
    note: str = ""


@dataclass
class Report:
    header: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    sections: dict[str, str] = field(default_factory=dict)

    def section(self, key: str, title: str) -> None:
        self.sections[key] = title

    def add(
        self,
        section: str,
        measure: str,
        *,
        ours: float | None,
        base: float | None = None,
        baseline: str = "",
        kind: str = "time",
        runs: int | str = "",
        note: str = "",
    ) -> Row:
        row = Row(section, measure, baseline, base, ours, kind, runs, note)
        self.rows.append(row)
        return row

    def render(self) -> list[str]:
        widths = (44, 46, 9, 9, 7, 4)
        head = ("measure (frontlines)", "baseline", "baseline", "frontl.", "ratio", "runs")

        def line(cells: tuple[str, ...]) -> str:
            out = [cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(cells, widths))]
            return "  ".join(out).rstrip()

        lines = [*self.header, "", line(head), line(tuple("-" * w for w in widths))]
        for key, title in sorted(self.sections.items()):
            rows = [r for r in self.rows if r.section == key]
            if not rows:
                continue
            lines.append(f"({key}) {title}")
            for row in rows:
                lines.append(
                    line(
                        (
                            row.measure,
                            row.baseline or "-",
                            _fmt(row.base, row.kind),
                            _fmt(row.ours, row.kind),
                            _ratio(row.base, row.ours),
                            str(row.runs),
                        )
                    )
                )
                if row.note:
                    lines.append("      " + row.note)
        lines.append("")
        lines.append("ratio = baseline / frontlines: above 1 means frontlines is faster (or smaller).")
        return lines


def _fmt(value: float | None, kind: str) -> str:
    if value is None:
        return "-"
    if kind == "bytes":
        return f"{value / 1e6:.1f} MB"
    if kind == "count":
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.1f} ms"
    return f"{value * 1e6:.1f} µs"


def _ratio(base: float | None, ours: float | None) -> str:
    if base is None or ours is None or ours <= 0:
        return "-"
    r = base / ours
    return f"{r:,.0f}x" if r >= 100 else f"{r:.2f}x"


REPORT = Report()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if not REPORT.rows:
        return
    terminalreporter.section("frontlines benchmarks", sep="=")
    for text in REPORT.render():
        terminalreporter.write_line(text)


@pytest.fixture(scope="session")
def report() -> Report:
    return REPORT


# --- the big files ------------------------------------------------------------------


@dataclass(frozen=True)
class BigFiles:
    folder: Path
    ours: Path  # written by store.storage.write_tables
    stock: Path  # written by tinydb.storages.JSONStorage
    counts: dict[str, int]


@pytest.fixture(scope="session")
def big(tmp_path_factory: pytest.TempPathFactory) -> BigFiles:
    folder = tmp_path_factory.mktemp("bench")
    start = time.perf_counter()
    tables = synth.make_tables(regions=REGIONS, events=EVENTS)
    generated = time.perf_counter() - start
    counts = {name: len(records) for name, records in tables.items()}

    ours = folder / "frontlines.json"
    write_tables(ours, tables)
    stock = folder / "stock.json"
    data = {name: {str(i): rec for i, rec in enumerate(recs, 1)} for name, recs in tables.items()}
    del tables
    storage = JSONStorage(str(stock))
    storage.write(data)
    storage.close()
    del data, storage
    gc.collect()

    REPORT.header[:] = [
        f"frontlines benchmarks: {counts['regions']:,} regions, {counts['periods']:,} periods, "
        f"{counts['events']:,} events, {counts['sources']:,} sources, {counts['factions']:,} factions "
        f"(fixtures.synth, seed {synth.DEFAULT_SEED}; generated in {generated:.1f} s)",
        f"python {platform.python_version()}, tinydb {version('tinydb')}, orjson {version('orjson')}, "
        f"{os.cpu_count()} CPUs, {sys.platform}; median of {RUNS} runs unless the runs column says otherwise",
    ]
    return BigFiles(folder, ours, stock, counts)
