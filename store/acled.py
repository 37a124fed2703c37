"""Importing an ACLED CSV export: :func:`plan_import`, then :func:`commit_plan`.

ACLED (the Armed Conflict Location & Event Data project) publishes one row
per event. Columns are found by header name, so the current 31-column
layout and the older ones (with ``data_id``, ``event_id_no_cnty``, ``iso3``;
without ``disorder_type``, ``civilian_targeting``, ``tags``) read alike. The
file is UTF-8, with or without a byte-order mark; notes may hold commas and
newlines inside quotes.

Each good row becomes an event whose id comes from ``event_id_cnty``
(``acled-SYR12345``), so importing a file again changes nothing; a row with
a newer ``timestamp`` than its event's updates the event. A row that
describes an event already in the data (same day, same place, same type,
not from ACLED) is linked to it: the event keeps its text and cites ACLED
too. Rows whose sub-event type moves territory ("Government regains
territory", "Non-state actor overtakes territory", "Non-violent transfer of
territory") also record a change of control of the place to actor 1's
faction, with the row's event and sources.

The whole file is planned first (nothing is written, so an interrupt leaves
the database as it was) and then committed as ONE change through
:func:`store.edits.commit`. Rows that cannot be used are collected with their
physical line numbers (quoted newlines counted) and reasons; ``strict``
stops at the first.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import matching
from .dates import day_before
from .edits import _live, _unique, claim_neighbours, commit, doc_ids, stored
from .history import ChangeRecord, Op
from .storage import StoreError, collector_paused, where
from .text import clean_text, shown

if TYPE_CHECKING:
    from .db import Store

# Columns every layout has and the import needs.
REQUIRED = (
    "event_id_cnty", "event_date", "event_type", "sub_event_type", "actor1",
    "admin1", "location", "latitude", "longitude", "source",
)
TERRITORY = (
    "Government regains territory",
    "Non-state actor overtakes territory",
    "Non-violent transfer of territory",
)
# ACLED sub-event type -> the store's event type (the ACLED type and sub-type
# are kept in each event's summary). Unlisted sub-types fall back by event type.
SUB_EVENT_TYPES = {
    "armed clash": "clash",
    "government regains territory": "takeover",
    "non-state actor overtakes territory": "takeover",
    "non-violent transfer of territory": "takeover",
    "shelling/artillery/missile attack": "bombardment",
    "air/drone strike": "bombardment",
    "remote explosive/landmine/ied": "bombardment",
    "grenade": "bombardment",
    "suicide bomb": "bombardment",
    "chemical weapon": "bombardment",
    "agreement": "agreement",
    "headquarters or base established": "deployment",
    "change to group/activity": "other",
    "arrests": "arrests",
    "disrupted weapons use": "other",
    "looting/property destruction": "looting",
    "other": "other",
    "peaceful protest": "protest",
    "protest with intervention": "protest",
    "excessive force against protesters": "attack",
    "violent demonstration": "riot",
    "mob violence": "riot",
    "attack": "attack",
    "abduction/forced disappearance": "attack",
    "sexual violence": "attack",
}
EVENT_TYPE_FALLBACK = {
    "battles": "clash",
    "explosions/remote violence": "bombardment",
    "violence against civilians": "attack",
    "strategic developments": "other",
    "protests": "protest",
    "riots": "riot",
}
# Radius (km) within which a row's coordinates find the nearest community, by geo_precision.
GEO_RADIUS_KM = {1: 5.0, 2: 25.0, 3: 50.0}
# Actors that are not armed groups: named in the event's summary, not made factions.
_NOT_FACTIONS = re.compile(r"^(civilians|protesters|rioters|unidentified|refugees/idps|prisoners)\b", re.IGNORECASE)
# ACLED's names for factions the data set knows by another name.
_ALIASES = {
    "military forces of syria": "saa",
    "islamic state": "isis",
    "hayat tahrir al sham": "hts",
    "jaish al islam": "jaysh-al-islam",
    "faylaq al rahman": "faylaq-al-rahman",
    "ahrar al sham": "ahrar-al-sham",
    "military police of russia": "ru-mp",
    "opposition rebels": "opposition",
}
_BLOC_HINTS = (
    (re.compile(r"forces of syria|of syria \(|\bndf\b|national defen[cs]e forces|hezbollah|forces of (russia|iran)|"
                r"military police of russia|police forces of syria|tiger forces|republican guard|baath", re.I),
     "government"),
    (re.compile(r"islamic state|\bisis\b|\bisil\b|tahrir al sham|nusra|hurras al din|al qaeda", re.I), "jihadist"),
    (re.compile(r"\bsdf\b|\bypg\b|\bypj\b|kurd|asayish|syrian democratic", re.I), "kurdish"),
    (re.compile(r"free syrian army|\bfsa\b|opposition|jaish|jaysh|liwa|faylaq|ahrar|rebel|national (liberation|army)",
                re.I), "opposition"),
)


class AcledError(StoreError):
    """The file cannot be imported at all (not found, not UTF-8, a needed column missing)."""


class StrictStop(AcledError):
    """``strict``: the first bad row stopped the import (nothing was written)."""

    def __init__(self, message: str, bad: BadRow) -> None:
        super().__init__(message)
        self.bad = bad


@dataclass(frozen=True, slots=True)
class BadRow:
    line: int  # the physical line the row starts on (1 is the header)
    reason: str
    event: str | None = None  # its event_id_cnty, if it had one


@dataclass
class Plan:
    """What importing a file would change (nothing is written until :func:`commit_plan`)."""

    file: str
    rows: int = 0
    added: int = 0
    updated: int = 0
    linked: int = 0
    unchanged: int = 0
    control: int = 0
    factions: list[str] = field(default_factory=list)  # names of the factions it creates
    places: list[str] = field(default_factory=list)  # "Name (under Parent)" of the places it creates
    bad: list[BadRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what it left alone, and why
    ops: list[Op] = field(default_factory=list)
    touched: list[str] = field(default_factory=list)  # regions whose events or control it changes

    @property
    def summary(self) -> str:
        parts = [f"{self.added:,} added", f"{self.updated:,} updated", f"{self.linked:,} linked"]
        return f"ACLED import of {self.file}: events {', '.join(parts)}; {self.control:,} control changes"


# --- reading the file ---------------------------------------------------------------------------


# The columns the import reads, in the order read_rows gives them (one a layout
# does not have reads as ""). Slices of a row are keys of the planner's caches.
WANTED = (
    "event_id_cnty", "event_date", "time_precision", "timestamp", "fatalities", "event_type", "sub_event_type",
    "admin1", "admin2", "admin3", "location", "admin1_pcode", "admin2_pcode", "admin3_pcode",  # [7:14] the place
    "latitude", "longitude", "geo_precision",  # [14:17] where, if the names find no place
    "actor1", "assoc_actor_1", "actor2", "assoc_actor_2",  # [17:21]
    "source", "source_scale", "civilian_targeting", "tags", "notes",
)
_PLACE, _COORDS, _ACTORS = slice(7, 14), slice(14, 17), slice(17, 21)


def read_rows(path: Path | str, progress: Callable[[int], None] | None = None
              ) -> Iterator[tuple[int, tuple[str, ...] | str]]:
    """(physical start line, the row's :data:`WANTED` fields) for each row; a row
    with the wrong number of fields comes as (line, reason). Raises :class:`AcledError`."""
    name = where(Path(path))
    try:
        binary = open(path, "rb")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise AcledError(f"{name}: cannot read it: {exc.strerror or exc}") from None
    with binary, io.TextIOWrapper(binary, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        # Progress in bytes: where the file is read to (the decoder reads ahead
        # a little), every few thousand rows.
        tell = binary.tell
        try:
            try:
                header = [h.strip().lower() for h in next(reader)]
            except StopIteration:
                raise AcledError(f"{name}: the file is empty (expected an ACLED CSV export)") from None
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                raise AcledError(
                    f"{name}: line 1: not an ACLED export: no column {', '.join(missing)}"
                ) from None
            width = len(header)
            position = {column: index for index, column in enumerate(header)}  # (the last of two, as a dict)
            pick = itemgetter(*(position.get(column, width) for column in WANTED))  # width: the "" added below
            last = reader.line_num
            for count, row in enumerate(reader, 1):
                start, last = last + 1, reader.line_num
                if progress is not None and count % 4096 == 0:
                    progress(tell())
                if len(row) != width:
                    if not row or (len(row) == 1 and not row[0].strip()):
                        continue
                    yield start, f"{len(row)} fields where the header has {width}"
                    continue
                row.append("")
                yield start, pick(row)
            if progress is not None:
                progress(tell())
        except UnicodeDecodeError:
            raise AcledError(f"{name}: line {reader.line_num + 1}: not UTF-8 text") from None
        except csv.Error as exc:
            raise AcledError(f"{name}: line {reader.line_num}: {exc}") from None


_MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"), 1)}
_MONTHS.update({k[:3]: v for k, v in list(_MONTHS.items())})
_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_WORDS = re.compile(r"(\d{1,2})[\s-]+([A-Za-z]+)[\s-]+(\d{4})")


def parse_event_date(text: str) -> date:
    """ACLED's event_date: 2018-05-16, "16 May 2018" (or 16-May-2018), 16-05-2018 or 16/05/2018."""
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    found = _DMY.fullmatch(text)
    if found:
        return date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
    found = _WORDS.fullmatch(text)
    if found and found.group(2).lower() in _MONTHS:
        return date(int(found.group(3)), _MONTHS[found.group(2).lower()], int(found.group(1)))
    raise ValueError(text)


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))


def _slug(text: str, limit: int = 24) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")
    return slug[:limit].rstrip("-") or "x"


_PAREN = re.compile(r"\s*\([^)]*\)\s*$")
_ACLED_ID = re.compile(r"[A-Za-z0-9_.-]{1,40}")
_PRECISIONS = {"1": 1, "2": 2, "3": 3}
_VIOLENT = ("battles", "explosions/remote violence", "violence against civilians")


@dataclass(frozen=True, slots=True, eq=False)  # (one per pair of strings, hashed by identity: a cache key)
class _Kind:
    """What an (event_type, sub_event_type) pair means here."""

    event_type: str
    sub_type: str
    type: str | None  # the store's event type; None: a kind of event this import does not know
    territory: bool  # the row moves control
    roles: tuple[str, str]  # the roles of actor 1's side and actor 2's


def _kind(event_type: str, sub_type: str) -> _Kind:
    event_type, sub_type = clean_text(event_type).strip(), clean_text(sub_type).strip()
    kind = SUB_EVENT_TYPES.get(sub_type.casefold()) or EVENT_TYPE_FALLBACK.get(event_type.casefold())
    territory = sub_type in TERRITORY
    roles = ("took-control", "lost-control") if territory else (
        ("attacker", "defender") if event_type.casefold() in _VIOLENT else ("party", "party"))
    return _Kind(event_type, sub_type, kind, territory, roles)


@dataclass(frozen=True, slots=True)
class _Actors:
    """The factions a row's actor columns name, with their roles, and the rest."""

    actors: tuple[dict[str, str], ...]
    others: tuple[str, ...]  # names that are not factions (civilians, unidentified groups)
    holder: str | None  # actor 1's faction: who takes control on a territory row
    title: str  # "actor 1 v actor 2" for the event's title


# --- planning ---------------------------------------------------------------------------------------


class _Planner:
    def __init__(self, store: Store, path: Path, strict: bool) -> None:
        self.store = store
        self.path = path
        self.strict = strict
        self.plan = Plan(file=path.name)
        self.used: set[str] = set()
        self.span = store.span
        self.new_sources: dict[str, dict[str, Any]] = {}
        self.new_factions: dict[str, dict[str, Any]] = {}
        self.new_regions: dict[str, dict[str, Any]] = {}
        self.events: dict[str, Op] = {}  # event id -> its op (one per event)
        self.seen: dict[str, tuple[int, int]] = {}  # event id -> (line, timestamp) in this file
        self.faction_cache: dict[str, str | None] = {}
        self.days: dict[str, date] = {}
        self.dated: dict[tuple[date, int], tuple[str, str | None, str, str]] = {}
        self.kinds: dict[tuple[str, str], _Kind] = {}
        self.actor_cache: dict[tuple[Any, ...], _Actors] = {}
        self.source_cache: dict[tuple[str, date], list[str]] = {}
        self.facts_cache: dict[tuple[Any, ...], tuple[str, str]] = {}
        self.place_cache: dict[tuple[str, ...], tuple[str | None, str | None]] = {}
        self.coords_cache: dict[tuple[str, ...], tuple[str | None, str]] = {}
        self.name_cache: dict[tuple[str, str | None, tuple[str, ...]], str | None] = {}
        # ACLED id -> (first day, precision, line, place, faction, sources, event, ACLED id) of a territory row
        self.territory: dict[str, tuple[date, str, int, str, str, list[str], str, str]] = {}
        self.uncited = False  # a row wrote no record citing its sources (replaced, linked or unchanged)
        self.touched: dict[str, None] = {}
        # Existing sources by (publication, date), events by ACLED id, other events by day/place/type.
        self.source_keys: dict[tuple[str, str | None, str], str] = {}
        tables = _live(store)
        for record in (tables.get("sources") or {}).values():
            key = (str(record.get("publication")), record.get("date"), str(record.get("title")))
            self.source_keys.setdefault(key, str(record.get("id")))
        self.event_table = tables.get("events") or {}
        self.event_docs = doc_ids(store._doc_ids, tables, "events")  # event id -> its document
        self.by_acled: dict[str, str] = {}
        self.same_day: dict[tuple[str, str, str], str] = {}
        for record in (tables.get("events") or {}).values():
            link = record.get("acled")
            rid = str(record.get("id"))
            if isinstance(link, dict) and link.get("id"):
                self.by_acled.setdefault(str(link["id"]), rid)
            elif not rid.startswith("acled-") and record.get("precision", "day") == "day":
                for place in record.get("places") or ():
                    self.same_day.setdefault((str(record.get("date")), str(place), str(record.get("type"))), rid)
        # Places with coordinates for the nearest-community search.
        self.points = [(r.id, r.lat, r.lon) for r in store.regions.values()
                       if r.level in ("community", "neighbourhood") and r.lat is not None and r.lon is not None]
        self.dataset = self._dataset_source()

    # --- sources ---

    def _source(self, publication: str, title: str, when: str | None, kind: str, note: str | None) -> str:
        key = (publication, when, title)
        found = self.source_keys.get(key)
        if found is not None:
            return found
        base = f"{_slug(publication, 20)}-{when or 'acled'}"
        sid = _unique(base, self.store.sources, self.used)
        record = {"id": sid, "publication": publication, "title": title, "url": None, "date": when,
                  "kind": kind, "note": note}
        self.new_sources[sid] = record
        self.source_keys[key] = sid
        return sid

    def _dataset_source(self) -> str:
        return self._source("ACLED", f"ACLED export {self.path.name}", None, "dataset",
                            "Armed Conflict Location & Event Data project; each event names its ACLED event id")

    # --- factions ---

    def faction(self, name: str) -> str | None:
        if name in self.faction_cache:
            return self.faction_cache[name]
        found: str | None = None
        bare = _PAREN.sub("", name).strip()
        for query in (name, bare):
            faction = self.store.resolve_faction(query) if query else None
            if faction is not None:
                found = faction.id
                break
            alias = _ALIASES.get(" ".join(matching.fold(query).split()) if query else "")
            alias = alias or _ALIASES.get(re.sub(r"[-']", " ", query.casefold()).strip())
            if alias and alias in self.store.factions:
                found = alias
                break
        if found is None and not _NOT_FACTIONS.match(name):
            bloc = next((b for pattern, b in _BLOC_HINTS if pattern.search(name)), "other")
            fid = _unique(f"acled-{_slug(bare or name, 30)}", self.store.factions, self.used)
            self.new_factions[fid] = {
                "id": fid, "name": name, "short": bare or name, "bloc": bloc, "name_ar": None, "alt_names": [],
                "parent": None, "colour": None, "note": f"Added by the ACLED import of {self.path.name}",
            }
            self.plan.factions.append(f"{name} ({bloc})")
            found = fid
        self.faction_cache[name] = found
        return found

    # --- places ---

    def _under(self, query: str, parent: str | None, levels: tuple[str, ...]) -> str | None:
        key = (query, parent, levels)
        if key not in self.name_cache:
            self.name_cache[key] = self._search_under(query, parent, levels)
        return self.name_cache[key]

    def _search_under(self, query: str, parent: str | None, levels: tuple[str, ...]) -> str | None:
        if not query.strip():
            return None
        inside = self.store.descendants(parent) if parent else None
        hits = [m for m in self.store.search(query, limit=200)
                if m.region.level in levels and (inside is None or m.region.id in inside)]
        if not hits or hits[0].tier > 2:  # code, name or a similar spelling; not a mere prefix
            return None
        best = [m for m in hits if m.tier == hits[0].tier]
        return best[0].region.id

    def place(self, row: tuple[str, ...]) -> tuple[str | None, str]:
        """(region id, or None with the reason) for a row; may plan a new community.

        The names and codes are matched once for all the rows that give them
        (coordinates only matter when the names find no place)."""
        key = row[_PLACE]  # admin1-3, location, admin1-3 P-codes
        named = self.place_cache.get(key)
        if named is None:
            named = self.place_cache[key] = self._named(tuple(k.strip() for k in key[:4]),
                                                        tuple(k.strip() for k in key[4:]))
        found, admin = named
        if found is not None:
            return found, ""
        coords = row[_COORDS]
        located = self.coords_cache.get(key + coords)
        if located is None:
            located = self.coords_cache[key + coords] = self._nearest(admin, key[3].strip(), *coords)
        return located

    def _named(self, names: tuple[str, ...], codes: tuple[str, ...]) -> tuple[str | None, str | None]:
        """(the place the names and codes find, or None; the admin unit they find)."""
        store = self.store
        admin: str | None = None
        for code in codes:
            rid = store._codes.get(code.upper()) if code else None
            if rid:
                admin = rid
        if admin is None:
            for name, levels in zip(names[:3], (("governorate",), ("district",), ("sub-district",))):
                found = self._under(name, admin, levels)
                if found is None:
                    break
                admin = found
        location = names[3]
        if location:
            hit = self._under(location, admin, ("community", "neighbourhood"))
            if hit is not None:
                return hit, admin
            if admin is not None and matching.fold(store.regions[admin].name) == matching.fold(location) \
                    and not store.children(admin):
                return admin, admin
        return None, admin

    def _nearest(self, admin: str | None, location: str, latitude: str, longitude: str, geo_precision: str
                 ) -> tuple[str | None, str]:
        """The nearest community within what ``geo_precision`` allows, else a new one."""
        store = self.store
        try:
            lat, lon = float(latitude), float(longitude)
        except ValueError:
            lat = lon = math.nan
        if math.isnan(lat) or math.isnan(lon) or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return None, f"no place named '{shown(location, 40)}' and no usable coordinates"
        try:
            precision = int(geo_precision or 1)
        except ValueError:
            precision = 1
        radius = GEO_RADIUS_KM.get(precision, 5.0)
        inside = store.descendants(admin) if admin else None
        best: tuple[float, str] | None = None
        reach = radius / 110.0  # degrees of latitude (and at least as many of longitude this far from the poles)
        for rid, plat, plon in self.points:
            if abs(plat - lat) > reach or (abs(plon - lon) > reach * 3 and abs(lat) < 70):
                continue
            if inside is not None and rid not in inside and (
                    rid not in self.new_regions or self.new_regions[rid]["parent"] not in inside):
                continue
            distance = _haversine(lat, lon, plat, plon)
            if distance <= radius and (best is None or distance < best[0]):
                best = (distance, rid)
        if best is not None:
            return best[1], ""
        if admin is None or not location:
            return None, f"no place named '{shown(location, 40)}' in the database's area"
        rid = _unique(f"acled-{_slug(location, 30)}", store.regions, self.used)
        self.new_regions[rid] = {
            "id": rid, "name": location, "level": "community", "parent": admin, "pcode": None, "other_codes": [],
            "name_ar": None, "alt_names": [], "lat": lat, "lon": lon,
            "coord_note": f"ACLED's coordinates (geo_precision {precision})", "note":
                f"Added by the ACLED import of {self.path.name}", "outline": None, "sources": [self.dataset],
        }
        self.points.append((rid, lat, lon))
        self.plan.places.append(f"{location} (under {store.regions[admin].name})")
        return rid, ""

    # --- rows ---

    def _place_name(self, rid: str) -> str:
        region = self.store.regions.get(rid)
        return region.name if region is not None else str(self.new_regions[rid]["name"])

    def bad(self, line: int, reason: str, event: str | None = None) -> None:
        found = BadRow(line, reason, event)
        if self.strict:
            raise StrictStop(f"{where(self.path)}: line {line}: {reason}", found)
        self.plan.bad.append(found)

    def row(self, line: int, row: tuple[str, ...]) -> None:
        """Plan one row (its :data:`WANTED` fields). Only what differs from row to
        row is worked out for each; what repeats (dates, types, actors,
        sources, places) is worked out once."""
        self.plan.rows += 1
        acled_id, date_text, precision_text, stamp_text, fatalities_text, event_type, sub_type = row[:7]
        acled_id = acled_id.strip()
        if not acled_id:
            return self.bad(line, "no event_id_cnty")
        if _ACLED_ID.fullmatch(acled_id) is None:
            return self.bad(line, f"event_id_cnty '{shown(acled_id, 40)}' is not an ACLED id", acled_id)
        day = self.days.get(date_text)
        if day is None:
            try:
                day = self.days[date_text] = parse_event_date(date_text)
            except ValueError:
                return self.bad(line, f"event_date '{shown(date_text, 30)}' is not a date", acled_id)
        if not self.span[0] <= day <= self.span[1]:
            return self.bad(line, f"{day.isoformat()} is outside the data ({self.span[0]} to {self.span[1]})", acled_id)
        time_precision = _PRECISIONS.get(precision_text or "1")
        if time_precision is None:
            try:
                time_precision = int(precision_text)
            except ValueError:
                time_precision = 0
        if time_precision not in (1, 2, 3):
            return self.bad(line, f"time_precision '{shown(precision_text, 10)}' is not 1, 2 or 3", acled_id)
        stamp_text, fatalities_text = stamp_text.strip(), fatalities_text.strip()
        try:
            stamp = int(stamp_text) if stamp_text else 0
        except ValueError:
            return self.bad(line, f"timestamp '{shown(stamp_text, 20)}' is not a number", acled_id)
        try:
            fatalities = int(fatalities_text) if fatalities_text else 0
        except ValueError:
            fatalities = -1
        if fatalities < 0:
            return self.bad(line, f"fatalities '{shown(fatalities_text, 20)}' is not a whole number", acled_id)
        kind = self.kinds.get((event_type, sub_type))
        if kind is None:
            kind = self.kinds[event_type, sub_type] = _kind(event_type, sub_type)
        if kind.type is None:
            return self.bad(line, f"unknown ACLED event type '{shown(kind.event_type, 30)}'", acled_id)
        place, why = self.place(row)
        if place is None:
            return self.bad(line, why, acled_id)
        event_id = f"acled-{acled_id}"
        earlier = self.seen.get(event_id)
        if earlier is not None and stamp <= earlier[1]:
            return self.bad(line, f"event {acled_id} is on line {earlier[0]} already", acled_id)
        self.seen[event_id] = (line, stamp)
        self._event(line, row, acled_id, event_id, day, time_precision, stamp, fatalities, kind, place)

    def _actors(self, row: tuple[str, ...], kind: _Kind) -> _Actors:
        key = row[_ACTORS]  # actor1, assoc_actor_1, actor2, assoc_actor_2
        found = self.actor_cache.get((key, kind.roles))
        if found is not None:
            return found
        actors: list[dict[str, str]] = []
        others: list[str] = []
        holder: str | None = None
        first_role, second_role = kind.roles
        for column, text, role in (("actor1", key[0], first_role), ("assoc_actor_1", key[1], first_role),
                                   ("actor2", key[2], second_role), ("assoc_actor_2", key[3], second_role)):
            for name in (" ".join(n.split()) for n in text.split(";")):
                if not name:
                    continue
                fid = self.faction(name)
                if fid is None:
                    others.append(name)
                    continue
                if column == "actor1" and holder is None:
                    holder = fid
                if not any(a["faction"] == fid for a in actors):
                    actors.append({"faction": fid, "role": role})
        actor1, actor2 = " ".join(key[0].split()), " ".join(key[2].split())
        title = actor1 + (f" v {actor2}" if actor2 else "")
        found = self.actor_cache[key, kind.roles] = _Actors(tuple(actors), tuple(others), holder, title)
        return found

    def _sources(self, text: str, day: date) -> list[str]:
        """Each publication the row names (one source per publication and day), then the ACLED file."""
        found = self.source_cache.get((text, day))
        if found is None:
            found = []
            iso = day.isoformat()
            for publication in dict.fromkeys(" ".join(p.split()) for p in text.split(";")):
                if publication:
                    found.append(self._source(publication, f"report cited by ACLED ({iso})", iso, "news", None))
            found.append(self.dataset)
            self.source_cache[text, day] = found
        return list(found)

    def _dated(self, day: date, time_precision: int) -> tuple[str, str | None, str, str]:
        """(date, date_to, precision) of the event and the precision of a change of control
        it starts: as precisely as ACLED knows the day."""
        if time_precision == 1:
            return day.isoformat(), None, "day", "day"
        if time_precision == 2:  # known to the week
            first, last = max(day - timedelta(days=3), self.span[0]), min(day + timedelta(days=3), self.span[1])
            return first.isoformat(), last.isoformat(), "span", "month"
        return day.strftime("%Y-%m"), None, "month", "month"

    def _facts(self, kind: _Kind, scale: str, targeting: str, tags: str, others: tuple[str, ...]) -> tuple[str, str]:
        """What the summary says before the event id and after it."""
        key = (kind, scale, targeting, tags, others)
        found = self.facts_cache.get(key)
        if found is None:
            scale, targeting, tags = (" ".join(v.split()) for v in key[1:4])
            after = []
            if scale:
                after.append(f"source scale: {scale}")
            if targeting:
                after.append(targeting.casefold())
            if tags:
                after.append(f"tags: {tags}")
            if others:
                after.append(f"also: {'; '.join(others)}")
            found = self.facts_cache[key] = (f"ACLED {kind.event_type} / {kind.sub_type}, event ",
                                             "".join(f", {fact}" for fact in after))
        return found

    def _event(self, line: int, row: tuple[str, ...], acled_id: str, event_id: str, day: date,
               time_precision: int, stamp: int, fatalities: int, kind: _Kind, place: str) -> None:
        # (Cleaned of control characters with every other record of the change, by commit.)
        source_text, scale, targeting, tags, notes = row[21:]
        dated = self.dated.get((day, time_precision))
        if dated is None:
            dated = self.dated[day, time_precision] = self._dated(day, time_precision)
        when, until, precision, from_precision = dated
        sources = self._sources(source_text, day)
        actors = self._actors(row, kind)
        location = " ".join(row[10].split()) or self._place_name(place)
        title = f"{kind.sub_type or kind.event_type} in {location}"
        if actors.title:
            title += f" ({actors.title})"
        before_id, after_id = self._facts(kind, scale, targeting, tags, actors.others)
        notes = " ".join(notes.split())
        summary = f"{notes} [{before_id}{acled_id}{after_id}]" if notes else f"[{before_id}{acled_id}{after_id}]"
        figures = []
        if fatalities:
            figures.append({"label": "fatalities", "low": fatalities, "high": fatalities, "unit": "people",
                            "approximate": True, "source": self.dataset, "note": "ACLED's estimate"})
        acled = {"id": acled_id, "timestamp": stamp}
        record = {
            "id": event_id, "date": when, "date_to": until, "precision": precision, "type": kind.type,
            "title": title, "summary": summary, "places": [place], "actors": list(actors.actors), "figures": figures,
            "sources": sources, "confidence": "medium", "acled": acled,
        }
        territory = kind.territory
        holder = actors.holder
        existing_id = self.by_acled.get(acled_id, event_id)
        doc = self.event_docs.get(existing_id)
        current = None if doc is None else self.event_table[doc]
        planned = self.events.get(existing_id)
        if planned is not None:  # a newer row for an event this file already has: it replaces the older
            self.uncited = True
            self.territory.pop(acled_id, None)
            if planned.before is None:
                self.events[existing_id] = Op("events", existing_id, None, record)
                event_ref = existing_id
                if territory and holder is not None:
                    self._territory(day, time_precision, from_precision, line, place, holder, sources, event_ref,
                                    acled_id)
                return
            current = planned.before
        if current is None:
            linked_id = self.same_day.get((when, place, kind.type or "")) if precision == "day" else None
            linked = stored(self.store, "events", linked_id) if linked_id else None
            if linked is not None and linked_id not in self.events:
                after = {**linked, "acled": acled,
                         "sources": list(dict.fromkeys([*(linked.get("sources") or []), self.dataset])),
                         "summary": " ".join(filter(None, [linked.get("summary"), f"[ACLED event {acled_id}]"]))}
                self.events[str(linked_id)] = Op("events", str(linked_id), linked, after)
                self.uncited = True  # the linked event cites the ACLED file, not the row's sources
                self.by_acled[acled_id] = str(linked_id)
                self.plan.linked += 1
                self.touched[place] = None
                event_ref = str(linked_id)
            else:
                self.events[event_id] = Op("events", event_id, None, record)
                self.plan.added += 1
                self.touched[place] = None
                event_ref = event_id
        else:
            link = current.get("acled")
            known: Mapping[str, Any] = link if isinstance(link, dict) else {}
            if stamp <= int(known.get("timestamp") or 0):
                # Imported before, as it is: so was its change of control (what has been
                # recorded since is not undone by importing the file again).
                self.plan.unchanged += 1
                self.uncited = True
                return
            else:
                if existing_id == event_id:
                    after = {**current, **record}
                else:  # linked: only ACLED's part of it is ACLED's to update
                    after = {**current, "acled": acled}
                    self.uncited = True
                if planned is None:
                    self.plan.updated += 1
                self.events[existing_id] = Op("events", existing_id, current, after)
                self.touched[place] = None
                event_ref = existing_id
        if territory and holder is not None:
            self._territory(day, time_precision, from_precision, line, place, holder, sources, event_ref, acled_id)

    def _territory(self, day: date, time_precision: int, from_precision: str, line: int, place: str, holder: str,
                   sources: list[str], event_ref: str, acled_id: str) -> None:
        start = day.replace(day=1) if time_precision == 3 else day
        self.territory[acled_id] = (start, from_precision, line, place, holder, sources, event_ref, acled_id)

    # --- control ---

    def control_ops(self) -> list[Op]:
        store = self.store
        work: dict[str, list[dict[str, Any]]] = {}
        originals: dict[str, dict[str, Any] | None] = {}
        changed: dict[str, dict[str, Any]] = {}
        claim_work: dict[str, list[dict[str, Any]]] = {}  # place -> its own claims, as this import leaves them
        claims_by_region: defaultdict[str, list[str]] | None = None
        changed_claims: dict[str, dict[str, Any]] = {}
        claim_days: set[tuple[str, str]] = {(c.region, c.start.isoformat()) for c in store.claims.values()}
        for day, precision, line, place, faction, sources, event_ref, acled_id in sorted(
                self.territory.values(), key=lambda t: (t[0], t[2])):
            units = store.units(place) if place in store.regions else (place,)
            for unit in units:
                own = [p for p in store._periods.get(unit, ()) if p.claim is None]
                if unit not in work:
                    records = [dict(stored(store, "periods", p.id) or {}) for p in own]
                    work[unit] = sorted(records, key=lambda r: r["from"])
                    for r in records:
                        originals[r["id"]] = stored(store, "periods", r["id"])
                records = work[unit]
                text = day.isoformat()
                name = store.regions[unit].name if unit in store.regions else self.new_regions[unit]["name"]
                if not records and unit in store._claim_periods:
                    # Control from area claims: a claim on the place itself from the day (see
                    # store.edits.record_control), its own claims kept from overlapping.
                    on_place = claim_work.get(unit)
                    if on_place is None:
                        if claims_by_region is None:
                            claims_by_region = defaultdict(list)
                            for c in store.claims.values():
                                claims_by_region[c.region].append(c.id)
                        on_place = claim_work[unit] = [dict(stored(store, "claims", cid) or {})
                                                       for cid in claims_by_region.get(unit, ())]
                    mine = [c for c in on_place if c["from"] <= text and (c.get("to") is None or text <= c["to"])]
                    # Who holds it that day: the covering claim from the latest date wins, the
                    # place's own (as this import leaves them) or an area's (as the store has them).
                    holding: tuple[str, str, tuple[str, ...]] | None = None
                    period = store.period_at(unit, day)
                    area_claim = store.claims.get(period.claim) if period is not None and period.claim else None
                    held = max(mine, key=lambda c: c["from"]) if mine else None
                    if held is not None and (area_claim is None or area_claim.region == unit
                                             or area_claim.start.isoformat() <= held["from"]):
                        holding = (held["faction"], held["status"], tuple(held.get("others") or ()))
                    elif period is not None:
                        holding = (period.faction, period.status, period.others)
                    if holding == (faction, "held", ()):
                        continue
                    if (unit, text) in claim_days:
                        self.plan.notes.append(f"line {line}: {name} already has a claim from {text}; control "
                                               "not changed")
                        continue
                    claim_days.add((unit, text))
                    ending, end = claim_neighbours(on_place, text)
                    if ending is not None:
                        cut = ending  # ours to change: a copy of the file's, or one this import made
                        if cut["id"] not in originals:
                            originals[cut["id"]] = stored(store, "claims", cut["id"])
                        cut["to"] = day_before(day).isoformat()
                        changed_claims[cut["id"]] = cut
                    cid = _unique(f"c-{unit}-{text}", store.claims, self.used)
                    claim = {
                        "id": cid, "region": unit, "faction": faction, "others": [], "status": "held", "from": text,
                        "to": end, "from_precision": precision, "except": [], "start_event": event_ref,
                        "sources": sources, "confidence": "medium", "note": f"From ACLED event {acled_id}",
                    }
                    originals[cid] = None
                    on_place.append(claim)
                    changed_claims[cid] = claim
                    self.plan.control += 1
                    self.touched[unit] = None
                    continue
                covering = next((r for r in records if r["from"] <= text and (r.get("to") is None or text <= r["to"])),
                                None)
                if covering is not None:
                    if (covering["faction"], covering["status"], tuple(covering.get("others") or ())) == \
                            (faction, "held", ()):
                        continue
                    if covering["from"] == text:
                        self.plan.notes.append(f"line {line}: {name} already has a period from {text}; control "
                                               "not changed")
                        continue
                    end = covering.get("to")
                    covering["to"] = day_before(day).isoformat()
                    covering["end_event"] = event_ref
                    changed[covering["id"]] = covering
                else:
                    later = [r["from"] for r in records if r["from"] > text]
                    end = day_before(date.fromisoformat(min(later))).isoformat() if later else None
                n = len(records) + 1
                pid = f"p-{unit}-{n}"
                while pid in store.periods or pid in self.used:
                    n += 1
                    pid = f"p-{unit}-{n}"
                self.used.add(pid)
                record = {
                    "id": pid, "region": unit, "faction": faction, "others": [], "status": "held", "from": text,
                    "to": end, "from_precision": precision, "start_event": event_ref, "end_event": None,
                    "sources": list(sources), "confidence": "medium", "note": f"From ACLED event {acled_id}",
                }
                originals[pid] = None
                records.append(record)
                records.sort(key=lambda r: r["from"])
                changed[pid] = record
                self.plan.control += 1
                self.touched[unit] = None
        return [Op("periods", pid, originals.get(pid), record) for pid, record in changed.items()] + [
            Op("claims", cid, originals.get(cid), record) for cid, record in changed_claims.items()]

    def finish(self) -> Plan:
        plan = self.plan
        control = self.control_ops()
        events = list(self.events.values())
        new_sources = self.new_sources
        if self.uncited:  # a source made for such a row may be cited by none
            used = {sid for op in events + control for sid in ((op.after or {}).get("sources") or ())}
            for op in events:
                used.update(str(f.get("source")) for f in (op.after or {}).get("figures") or ())
            used.update(s for r in self.new_regions.values() for s in r["sources"])
            new_sources = {sid: r for sid, r in new_sources.items() if sid in used}
        ops = [Op("sources", sid, None, r) for sid, r in new_sources.items()]
        ops += [Op("factions", fid, None, r) for fid, r in self.new_factions.items()]
        ops += [Op("regions", rid, None, r) for rid, r in self.new_regions.items()]
        plan.ops = ops + events + control
        plan.touched = list(self.touched)
        if not events and not control:
            plan.ops = []
        return plan


def plan_import(store: Store, path: Path | str, *, strict: bool = False,
                progress: Callable[[int], None] | None = None) -> Plan:
    """What importing the ACLED file at ``path`` would change; writes nothing.

    Raises :class:`AcledError` if the file cannot be read as an ACLED export,
    :class:`StrictStop` on the first bad row when ``strict``.
    """
    _live(store)
    with collector_paused():  # 100,000 rows make millions of small objects, and no cycles
        planner = _Planner(store, Path(path), strict)
        for line, row in read_rows(path, progress):
            if isinstance(row, str):
                planner.plan.rows += 1
                planner.bad(line, row)
            else:
                planner.row(line, row)
        return planner.finish()


def commit_plan(store: Store, plan: Plan) -> ChangeRecord | None:
    """Write the plan as one change (None if it changes nothing)."""
    if not plan.ops:
        return None
    return commit(store, "import", plan.summary, plan.ops, plan.touched)


__all__ = ["AcledError", "BadRow", "Plan", "StrictStop", "commit_plan", "parse_event_date", "plan_import", "read_rows"]
