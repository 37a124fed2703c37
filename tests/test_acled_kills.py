"""``frontlines import acled`` killed at random moments: one transaction or nothing.

The console script imports a generated ACLED file (fixtures/acled_synth.py)
into a fresh copy of the bundled database, and is killed with SIGKILL or
interrupted with SIGINT (what Ctrl+C sends) at a seeded random moment: a
third of them between 0 and the time a whole import takes (measured once per
test, with the moment its history file appears, just before its change is
written), the rest between that moment in the killed run itself and the end,
so kills land on both sides of the commit whatever the machine's speed.
After every kill the database opens, ``validate`` finds nothing an
uninterrupted import would not, and EITHER the file is byte-identical and
no change is in effect, OR the whole import is in effect (every record as an
uninterrupted import leaves it). The test counts kills on each side and
insists on a few of each, so drifting timing makes it fail rather than pass
without testing anything. The first database killed on each side is then
imported again, twice: the runs must leave what uninterrupted runs leave.

A Ctrl+C that lands inside frontlines's code exits 130 with one line saying
whether the import was saved. One that lands while Python is still starting
(before the console script has imported ``tui.cli`` and called its main) is
Python's own: a traceback of the imports, no frontlines function ran; the
test checks that nothing was written then and that no frame is in one.

``FRONTLINES_KILL_SEED=N`` repeats the draws; ``FRONTLINES_ACLED_KILLS``
sets the number of kills of each signal.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest

import tui.cli
from fixtures import acled_synth
from store import Store
from store.history import History, history_path
from store.locate import bundled_path
from test_cli import EXE, env, run  # noqa: F401  (env is a fixture)
from test_history_kills import CHECKED, HANG

ROWS = 3000
KILLS = int(os.environ.get("FRONTLINES_ACLED_KILLS") or 25)  # of each signal
LEAST = 3  # kills wanted on each side of the commit
SAMPLE = Path(__file__).parent / "data" / "acled-sample.csv"
INTERRUPTED = "frontlines: "  # then "import acled: interrupted..." (or "interrupted..." if before the command was read)
NOTHING = "nothing was written"
SAVED = "interrupted after the import was saved"

# A traceback frame in a function of frontlines (not the top of a module being imported).
IN_FRONTLINES = re.compile(r'[/\\](?:tui|store|fixtures)[/\\][^"]*", line \d+, in (?!<module>)')

Records = dict[str, dict[str, str]]


def _records(store: Store) -> Records:
    # repr: every field (some record classes compare by identity)
    return {table: {k: repr(r) for k, r in getattr(store, table).items()} for table in CHECKED}


def _differences(have: Records, want: Records) -> list[str]:
    found = []
    for table in CHECKED:
        a, b = have[table], want[table]
        if a != b:
            found.append(f"{table}: missing {sorted(set(b) - set(a))[:3]}, extra {sorted(set(a) - set(b))[:3]}, "
                         f"different {sorted(k for k in set(a) & set(b) if a[k] != b[k])[:3]}")
    return found


@dataclass
class Reference:
    """What uninterrupted imports leave, and the database before them."""

    file: Path
    original: bytes
    states: list[Records]  # the records after 0, 1, 2 and 3 uninterrupted imports of the file
    problems: set[str]  # what validate says after them (nothing new may appear after a kill)
    imported: int  # ACLED events

    @property
    def before(self) -> Records:
        return self.states[0]

    @property
    def after(self) -> Records:
        return self.states[1]


def _acled_events(records: Records) -> int:
    return sum(1 for k in records["events"] if k.startswith("acled-SYR1"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """The generated file, and uninterrupted imports of it, in-process (the
    command's own uninterrupted run is compared with them in each test)."""
    from store.acled import commit_plan, plan_import

    folder = tmp_path_factory.mktemp("acled")
    db = folder / "damascus.json"
    shutil.copyfile(bundled_path(), db)
    original = db.read_bytes()
    tables = orjson.loads(original)
    places = [r for r in tables["regions"].values() if r.get("level") == "community" and r.get("lat") is not None]
    path = acled_synth.write(folder / "acled.csv", ROWS, places)
    states, problems = [], set()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FRONTLINES_AUTHOR", "analyst")
        patch.setenv("FRONTLINES_DEVICE", "desk")
        for imports in range(4):
            if imports:
                with Store.open(db, readonly=False) as store:
                    commit_plan(store, plan_import(store, path))
            with Store.open(db) as store:
                states.append(_records(store))
                problems |= {str(p) for p in store.validate()}
    assert not problems, sorted(problems)[:5]  # an uninterrupted import validates clean
    imported = _acled_events(states[1])
    assert imported > ROWS // 2, "the generated rows did not become events"
    return Reference(path, original, states, problems, imported)


@pytest.fixture
def user(env: dict[str, str], tmp_path: Path) -> dict[str, str]:  # noqa: F811
    return {**env, "FRONTLINES_AUTHOR": "analyst", "FRONTLINES_DEVICE": "desk",
            "FRONTLINES_CONFIG": str(tmp_path / "c.toml"), "FRONTLINES_STATE": str(tmp_path / "s.json")}


def _fresh(folder: Path, original: bytes) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    db = folder / "damascus.json"
    db.write_bytes(original)
    return db


def _command(db: Path, file: Path) -> list[str]:
    return [EXE, "--db", str(db), "import", "acled", str(file)]


def _state(db: Path, ref: Reference, what: str) -> str:
    """'before' (nothing of the import) or 'after' (all of it); fails the test on anything else."""
    try:
        store = Store.open(db)
    except Exception as exc:  # noqa: BLE001 - the failure is what the test reports
        raise AssertionError(f"{what}: the database does not open: {exc}") from None
    with store:
        new = sorted({str(p) for p in store.validate()} - ref.problems)
        assert not new, f"{what}: validate finds what an uninterrupted import does not: {new[:3]}"
        records = _records(store)
        log = store.log()
    if records == ref.before:
        assert db.read_bytes() == ref.original, f"{what}: no import in effect, but the database file changed"
        assert log == [], f"{what}: no import in effect, but the history has {len(log)} changes in effect"
        return "before"
    wrong = _differences(records, ref.after)
    assert not wrong, f"{what}: neither the database as it was nor the whole import: {wrong}"
    assert [c.kind for c in log] == ["import"], f"{what}: the import is in effect, the history has {log}"
    return "after"


@dataclass
class Timing:
    total: float  # seconds, start to exit
    commit: float  # seconds until the history file appeared (its change is written next)


def _timed_import(db: Path, ref: Reference, user: dict[str, str]) -> Timing:
    """One uninterrupted run of the command: the same records as the reference, and how long it took."""
    start = time.monotonic()
    proc = subprocess.Popen(_command(db, ref.file), env=user, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    changes = history_path(db)
    commit = None
    while proc.poll() is None:
        if commit is None and changes.exists():
            commit = time.monotonic() - start
        time.sleep(0.002)
    total = time.monotonic() - start
    out, err = proc.communicate()
    assert proc.returncode == 0, err.decode(errors="replace")
    assert b": imported" in out, out
    assert _state(db, ref, "the uninterrupted run") == "after"
    with Store.open(db) as store:
        assert _acled_events(_records(store)) == ref.imported
        assert store.pending_changes == 0  # compacted
    return Timing(total, commit if commit is not None else total)


def _moments(rng: random.Random, timing: Timing, count: int) -> list[tuple[bool, float]]:
    """``count`` moments to kill at, in a random order: (False, seconds after the start)
    for a third, spread over the whole run; (True, seconds after the history file
    appeared in that run) for the rest, spread from then to the end, so they land
    as the change is written and during the compaction whatever the machine's
    speed. Each drawn in its own slice of its span (stratified)."""
    found = []
    whole = count // 3
    for after_history, span, n in [(False, timing.total, whole), (True, timing.total - timing.commit, count - whole)]:
        found += [(after_history, span * (i + rng.random()) / n) for i in range(n)]
    rng.shuffle(found)
    return found


def _kill(db: Path, ref: Reference, user: dict[str, str], sig: int, moment: tuple[bool, float]) -> tuple[int, str, str]:
    proc = subprocess.Popen(_command(db, ref.file), env=user, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    after_history, delay = moment
    if after_history:
        changes, deadline = history_path(db), time.monotonic() + HANG
        while not changes.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.001)
    time.sleep(delay)
    proc.send_signal(sig)  # nothing if it has already ended
    try:
        out, err = proc.communicate(timeout=HANG)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError(f"the import hung after {signal.Signals(sig).name}") from None
    return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")


def _import_again(saved: Path, ref: Reference, user: dict[str, str], what: str) -> None:
    """After an interrupted import, running it again completes it as an uninterrupted
    one would, and a third run changes nothing (whatever uninterrupted runs do)."""
    db = saved / "damascus.json"
    imports = {"before": 0, "after": 1}[_state(db, ref, what)]
    for again in ("imported again", "imported a third time"):
        data, changes = db.read_bytes(), history_path(db).read_bytes() if history_path(db).exists() else b""
        proc = run(user, *_command(db, ref.file)[1:])
        assert proc.returncode == 0, f"{what}, {again}: {proc.stderr}"
        imports += 1
        with Store.open(db) as store:
            records = _records(store)
            problems = {str(p) for p in store.validate()}
            log = store.log()
            torn = History.read(db, store._storage.identity if store._storage else None).torn
        wrong = _differences(records, ref.states[imports])
        assert not wrong, f"{what}, {again}: not what {imports} uninterrupted imports leave: {wrong}"
        assert records["events"] == ref.after["events"], f"{what}, {again}: the events differ"
        assert problems <= ref.problems, f"{what}, {again}: validate: {sorted(problems - ref.problems)[:3]}"
        assert not torn, f"{what}, {again}: the line a kill cut short is still in the history"
        if ref.states[imports] == ref.states[imports - 1]:  # uninterrupted, this run would change nothing
            assert ": nothing to change" in proc.stdout, f"{what}, {again}: {proc.stdout}"
            assert (db.read_bytes(), history_path(db).read_bytes()) == (data, changes), f"{what}, {again}: it wrote"
        else:
            assert ": imported" in proc.stdout and log[-1].kind == "import", f"{what}, {again}: {proc.stdout}"


def _kill_many(tmp_path: Path, ref: Reference, user: dict[str, str], sig: int) -> None:
    seed = int(os.environ.get("FRONTLINES_KILL_SEED") or random.randrange(10**9))
    rng = random.Random(seed)
    name = signal.Signals(sig).name
    timing = _timed_import(_fresh(tmp_path / "timed", ref.original), ref, user)
    counts = {"before": 0, "after": 0, "finished": 0, "python starting": 0}
    saved: dict[str, Path] = {}
    for kill, moment in enumerate(_moments(rng, timing, KILLS), 1):
        folder = tmp_path / "round"
        db = _fresh(folder, ref.original)
        status, out, err = _kill(db, ref, user, sig, moment)
        when = "the history file appeared" if moment[0] else "the start"
        what = (f"{name} seed {seed}, kill {kill}, {moment[1]:.3f} s after {when} (a whole import: "
                f"{timing.total:.2f} s, the history file at {timing.commit:.2f} s)")
        state = _state(db, ref, what)
        if status == 0 or "rows rejected" in out:
            # It finished first (the signal, if it came, landed as Python exited).
            assert state == "after", what
            counts["finished"] += 1
            continue
        if sig == signal.SIGKILL:
            assert status == -signal.SIGKILL, f"{what}: exit status {status}: {err}"
        elif status != 130:
            # Python itself was still starting: its own traceback (or none), before
            # the console script reached frontlines's main.
            assert state == "before", f"{what}: exit status {status}, and the import is in effect: {err}"
            assert not IN_FRONTLINES.search(err), f"{what}: a traceback from frontlines's own code: {err}"
            counts["python starting"] += 1
            continue
        else:  # Ctrl+C in frontlines: one clean line, true to what was kept
            lines = err.splitlines()
            assert len(lines) == 1 and lines[0].startswith(INTERRUPTED) and "interrupted" in lines[0], (
                f"{what}: stderr {err!r}")
            if state == "before":
                assert lines[0].endswith(NOTHING), f"{what}: nothing was written, yet: {lines[0]!r}"
            else:
                assert SAVED in lines[0] and NOTHING not in lines[0], f"{what}: it was written, yet: {lines[0]!r}"
        counts[state] += 1
        # Kept for importing again: the first on each side, and the first killed
        # once its history file was begun (its last line possibly cut short).
        kind = "before, the history begun" if state == "before" and history_path(db).exists() else state
        if kind not in saved:
            saved[kind] = folder.rename(tmp_path / f"kept-{len(saved)}")
    print(f"\n{name} seed {seed}: {counts} (a whole import {timing.total:.2f} s)")
    for state in ("before", "after"):
        assert counts[state] >= LEAST, (
            f"{name} seed {seed}: only {counts[state]} of {KILLS} kills landed {state} the import's change was "
            f"durable ({counts}); the import's timing has drifted from the delays drawn (a whole import took "
            f"{timing.total:.2f} s, its history file appeared at {timing.commit:.2f} s): adjust ROWS or the draws"
        )
    for kind, folder in saved.items():
        _import_again(folder, ref, user, f"{name} seed {seed}: the first database killed {kind} the commit")


@pytest.mark.slow
def test_sigkill_at_random_moments_leaves_all_of_the_import_or_nothing(
        tmp_path: Path, reference: Reference, user: dict[str, str]) -> None:
    _kill_many(tmp_path, reference, user, signal.SIGKILL)


@pytest.mark.slow
def test_ctrl_c_at_random_moments_leaves_all_of_the_import_or_nothing_and_says_which(
        tmp_path: Path, reference: Reference, user: dict[str, str]) -> None:
    _kill_many(tmp_path, reference, user, signal.SIGINT)


# --- Ctrl+C at a chosen step, in-process through the command's main ---------------------------


def _interrupt_at(monkeypatch: pytest.MonkeyPatch, spec: str, *, after: bool = False) -> None:
    """The function ``module:Class.name`` (or ``module:name``) raises KeyboardInterrupt,
    before doing its work or (``after``) once it has done it."""
    import importlib

    module, _, path = spec.partition(":")
    *owners, name = path.split(".")
    owner: object = importlib.import_module(module)
    for part in owners:
        owner = getattr(owner, part)
    original = getattr(owner, name)

    def interrupted(*args: object, **kwargs: object) -> object:
        if after:
            original(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(owner, name, interrupted)


def _main(db: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    status = tui.cli.main(["--db", str(db), "import", "acled", str(SAMPLE)])
    return status, capsys.readouterr().err.splitlines()


@pytest.mark.parametrize("spec", [
    "store.acled:plan_import",  # while the file is read and planned
    "store.edits:_built",  # in the commit, before its change is written
    "store.history:History.append",  # as its change is being written
])
def test_ctrl_c_before_the_change_is_written_leaves_the_file_and_says_so(
        editable_db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, spec: str) -> None:
    _interrupt_at(monkeypatch, spec)
    data = editable_db.read_bytes()
    status, lines = _main(editable_db, capsys)
    monkeypatch.undo()
    assert (status, lines) == (130, ["frontlines: import acled: interrupted; nothing was written"])
    assert editable_db.read_bytes() == data
    with Store.open(editable_db) as store:
        assert store.log() == [] and "acled-SYR90001" not in store.events


@pytest.mark.parametrize(("spec", "kept"), [
    # Its line written whole, interrupted before the commit returned.
    ("store.history:History.append", "until the next compaction"),
    # Interrupted in the compaction (the file written, not yet noted as such).
    ("store.edits:compact", "until the next compaction"),
    # Interrupted after it all, while closing.
    ("store.db:Store.close", "it is all in the database"),
])
def test_ctrl_c_once_the_change_is_written_keeps_it_and_says_so(
        editable_db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        spec: str, kept: str) -> None:
    _interrupt_at(monkeypatch, spec, after=True)
    status, lines = _main(editable_db, capsys)
    monkeypatch.undo()
    assert status == 130 and len(lines) == 1, lines
    assert lines[0].startswith("frontlines: import acled: interrupted after the import was saved"), lines
    assert kept in lines[0], lines
    with Store.open(editable_db) as store:
        assert [c.kind for c in store.log()] == ["import"]
        assert "acled-SYR90004" in store.events


def test_two_territory_rows_on_a_claim_covered_place_leave_validate_clean(editable_db: Path, tmp_path: Path) -> None:
    from store.acled import commit_plan, plan_import

    with Store.open(editable_db) as store:
        place = next(r for r in store.regions.values()
                     if r.level == "community" and r.lat is not None and r.id in store._claim_periods
                     and not any(p.region == r.id and p.claim is None for p in store.periods.values()))
        record = {"name": place.name, "lat": place.lat, "lon": place.lon, "alt_names": []}
    header, *_ = SAMPLE.read_text(encoding="utf-8").splitlines()
    rows = [
        f"SYR70001,2017-03-01,2017,1,Political violence,Battles,Non-state actor overtakes territory,"
        f"Jaish al Islam,,2,Military Forces of Syria (2000-),,1,12,,760,Middle East,Syria,Rural Damascus,,,"
        f"{record['name']},{record['lat']:.4f},{record['lon']:.4f},1,Local Monitor One,National,Taken.,0,,1600000000",
        f"SYR70002,2017-09-01,2017,1,Political violence,Battles,Government regains territory,"
        f"Military Forces of Syria (2000-),,1,Jaish al Islam,,2,12,,760,Middle East,Syria,Rural Damascus,,,"
        f"{record['name']},{record['lat']:.4f},{record['lon']:.4f},1,Local Monitor One,National,Retaken.,0,,1600000001",
    ]
    path = tmp_path / "claims.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    with Store.open(editable_db, readonly=False) as store:
        plan = plan_import(store, path)
        assert plan.control == 2, plan.notes
        commit_plan(store, plan)
    with Store.open(editable_db) as store:
        assert store.validate() == []


def test_importing_the_generated_file_again_changes_nothing(reference: Reference) -> None:
    assert reference.states[2] == reference.states[1], _differences(reference.states[2], reference.states[1])
