"""frontlines' data layer: model, storage and queries. Knows nothing of Textual.

The names below are loaded on first use (PEP 562): ``from store.text import
shown`` or ``from store import StoreError`` does not import the model, the
queries or TinyDB, so a command or the explorer's first frame pays only for
the modules it uses.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# name -> the submodule that defines it
_EXPORTS = {
    "DateError": "dates",
    "PartialDate": "dates",
    "parse_partial": "dates",
    "Store": "db",
    "Match": "search",
    "ChangeOfControl": "situation",
    "FilterError": "situation",
    "Group": "situation",
    "Placed": "situation",
    "Situation": "situation",
    "Resolution": "search",
    "BLOCS": "model",
    "Bloc": "model",
    "Breakdown": "model",
    "Change": "model",
    "Control": "model",
    "Event": "model",
    "Faction": "model",
    "Period": "model",
    "Problem": "model",
    "Region": "model",
    "Source": "model",
    "DatabaseCorrupt": "storage",
    "DatabaseLocked": "storage",
    "DatabaseNotFound": "storage",
    "ReadOnlyError": "storage",
    "StoreError": "storage",
}

__all__ = [
    "BLOCS",
    "Bloc",
    "Breakdown",
    "Change",
    "ChangeOfControl",
    "Control",
    "DatabaseCorrupt",
    "DatabaseLocked",
    "DatabaseNotFound",
    "DateError",
    "Event",
    "Faction",
    "FilterError",
    "Group",
    "Match",
    "PartialDate",
    "Period",
    "Placed",
    "Problem",
    "ReadOnlyError",
    "Region",
    "Resolution",
    "Situation",
    "Source",
    "Store",
    "StoreError",
    "parse_partial",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:
    from .dates import DateError, PartialDate, parse_partial
    from .db import Store
    from .model import BLOCS, Bloc, Breakdown, Change, Control, Event, Faction, Period, Problem, Region, Source
    from .search import Match, Resolution
    from .situation import ChangeOfControl, FilterError, Group, Placed, Situation
    from .storage import DatabaseCorrupt, DatabaseLocked, DatabaseNotFound, ReadOnlyError, StoreError
