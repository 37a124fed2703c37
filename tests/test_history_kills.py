"""A writer killed at random moments, hundreds of times: SIGKILL (nothing runs
after it) and SIGINT (KeyboardInterrupt wherever the writer was, then its
``with`` blocks unwind). After every kill the database must open, pass
``validate``, and hold every change the writer acknowledged (returned from
the edit call), with its effect.

The writers are children forked by tests/edit_worker.py (one interpreter for
all of them); each edits a copy of the bundled database (changes of control,
events, undo, redo) and compacts every few edits, so kills land during
compactions too: the test counts those and insists on enough of them. The
database is reused from one kill to the next (a fresh copy every 50 kills,
so the history stays the size a field laptop's would).

The draws are seeded: a failure names the seed and the kill;
``FRONTLINES_KILL_SEED=N`` repeats the draws (the kills' timing still varies).
``-m slow`` selects these tests, ``-m "not slow"`` leaves them out.
"""

from __future__ import annotations

import os
import random
import selectors
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
import orjson
import pytest

from store import Store
from store.edits import apply_ops
from store.history import ChangeRecord
from store.parse import build_records
from store.storage import read_tables

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "fixtures" / "damascus.json"
WORKER = Path(__file__).resolve().parent / "edit_worker.py"
KILLS = int(os.environ.get("FRONTLINES_KILLS") or 200)  # of each signal (the issue: at least 200)
FRESH_EVERY = 50
CHECKED = ("sources", "factions", "regions", "periods", "events", "claims")
HANG = 60.0  # seconds without a line from the worker: it hung (not a speed limit)


@pytest.fixture
def worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Worker]:
    monkeypatch.setenv("FRONTLINES_AUTHOR", "field officer")
    monkeypatch.setenv("FRONTLINES_DEVICE", "laptop1")
    monkeypatch.setenv("FRONTLINES_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("FRONTLINES_STATE", str(tmp_path / "state"))
    found = Worker(tmp_path / "worker-stderr.txt")
    yield found
    found.stop()


class Worker:
    """The fork server, and the lines its children write."""

    def __init__(self, stderr_path: Path) -> None:
        self.stderr_path = stderr_path
        self._stderr = stderr_path.open("wb")
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, env=env
        )
        assert self.proc.stdout is not None
        self._fd = self.proc.stdout.fileno()
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._fd, selectors.EVENT_READ)
        self._buffer = b""

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def line(self, timeout: float | None = HANG) -> str | None:
        """The next line, or None if none came within ``timeout``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not self._selector.select(left):
                return None
            chunk = os.read(self._fd, 65536)
            if not chunk:
                raise AssertionError(f"the edit worker ended: {self.stderr()}")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode()

    def stderr(self) -> str:
        self._stderr.flush()
        return self.stderr_path.read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                self.send("quit")
                self.proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self._stderr.close()


@dataclass
class Round:
    pid: int
    acks: list[str] = field(default_factory=list)
    compactions: int = 0  # begun
    finished: int = 0  # of those, finished
    status: int = 0

    @property
    def in_compaction(self) -> bool:
        return self.compactions > self.finished


def _take(round_: Round, line: str) -> bool:
    """Note a line of the child's; True once the server reaped it."""
    word, pid, *rest = line.split()
    assert int(pid) == round_.pid, f"a line from another child: {line!r}"
    if word == "ack":
        round_.acks.append(rest[0])
    elif word == "compacting":
        round_.compactions += 1
    elif word == "compacted":
        round_.finished += 1
    elif word == "exit":
        round_.status = int(rest[0])
        return True
    return False


def _run_once(worker: Worker, db: Path, rng: random.Random, sig: int) -> Round:
    worker.send(f"run {db} {rng.randrange(2**32)} {rng.randint(2, 6)}")
    first = worker.line()
    assert first is not None and first.startswith("child "), f"the child did not start: {first!r} {worker.stderr()}"
    round_ = Round(int(first.split()[1]))
    moment = rng.random()
    reaped = False
    if moment < 0.3:  # any time at all
        time.sleep(rng.uniform(0, 0.04))
    elif moment < 0.6:  # after a few acknowledged edits
        wanted = rng.randint(1, 8)
        while len(round_.acks) < wanted and not reaped:
            reaped = _take(round_, worker.line() or "")
        time.sleep(rng.uniform(0, 0.004))
    else:  # once a compaction has begun, somewhere inside it
        while not round_.compactions and not reaped:
            reaped = _take(round_, worker.line() or "")
        time.sleep(rng.uniform(0, 0.012))
    assert not reaped, f"the child ended before it was killed (status {round_.status}): {worker.stderr()}"
    os.kill(round_.pid, sig)
    while not _take(round_, worker.line() or ""):
        pass
    return round_


class Expected:
    """The records the database must hold: the bundled data with every change in its log applied."""

    def __init__(self) -> None:
        self.tables = read_tables(FIXTURE)
        self.doc_ids: dict[str, dict[str, str]] = {}
        self.seen = 0

    def catch_up(self, log: list[ChangeRecord]) -> list[ChangeRecord]:
        new = log[self.seen :]
        for change in new:
            apply_ops(self.doc_ids, self.tables, change.ops)
        self.seen = len(log)
        return new

    def differences(self, store: Store) -> list[str]:
        found = []
        for table in CHECKED:
            # repr: every field (some record classes compare by identity)
            want = {r.id: repr(r) for r in build_records(str(FIXTURE), table, self.tables.get(table) or {})}
            have = {k: repr(r) for k, r in getattr(store, table).items()}
            if want != have:
                missing = sorted(set(want) - set(have))[:3]
                extra = sorted(set(have) - set(want))[:3]
                changed = sorted(k for k in set(want) & set(have) if want[k] != have[k])[:3]
                found.append(f"{table}: missing {missing}, extra {extra}, different {changed}")
        return found


def _check(db: Path, expected: Expected, round_: Round, acked: list[str]) -> str | None:
    """What is wrong with the database after a kill, or None."""
    try:
        store = Store.open(db)
    except Exception as exc:  # noqa: BLE001 - the failure is what the test reports
        return f"the database does not open: {exc}"
    with store:
        problems = store.validate()
        if problems:
            return f"validate: {problems[:3]}"
        log = store.log()
        ids = [c.id for c in log]
        if len(set(ids)) != len(ids):
            return "a change is in the log twice"
        position = {cid: n for n, cid in enumerate(ids)}
        lost = [cid for cid in acked if cid not in position]
        if lost:
            return f"acknowledged changes missing from the log: {lost[:3]}"
        if [position[cid] for cid in acked] != sorted(position[cid] for cid in acked):
            return "the acknowledged changes are not in the log in the order they were made"
        new = [c.id for c in expected.catch_up(log)]
        # This round's acknowledged changes, then at most one more: made
        # durable, killed before it said so.
        if new[: len(round_.acks)] != round_.acks or len(new) > len(round_.acks) + 1:
            return f"acknowledged {round_.acks}, the log has {new}"
        wrong = expected.differences(store)
        if wrong:
            return f"the records are not those of the log: {wrong}"
    return None


def _kill_many(worker: Worker, tmp_path: Path, sig: int) -> None:
    seed = int(os.environ.get("FRONTLINES_KILL_SEED") or random.randrange(10**9))
    rng = random.Random(seed)
    name = signal.Signals(sig).name
    db = tmp_path / "damascus.json"
    during_compaction = 0
    acked: list[str] = []
    expected = Expected()
    for kill in range(1, KILLS + 1):
        if kill % FRESH_EVERY == 1:
            if kill > 1:
                _final_check(db, expected, f"{name} seed {seed}, after kill {kill - 1}")
            for old in tmp_path.glob("*damascus.json*"):
                old.unlink()
            shutil.copyfile(FIXTURE, db)
            acked, expected = [], Expected()
        round_ = _run_once(worker, db, rng, sig)
        if sig == signal.SIGKILL:
            ended = os.WIFSIGNALED(round_.status) and os.WTERMSIG(round_.status) == signal.SIGKILL
        else:  # KeyboardInterrupt, the store closed by its with block, then exit 130
            ended = os.WIFEXITED(round_.status) and os.WEXITSTATUS(round_.status) == 130
        assert ended, (
            f"{name} seed {seed}, kill {kill}: the writer ended with status {round_.status}, "
            f"not by the signal: {worker.stderr()}"
        )
        acked.extend(round_.acks)
        during_compaction += round_.in_compaction
        wrong = _check(db, expected, round_, acked)
        assert wrong is None, f"{name} seed {seed}, kill {kill} (during a compaction: {round_.in_compaction}): {wrong}"
    _final_check(db, expected, f"{name} seed {seed}, after kill {KILLS}")
    # Enough of the kills hit a compaction for the test to say it covers them.
    assert during_compaction >= KILLS // 10, (
        f"{name} seed {seed}: only {during_compaction} of {KILLS} kills landed during a compaction"
    )


def _final_check(db: Path, expected: Expected, what: str) -> None:
    """A writer opens the database the kills left, compacts it, and it still holds everything."""
    with Store.open(db, readonly=False) as store:
        store.compact()
        assert store.pending_changes == 0
    # A compaction removes the temp files killed compactions left beside the file.
    left = sorted(p.name for p in db.parent.glob(f".{db.name}.*.tmp"))
    assert left == [], f"{what}: temp files left: {left}"
    with Store.open(db) as store:
        assert store.pending_changes == 0
        assert store.validate() == [], what
        assert len(store.log()) == expected.seen, what
        assert expected.differences(store) == [], what
    # The file itself (no history needed) holds every change now.
    tables = read_tables(db)
    for table in ("periods", "events"):
        want = sorted(orjson.dumps(r) for r in (expected.tables.get(table) or {}).values())
        assert sorted(orjson.dumps(r) for r in tables.get(table, {}).values()) == want, what


def test_sigkill_at_random_moments_loses_no_acknowledged_change(worker: Worker, tmp_path: Path) -> None:
    _kill_many(worker, tmp_path, signal.SIGKILL)


def test_sigint_at_random_moments_loses_no_acknowledged_change(worker: Worker, tmp_path: Path) -> None:
    _kill_many(worker, tmp_path, signal.SIGINT)


def test_readers_opening_while_a_writer_edits_and_compacts_see_a_whole_state(worker: Worker, tmp_path: Path) -> None:
    """Each reader opens between (or during) appends and compactions: it must open,
    validate clean, and hold exactly the records of the changes in its log."""
    seed = int(os.environ.get("FRONTLINES_KILL_SEED") or random.randrange(10**9))
    db = tmp_path / "damascus.json"
    shutil.copyfile(FIXTURE, db)
    worker.send(f"run {db} {seed} 2 10")  # a compaction every second edit, 10 ms between edits
    first = worker.line()
    assert first is not None and first.startswith("child "), f"the child did not start: {first!r} {worker.stderr()}"
    round_ = Round(int(first.split()[1]))
    seen: list[list[str]] = []
    expected = Expected()  # caught up reader by reader: each log must extend the one before
    try:
        for number in range(1, 41):
            store = Store.open(db)
            with store:
                log = store.log()
                assert [c.id for c in log[: expected.seen]] == (seen[-1] if seen else []), (
                    f"seed {seed}, reader {number}: the log is not the one the reader before saw, extended"
                )
                expected.catch_up(log)
                wrong = store.validate() or expected.differences(store)
                assert not wrong, f"seed {seed}, reader {number} ({len(log)} changes): {wrong}"
                seen.append([c.id for c in log])
    finally:
        os.kill(round_.pid, signal.SIGKILL)
        while not _take(round_, worker.line() or ""):
            pass
    with Store.open(db) as store:
        final = [c.id for c in store.log()]
    assert all(final[: len(ids)] == ids for ids in seen), f"seed {seed}: a reader saw changes the history does not hold"
    assert len(seen[-1]) > len(seen[0]), f"seed {seed}: the writer made no change while the readers read"
