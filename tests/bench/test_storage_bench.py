"""Benchmarks: frontlines' storage and store against stock TinyDB (``make bench``).

Each figure is measured in the same run as its baseline: stock TinyDB 4.x
``JSONStorage`` (``json`` module, ``ensure_ascii`` on, re-reads the file on
every operation), ``orjson.loads`` of the file's bytes (for opening) or, for
lookups, a stock TinyDB query scanning the same records. Opening compares
the three on the same bytes (frontlines' file). Slow measurements are the median of ``RUNS`` runs, each after a
``gc.collect()``, with baseline and frontlines alternating in one loop so
drift in the machine's speed hits both; fast ones are the median time per
call over batches of calls. Nothing large is kept alive between runs, so the
garbage collector's full passes cost the same on both sides.

Only structural sanity is asserted (baseline and frontlines give the same
records), plus the project's stated claims: FrontlinesStorage reads and
writes faster than stock JSONStorage, and Store.open takes at most 0.8x the
time of stock TinyDB's load of the same file (issue 9; its other target,
1.5x ``orjson.loads``, is reported, not asserted, as it is not met). The read claim is asserted at the full
size only (100,000 events): on small files (10,000 events) stock ``json``
reads about as fast, because its garbage-collector overhead, which grows with
the heap, is what orjson and the paused collector mostly save. There are no
other wall-clock limits: the printed table is the output.
"""

from __future__ import annotations

import gc
import hashlib
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

import orjson
import pytest
from tinydb import Query, TinyDB
from tinydb.middlewares import CachingMiddleware
from tinydb.storages import JSONStorage, MemoryStorage

from store.db import TABLES, Store
from store.model import NOT_RECORDED
from store.storage import FrontlinesStorage, read_tables

if TYPE_CHECKING:
    from conftest import BigFiles, Report

RUNS = int(os.environ.get("FRONTLINES_BENCH_RUNS", 5))  # as in conftest.py
pytestmark = pytest.mark.bench

DAY = date(2017, 6, 15)
FULL_SIZE = 100_000  # events; below this the read claim is reported but not asserted


@pytest.fixture(scope="module", autouse=True)
def _sections(report: Report) -> None:
    report.section("a", "storage: whole database file, stock JSONStorage vs FrontlinesStorage")
    report.section("b", "opening: Store.open (parse + typed records + indexes) on the big file")
    report.section("c", f"lookups on the open store (as of {DAY}); baselines are stock TinyDB queries")


# --- timing helpers ----------------------------------------------------------------


def digest(value: Any) -> str:
    """A fingerprint of a JSON-like result (TinyDB documents included)."""
    return hashlib.blake2b(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _once(fn: Callable[[], Any], keep: Callable[[Any], Any] | None) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    kept = keep(result) if keep is not None else None
    del result
    return elapsed, kept




def compare_many(
    fns: dict[str, Callable[[], Any]], runs: int = RUNS, keep: Callable[[Any], Any] | None = None
) -> tuple[dict[str, float], dict[str, Any]]:
    """Median seconds of each of ``fns``, run in turn ``runs`` times (the
    order rotating from one round to the next), with what ``keep`` makes of
    each one's last result."""
    names = list(fns)
    times: dict[str, list[float]] = {name: [] for name in names}
    kept: dict[str, Any] = {}
    for index in range(runs):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            elapsed, kept[name] = _once(fns[name], keep if index == runs - 1 else None)
            times[name].append(elapsed)
    return {name: statistics.median(t) for name, t in times.items()}, kept


def compare(
    base: Callable[[], Any],
    ours: Callable[[], Any],
    runs: int = RUNS,
    keep: Callable[[Any], Any] | None = None,
) -> tuple[float, float, Any, Any]:
    """Median seconds of ``base`` and ``ours``, alternating, ``runs`` times each.

    ``keep`` turns the last run's results into something small (a digest, a
    count) outside the timed region; those are returned.
    """
    times: dict[str, list[float]] = {"base": [], "ours": []}
    kept: dict[str, Any] = {}
    for index in range(runs):
        order = [("base", base), ("ours", ours)]
        if index % 2:
            order.reverse()
        for which, fn in order:
            elapsed, kept[which] = _once(fn, keep if index == runs - 1 else None)
            times[which].append(elapsed)
    return statistics.median(times["base"]), statistics.median(times["ours"]), kept["base"], kept["ours"]


def median_of(fn: Callable[[], Any], runs: int, keep: Callable[[Any], Any] | None = None) -> tuple[float, Any]:
    times, kept = [], None
    for index in range(runs):
        elapsed, kept = _once(fn, keep if index == runs - 1 else None)
        times.append(elapsed)
    return statistics.median(times), kept


def per_call(fn: Callable[[], Any], runs: int = 7, target: float = 0.05) -> float:
    """Median seconds per call, over batches of calls lasting about ``target`` seconds."""
    number = 1
    while number < 100_000:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        if time.perf_counter() - start >= target:
            break
        number *= 4
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


def traced(fn: Callable[[], Any]) -> tuple[int, int, Any]:
    """(peak bytes while ``fn`` ran, bytes still held by its result, the result)."""
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        gc.collect()
        retained, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, retained, result


# --- (a) storage ----------------------------------------------------------------------


def test_file_size(big: BigFiles, report: Report) -> None:
    stock, ours = big.stock.stat().st_size, big.ours.stat().st_size
    report.add("a", "file size on disk (UTF-8, a record a line)", baseline="JSONStorage file (\\u escapes)",
               base=stock, ours=ours, kind="bytes", runs=1)
    assert 0 < ours < stock


def test_read_whole_file(big: BigFiles, report: Report) -> None:
    def stock_all() -> list:
        db = TinyDB(str(big.stock))
        try:
            return db.table("events").all()
        finally:
            db.close()

    def ours_all() -> list:
        db = TinyDB(str(big.ours), storage=FrontlinesStorage, readonly=True)
        try:
            return db.table("events").all()
        finally:
            db.close()

    def documents(docs: list) -> tuple[int, str]:
        return len(docs), digest([[doc.doc_id, doc] for doc in docs])

    runs = max(1, min(RUNS, 3))
    base, ours, kept_base, kept_ours = compare(stock_all, ours_all, runs=runs, keep=documents)
    report.add("a", "read: TinyDB(path).table('events').all()", baseline="same, stock JSONStorage",
               base=base, ours=ours, runs=runs,
               note="TinyDB wraps every record in a Document; the collector's passes, deferred by "
                    "FrontlinesStorage's paused GC, fall here")
    assert kept_base == kept_ours
    assert kept_ours[0] == big.counts["events"]

    def stock_read() -> dict:
        storage = JSONStorage(str(big.stock), access_mode="r")
        try:
            return storage.read()
        finally:
            storage.close()

    def ours_read() -> dict:
        storage = FrontlinesStorage(big.ours, readonly=True)
        try:
            return storage.read()
        finally:
            storage.close()

    base_read, ours_read_t, kept_base, kept_ours = compare(stock_read, ours_read, keep=digest)
    report.add("a", "read: storage.read(), whole database", baseline="JSONStorage.read() (json.load)",
               base=base_read, ours=ours_read_t, runs=RUNS)
    assert kept_base == kept_ours

    # One typographic character (an en dash, as pasted from a news headline) anywhere in the file:
    # the cheap pre-check of store.text.json_needs_cleaning can no longer rule cleaning out.
    dashed = big.folder / "frontlines-dash.json"
    raw = big.ours.read_bytes()
    marker = b'"title":"'
    dashed.write_bytes(raw.replace(marker, marker + "\u2013 ".encode(), 1))
    del raw
    runs = max(1, min(RUNS, 3))
    ours_dashed, _ = median_of(lambda: FrontlinesStorage(dashed, readonly=True).read(), runs)
    report.add("a", "read: storage.read(), one '\u2013' in the file", baseline="JSONStorage.read() (as above)",
               base=base_read, ours=ours_dashed, runs=runs,
               note="any \\, U+0080-U+00BF or U+2000-U+2FFF character sends every read and write through the regex scan")

    # The claim in store/storage.py: reading is faster than stock (at full size: see the module doc).
    if big.counts["events"] >= FULL_SIZE:
        assert base_read / ours_read_t > 1, f"FrontlinesStorage read {ours_read_t:.3f} s vs stock {base_read:.3f} s"


def test_write_whole_file(big: BigFiles, report: Report) -> None:
    data = read_tables(big.ours)
    stock_path = big.folder / "write-stock.json"
    ours_path = big.folder / "write-ours.json"
    stock = JSONStorage(str(stock_path))
    ours = FrontlinesStorage(ours_path, create=True)
    try:
        base, mine, _, _ = compare(lambda: stock.write(data), lambda: ours.write(data))
    finally:
        stock.close()
        ours.close()
    data = None  # let the tables go before the next measure
    report.add("a", "write: storage.write(), whole db, fsync", baseline="JSONStorage.write() (json.dumps, fsync)",
               base=base, ours=mine, runs=RUNS,
               note="frontlines also cleans text, writes a temp file, fsyncs it and the folder, and renames")
    # the same records as the files written at set-up, byte for byte
    assert stock_path.read_bytes() == big.stock.read_bytes()
    assert ours_path.read_bytes() == big.ours.read_bytes()
    # The claim in store/storage.py: writing is faster than stock.
    assert base / mine > 1, f"FrontlinesStorage write {mine:.3f} s vs stock {base:.3f} s"


# --- (b) opening ---------------------------------------------------------------------


def _stock_everything(big: BigFiles) -> tuple[TinyDB, dict[str, list]]:
    """Stock TinyDB's nearest equivalent of opening: every table's documents, one
    parse, of the same bytes as Store.open reads (frontlines' UTF-8 file)."""
    db = TinyDB(str(big.ours), storage=CachingMiddleware(JSONStorage), access_mode="r", encoding="utf-8")
    return db, {name: db.table(name).all() for name in TABLES}


def _orjson_loads(big: BigFiles) -> dict:
    """The floor of any reader of the file: its bytes parsed by orjson, collector off."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return orjson.loads(big.ours.read_bytes())
    finally:
        if enabled:
            gc.enable()


# The targets of issue 9 for Store.open, against baselines measured in the same run.
OPEN_VS_STOCK = 0.8  # at most this many times stock TinyDB's time
OPEN_VS_ORJSON = 1.5  # at most this many times orjson.loads's time (not met: see the note in test_store_open)


def _counts(store: Store) -> dict[str, int]:
    return {
        "meta": 1 if store.meta else 0,
        "sources": len(store.sources),
        "factions": len(store.factions),
        "regions": len(store.regions),
        "periods": len(store.periods),
        "events": len(store.events),
    }


_RSS_SCRIPT = """
import gc, resource, sys
from store.db import Store, TABLES
from tinydb import TinyDB
from tinydb.middlewares import CachingMiddleware
from tinydb.storages import JSONStorage
if sys.argv[1] == "ours":
    held = Store.open(sys.argv[2])
else:
    db = TinyDB(sys.argv[2], storage=CachingMiddleware(JSONStorage), access_mode="r", encoding="utf-8")
    held = {name: db.table(name).all() for name in TABLES}
gc.collect()
try:  # this process's own figures (ru_maxrss would include the forked pytest's)
    with open("/proc/self/status") as status:
        fields = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in status if line.startswith(("VmHWM:", "VmRSS:"))}
    print(fields["VmHWM"], fields["VmRSS"])
except (OSError, KeyError):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    print(peak, peak)
"""


def _rss(big: BigFiles) -> tuple[tuple[int, int], tuple[int, int]]:
    """(peak, resident after the load) of a fresh process doing only the stock
    load of the file, and of one doing only Store.open of it.

    Both run at once (nothing is timed here); each imports the same modules.
    """
    procs = [
        subprocess.Popen([sys.executable, "-c", _RSS_SCRIPT, which, str(big.ours)], stdout=subprocess.PIPE, text=True)
        for which in ("stock", "ours")
    ]
    outs = [proc.communicate(timeout=300)[0].split() for proc in procs]
    assert all(proc.returncode == 0 for proc in procs)
    (base_peak, base_now), (ours_peak, ours_now) = ([int(v) for v in out] for out in outs)
    return (base_peak, base_now), (ours_peak, ours_now)


def test_store_open(big: BigFiles, report: Report) -> None:
    def stock_open() -> tuple[TinyDB, dict[str, list]]:
        db, tables = _stock_everything(big)
        db.close()
        return db, tables

    def ours_open() -> Store:
        store = Store.open(big.ours)
        store.close()
        return store

    def counts(result: Any) -> dict[str, int]:
        if isinstance(result, Store):
            return _counts(result)
        tables = result[1] if isinstance(result, tuple) else result
        # (The synthetic file has no claims table: stock TinyDB reads it as empty.)
        return {n: len(d) for n, d in tables.items() if n in big.counts}

    runs = max(3, min(RUNS, 5))
    times, kept = compare_many({"stock": stock_open, "orjson": lambda: _orjson_loads(big), "ours": ours_open},
                               runs=runs, keep=counts)
    ours = times["ours"]
    report.add("b", "Store.open: time", baseline="stock TinyDB+CachingMiddleware, all() x6",
               base=times["stock"], ours=ours, runs=runs,
               note=f"same bytes; the baseline only parses and wraps documents: no typed records, no indexes, "
                    f"no checks. Target: at most {OPEN_VS_STOCK}x its time (ratio at least {1 / OPEN_VS_STOCK:.2f}x)")
    report.add("b", "Store.open: time", baseline="orjson.loads(file bytes), GC off",
               base=times["orjson"], ours=ours, runs=runs,
               note=f"read + parse only, every reader's floor. Target: at most {OPEN_VS_ORJSON}x its time; "
                    f"Store.open takes {ours / times['orjson']:.2f}x"
                    + ("" if ours <= OPEN_VS_ORJSON * times["orjson"] else
                       " (not met, so not asserted: checking and building the 100,000 events alone takes "
                       "about as long as the parse; see issue 9)"))
    assert kept["stock"] == kept["ours"] == kept["orjson"] == big.counts
    assert ours <= OPEN_VS_STOCK * times["stock"], (
        f"Store.open {ours:.3f} s is {ours / times['stock']:.2f}x stock TinyDB ({times['stock']:.3f} s); "
        f"the target is {OPEN_VS_STOCK}x"
    )

    base_peak, base_held, result = traced(lambda: _stock_everything(big))
    result[0].close()
    del result
    ours_peak, ours_held, store = traced(lambda: Store.open(big.ours))
    report.add("b", "Store.open: peak memory (tracemalloc)", baseline="same stock load",
               base=base_peak, ours=ours_peak, kind="bytes", runs=1,
               note="orjson reserves a worst-case parse buffer, counted here even where never touched")
    report.add("b", "Store.open: memory held after open", baseline="same stock load (documents kept)",
               base=base_held, ours=ours_held, kind="bytes", runs=1,
               note="traced bytes still allocated once the open store (or the stock documents) is returned")
    try:
        elapsed, problems = median_of(store.validate, 1, keep=list)
    finally:
        store.close()
        del store
    report.add("b", "Store.validate() (every integrity check)", ours=elapsed, runs=1)
    assert problems == []

    (base_peak_rss, base_rss), (ours_peak_rss, ours_rss) = _rss(big)
    report.add("b", "Store.open: peak RSS of a fresh process", baseline="same stock load (VmHWM)",
               base=base_peak_rss, ours=ours_peak_rss, kind="bytes", runs=1,
               note="the operating system's view, interpreter and imports included")
    report.add("b", "Store.open: resident memory after open", baseline="same stock load (VmRSS, documents kept)",
               base=base_rss, ours=ours_rss, kind="bytes", runs=1,
               note="after a collection, the store (or the stock documents) still held")


# --- (c) lookups -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def opened(big: BigFiles) -> Iterator[Store]:
    with Store.open(big.ours) as store:
        gc.collect()
        yield store


@pytest.fixture(scope="module")
def stock_memory(big: BigFiles) -> Iterator[TinyDB]:
    """Stock TinyDB over the same records, in memory: a baseline of scans without file parsing."""
    tables = read_tables(big.ours)
    db = TinyDB(storage=MemoryStorage)
    db.storage.write({"periods": tables["periods"], "events": tables["events"]})
    del tables
    gc.collect()  # settle the collector after the parse, so the first timed lookup does not pay for it
    yield db
    db.close()


def _leaf(store: Store) -> str:
    leaves = sorted(r.id for r in store.regions.values() if r.level == "community" and store.history(r.id))
    return leaves[len(leaves) // 2]


def _district(store: Store) -> str:
    districts = sorted(
        (len(store.descendants(r.id)), r.id) for r in store.regions.values() if r.level == "district"
    )
    return districts[len(districts) // 2][1]


def test_control(opened: Store, stock_memory: TinyDB, report: Report) -> None:
    store = opened
    leaf = _leaf(store)
    root = store.roots()[0].id
    periods = stock_memory.table("periods")
    q = Query()
    iso = DAY.isoformat()

    # A leaf: bisect in the region's own periods vs a scan of the periods table.
    def stock_period_at() -> dict | None:
        periods.clear_cache()
        hits = [p for p in periods.search(q.region == leaf) if p["from"] <= iso and (p["to"] is None or iso <= p["to"])]
        return hits[0] if hits else None

    ours = per_call(lambda: store.period_at(leaf, DAY))
    base = per_call(stock_period_at)
    report.add("c", f"period_at(leaf {leaf})", baseline="stock search(region == leaf), in memory",
               base=base, ours=ours, runs=7)
    assert store.period_at(leaf, DAY).id == stock_period_at()["id"]
    report.add("c", f"control(leaf {leaf})", ours=per_call(lambda: store.control(leaf, DAY)), runs=7)

    # The root: derived from every unit below it.
    covering = (q["from"] <= iso) & ((q.to == None) | (q.to >= iso))  # noqa: E711 (a TinyDB query)

    def stock_root() -> Counter:
        periods.clear_cache()
        return Counter(p["faction"] for p in periods.search(covering))

    gc.collect()
    start = time.perf_counter()
    control = store.control(root, DAY)
    cold = time.perf_counter() - start
    units = len(store.units(root))
    warm = per_call(lambda: store.control(root, DAY))
    base = per_call(stock_root)
    report.add("c", f"control(root), first call ({units:,} units)", baseline="stock scan: periods covering the day",
               base=base, ours=cold, runs=1, note="the first call also finds and caches the root's units")
    report.add("c", "control(root), again", baseline="same stock scan", base=base, ours=warm, runs=7)
    assert control.derived and control.breakdown is not None
    ours_by_faction = {s.key: s.count for s in control.breakdown.by_faction}
    # Units no period covers that day are counted too, as not recorded; the stock scan cannot see them.
    not_recorded = ours_by_faction.pop(NOT_RECORDED, 0)
    assert ours_by_faction == dict(stock_root())
    assert not_recorded == units - sum(stock_root().values())


def test_search_and_resolve(opened: Store, report: Report) -> None:
    store = opened
    leaf = store.regions[_leaf(store)]
    district = store.regions[_district(store)]

    hits = store.search(leaf.name)
    assert leaf.id in {m.region.id for m in hits}
    report.add("c", f"search({leaf.name!r})", ours=per_call(lambda: store.search(leaf.name)), runs=7,
               note=f"{len(hits)} hit(s); every search also scans all name labels for substrings")

    prefix = leaf.name[:3]
    hits = store.search(prefix)
    report.add("c", f"search({prefix!r}), a 3-letter prefix", ours=per_call(lambda: store.search(prefix)), runs=7,
               note=f"{len(hits)} hit(s) (limit 50)")

    resolution = store.resolve(district.name)
    assert resolution.chosen is not None or resolution.ambiguous
    report.add("c", f"resolve({district.name!r}), a district's name",
               ours=per_call(lambda: store.resolve(district.name)), runs=7,
               note="chosen: " + (resolution.chosen.id if resolution.chosen else
                                  f"none, {len(resolution.candidates)} equally good candidates"))

    misspelt = "Qxzlwvt Mayrr"
    resolution = store.resolve(misspelt)
    assert resolution.chosen is None and not resolution.candidates
    report.add("c", f"resolve({misspelt!r}), no match", ours=per_call(lambda: store.resolve(misspelt), runs=5),
               runs=5, note="falls back to difflib suggestions over every distinct name")


def test_events_query(big: BigFiles, opened: Store, stock_memory: TinyDB, report: Report) -> None:
    store = opened
    district = _district(store)
    places = sorted(store.descendants(district))
    condition = Query().places.any(places)

    def stock_file() -> list:
        db = TinyDB(str(big.stock))  # a fresh handle: no query cache, the file is parsed again
        try:
            return db.table("events").search(condition)
        finally:
            db.close()

    events = stock_memory.table("events")

    def stock_in_memory() -> list:
        events.clear_cache()
        return events.search(condition)

    ids = {e.id for e in store.events_query(place=district)}
    ours = per_call(lambda: store.events_query(place=district))
    runs = max(1, min(RUNS, 3))
    base_file, kept_file = median_of(stock_file, runs, keep=lambda docs: {d["id"] for d in docs})
    base_memory, kept_memory = median_of(stock_in_memory, runs, keep=lambda docs: {d["id"] for d in docs})
    label = f"events_query(place={district})"
    report.add("c", label, baseline="stock search(places.any(...)), file",
               base=base_file, ours=ours, runs=runs,
               note=f"{len(ids):,} events in {len(places)} places; stock TinyDB parses the file on every query")
    report.add("c", label, baseline="same stock search, in memory (no parse)",
               base=base_memory, ours=ours, runs=runs)
    assert ids == kept_file == kept_memory and ids

    root = store.roots()[0].id
    count = len(store.events_query(place=root))
    report.add("c", "events_query(place=root), every event", ours=per_call(lambda: store.events_query(place=root), runs=3),
               runs=3, note=f"{count:,} events")
    assert count == big.counts["events"]
