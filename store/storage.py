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
* Writers take an exclusive lock (``flock`` on ``<file>.lock`` beside the
  real file, so a writer through a symbolic link and one on its target
  share it); a second writer is told which process holds it. Readers need
  no lock. A file whose mode forbids writing (``chmod a-w``) is never
  replaced: the rename would otherwise ignore the mode.
* Opens regular files only: a device, a named pipe or a folder is refused
  before a byte is read, so ``--db /dev/zero`` cannot eat the memory and a
  FIFO cannot hang the program.
* Temp files are named ``.<file>.<pid>.<random>.tmp``; a writer removes
  those a killed process left behind.
* A file that cannot be read is never written: every failure raises
  :class:`StoreError` with a one-line message naming the file and, for bad
  JSON, the line and column.
"""

from __future__ import annotations

import errno
import fcntl
import gc
import os
import stat
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import orjson
from tinydb.storages import Storage

from .text import clean_value, json_needs_cleaning, json_needs_display, shown


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


def where(path: Path | str) -> str:
    """A path as a message may show it: cleaned, on one line, not too long."""
    return shown(path, 200)


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def read_regular(path: Path | str, *, limit: int | None = None, what: str = "database file") -> bytes:
    """The bytes of ``path``, which must be a regular file (at most ``limit`` bytes).

    Opened without blocking, and checked with ``fstat`` on the open file (no
    window between the check and the read): a named pipe, a device, a
    socket or a folder raises :class:`StoreError` at once.
    """
    shown_path = where(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise DatabaseNotFound(f"{shown_path}: no such {what}") from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket
            raise StoreError(f"{shown_path}: is a socket, not a {what}") from None
        raise StoreError(f"{shown_path}: cannot read: {shown(exc.strerror or exc)}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = _kind(info.st_mode)
            cls = DatabaseCorrupt if kind == "a folder" else StoreError
            raise cls(f"{shown_path}: is {kind}, not a {what}")
        if limit is not None and info.st_size > limit:
            raise StoreError(
                f"{shown_path}: is {info.st_size:,} bytes, more than a {what} can be ({limit:,} at most)"
            )
        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        fcntl.fcntl(fd, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read() if limit is None else handle.read(limit + 1)
    except OSError as exc:
        raise StoreError(f"{shown_path}: cannot read: {shown(exc.strerror or exc)}") from None
    finally:
        os.close(fd)
    if limit is not None and len(data) > limit:  # it grew while we read
        raise StoreError(f"{shown_path}: more than a {what} can be ({limit:,} bytes at most)")
    return data


def mode_forbids_writing(info: os.stat_result) -> bool:
    """True if the file's permission bits deny us writing it.

    Decided from the bits, as the owner, group or others, even for root
    (which the kernel would let through): a field officer who made a file
    read-only meant it.
    """
    mode = info.st_mode
    if info.st_uid == os.geteuid():
        return not mode & stat.S_IWUSR
    if info.st_gid == os.getegid() or info.st_gid in os.getgroups():
        return not mode & stat.S_IWGRP
    return not mode & stat.S_IWOTH


def read_only_reason(path: Path | str) -> str | None:
    """Why ``path`` must not be replaced, or None if it may be (or does not exist)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    if stat.S_ISREG(info.st_mode) and mode_forbids_writing(info):
        return f"the file is read-only (mode {stat.S_IMODE(info.st_mode):04o}); make it writable (chmod u+w) to change it"
    return None


def _position(raw: bytes, offset: int) -> tuple[int, int]:
    """Line and column (1-based, in characters) of byte ``offset``."""
    line = raw.count(b"\n", 0, offset) + 1
    start = raw.rfind(b"\n", 0, offset) + 1
    return line, len(raw[start:offset].decode("utf-8", "replace")) + 1


@contextmanager
def collector_paused() -> Iterator[None]:
    """The garbage collector off while many small objects (and no cycles) are
    made: it would walk them dozens of times for nothing (reading a big file,
    planning an import of 100,000 rows and writing it)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _loads(path: Path, raw: bytes) -> Any:
    if raw.startswith(_BOM):  # some editors add one; it is not part of the JSON
        raw = raw[len(_BOM) :]
    if not raw or raw.isspace():  # (raw.strip() would copy the whole file)
        raise DatabaseCorrupt(f"{where(path)}: the file is empty, not a frontlines database")
    try:
        with collector_paused():
            return orjson.loads(raw)  # it refuses text that is not UTF-8 too
    except orjson.JSONDecodeError as exc:
        # Only now, for the message: is it the encoding, or the JSON?
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as bad:
            line, column = _position(raw, bad.start)
            raise DatabaseCorrupt(
                f"{where(path)}: not UTF-8 text at line {line}, column {column} (byte 0x{raw[bad.start]:02x})"
            ) from None
        raise DatabaseCorrupt(
            f"{where(path)}: invalid JSON at line {exc.lineno}, column {exc.colno}: {shown(exc.msg, 120)}"
        ) from None


def check_shape(path: Path | str, data: Any) -> Tables:
    """Check the TinyDB layout: an object of tables, each an object of records."""
    # Table names and record keys come from the file: quoted through shown(),
    # like every other outside text in a message.
    if not isinstance(data, dict):
        raise DatabaseCorrupt(
            f"{where(path)}: expected a JSON object of tables at the top level, found {_json_type(data)}"
        )
    if all(map(_plain_table, data.values())):
        return data
    # Something is off (or unusual, like a dict subclass): find it, record by record.
    for table, records in data.items():
        if not isinstance(records, dict):
            raise DatabaseCorrupt(
                f"{where(path)}: table '{shown(table, 40)}' must be a JSON object of records, "
                f"found {_json_type(records)}"
            )
        for doc_id, record in records.items():
            if not (doc_id.isascii() and doc_id.isdigit()):  # '²'.isdigit() is True
                raise DatabaseCorrupt(
                    f"{where(path)}: table '{shown(table, 40)}' has a record key '{shown(doc_id, 40)}'; "
                    'keys must be numbers like "1"'
                )
            if not isinstance(record, dict):
                raise DatabaseCorrupt(
                    f"{where(path)}: table '{shown(table, 40)}' record {doc_id} must be a JSON object, "
                    f"found {_json_type(record)}"
                )
    return data


_ONLY_DICTS = {dict}


def _plain_table(records: Any) -> bool:
    """Whether a table is an object of objects under keys like "1" (checked at C speed)."""
    if type(records) is not dict:
        return False
    if not records:
        return True
    try:
        keys = "".join(records)  # every key a string of ASCII digits ('²'.isdigit() is True)
    except TypeError:
        return False
    return keys.isascii() and keys.isdigit() and "" not in records and set(map(type, records.values())) == _ONLY_DICTS


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
    return _read_tables(path)[0]


def _read_tables(path: Path | str, identity: list[str] | None = None) -> tuple[Tables, bool]:
    """The tables, and whether they may hold text the terminal cannot measure.

    With ``identity`` (a list), the fingerprint of the bytes read (see
    :func:`fingerprint`) is appended to it: the bytes parsed, not a second read.
    """
    path = Path(path)
    raw = read_regular(path)
    if identity is not None:
        identity.append(fingerprint(raw))
    data = check_shape(path, _loads(path, raw))
    if json_needs_cleaning(raw):
        data = clean_value(data)
    return data, json_needs_display(raw)


def fingerprint(raw: bytes) -> str:
    """Which version of a database file ``raw`` is: its size and SHA-256.

    The history of changes beside a database (see :mod:`store.history`)
    names the version each of its compactions wrote, so it knows which of
    its changes a file already holds (about 30 ms for 50 MB).
    """
    import hashlib

    return f"{len(raw)}:{hashlib.sha256(raw).hexdigest()}"


def serialize(tables: Mapping[str, Mapping[str, Any]]) -> bytes:
    """One table header per line, one record per line, UTF-8, cleaned."""
    return clean_and_serialize(tables)[1]


_Tables = TypeVar("_Tables", bound=Mapping[str, Mapping[str, Any]])


def clean_and_serialize(tables: _Tables) -> tuple[_Tables, bytes]:
    """Return the tables, cleaned, and their serialized form. The tables come
    back as given, or as a new dict of dicts if any text needed cleaning."""
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


_TMP_SUFFIX = ".tmp"
_STALE_AGE = 600.0  # seconds: an unnamed (older-style) temp file this old is no writer's


def _temp_prefix(path: Path) -> str:
    return f".{path.name}."


def remove_stale_temps(path: Path | str) -> list[Path]:
    """Remove the temp files of ours that a killed writer left beside ``path``.

    A temp file is ``.<name>.<pid>.<random>.tmp``: it is stale once no
    process has that PID (or, for a name without a PID, once it is ten
    minutes old). Returns what was removed.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    prefix = _temp_prefix(path)
    removed: list[Path] = []
    try:
        names = [n for n in os.listdir(folder) if n.startswith(prefix) and n.endswith(_TMP_SUFFIX)]
    except OSError:
        return removed
    now = time.time()
    for name in names:
        middle = name[len(prefix) : -len(_TMP_SUFFIX)]
        pid_text, _, rest = middle.partition(".")
        candidate = folder / name
        if pid_text.isdigit() and rest:
            stale = int(pid_text) != os.getpid() and not _process_exists(int(pid_text))
        else:
            try:
                stale = now - candidate.lstat().st_mtime > _STALE_AGE
            except OSError:
                continue
        if stale:
            try:
                candidate.unlink()
                removed.append(candidate)
            except OSError:
                pass
    return removed


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process (or a number we cannot ask about): leave it
    return True


def real_path(path: Path | str) -> Path:
    """The file a write must replace: symbolic links followed to their target."""
    return Path(os.path.realpath(path))


def atomic_write(path: Path | str, data: bytes, *, exclusive: bool = False) -> bool:
    """Replace ``path`` with ``data``: temp file in the same folder, fsync, rename.

    A symbolic link is followed: its target is replaced and the link kept.
    A file whose mode forbids writing raises :class:`ReadOnlyError`. With
    ``exclusive``, an existing file is left as it is (a hard link, not a
    rename, puts the new one in place) and False is returned.
    """
    shown_path = where(path)
    path = real_path(path)
    reason = read_only_reason(path)
    if reason is not None:
        raise ReadOnlyError(f"{shown_path}: cannot write: {reason}")
    folder = path.parent
    remove_stale_temps(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f"{_temp_prefix(path)}{os.getpid()}.", suffix=_TMP_SUFFIX, dir=folder)
    placed = True
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.chmod(tmp_name, os.stat(path).st_mode & 0o7777)
        except FileNotFoundError:
            os.chmod(tmp_name, 0o644)
        if exclusive:
            try:
                os.link(tmp_name, path)
            except FileExistsError:
                placed = False
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
                    raise
                # No hard links here (some network and FUSE file systems):
                # a rename, which only loses a race nobody can win badly.
                placed = not path.exists()
                if placed:
                    os.replace(tmp_name, path)
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
        else:
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
        return placed
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
    return placed


def lock_path(path: Path | str) -> Path:
    """The lock file of the database at ``path`` (beside the real file, links followed)."""
    path = real_path(path)
    return path.with_name(path.name + ".lock")


class WriterLock:
    """An exclusive, advisory, per-database writer lock (``flock``).

    The kernel releases it if the process dies, so a crash never leaves a
    stale lock. The lock file keeps the holder's PID for the error message
    (a PID whose process has ended is not named: a process it started holds
    the lock, or a new writer has just taken it over).
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def acquire(self) -> None:
        if self._fd is not None:
            return
        lpath = lock_path(self.path)
        try:
            fd = os.open(lpath, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        except OSError as exc:
            raise StoreError(
                f"{where(self.path)}: cannot take the writer's lock ({where(lpath)}): {shown(exc.strerror or exc)}"
            ) from None
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
            if pid is not None and not _process_exists(pid):
                # The PID of a writer that has ended: the lock is held by a
                # process it started (which inherited it), or was taken over
                # a moment ago and the new PID is not written yet. Not the holder.
                pid = None
            holder = f"PID {pid}" if pid else "another process"
            raise DatabaseLocked(
                f"{where(self.path)}: database is in use by {holder}; it can still be opened read-only",
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

    def __init__(self, path: str | Path, readonly: bool = False, create: bool = False, identify: bool = False) -> None:
        self.path = Path(path)
        # The fingerprint of the version read (see fingerprint), when asked
        # for or when the file will be written: the history of changes needs it.
        self.identity: str | None = None
        self.readonly = readonly
        self.readonly_reason = "the database was opened read-only"
        self._cache: Tables | None = None
        self.display_unsafe = False  # text that store.text.display_text would change
        self._lock = WriterLock(self.path)
        if not readonly:
            self._lock.acquire()
        try:
            if create and not self.path.exists():
                if readonly:
                    raise DatabaseNotFound(f"{where(self.path)}: no such database file")
                atomic_write(self.path, serialize({}))
            found: list[str] | None = [] if identify or not readonly else None
            self._cache, self.display_unsafe = _read_tables(self.path, found)
            if found:
                self.identity = found[0]
        except BaseException:
            self._lock.release()
            raise
        if not readonly:
            reason = read_only_reason(self.path)  # stat follows a link to its target
            if reason is not None:
                self.make_readonly(reason)

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
            self._cache, self.display_unsafe = _read_tables(self.path)
        # TinyDB replaces whole tables in the dict it gets back; a shallow
        # copy keeps our cache intact if the write that follows fails.
        return dict(self._cache)

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self.write_serialized(data, None)

    def write_serialized(self, data: dict[str, dict[str, Any]], before_replace: Any) -> None:
        """Write ``data``; ``before_replace(identity)``, if given, is called with the
        fingerprint of the bytes once they are made and before the file is
        replaced (the history of changes notes the version it is about to hold)."""
        if self.readonly:
            raise ReadOnlyError(f"{where(self.path)}: cannot write: {self.readonly_reason}")
        # Our own tables (a compaction) stay as they are if the write fails:
        # they hold the changes the file does not, and the next edit needs
        # them. Tables TinyDB handed back may have been changed in place.
        ours = data is self._cache
        try:
            data, raw = clean_and_serialize(data)
            identity = fingerprint(raw)
            if before_replace is not None:
                before_replace(identity)
            atomic_write(self.path, raw)
            self.identity = identity
        except OSError as exc:
            if not ours:
                self._cache = None  # re-read next time
            raise StoreError(f"{where(self.path)}: cannot write: {shown(exc.strerror or exc)}; it was left as it was") from None
        except BaseException:
            if not ours:
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
