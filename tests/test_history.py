"""The history of changes beside a database (store/history.py): its file
format, replay on open, compaction, a full disk or a refused write, and the
writer's lock. What a user would notice: the database opens (or says in one
line what is wrong, naming the file and line), holds every change it said it
saved, and is not rewritten when it cannot be read.

The kill tests (a writer killed hundreds of times) are in test_history_kills.py.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
import time
import zlib
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

from store import Store
from store.db import StoreError
from store.edits import stored
from store.storage import DatabaseCorrupt, DatabaseLocked, ReadOnlyError, WriterLock, lock_path

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "fixtures" / "damascus.json"
DUMAIR = "C2346"  # the community; held by the army from 2018-04-20 in the bundled data
SOURCE = "Field notes, Dumair changes hands, https://example.org/dumair"


@pytest.fixture(autouse=True)
def _identity(edit_identity: None) -> None:
    """Author and device fixed, and nothing read from or written to the real home."""


@pytest.fixture
def db(editable_db: Path) -> Path:
    return editable_db


def changes_file(db: Path) -> Path:
    return db.with_name(db.name + ".changes")


def record(store: Store, day: date, faction: str = "isis", status: str = "held", **options: Any) -> Any:
    return store.record_control(DUMAIR, faction, status, day, source=SOURCE, **options)


def holder(store: Store, day: date) -> tuple[str | None, str]:
    period = store.period_at(DUMAIR, day)
    assert period is not None
    return period.faction, period.status


def three_changes(db: Path) -> list[str]:
    """Three changes, none compacted; returns their ids."""
    with Store.open(db, readonly=False) as store:
        return [
            record(store, date(2018, 6, 1)).id,
            record(store, date(2018, 8, 1), "saa").id,
            store.add_event(
                {"type": "agreement", "title": "Talks in Dumair", "date": "2018-07", "places": [DUMAIR],
                 "sources": [SOURCE]}
            ).id,
        ]


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\n")[:-1]


def make_line(payload: dict[str, Any]) -> bytes:
    body = orjson.dumps(payload)
    return b"%08x " % zlib.crc32(body) + body + b"\n"


# --- the bundled data, before anything else ---------------------------------------------


def test_the_bundled_data_validates_clean(db: Path) -> None:
    # The kill tests and the checks below count on it: any problem after an edit is the edit's.
    with Store.open(db) as store:
        assert store.validate() == []


# --- replay on open -----------------------------------------------------------------------


def test_readers_and_writers_see_changes_not_yet_compacted(db: Path) -> None:
    ids = three_changes(db)
    assert db.read_bytes() == FIXTURE.read_bytes()  # nothing folded in yet
    for readonly in (True, False):
        with Store.open(db, readonly=readonly) as store:
            assert [c.id for c in store.log()] == ids
            assert store.pending_changes == 3
            assert holder(store, date(2018, 6, 15)) == ("isis", "held")
            assert holder(store, date(2018, 9, 1)) == ("saa", "held")
            assert [e.title for e in store.events_query(place=DUMAIR) if e.title == "Talks in Dumair"]
            assert store.validate() == []


def test_compaction_folds_changes_into_the_file_and_keeps_the_audit_trail(db: Path) -> None:
    ids = three_changes(db)
    history_before = changes_file(db).read_bytes()
    with Store.open(db, readonly=False) as store:
        assert store.compact() is True
        assert store.pending_changes == 0
        assert store.compact() is False  # nothing left to fold
    assert db.read_bytes() != FIXTURE.read_bytes()
    # The history only grew (a line naming the new version): never shortened.
    assert changes_file(db).read_bytes().startswith(history_before)
    data = orjson.loads(db.read_bytes())
    periods = [r for r in data["periods"].values() if r["region"] == DUMAIR]
    assert any(r["faction"] == "isis" and r["from"] == "2018-06-01" for r in periods)
    for readonly in (True, False):
        with Store.open(db, readonly=readonly) as store:
            assert store.pending_changes == 0
            assert [c.id for c in store.log()] == ids
            assert holder(store, date(2018, 6, 15)) == ("isis", "held")
            assert store.validate() == []


def test_undo_after_compaction_restores_the_file_byte_identical(db: Path) -> None:
    with Store.open(db, readonly=False) as store:
        change = record(store, date(2018, 6, 1))
        store.compact()
        assert db.read_bytes() != FIXTURE.read_bytes()
        undo = store.undo()
        assert undo.reverts == change.id
        store.compact()
    assert db.read_bytes() == FIXTURE.read_bytes()
    with Store.open(db) as store:
        assert [c.kind for c in store.log()] == ["control", "undo"]
        assert store.pending_changes == 0
        assert holder(store, date(2018, 6, 15)) == ("saa", "held")
        # Redo after reopening: the history is the session's undo stack too.
    with Store.open(db, readonly=False) as store:
        assert store.redo().reapplies == change.id
        assert holder(store, date(2018, 6, 15)) == ("isis", "held")


def test_redo_after_undo_writes_the_file_the_change_first_wrote(db: Path) -> None:
    """An event added, undone, redone: the same document numbers, so the same bytes."""
    event = {"type": "agreement", "title": "Talks in Dumair", "date": "2018-07", "places": [DUMAIR], "sources": [SOURCE]}
    with Store.open(db, readonly=False) as store:
        store.add_event(event)
        store.compact()
        first = db.read_bytes()
        store.undo()
        store.compact()
        assert db.read_bytes() == FIXTURE.read_bytes()
        store.redo()
        store.compact()
        assert db.read_bytes() == first
        store.add_event({**event, "title": "More talks"})
    with Store.open(db, readonly=False) as store:  # replayed on open: numbered on from there
        store.compact()
    data = orjson.loads(db.read_bytes())
    assert list(data["events"])[-2:] == [str(len(data["events"]) - 1), str(len(data["events"]))]


def test_a_writer_removes_the_temp_file_a_killed_writer_left_making_the_history(db: Path) -> None:
    three_changes(db)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = db.with_name(f".{db.name}.changes.{int(dead.stdout)}.x1y2z3.tmp")
    left.write_bytes(b"half a history")
    with Store.open(db) as store:  # a reader leaves it
        assert len(store.log()) == 3
    assert left.exists()
    with Store.open(db, readonly=False) as store:
        record(store, date(2018, 10, 1), "fsa")
    assert not left.exists()


def test_a_compaction_that_never_replaced_the_file_counts_for_nothing(db: Path) -> None:
    """Killed between noting a compaction and replacing the file: the note names
    a version that is not on disk, so every change is replayed."""
    ids = three_changes(db)
    with Store.open(db, readonly=False) as store:
        store._history.begin(store._storage.identity)  # type: ignore[union-attr]
        store._history.note_compaction("123:" + "0" * 64)  # type: ignore[union-attr]
    with Store.open(db) as store:
        assert store.pending_changes == 3
        assert [c.id for c in store.log()] == ids
        assert holder(store, date(2018, 6, 15)) == ("isis", "held")


# --- the file format ------------------------------------------------------------------------


@pytest.mark.parametrize("tear", ["no newline", "bad checksum", "garbage"])
def test_a_torn_last_line_is_ignored_then_cut_off_by_the_next_writer(db: Path, tear: str) -> None:
    ids = three_changes(db)
    path = changes_file(db)
    whole = path.read_bytes()
    last = lines(path)[-1] + b"\n"
    torn = {
        "no newline": last[: len(last) // 2],
        "bad checksum": last[:9] + last[9:].replace(b"Talks", b"Tolks"),
        "garbage": b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\n",
    }[tear]
    path.write_bytes(whole + torn)
    with Store.open(db) as store:  # a reader: ignores it, writes nothing
        assert [c.id for c in store.log()] == ids
    assert path.read_bytes() == whole + torn
    with Store.open(db, readonly=False) as store:
        new = record(store, date(2018, 10, 1), "jaysh-al-islam", "contested").id
    after = path.read_bytes()
    assert after.startswith(whole) and torn not in after[len(whole):]
    with Store.open(db) as store:
        assert [c.id for c in store.log()] == [*ids, new]
        assert holder(store, date(2018, 10, 2)) == ("jaysh-al-islam", "contested")


@pytest.mark.parametrize(
    "damage, reason",
    [
        ("flip", "its checksum does not match"),
        ("crc", "not a line of a history file"),
        ("unknown kind", "unknown kind 'merge'"),
        ("no ops", "'ops' must be a non-empty list"),
        ("not json", "invalid JSON"),
    ],
)
def test_a_damaged_middle_line_is_an_error_naming_file_and_line_and_nothing_is_written(
    db: Path, damage: str, reason: str
) -> None:
    three_changes(db)
    path = changes_file(db)
    rows = lines(path)
    second = rows[2]  # line 3: the second change
    if damage == "flip":
        bad = second.replace(b"saa", b"sab", 1)
    elif damage == "crc":
        bad = b"zzzzzzzz" + second[8:]
    else:
        payload = orjson.loads(second[9:])
        if damage == "unknown kind":
            payload["change"]["kind"] = "merge"
            bad = make_line(payload)[:-1]
        elif damage == "no ops":
            payload["change"]["ops"] = []
            bad = make_line(payload)[:-1]
        else:
            body = second[9:-1]  # a checksum that matches text that is not JSON
            bad = b"%08x " % zlib.crc32(body) + body
    rows[2] = bad
    path.write_bytes(b"\n".join(rows) + b"\n")
    db_before, history_before = db.read_bytes(), path.read_bytes()
    for readonly in (True, False):
        with pytest.raises(DatabaseCorrupt) as caught:
            Store.open(db, readonly=readonly)
        message = str(caught.value)
        assert message.startswith(f"{path}: line 3: "), message
        assert reason in message
        assert "\n" not in message
    assert db.read_bytes() == db_before and path.read_bytes() == history_before
    # The writer that was refused let go of the lock.
    assert not _lock_is_taken(db)


def test_a_last_line_that_checks_out_but_says_something_wrong_is_an_error_not_a_tear(db: Path) -> None:
    """Written whole (its checksum matches), so no crash made it: never cut off quietly."""
    three_changes(db)
    path = changes_file(db)
    payload = orjson.loads(lines(path)[-1][9:])
    payload["change"]["kind"] = "merge"  # a kind a later frontlines might write
    path.write_bytes(path.read_bytes() + make_line(payload))
    before = path.read_bytes()
    with pytest.raises(DatabaseCorrupt, match=r"line 5: unknown kind 'merge'"):
        Store.open(db, readonly=False)
    assert path.read_bytes() == before


def test_a_history_of_another_version_of_the_file_is_refused_clearly(db: Path) -> None:
    three_changes(db)  # not folded in yet
    # The database file edited by hand (or swapped for another copy) meanwhile.
    text = db.read_bytes().replace(b"About 40 km north-east of Damascus.", b"About 40 km NE of Damascus.")
    db.write_bytes(text)
    for readonly in (True, False):
        with pytest.raises(DatabaseCorrupt) as caught:
            Store.open(db, readonly=readonly)
        assert str(caught.value) == (
            f"{changes_file(db)}: this history of changes belongs to another version of "
            f"{db.name} (3 of its changes are not in the file); move it aside to open the database without them"
        )
    assert db.read_bytes() == text


def test_a_file_edited_by_hand_after_a_compaction_opens_and_its_history_carries_on(db: Path) -> None:
    three_changes(db)
    with Store.open(db, readonly=False) as store:
        store.compact()
    text = db.read_bytes().replace(b"About 40 km north-east of Damascus.", b"About 40 km NE of Damascus.")
    db.write_bytes(text)  # every change is in the file: the hand edit is the only news
    with Store.open(db) as reader:
        assert reader.regions["C2346"].note == "About 40 km NE of Damascus."
        assert len(reader.log()) == 3 and reader.pending_changes == 0
        assert any("changed outside frontlines" in w for w in reader.warnings)
    with Store.open(db, readonly=False) as writer:
        writer.record_control("C2346", "isis", "contested", date(2018, 7, 1), source="Field note")
    with Store.open(db) as reader:  # the history now names the hand-edited version: no warning
        assert reader.warnings == []
        assert reader.regions["C2346"].note == "About 40 km NE of Damascus."
        assert reader.control("C2346", date(2018, 7, 2)).faction.id == "isis"


def test_a_history_from_a_newer_frontlines_is_refused_saying_so(db: Path) -> None:
    three_changes(db)
    path = changes_file(db)
    rows = lines(path)
    header = orjson.loads(rows[0][9:])
    header["history"] = 2
    rows[0] = make_line(header)[:-1]
    path.write_bytes(b"\n".join(rows) + b"\n")
    with pytest.raises(DatabaseCorrupt, match=r"line 1: a history of changes of version 2, newer than this frontlines reads \(1\)"):
        Store.open(db)
    rows[0] = make_line({"something": "else"})[:-1]
    path.write_bytes(b"\n".join(rows) + b"\n")
    with pytest.raises(DatabaseCorrupt, match=r"line 1: not the history of a frontlines database"):
        Store.open(db)


def test_a_change_that_is_there_twice_is_refused(db: Path) -> None:
    three_changes(db)
    path = changes_file(db)
    rows = lines(path)
    path.write_bytes(b"\n".join([*rows, rows[1]]) + b"\n")
    with pytest.raises(DatabaseCorrupt, match=r"change \S+ is there twice"):
        Store.open(db)


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_a_pipe_or_a_folder_in_place_of_the_history_is_refused(db: Path, kind: str) -> None:
    path = changes_file(db)
    if kind == "fifo":
        os.mkfifo(path)  # opening it to read would hang without O_NONBLOCK
    else:
        path.mkdir()
    for readonly in (True, False):
        with pytest.raises(StoreError) as caught:
            Store.open(db, readonly=readonly)
        expected = "is a named pipe" if kind == "fifo" else "is a folder"
        assert str(caught.value) == f"{path}: {expected}, not a history of changes"
    assert db.read_bytes() == FIXTURE.read_bytes()
    assert not _lock_is_taken(db)


def test_markup_and_control_characters_in_a_hand_made_change_are_cleaned(db: Path) -> None:
    three_changes(db)
    path = changes_file(db)
    with Store.open(db, readonly=False) as store:
        before = stored(store, "periods", "p-C2346-1")
    assert before is not None
    after = {**before, "note": "[bold red]truce[/] \x1b[31mred\x1b[0m \u202eevil\u202c [@click=app.quit]x"}
    change = {
        "id": "20261203T120000-handmade0001",
        "at": "2026-12-03T12:00:00Z",
        "author": "[link=https://evil.example]me[/link]\x07",
        "device": "dev\x1b]0;title\x07",
        "kind": "edit",
        "summary": "note of p-C2346-1 \x1b[2J[/]",
        "places": [DUMAIR],
        "ops": [{"table": "periods", "id": "p-C2346-1", "before": before, "after": after}],
    }
    path.write_bytes(path.read_bytes() + make_line({"change": change}))
    with Store.open(db) as store:
        found = store.log()[-1]
        assert found.id == change["id"]
        for text in (found.summary, found.author, found.device, store.periods["p-C2346-1"].note or ""):
            assert not any(ord(ch) < 32 or ch in "\u202e\u202c\x7f" for ch in text), repr(text)
        # Markup is text like any other: kept, to be shown literally.
        assert "[bold red]truce[/]" in (store.periods["p-C2346-1"].note or "")
        assert found.author.startswith("[link=https://evil.example]me[/link]")
        assert store.validate() == []


# --- a full disk, a refused write -------------------------------------------------------------


def _state(store: Store) -> tuple[Any, ...]:
    return (
        [c.id for c in store.log()],
        store.pending_changes,
        [(p.id, p.faction, p.start, p.end) for p in store.history(DUMAIR)],
        sorted(store.events),
        sorted(store.sources),
    )


class Inject:
    """Make one os function fail (only for the next ``times`` calls that ``when`` accepts)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch

    def __call__(self, module: Any, name: str, error: int, *, partial: bool = False,
                 when: Callable[..., bool] = lambda *a: True) -> None:
        real = getattr(module, name)
        state = {"done": False}

        def failing(*args: Any, **kwargs: Any) -> Any:
            if state["done"] or not when(*args):
                return real(*args, **kwargs)
            state["done"] = True
            if partial and name == "write":
                fd, data = args
                real(fd, bytes(data)[: len(data) // 2])  # half of it reached the disk
            raise OSError(error, os.strerror(error))

        self.monkeypatch.setattr(module, name, failing)

    def undo(self) -> None:
        self.monkeypatch.undo()


@pytest.fixture
def inject(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inject]:
    yield Inject(monkeypatch)


def _is_history(fd: int, *rest: Any) -> bool:
    try:
        return os.readlink(f"/proc/self/fd/{fd}").endswith(".changes")
    except OSError:
        return False


APPEND_FAULTS = [
    ("write", errno.ENOSPC, False, "No space left on device"),
    ("write", errno.ENOSPC, True, "No space left on device"),  # half a line written, then full
    ("fsync", errno.EIO, False, "Input/output error"),
    ("write", errno.EACCES, False, "Permission denied"),
]


@pytest.mark.parametrize("name, error, partial, reason", APPEND_FAULTS)
def test_a_failed_append_says_so_loses_nothing_and_the_next_edit_works(
    db: Path, inject: Inject, name: str, error: int, partial: bool, reason: str
) -> None:
    path = changes_file(db)
    with Store.open(db, readonly=False) as store:
        kept = record(store, date(2018, 6, 1)).id
        before, history_before = _state(store), path.read_bytes()
        inject(os, name, error, partial=partial, when=_is_history)
        with pytest.raises(StoreError) as caught:
            record(store, date(2018, 8, 1), "fsa")
        inject.undo()
        message = str(caught.value)
        assert message == f"{path}: cannot write: {reason}; nothing was saved"
        assert _state(store) == before  # nothing applied in memory
        assert path.read_bytes() == history_before  # no half line left behind
        assert holder(store, date(2018, 8, 2)) == ("isis", "held")
        again = record(store, date(2018, 8, 1), "fsa").id  # the disk has room again
    with Store.open(db) as store:
        assert [c.id for c in store.log()] == [kept, again]
        assert holder(store, date(2018, 8, 2)) == ("fsa", "held")
        assert store.validate() == []


def test_a_history_that_cannot_be_made_says_so(db: Path, inject: Inject) -> None:
    import store.history as history

    def refuse(*args: Any, **kwargs: Any) -> bool:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    with Store.open(db, readonly=False) as store:
        inject.monkeypatch.setattr(history, "atomic_write", refuse)
        with pytest.raises(StoreError) as caught:
            record(store, date(2018, 6, 1))
        assert str(caught.value) == f"{changes_file(db)}: cannot write: Permission denied; nothing was saved"
        assert store.log() == [] and holder(store, date(2018, 6, 15)) == ("saa", "held")
        inject.undo()
        record(store, date(2018, 6, 1))
    with Store.open(db) as store:
        assert len(store.log()) == 1


def _db_files(db: Path) -> list[str]:
    return sorted(p.name for p in db.parent.iterdir())


COMPACTION_FAULTS = [
    ("fsync", errno.ENOSPC, "No space left on device"),  # the history's line naming the new version
    ("write", errno.ENOSPC, "No space left on device"),  # ditto
    ("atomic_write", errno.ENOSPC, "No space left on device"),  # the new database file
    ("replace", errno.EACCES, "Permission denied"),  # the rename
]


@pytest.mark.parametrize("name, error, reason", COMPACTION_FAULTS)
def test_a_failed_compaction_says_so_loses_nothing_and_the_next_edit_works(
    db: Path, inject: Inject, name: str, error: int, reason: str
) -> None:
    import store.storage as storage

    with Store.open(db, readonly=False) as store:
        ids = [record(store, date(2018, 6, 1)).id]
        files = _db_files(db)
        before = _state(store)
        if name == "atomic_write":
            def full(*args: Any, **kwargs: Any) -> bool:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            inject.monkeypatch.setattr(storage, "atomic_write", full)
        elif name == "replace":
            inject(os, "replace", error)
        else:
            inject(os, name, error)
        with pytest.raises(StoreError) as caught:
            store.compact()
        inject.undo()
        message = str(caught.value)
        assert "\n" not in message and reason in message, message
        if name in ("fsync", "write"):  # the line naming the version it was about to write
            assert message == (
                f"{changes_file(db)}: cannot write: {reason}; the database was not compacted "
                "(every change is kept in this file)"
            )
        else:
            assert message == f"{db}: cannot write: {reason}; it was left as it was"
        assert db.read_bytes() == FIXTURE.read_bytes()  # the file as it was
        assert _db_files(db) == files  # no temp file left
        assert _state(store) == before
        ids.append(record(store, date(2018, 8, 1), "fsa").id)  # the next edit works
        assert store.compact() is True  # and so does the next compaction
    with Store.open(db) as store:
        assert [c.id for c in store.log()] == ids
        assert store.pending_changes == 0
        assert holder(store, date(2018, 8, 2)) == ("fsa", "held")
        assert store.validate() == []


def test_a_database_made_read_only_while_open_is_not_compacted_and_nothing_is_lost(db: Path) -> None:
    with Store.open(db, readonly=False) as store:
        change = record(store, date(2018, 6, 1))
        db.chmod(0o444)
        try:
            with pytest.raises(ReadOnlyError, match=r"the file is read-only \(mode 0444\)"):
                store.compact()
            assert store.pending_changes == 1 and holder(store, date(2018, 6, 15)) == ("isis", "held")
        finally:
            db.chmod(0o644)
        assert store.compact() is True
    with Store.open(db) as store:
        assert [c.id for c in store.log()] == [change.id] and store.pending_changes == 0


# --- the writer's lock --------------------------------------------------------------------------

HOLDER = textwrap.dedent(
    """
    import os, sys, time
    from datetime import date
    from store import Store
    store = Store.open(sys.argv[1], readonly=False)
    store.record_control("C2346", "isis", "held", date(2018, 6, 1), source="Heard on the radio")
    if sys.argv[2] == "fork":
        # A process it started keeps the lock (flock is inherited); this one ends.
        child = os.fork()
        if child == 0:
            sys.stdin.readline()
            os._exit(0)
        print(child, flush=True)
        os._exit(0)
    print(os.getpid(), flush=True)
    time.sleep(600)
    """
)


def _holder(db: Path, mode: str = "hold") -> tuple[subprocess.Popen[str], int]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db), mode],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip().isdigit(), f"the holder did not start: {line!r}"
    return proc, int(line)


def _lock_is_taken(db: Path) -> bool:
    lock = WriterLock(db)
    try:
        lock.acquire()
    except DatabaseLocked:
        return True
    lock.release()
    return False


def test_a_second_writer_is_refused_naming_the_holder_and_can_read(db: Path) -> None:
    proc, pid = _holder(db)
    try:
        assert pid == proc.pid
        with pytest.raises(DatabaseLocked) as caught:
            Store.open(db, readonly=False)
        assert str(caught.value) == f"{db}: database is in use by PID {pid}; it can still be opened read-only"
        assert caught.value.pid == pid
        with Store.open_for_editing(db) as store:
            assert store.readonly
            assert store.read_only_reason == f"in use by PID {pid}: opened read-only"
            assert any(f"in use by PID {pid}" in w for w in store.warnings)
            # The holder's change, not yet compacted, is replayed for the reader.
            assert holder(store, date(2018, 6, 15)) == ("isis", "held")
            with pytest.raises(ReadOnlyError):
                record(store, date(2018, 8, 1), "fsa")
        assert lines(changes_file(db))[-1].count(b'"change"') == 1  # the reader wrote nothing
    finally:
        proc.kill()
        proc.wait()


def test_the_lock_of_a_killed_writer_is_taken_over(db: Path) -> None:
    proc, pid = _holder(db)
    os.kill(pid, signal.SIGKILL)
    proc.wait()
    assert lock_path(db).read_text().strip() == str(pid)  # stale: the kernel let go of the flock
    with Store.open_for_editing(db) as store:
        assert not store.readonly and store.read_only_reason is None
        assert lock_path(db).read_text().strip() == str(os.getpid())
        assert holder(store, date(2018, 6, 15)) == ("isis", "held")  # its acknowledged change is there
        record(store, date(2018, 8, 1), "fsa")
        assert len(store.log()) == 2
    assert lock_path(db).read_text() == ""  # let go on close


def test_a_lock_held_by_the_child_of_a_dead_writer_does_not_name_the_dead_pid(db: Path) -> None:
    proc, child = _holder(db, "fork")
    proc.wait()  # the writer that wrote its PID in the lock file has ended
    dead = proc.pid
    try:
        assert lock_path(db).read_text().strip() == str(dead)
        with pytest.raises(DatabaseLocked) as caught:
            Store.open(db, readonly=False)
        message = str(caught.value)
        assert message == f"{db}: database is in use by another process; it can still be opened read-only"
        assert str(dead) not in message and caught.value.pid is None
        with Store.open_for_editing(db) as store:
            assert store.read_only_reason == "in use by another process: opened read-only"
    finally:
        assert proc.stdin is not None
        proc.stdin.write("\n")
        proc.stdin.close()
    # The child ends when its input closes (it is not ours to reap: wait for the lock).
    for _ in range(500):
        if not _lock_is_taken(db):
            break
        time.sleep(0.02)
    else:
        pytest.fail(f"the lock was not let go when PID {child} ended")


# --- found by the kill tests ---------------------------------------------------------------------


def test_replacing_the_period_that_starts_that_day_drops_the_old_start_event(db: Path) -> None:
    """Nasiriyah's third period starts 2018-04-01, to the month, with the event of the
    unified command's forming: a new holder from that day, to the day, keeps neither."""
    with Store.open(db, readonly=False) as store:
        change = store.record_control("C2386", "isis", "held", date(2018, 4, 1), source=SOURCE, fix="replace")
        period = store.periods["p-C2386-3"]
        assert (period.faction, period.from_precision, period.start_event) == ("isis", "day", None)
        assert store.validate() == []
        store.undo()
        assert store.periods["p-C2386-3"].start_event == "e-2018-04-umceq-formed"
        assert change.kind == "control"


def test_a_new_record_gets_a_document_number_no_other_record_has() -> None:
    from store.edits import apply_ops
    from store.history import Op

    def add(tables: dict[str, dict[str, dict[str, Any]]], rid: str) -> str:
        cache: dict[str, dict[str, str]] = {}
        apply_ops(cache, tables, [Op("events", rid, None, {"id": rid})])
        return cache["events"][rid]

    assert add({}, "a") == "1"
    assert add({"events": {"1": {"id": "x"}, "2": {"id": "y"}}}, "a") == "3"  # as TinyDB numbers them
    assert add({"events": {"1": {"id": "x"}, "3": {"id": "y"}, "2": {"id": "z"}}}, "a") == "4"  # out of order
    assert add({"events": {"7": {"id": "x"}, "2": {"id": "z"}}}, "a") == "3"  # unused, though not max + 1


def test_a_change_line_holds_each_op_as_its_json_and_reads_back() -> None:
    from store.history import ChangeRecord, Op, change_from_json, change_line

    ops = (Op("periods", "p-1", None, {"id": "p-1", "note": "ن [/]"}), Op("events", "e-1", {"id": "e-1"}, None))
    change = ChangeRecord("20261203T120000-000000000001", "2026-12-03T12:00:00Z", "a", "d", "edit", "s", ops,
                          ("C1",), reverts="20261203T110000-000000000001")
    line = change_line(change)
    crc, _, body = line.rstrip(b"\n").partition(b" ")
    assert int(crc, 16) == zlib.crc32(body)
    payload = orjson.loads(body)["change"]
    assert payload["ops"] == [op.to_json() for op in ops]
    assert change_from_json(payload) == change
