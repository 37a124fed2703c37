"""Who makes a change, and on which device: for the history of changes.

The author is ``$FRONTLINES_AUTHOR``, else ``author = "..."`` in the user's
``config.toml`` (``$FRONTLINES_CONFIG`` names another file), else the
operating system's user name. The device is ``$FRONTLINES_DEVICE``, else a
random id made on first use and kept in the user's data folder: two laptops
of one user can be told apart, and no host name or hardware id leaves the
machine in a database passed to someone else.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .storage import StoreError, atomic_write, read_regular, where
from .text import clean_text, shown

AUTHOR_VAR = "FRONTLINES_AUTHOR"
DEVICE_VAR = "FRONTLINES_DEVICE"
CONFIG_VAR = "FRONTLINES_CONFIG"
CONFIG_NAME = "config.toml"
DEVICE_FILE = "device-id"
MAX_CONFIG = 64 * 1024
MAX_NAME = 80


def _name(value: str) -> str:
    return " ".join(clean_text(value).split())[:MAX_NAME]


def config_path() -> Path:
    env = os.environ.get(CONFIG_VAR)
    if env:
        return Path(env).expanduser()
    from .locate import user_config_dir

    return user_config_dir() / CONFIG_NAME


def author() -> str:
    """The author to note on a change (one line, cleaned, at most 80 characters)."""
    env = _name(os.environ.get(AUTHOR_VAR, ""))
    if env:
        return env
    path = config_path()
    if path.exists():
        import tomllib

        try:
            data = tomllib.loads(read_regular(path, limit=MAX_CONFIG, what="config file").decode("utf-8"))
        except UnicodeDecodeError:
            raise StoreError(f"{where(path)}: not UTF-8 text") from None
        except tomllib.TOMLDecodeError as exc:
            raise StoreError(f"{where(path)}: invalid TOML: {shown(exc, 120)}") from None
        value = data.get("author")
        if value is not None:
            if not isinstance(value, str) or not _name(value):
                raise StoreError(f"{where(path)}: 'author' must be a non-empty string")
            return _name(value)
    import getpass

    try:
        return _name(getpass.getuser()) or "unknown"
    except (KeyError, OSError):
        return "unknown"


def device() -> str:
    """This device's id for the history of changes (made and kept on first use)."""
    env = _name(os.environ.get(DEVICE_VAR, ""))
    if env:
        return env
    from .locate import user_data_dir

    path = user_data_dir() / DEVICE_FILE
    kept = _kept_device(path)
    if kept:
        return kept
    made = secrets.token_hex(8)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not atomic_write(path, f"{made}\n".encode(), exclusive=True):
            return _kept_device(path) or made  # another process made it first
    except (OSError, StoreError):
        pass  # a read-only home: this session's id still tells the changes apart
    return made


def _kept_device(path: Path) -> str | None:
    try:
        text = read_regular(path, limit=256, what="device id file").decode("ascii", "replace").strip()
    except StoreError:
        return None
    return text[:MAX_NAME] if text and text.isalnum() else None
