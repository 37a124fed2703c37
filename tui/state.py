"""What the explorer remembers between runs: the theme, and for each database
the last as-of date and highlighted place.

Kept in one small JSON file in the user's state folder (platformdirs), or
where ``$FRONTLINES_STATE`` says. The file is the user's own but is read as
untrusted like any other: a value of the wrong type or shape is ignored, an
unreadable file is as good as none (the explorer starts as if new), and it
is written atomically. Nothing here may stop the explorer from starting or
from quitting.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

ENV_VAR = "FRONTLINES_STATE"
FILE_NAME = "state.json"
MAX_DATABASES = 20  # remembered places and dates: the most recently used databases
_MAX_BYTES = 256 * 1024


def default_path() -> Path:
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_state_dir

    return Path(user_state_dir("frontlines", appauthor=False)) / FILE_NAME


@dataclass
class Remembered:
    """What the last run left, for one database."""

    theme: str | None = None
    as_of: date | None = None
    place: str | None = None


def _key(db_path: Path) -> str:
    try:
        return str(db_path.resolve())
    except OSError:
        return str(db_path)


def _read(path: Path) -> dict[str, Any]:
    try:
        if path.stat().st_size > _MAX_BYTES:
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def read_theme(path: Path) -> str | None:
    """The theme the last run used (read before the first frame, so it is drawn in it)."""
    theme = _read(path).get("theme")
    return theme if isinstance(theme, str) and len(theme) < 100 else None


def load(path: Path, db_path: Path) -> Remembered:
    data = _read(path)
    theme = data.get("theme")
    out = Remembered(theme=theme if isinstance(theme, str) and len(theme) < 100 else None)
    databases = data.get("databases")
    entry = databases.get(_key(db_path)) if isinstance(databases, dict) else None
    if isinstance(entry, dict):
        day = entry.get("as_of")
        if isinstance(day, str):
            try:
                out.as_of = date.fromisoformat(day)
            except ValueError:
                pass
        place = entry.get("place")
        if isinstance(place, str) and len(place) < 1000:
            out.place = place
    return out


def save(path: Path, db_path: Path, remembered: Remembered) -> str | None:
    """Write what to remember; the reason it could not be written, or None."""
    from store.storage import atomic_write

    data = _read(path)
    databases = data.get("databases")
    if not isinstance(databases, dict):
        databases = {}
    key = _key(db_path)
    databases.pop(key, None)
    databases[key] = {
        "as_of": remembered.as_of.isoformat() if remembered.as_of else None,
        "place": remembered.place,
    }
    while len(databases) > MAX_DATABASES:  # oldest first: dicts keep insertion order
        databases.pop(next(iter(databases)))
    out = {"theme": remembered.theme, "databases": databases}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, (json.dumps(out, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    except Exception as exc:  # noqa: BLE001 - remembering must never stop the explorer from quitting
        return f"could not remember the date and place: {exc}"
    return None
