"""A TinyDB storage that is safe to trust with a field team's only copy.

* Reads once, with orjson, and keeps the parsed tables in memory; TinyDB's
  stock storage re-reads and re-parses the whole file on every operation.
* Writes atomically: a temporary file in the same folder, fsync, then
  ``os.replace`` (and an fsync of the folder), so a crash leaves either the
  old file or the new one, never half of each.
* Writes UTF-8 (no ``\\u`` escapes), one record per line, so diffs are
  readable and files are a third smaller for Arabic text.
* Cleans control and bidi-override characters from every string it reads
  or writes (see :mod:`store.text`).
* Writers take an exclusive lock (``flock`` on ``<file>.lock``); a second
  writer is told which process holds it. Readers need no lock.
* A file that cannot be read is never written: every failure raises
  :class:`StoreError` with a one-line message naming the file and, for bad
  JSON, the line and column.
"""

from __future__ import annotations

import errno
import fcntl
import gc
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage

from .text import clean_value, json_needs_cleaning


class StoreError(Exception):
    """A database problem, with a one-line message meant for the user."""


class DatabaseNotFound(StoreError):
    pass


class DatabaseCorrupt(StoreError):
    pass


class DatabaseLocked(StoreError):
    def __init__(self, message: str, pid: int | None) -> None:
        super().__init__(message)
        self.pid = pid


class ReadOnlyError(StoreError):
    pass


Tables = dict[str, dict[str, dict[str, Any]]]


_BOM = b"\xef\xbb\xbf"


def _position(raw: bytes, offset: int) -> tuple[int, int]:
    """Line and column (1-based, in characters) of byte ``offset``."""
    line = raw.count(b"\n", 0, offset) + 1
    start = raw.rfind(b"\n", 0, offset) + 1
    return line, len(raw[start:offset].decode("utf-8", "replace")) + 1


def _loads(path: Path, raw: bytes) -> Any:
    if raw.startswith(_BOM):  # some editors add one; it is not part of the JSON
        raw = raw[len(_BOM) :]
    if not raw.strip():
        raise DatabaseCorrupt(f"{path}: the file is empty, not a frontlines database")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _position(raw, exc.start)
        raise DatabaseCorrupt(
            f"{path}: not UTF-8 text at line {line}, column {column} (byte 0x{raw[exc.start]:02x})"
        ) from None
    gc_was_enabled = gc.isenabled()
    gc.disable()  # many small dicts: the collector would run dozens of times for nothing
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise DatabaseCorrupt(
            f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    finally:
        if gc_was_enabled:
            gc.enable()


def check_shape(path: Path | str, data: Any) -> Tables:
    """Check the TinyDB layout: an object of tables, each an object of records."""
    if not isinstance(data, dict):
        raise DatabaseCorrupt(
            f"{path}: expected a JSON object of tables at the top level, found {_json_type(data)}"
        )
    for table, records in data.items():
        if not isinstance(records, dict):
            raise DatabaseCorrupt(
                f"{path}: table '{table}' must be a JSON object of records, found {_json_type(records)}"
            )
        for doc_id, record in records.items():
            if not (doc_id.isascii() and doc_id.isdigit()):  # '²'.isdigit() is True
                raise DatabaseCorrupt(
                    f"{path}: table '{table}' has a record key '{doc_id[:40]}'; keys must be numbers like \"1\""
                )
            if not isinstance(record, dict):
                raise DatabaseCorrupt(
                    f"{path}: table '{table}' record {doc_id} must be a JSON object, found {_json_type(record)}"
                )
    return data


def _json_type(value: Any) -> str:
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "a boolean",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def read_tables(path: Path | str) -> Tables:
    """Read, parse, shape-check and clean a database file. Never writes."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DatabaseNotFound(f"{path}: no such database file") from None
    except IsADirectoryError:
        raise DatabaseCorrupt(f"{path}: is a folder, not a database file") from None
    except OSError as exc:
        raise StoreError(f"{path}: cannot read: {exc.strerror or exc}") from None
    data = check_shape(path, _loads(path, raw))
    if json_needs_cleaning(raw):
        data = clean_value(data)
    return data


def serialize(tables: Mapping[str, Mapping[str, Any]]) -> bytes:
    """One table header per line, one record per line, UTF-8, cleaned."""
    return clean_and_serialize(tables)[1]


def clean_and_serialize(tables: Mapping[str, Mapping[str, Any]]) -> tuple[Mapping[str, Any], bytes]:
    """Return the (cleaned) tables and their serialized form."""
    raw = _serialize_raw(tables)
    if json_needs_cleaning(raw):
        tables = clean_value({name: dict(records) for name, records in tables.items()})
        raw = _serialize_raw(tables)
    return tables, raw


def _serialize_raw(tables: Mapping[str, Mapping[str, Any]]) -> bytes:
    parts: list[bytes] = [b"{\n"]
    dumps = orjson.dumps
    names = list(tables)
    for t_index, name in enumerate(names):
        records = tables[name]
        parts.append(dumps(str(name)) + b": {")
        if records:
            parts.append(b"\n")
            parts.append(
                b",\n".join(
                    dumps(str(doc_id)) + b": " + dumps(record) for doc_id, record in records.items()
                )
            )
            parts.append(b"\n")
        parts.append(b"}" + (b",\n" if t_index < len(names) - 1 else b"\n"))
    parts.append(b"}\n")
    return b"".join(parts)


def atomic_write(path: Path | str, data: bytes) -> None:
    """Replace ``path`` with ``data``: temp file in the same folder, fsync, rename."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.chmod(tmp_name, os.stat(path).st_mode & 0o7777)
        except FileNotFoundError:
            os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def lock_path(path: Path | str) -> Path:
    path = Path(path)
    return path.with_name(path.name + ".lock")


class WriterLock:
    """An exclusive, advisory, per-database writer lock (``flock``).

    The kernel releases it if the process dies, so a crash never leaves a
    stale lock. The lock file keeps the holder's PID for the error message.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def acquire(self) -> None:
        if self._fd is not None:
            return
        lpath = lock_path(self.path)
        try:
            fd = os.open(lpath, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"{lpath}: cannot create the lock file: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                os.close(fd)
                raise
            try:
                pid_text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            finally:
                os.close(fd)
            pid = int(pid_text) if pid_text.isdigit() else None
            holder = f"PID {pid}" if pid else "another process"
            raise DatabaseLocked(
                f"{self.path}: database is in use by {holder}; it can still be opened read-only",
                pid,
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    @property
    def held(self) -> bool:
        return self._fd is not None


class FrontlinesStorage(Storage):
    """TinyDB storage: cached orjson read, atomic locked UTF-8 write.

    ``FrontlinesStorage(path, readonly=True)`` never takes the lock and
    raises :class:`ReadOnlyError` on write. A writable storage takes the
    writer lock in its constructor (so a second writer fails at open, not at
    its first write) and releases it on :meth:`close`.
    """

    def __init__(self, path: str | Path, readonly: bool = False, create: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self.readonly_reason = "the database was opened read-only"
        self._cache: Tables | None = None
        self._lock = WriterLock(self.path)
        if not readonly:
            self._lock.acquire()
        try:
            if create and not self.path.exists():
                if readonly:
                    raise DatabaseNotFound(f"{self.path}: no such database file")
                atomic_write(self.path, serialize({}))
            self._cache = read_tables(self.path)
        except BaseException:
            self._lock.release()
            raise

    def make_readonly(self, reason: str) -> None:
        """Refuse all further writes, explaining why; releases the lock."""
        self.readonly = True
        self.readonly_reason = reason
        self._lock.release()

    def release_cache(self) -> None:
        """Forget the parsed tables (a later read re-reads the file)."""
        self._cache = None

    def read(self) -> Tables | None:
        if self._cache is None:
            self._cache = read_tables(self.path)
        # TinyDB replaces whole tables in the dict it gets back; a shallow
        # copy keeps our cache intact if the write that follows fails.
        return dict(self._cache)

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        if self.readonly:
            raise ReadOnlyError(f"{self.path}: cannot write: {self.readonly_reason}")
        try:
            data, raw = clean_and_serialize(data)
            atomic_write(self.path, raw)
        except OSError as exc:
            self._cache = None  # TinyDB may have changed records in place; re-read next time
            raise StoreError(f"{self.path}: cannot write: {exc.strerror or exc}") from None
        except BaseException:
            self._cache = None
            raise
        self._cache = data

    def close(self) -> None:
        self._lock.release()


def write_tables(path: Path | str, tables: Mapping[str, list[dict[str, Any]]]) -> None:
    """Write a whole database from lists of records (ids 1..n per table), under the lock."""
    lock = WriterLock(path)
    lock.acquire()
    try:
        data = {
            name: {str(index): record for index, record in enumerate(records, start=1)}
            for name, records in tables.items()
        }
        atomic_write(path, serialize(data))
    finally:
        lock.release()
