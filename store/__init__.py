"""frontlines' data layer: model, storage and queries. Knows nothing of Textual."""

from .dates import DateError, PartialDate, parse_partial
from .db import Match, Resolution, Store
from .model import BLOCS, Bloc, Breakdown, Change, Control, Event, Faction, Period, Problem, Region, Source
from .storage import DatabaseCorrupt, DatabaseLocked, DatabaseNotFound, ReadOnlyError, StoreError

__all__ = [
    "BLOCS",
    "Bloc",
    "Breakdown",
    "Change",
    "Control",
    "DatabaseCorrupt",
    "DatabaseLocked",
    "DatabaseNotFound",
    "DateError",
    "Event",
    "Faction",
    "Match",
    "PartialDate",
    "Period",
    "Problem",
    "ReadOnlyError",
    "Region",
    "Resolution",
    "Source",
    "Store",
    "StoreError",
    "parse_partial",
]
