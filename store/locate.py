"""Where the databases live: the bundled data set and the user's own copy.

Finding the database imports nothing of the storage (orjson, TinyDB): only
making or refreshing the user's copy, or an error, does. The explorer's
first frame comes up before any of it is loaded.
"""

from __future__ import annotations

import os
from pathlib import Path

from .text import shown

BUNDLED_NAME = "damascus.json"
ENV_VAR = "FRONTLINES_DB"


BUNDLED_PACKAGE = "frontlines_fixtures"  # the repository's fixtures/ folder, as installed

# SHA-256 of the bundled data set of each earlier release. A user's copy that
# is still byte for byte one of these was never changed by its owner, so it
# is replaced by the current bundled data (and the program says so); a copy
# that differs is the user's own and is never touched. When the bundled data
# changes in a release, add the hash of the one it replaces here.
EARLIER_RELEASES: dict[int, str] = {  # size in bytes -> SHA-256
    87900: "58b5270f548e6e88f0f3ac8e2a95f136a2894501b11edb252c983f2e9af9a07d",  # 77 places (issues 1-7)
    308613: "610f4d3037cc55a9ada2b8e76711578c75a5c735639c4043d9b76cbe07a24147",  # 348 places, gazetteer spellings (issues 8-9)
}


def bundled_path() -> Path:
    """The data set shipped with the package (works from a wheel too)."""
    from importlib import resources

    return Path(str(resources.files(BUNDLED_PACKAGE).joinpath(BUNDLED_NAME)))


def user_data_dir() -> Path:
    from platformdirs import user_data_dir as _user_data_dir

    return Path(_user_data_dir("frontlines", appauthor=False))


def user_config_dir() -> Path:
    from platformdirs import user_config_dir as _user_config_dir

    return Path(_user_config_dir("frontlines", appauthor=False))


def default_db_path() -> Path:
    return user_data_dir() / BUNDLED_NAME


def choose_db(explicit: str | os.PathLike[str] | None, *, create: bool = True) -> tuple[Path, str | None]:
    """The database to open and, if one was just created, a note saying where.

    ``--db`` wins, then ``$FRONTLINES_DB``, then the user's copy in the data
    folder, created on first use from the bundled data set (unless
    ``create`` is false: then only its path is given). If the copy cannot
    be made (a read-only home, a full disk), the bundled data set itself is
    used, read-only, and the note says why.
    """
    if explicit is not None:
        if not str(explicit).strip():
            from .storage import StoreError

            raise StoreError("--db: the path is empty")
        return Path(explicit).expanduser(), None
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser(), None
    target = default_db_path()
    if target.exists() and create:
        return target, refresh_user_copy(target)
    if target.exists() or not create:
        return target, None
    from .storage import StoreError

    try:
        return target, install_user_copy(target)
    except StoreError as exc:
        return bundled_path(), f"{exc}; reading the bundled data set, read-only, instead"


def refresh_user_copy(target: Path) -> str | None:
    """Replace ``target`` with the current bundled data if it is an unchanged
    copy of an earlier release's; the note to show, or None.

    Anything unexpected (the copy unreadable, in use by a writer, a
    read-only folder) leaves it as it is: the user still gets their copy.
    """
    try:
        if target.stat().st_size not in EARLIER_RELEASES:
            return None  # almost every copy: nothing read, nothing imported
        if target.with_name(target.name + ".changes").exists():
            return None  # changed through frontlines (see store.history), even if not yet folded in
    except OSError:
        return None
    import hashlib

    from .storage import StoreError, WriterLock, atomic_write, read_regular, where

    try:
        lock = WriterLock(target)
        lock.acquire()  # before reading, so a write by another process cannot slip in between
        try:
            raw = read_regular(target, limit=max(EARLIER_RELEASES) + 1)
            if hashlib.sha256(raw).hexdigest() != EARLIER_RELEASES.get(len(raw)):
                return None
            atomic_write(target, read_regular(bundled_path()))
        finally:
            lock.release()
    except (OSError, StoreError):
        return None
    return f"updated {where(target)} to this release's bundled data set (your copy had not been changed)"


def install_user_copy(target: Path) -> str | None:
    """Copy the bundled data set to ``target`` unless it is there already.

    Needs no lock, so readers started together on a first run never wait for
    or fail on one another: the copy is written to a temp file and linked
    into place only if nothing is there yet (the first one wins, the others
    find it done). Returns the note to show, or None if another process
    made the copy first.
    """
    from .storage import StoreError, atomic_write, read_regular, where

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        created = atomic_write(target, read_regular(bundled_path()), exclusive=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create your copy of the data at {where(target)}: {shown(exc.strerror or exc)}"
        ) from None
    except StoreError as exc:
        raise StoreError(f"cannot create your copy of the data: {exc}") from None
    return f"created {where(target)} from the bundled Damascus Province data set" if created else None


__all__ = ["bundled_path", "choose_db", "default_db_path", "user_config_dir", "user_data_dir"]
