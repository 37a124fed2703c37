"""store.storage: reading never writes, writing is atomic, locked and clean."""

from __future__ import annotations

import errno
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from tinydb import TinyDB

from store.storage import (
    DatabaseCorrupt,
    DatabaseLocked,
    DatabaseNotFound,
    FrontlinesStorage,
    ReadOnlyError,
    StoreError,
    lock_path,
    read_tables,
    serialize,
)

REPO = Path(__file__).resolve().parents[1]
OLD_MTIME_NS = 1_000_000_000 * 10**9  # 2001-09-09: any rewrite would move it

SAMPLE = {
    "meta": {"1": {"schema_version": 1, "title": "Test"}},
    "regions": {
        "1": {"id": "SY03", "name": "Damascus Province", "level": "province", "parent": None},
        "2": {"id": "C2346", "name": "Dumair", "name_ar": "الضمير", "level": "community", "parent": "SY03"},
    },
    "events": {},
}


def folder_listing(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def snapshot(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


def write_old(path: Path, raw: bytes) -> None:
    path.write_bytes(raw)
    os.utime(path, ns=(OLD_MTIME_NS, OLD_MTIME_NS))


# --- reading bad files --------------------------------------------------------

VALID = serialize(SAMPLE)

BAD_FILES = {
    "empty": (b"", "empty"),
    "whitespace": (b"  \n\n", "empty"),
    "truncated": (VALID[: VALID.index("الضمير".encode())], "line 7, column"),
    "trailing-garbage": (b'{"meta": {}} and more', "line 1, column"),
    "not-utf8": (b'{"meta": {"1": {"title": "\xff\xfe"}}}', "not UTF-8 text at line 1, column 27 (byte 0xff)"),
    "not-utf8-line-3": (b'{"meta": {\n"1": {\n"title": "ok \xff"}}}', "not UTF-8 text at line 3, column 14"),
    "top-level-list": (b'[{"id": "x"}]', "expected a JSON object of tables at the top level, found an array"),
    "top-level-string": (b'"hello"', "found a string"),
    "table-not-object": (b'{"regions": [{"id": "x"}]}', "table 'regions' must be a JSON object of records, found an array"),
    "table-null": (b'{"regions": null}', "table 'regions' must be a JSON object of records, found null"),
    "key-not-digits": (b'{"regions": {"first": {"id": "x"}}}', "record key 'first'"),
    "key-negative": (b'{"regions": {"-1": {"id": "x"}}}', "record key '-1'"),
    "key-superscript-digit": ('{"regions": {"²": {"id": "x"}}}'.encode(), "record key '²'"),
    "key-arabic-digit": ('{"regions": {"١": {"id": "x"}}}'.encode(), "record key '١'"),
    "record-not-object": (b'{"regions": {"1": "Dumair"}}', "record 1 must be a JSON object, found a string"),
}


def open_read_tables(path: Path) -> None:
    read_tables(path)


def open_readonly(path: Path) -> None:
    FrontlinesStorage(path, readonly=True)


def open_writable(path: Path) -> None:
    FrontlinesStorage(path)


def open_writable_create(path: Path) -> None:
    FrontlinesStorage(path, create=True)


OPENERS = [open_read_tables, open_readonly, open_writable, open_writable_create]


@pytest.mark.parametrize("opener", OPENERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_raises_and_is_left_untouched(tmp_path: Path, case: str, opener) -> None:
    raw, expected = BAD_FILES[case]
    path = tmp_path / "bad.json"
    write_old(path, raw)
    before = snapshot(path)

    with pytest.raises(DatabaseCorrupt) as info:
        opener(path)

    message = str(info.value)
    assert str(path) in message
    assert expected in message
    assert "\n" not in message
    assert snapshot(path) == before
    # No temp file; a writer may leave its (unlocked, empty) lock file.
    assert folder_listing(tmp_path) - {lock_path(path).name} == {"bad.json"}
    if lock_path(path).exists():
        assert lock_path(path).read_bytes() == b""


def test_truncated_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_bytes(VALID[: VALID.index(b'"level":"community"')])
    with pytest.raises(DatabaseCorrupt) as info:
        read_tables(path)
    message = str(info.value)
    assert message.startswith(f"{path}: invalid JSON at line 7, column ")
    assert "line" in message and "column" in message


@pytest.mark.parametrize("opener", [open_read_tables, open_readonly, open_writable], ids=lambda f: f.__name__)
def test_missing_file_raises_not_found_and_creates_nothing_but_a_lock(tmp_path: Path, opener) -> None:
    path = tmp_path / "missing.json"
    with pytest.raises(DatabaseNotFound) as info:
        opener(path)
    assert str(path) in str(info.value)
    assert "no such database file" in str(info.value)
    assert not path.exists()
    assert folder_listing(tmp_path) - {lock_path(path).name} == set()


def test_readonly_create_of_a_missing_file_refuses(tmp_path: Path) -> None:
    path = tmp_path / "missing.json"
    with pytest.raises(DatabaseNotFound):
        FrontlinesStorage(path, readonly=True, create=True)
    assert folder_listing(tmp_path) == set()


def test_a_folder_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(DatabaseCorrupt, match="is a folder"):
        read_tables(tmp_path)


def test_read_tables_cleans_hand_written_escapes(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    write_old(
        path,
        b'{"regions": {"1": {"id": "a", "name": "Dum\\u001Bair\\u202E", "alt_names": ["x\\ty", "de\x7fl"], '
        b'"lat": 33.5}}}',
    )
    before = snapshot(path)
    tables = read_tables(path)
    assert tables["regions"]["1"] == {"id": "a", "name": "Dumair", "alt_names": ["x y", "del"], "lat": 33.5}
    assert snapshot(path) == before  # cleaning on read never writes


# --- writing -------------------------------------------------------------------


def test_write_is_atomic_utf8_one_record_per_line(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    storage = FrontlinesStorage(path, create=True)
    try:
        assert read_tables(path) == {}
        storage.write(SAMPLE)
        assert folder_listing(tmp_path) == {"db.json", "db.json.lock"}
    finally:
        storage.close()

    raw = path.read_bytes()
    text = raw.decode("utf-8")  # strict: raises on invalid UTF-8
    assert "الضمير" in text
    assert b"\\u" not in raw
    assert orjson.loads(raw) == SAMPLE
    assert read_tables(path) == SAMPLE

    record_lines = [line for line in text.splitlines() if re.match(r'"\d+": \{', line)]
    assert len(record_lines) == sum(len(records) for records in SAMPLE.values())
    for line in record_lines:
        doc_id, record = orjson.loads("{" + line.rstrip(",") + "}").popitem()
        assert doc_id.isdigit()
        assert isinstance(record, dict)


def test_write_keeps_the_file_mode(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    path.write_bytes(serialize({}))
    path.chmod(0o600)
    storage = FrontlinesStorage(path)
    try:
        storage.write(SAMPLE)
    finally:
        storage.close()
    assert path.stat().st_mode & 0o777 == 0o600


def test_tinydb_round_trip_through_the_storage(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    db = TinyDB(str(path), storage=FrontlinesStorage, create=True)
    try:
        db.table("sources").insert({"id": "s1", "publication": "Syria Direct", "title": "عنوان"})
    finally:
        db.close()
    assert read_tables(path) == {"sources": {"1": {"id": "s1", "publication": "Syria Direct", "title": "عنوان"}}}


def test_readonly_storage_refuses_writes_and_takes_no_lock(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    write_old(path, VALID)
    before = snapshot(path)
    storage = FrontlinesStorage(path, readonly=True)
    assert storage.read() == SAMPLE
    with pytest.raises(ReadOnlyError, match="read-only") as info:
        storage.write({"meta": {}})
    assert str(path) in str(info.value)
    storage.close()
    assert snapshot(path) == before
    assert folder_listing(tmp_path) == {"db.json"}


def test_make_readonly_refuses_writes_with_the_reason_and_releases_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    write_old(path, VALID)
    storage = FrontlinesStorage(path)
    storage.make_readonly("it is a test")
    with pytest.raises(ReadOnlyError, match="it is a test"):
        storage.write({})
    FrontlinesStorage(path).close()  # lock is free again
    storage.close()
    assert path.read_bytes() == VALID


HOSTILE = {
    "[/]": "[/]",
    "[link=x]": "[link=x]",
    "[@click=app.quit]": "[@click=app.quit]",
    "[bold red]x[/bold red]": "[bold red]x[/bold red]",
    "\x1b[31mred\x1b[0m": "[31mred[0m",
    "\x1b]8;;http://x\x07click\x1b]8;;\x07": "]8;;http://xclick]8;;",
    "\x1b]0;title\x9c": "]0;title",  # OSC with a C1 string terminator
    "\x9b31m": "31m",  # C1 CSI
    "\u202edlrow": "dlrow",
    "\u2067iso\u2069": "iso",
    "line\nbreak\ttab\rcr": "line break tab cr",
    "del\x7f": "del",
    "nul\x00": "nul",
}


@pytest.mark.parametrize("name", list(HOSTILE), ids=[repr(n) for n in HOSTILE])
def test_hostile_names_round_trip_cleaned(tmp_path: Path, name: str) -> None:
    path = tmp_path / "db.json"
    storage = FrontlinesStorage(path, create=True)
    try:
        storage.write({"regions": {"1": {"id": "r1", "name": name, "alt_names": [name], "note": {"deep": name}}}})
        cached = storage.read()
    finally:
        storage.close()
    expected = HOSTILE[name]
    record = read_tables(path)["regions"]["1"]
    assert record == {"id": "r1", "name": expected, "alt_names": [expected], "note": {"deep": expected}}
    assert cached["regions"]["1"]["name"] == expected  # the cache holds what was written
    raw = path.read_bytes()
    assert not any(b in raw for b in (b"\x1b", b"\\u001b", b"\x07", b"\\u0007", b"\x7f", "\u202e".encode()))


def test_a_very_long_name_is_kept_whole(tmp_path: Path) -> None:
    name = ("Dumair-" + "الضمير" + "[/]") * 625  # 10,000 characters
    assert len(name) == 10_000
    path = tmp_path / "db.json"
    storage = FrontlinesStorage(path, create=True)
    try:
        storage.write({"regions": {"1": {"id": "r1", "name": name}}})
    finally:
        storage.close()
    assert read_tables(path)["regions"]["1"]["name"] == name


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_a_failed_write_leaves_the_original_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    path = tmp_path / "db.json"
    write_old(path, VALID)
    before = snapshot(path)
    storage = FrontlinesStorage(path)
    try:

        def broken(*args, **kwargs):
            raise OSError(errno.EIO, "simulated disk failure")

        # Like TinyDB's update(): change a record in place, then write.
        data = storage.read()
        data["meta"]["1"]["title"] = "Changed"
        monkeypatch.setattr(os, failing, broken)
        with pytest.raises(StoreError) as info:
            storage.write(data)
        monkeypatch.undo()

        assert str(path) in str(info.value)
        assert "simulated disk failure" in str(info.value)
        assert snapshot(path) == before
        assert folder_listing(tmp_path) == {"db.json", "db.json.lock"}
        assert storage.read() == SAMPLE  # the failed change did not stick in the cache
    finally:
        storage.close()


def test_an_interrupted_write_leaves_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "db.json"
    write_old(path, VALID)
    before = snapshot(path)
    storage = FrontlinesStorage(path)
    try:

        def interrupted(*args, **kwargs):
            raise KeyboardInterrupt

        monkeypatch.setattr(os, "replace", interrupted)
        with pytest.raises(KeyboardInterrupt):
            storage.write({})
        monkeypatch.undo()
        assert snapshot(path) == before
        assert folder_listing(tmp_path) == {"db.json", "db.json.lock"}
    finally:
        storage.close()


# --- the writer lock, across processes ----------------------------------------------

PROBE = """
import sys
from store.storage import DatabaseLocked, FrontlinesStorage
path = sys.argv[1]
try:
    writer = FrontlinesStorage(path)
except DatabaseLocked as exc:
    print("locked", exc.pid)
    print(exc)
else:
    writer.close()
    print("acquired", None)
    print("-")
reader = FrontlinesStorage(path, readonly=True)
print("readonly", ",".join(sorted(reader.read())))
"""


def probe(path: Path) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_a_second_writer_in_another_process_is_told_who_holds_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    path.write_bytes(VALID)
    storage = FrontlinesStorage(path)
    try:
        status, message, readonly = probe(path)
        assert status == f"locked {os.getpid()}"
        assert f"database is in use by PID {os.getpid()}" in message
        assert str(path) in message
        assert readonly == "readonly events,meta,regions"
    finally:
        storage.close()
    # Released on close: the other process now gets the lock.
    status, _, readonly = probe(path)
    assert status == "acquired None"
    assert readonly == "readonly events,meta,regions"
    assert path.read_bytes() == VALID


HOLDER = """
import sys, time
from store.storage import FrontlinesStorage
writer = FrontlinesStorage(sys.argv[1])
print("holding", flush=True)
time.sleep(60)
"""


def test_the_lock_dies_with_its_process(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    path.write_bytes(VALID)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(DatabaseLocked) as info:
            FrontlinesStorage(path)
        assert info.value.pid == holder.pid
        assert f"database is in use by PID {holder.pid}" in str(info.value)
    finally:
        holder.kill()
        holder.wait(timeout=30)
        holder.stdout.close()
    deadline = time.monotonic() + 10
    while True:  # the kernel drops the flock when the process is gone
        try:
            FrontlinesStorage(path).close()
            break
        except DatabaseLocked:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"meta": {"1": {"schema_version": 1, "title": "BOM"}}}')
    before = path.read_bytes()
    assert read_tables(path)["meta"]["1"]["title"] == "BOM"
    assert path.read_bytes() == before
