"""The history of changes beside a database: its journal and its audit trail.

One edit must be on disk in milliseconds, and rewriting a 50 MB database
takes seconds, so an edit is appended to ``<database>.changes`` (one line,
then ``fsync``) and folded into the database file later by a compaction,
which rewrites it atomically (see :func:`store.storage.atomic_write`).

The file is append-only and never shortened (but for a torn last line, see
below): it is every change ever made to the database through frontlines,
each with a unique id, its author, the device, the time and every record it
touched before and after. Two laptops' copies of a database can be merged
by change id from these files.

Lines (UTF-8, one JSON object each, after an 8-digit CRC-32 of that JSON)::

    1a2b3c4d {"history": 1, "database": "<fingerprint>"}     first line
    5e6f7a8b {"change": {...}}                               an edit
    9c0d1e2f {"compacted": "<fingerprint>", "through": "<change id>"}

A fingerprint (:func:`store.storage.fingerprint`) names one version of the
database file. The first line names the version the history began on; a
``compacted`` line is written before a compaction replaces the file and
names the version it is about to write. On opening, the newest of these
that names the version on disk says which changes the file already holds:
those after it are replayed. A compaction that never finished (killed
before the file was replaced) left a line that names no version on disk,
so the one before it counts. A change is a list of records set to their
new values (whole records, never field patches), so replaying changes a
file already holds still ends in the same records.

A line cut short by a crash (no newline, or one that does not check out)
can only be the last one, and was never acknowledged: it is ignored, and
cut off when a writer next opens the file. A damaged line anywhere else is
an error naming the file and line; nothing is written then.
"""

from __future__ import annotations

import datetime
import errno
import os
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from .storage import (
    DatabaseCorrupt,
    DatabaseNotFound,
    StoreError,
    atomic_write,
    read_regular,
    real_path,
    remove_stale_temps,
    where,
)
from .text import clean_value, shown

SUFFIX = ".changes"
VERSION = 1
KINDS = ("control", "event", "edit", "delete", "undo", "redo", "import")
TABLES = ("sources", "factions", "regions", "periods", "events", "claims")


def history_path(db_path: Path | str) -> Path:
    """The history file of the database at ``db_path`` (beside the real file)."""
    path = real_path(db_path)
    return path.with_name(path.name + SUFFIX)


@dataclass(frozen=True, slots=True)
class Op:
    """One record set to a new value: ``before`` None adds it, ``after`` None removes it."""

    table: str
    id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    def inverse(self) -> Op:
        return Op(self.table, self.id, self.after, self.before)

    def to_json(self) -> dict[str, Any]:
        return {"table": self.table, "id": self.id, "before": self.before, "after": self.after}


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    """One change to a database, as the history keeps it."""

    id: str
    at: str  # UTC, ISO 8601 to the second: 2026-12-03T12:15:00Z
    author: str
    device: str
    kind: str  # see KINDS
    summary: str
    ops: tuple[Op, ...]
    places: tuple[str, ...] = ()  # regions whose control or events it touched
    reverts: str | None = None  # for an undo: the change it undid
    reapplies: str | None = None  # for a redo: the change it made again

    @property
    def day(self) -> datetime.date:
        return datetime.date.fromisoformat(self.at[:10])

    @property
    def when(self) -> str:
        """The time as a reader wants it: 2026-12-03 12:15 UTC."""
        return f"{self.at[:10]} {self.at[11:16]} UTC"

    def to_json(self) -> dict[str, Any]:
        """The change as its line holds it, for orjson: "ops" holds the :class:`Op`
        objects themselves, which orjson writes as :meth:`Op.to_json` would."""
        out: dict[str, Any] = {
            "id": self.id,
            "at": self.at,
            "author": self.author,
            "device": self.device,
            "kind": self.kind,
            "summary": self.summary,
            "places": list(self.places),
            "ops": self.ops,  # orjson writes each Op as its to_json() would (tested)
        }
        if self.reverts:
            out["reverts"] = self.reverts
        if self.reapplies:
            out["reapplies"] = self.reapplies
        return out

    def touches(self, table: str, record_id: str) -> bool:
        return any(op.table == table and op.id == record_id for op in self.ops)


def new_change_id(now: datetime.datetime | None = None) -> str:
    """A change id unique across devices and sortable by time: 20261203T121500-3fa9c2d1e0b4."""
    import secrets  # (hmac, hashlib: not for a command that only reads)

    now = now or datetime.datetime.now(datetime.timezone.utc)
    return f"{now:%Y%m%dT%H%M%S}-{secrets.token_hex(6)}"


def utc_now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _line(payload: dict[str, Any]) -> bytes:
    body = orjson.dumps(payload)
    return b"".join((b"%08x " % zlib.crc32(body), body, b"\n"))  # (one copy of a line of 80 MB, not two)


def change_line(change: ChangeRecord) -> bytes:
    """The line of the history file that holds ``change``."""
    return _line({"change": change.to_json()})


class _Bad(Exception):
    pass


class _Torn(_Bad):
    """A line that does not check out (its checksum): what a crash can leave last."""


def _parse_line(line: bytes) -> dict[str, Any]:
    if len(line) < 10 or line[8:9] != b" ":
        raise _Torn("not a line of a history file")
    body = line[9:]
    try:
        crc = int(line[:8], 16)
    except ValueError:
        raise _Torn("not a line of a history file") from None
    if zlib.crc32(body) != crc:
        raise _Torn("its checksum does not match (the line was changed or damaged)")
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise _Bad(f"invalid JSON: {shown(exc.msg, 80)}") from None
    if not isinstance(payload, dict):
        raise _Bad("not a JSON object")
    return payload


def _text(data: dict[str, Any], key: str, *, optional: bool = False) -> Any:
    value = data.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise _Bad(f"'{key}' must be a non-empty string")
    return value


def _record(value: Any, key: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        raise _Bad(f"'{key}' must be null or a record with an id")
    return value


def change_from_json(data: Any) -> ChangeRecord:
    """A change from its JSON (cleaned, checked); raises ``_Bad`` with the reason."""
    if not isinstance(data, dict):
        raise _Bad("'change' must be an object")
    data = clean_value(data)
    ops_data = data.get("ops")
    if not isinstance(ops_data, list) or not ops_data:
        raise _Bad("'ops' must be a non-empty list")
    ops = []
    for item in ops_data:
        if not isinstance(item, dict):
            raise _Bad("each of 'ops' must be an object")
        table = _text(item, "table")
        if table not in TABLES:
            raise _Bad(f"unknown table '{shown(table, 40)}'")
        record_id = _text(item, "id")
        before, after = _record(item.get("before"), "before"), _record(item.get("after"), "after")
        if before is None and after is None:
            raise _Bad("an op must have a record before or after")
        for record in (before, after):
            if record is not None and record["id"] != record_id:
                raise _Bad(f"an op on '{shown(record_id, 40)}' holds a record with another id")
        ops.append(Op(table, record_id, before, after))
    kind = _text(data, "kind")
    if kind not in KINDS:
        raise _Bad(f"unknown kind '{shown(kind, 40)}'")
    at = _text(data, "at")
    try:
        datetime.datetime.strptime(at, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise _Bad(f"'at' is not a UTC time like 2026-12-03T12:15:00Z: '{shown(at, 40)}'") from None
    places = data.get("places") or []
    if not isinstance(places, list) or not all(isinstance(p, str) for p in places):
        raise _Bad("'places' must be a list of region ids")
    return ChangeRecord(
        id=_text(data, "id"),
        at=at,
        author=_text(data, "author"),
        device=_text(data, "device"),
        kind=kind,
        summary=str(data.get("summary") or ""),
        ops=tuple(ops),
        places=tuple(places),
        reverts=_text(data, "reverts", optional=True),
        reapplies=_text(data, "reapplies", optional=True),
    )


@dataclass
class History:
    """A database's history file, read; :meth:`append` and :meth:`note_compaction` write it."""

    path: Path
    changes: list[ChangeRecord] = field(default_factory=list)
    pending_from: int = 0  # changes[pending_from:] are not yet in the database file
    exists: bool = False
    good_size: int = 0  # bytes of whole, checked lines (a torn tail is beyond)
    torn: bool = False
    # The database was changed by other means (a text editor, a git merge)
    # after its last compaction, with every change folded in: the history
    # carries on from the version on disk (a writer notes it on its first write).
    changed_outside: bool = False
    _fd: int | None = None

    @property
    def pending(self) -> list[ChangeRecord]:
        return self.changes[self.pending_from :]

    @classmethod
    def read(cls, db_path: Path | str, identity: str | None) -> History:
        """Read the history beside ``db_path``, whose version on disk is ``identity``.

        Raises :class:`DatabaseCorrupt` if a line other than the last is
        damaged or if the history belongs to no version of the file.
        """
        path = history_path(db_path)
        history = cls(path)
        try:
            raw = read_regular(path, what="history of changes")
        except DatabaseNotFound:
            return history
        history.exists = True
        shown_path = where(path)
        versions: list[tuple[str, int]] = []  # (fingerprint, number of changes before it)
        *whole, tail = raw.split(b"\n")  # tail: what follows the last newline (b"" if nothing)
        offset = 0
        for index, line in enumerate(whole):
            number = index + 1
            try:
                payload = _parse_line(line)
                if number == 1:
                    version = payload.get("history")
                    if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
                        raise DatabaseCorrupt(
                            f"{shown_path}: line 1: a history of changes of version {version}, newer than this "
                            f"frontlines reads ({VERSION}); upgrade frontlines to open the database"
                        )
                    if version != VERSION or not isinstance(payload.get("database"), str):
                        raise DatabaseCorrupt(
                            f"{shown_path}: line 1: not the history of a frontlines database (version {VERSION})"
                        )
                    versions.append((payload["database"], 0))
                elif "change" in payload:
                    history.changes.append(change_from_json(payload["change"]))
                elif isinstance(payload.get("compacted"), str):
                    versions.append((payload["compacted"], len(history.changes)))
                else:
                    raise _Bad("neither a change nor a compaction")
            except _Bad as exc:
                if number == len(whole) and not tail and number > 1 and isinstance(exc, _Torn):
                    # The last line, damaged: a write a crash cut short, never acknowledged.
                    # (A last line that checks out but says something wrong was
                    # written whole, on purpose: an error, like anywhere else.)
                    history.torn = True
                    break
                raise DatabaseCorrupt(f"{shown_path}: line {number}: {exc}") from None
            offset += len(line) + 1
        else:
            if tail:  # a last line without its newline: cut short by a crash
                history.torn = True
        history.good_size = offset
        if not versions:  # empty, or its first line was torn while being made
            history.exists = False
            return history
        if identity is None:
            raise StoreError(f"{shown_path}: the database's version is not known")  # a programming slip
        for version, count in reversed(versions):
            if version == identity:
                history.pending_from = count
                break
        else:
            waiting = len(history.changes) - versions[-1][1]
            if waiting:
                raise DatabaseCorrupt(
                    f"{shown_path}: this history of changes belongs to another version of "
                    f"{where(Path(db_path).name)} ({waiting} of its changes are not in the file); "
                    "move it aside to open the database without them"
                )
            history.pending_from = len(history.changes)
            history.changed_outside = True
        ids = [c.id for c in history.changes]
        if len(set(ids)) != len(ids):
            seen: set[str] = set()
            for c in history.changes:
                if c.id in seen:
                    raise DatabaseCorrupt(f"{shown_path}: change {shown(c.id, 40)} is there twice")
                seen.add(c.id)
        return history

    # --- writing (the database's writer lock held) ------------------------------------

    def begin(self, identity: str) -> None:
        """Make the file (its first line names ``identity``) if it is not there, or cut
        off a torn last line, and open it for appending."""
        if self._fd is not None:
            return
        try:
            if not self.exists:
                atomic_write(self.path, _line({"history": VERSION, "database": identity}))
                self.exists = True
                self.good_size = os.path.getsize(self.path)
            else:
                remove_stale_temps(self.path)  # a writer killed while it made the file left one
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            raise self._cannot(exc) from None
        try:
            size = os.fstat(fd).st_size
            if size < self.good_size:  # not by us: we hold the lock, and only ever append
                raise StoreError(
                    f"{where(self.path)}: the history of changes was shortened while the database was open; "
                    "nothing was saved (open the database again)"
                )
            if size != self.good_size:
                os.ftruncate(fd, self.good_size)  # a torn line a crash left: never acknowledged
                os.fsync(fd)
                self.torn = False
        except OSError as exc:
            os.close(fd)
            raise self._cannot(exc) from None
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        if self.changed_outside:
            # From here on, changes apply to the version on disk.
            self._write(_line({"compacted": identity, "through": self.changes[-1].id if self.changes else ""}))
            self.changed_outside = False

    def _cannot(self, exc: OSError, outcome: str = "nothing was saved") -> StoreError:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        return StoreError(f"{where(self.path)}: cannot write: {shown(reason)}; {outcome}")

    def _write(self, data: bytes, outcome: str = "nothing was saved") -> None:
        assert self._fd is not None
        fd = self._fd
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        except BaseException as exc:
            # Nothing half-written stays: the next line must start on a line of its own.
            try:
                os.ftruncate(fd, self.good_size)
            except BaseException:
                # Could not cut it off here: let go of the file, so the next
                # write opens it again and cuts it first (see begin).
                self._fd = None
                try:
                    os.close(fd)
                except OSError:
                    pass
            if isinstance(exc, OSError):
                raise self._cannot(exc, outcome) from None
            raise
        self.good_size += len(data)

    def append(self, change: ChangeRecord, line: bytes | None = None) -> None:
        """Write ``change`` (``line``: it as :func:`change_line` made it) and make it
        durable (fsync) before returning."""
        self._write(line if line is not None else change_line(change))
        self.changes.append(change)

    def note_compaction(self, identity: str) -> None:
        """Say that the database file is about to become the version ``identity``."""
        through = self.changes[-1].id if self.changes else ""
        self._write(
            _line({"compacted": identity, "through": through}),
            "the database was not compacted (every change is kept in this file)",
        )

    def compacted(self) -> None:
        self.pending_from = len(self.changes)

    def close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)


def effective(changes: Iterable[ChangeRecord]) -> tuple[list[ChangeRecord], list[ChangeRecord]]:
    """(changes in effect, oldest first; changes undone that can be redone, the next redo last).

    Undo takes the last change in effect; redo takes back the last undone.
    A new change after an undo clears what could be redone, as editors do.
    """
    done: list[ChangeRecord] = []
    undone: list[ChangeRecord] = []
    by_id: dict[str, ChangeRecord] = {}
    for change in changes:
        by_id[change.id] = change
        if change.kind == "undo":
            target = by_id.get(change.reverts or "")
            if target is not None and target in done:
                done.remove(target)
                undone.append(target)
        elif change.kind == "redo":
            target = by_id.get(change.reapplies or "")
            if target is not None and target in undone:
                undone.remove(target)
                done.append(target)
        else:
            done.append(change)
            undone.clear()
    return done, undone


def iter_ops(changes: Iterable[ChangeRecord]) -> Iterator[Op]:
    for change in changes:
        yield from change.ops


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


__all__ = ["ChangeRecord", "History", "Op", "effective", "history_path", "new_change_id", "utc_now"]
