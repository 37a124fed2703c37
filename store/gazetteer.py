"""Importing a gazetteer of admin units (GeoJSON) into a database.

``import_boundaries(db_path, geojson_path)`` reads a FeatureCollection of
admin units (points, polygons, multipolygons), matches each feature to a
region by its P-code (the region's id, ``pcode`` or one of its
``other_codes``) and:

- for a region that exists, fills what it lacks: the P-code, the Arabic
  name, coordinates (or replaces ones marked approximate), the outline, the
  parent of a region that has none; a gazetteer spelling that differs from
  the region's names is kept as an alternate name, so the spelling people
  use stays the name shown;
- for a feature no region matches, creates the region (its id is the
  P-code) under its parent. With COD-AB attributes, a parent that is
  neither in the database nor in the file is created from the names the
  feature carries for it (the community points of COD-AB name their
  sub-district, district and governorate).

Outlines are simplified for the terminal (:data:`store.geo.TOLERANCE`).
Nothing is written unless every feature can be used: a bad geometry, a
missing code, a duplicate code or an unknown parent is reported with the
feature's number and the file is left exactly as it was. The write is one
atomic replace under the writer lock; running the same import again
changes nothing.

Two COD-AB layouts are understood without options: the Syrian one
(``PCODE``, ``NAME_EN``, ``NAME_ARA``, ``ADMIN1_COD`` ... and ``HAY_PCODE``,
``HAY_EN``, ``CITY_PCODE`` for Damascus neighbourhoods) and the common one
(``ADM1_PCODE``, ``ADM1_EN``, ``ADM1_AR`` ...). Other gazetteers name their
fields with :class:`FieldNames`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from . import matching
from .geo import Feature, GeoError, read_feature
from .model import LEVELS
from .storage import (
    ReadOnlyError,
    StoreError,
    Tables,
    WriterLock,
    atomic_write,
    read_only_reason,
    read_regular,
    read_tables,
    serialize,
    where,
)
from .text import clean_text, shown

if TYPE_CHECKING:
    from .db import Store

MAX_BYTES = 512 * 1024 * 1024
MAX_LISTED = 20  # problems named one by one; the rest are counted
POINT_NOTE = "gazetteer point"
CENTRE_NOTE = "centre of the gazetteer outline"
# Coordinates whose note starts with this are replaced by the gazetteer's.
APPROXIMATE = "approximate"

# Feature level by the deepest admin level its attributes name above it.
_SY_PARENT_LEVELS = {0: "governorate", 1: "district", 2: "sub-district", 3: "community"}
_COMMON_LEVELS = {1: "governorate", 2: "district", 3: "sub-district", 4: "community", 5: "neighbourhood"}


class ImportProblem(StoreError):
    """The import cannot be done; ``problems`` names each feature at fault."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass(frozen=True, slots=True)
class FieldNames:
    """Property names for gazetteers that are not COD-AB (None: COD-AB's)."""

    code: str | None = None
    name: str | None = None
    name_ar: str | None = None
    parent: str | None = None


# An ancestor a feature names: (code, name, Arabic name, level).
Ancestor = tuple[str, str | None, str | None, str]


@dataclass(slots=True)
class Unit:
    """One feature, read: what the import needs from it."""

    number: int
    code: str
    name: str
    name_ar: str | None
    level: str | None
    parent: str | None
    feature: Feature
    # Ancestors the feature names, nearest first.
    ancestors: list[Ancestor] = field(default_factory=list)


@dataclass(slots=True)
class ImportResult:
    path: Path
    source: Path
    features: int = 0
    created: list[str] = field(default_factory=list)  # region ids, in file order
    created_parents: list[str] = field(default_factory=list)  # made from features' attributes
    updated: dict[str, list[str]] = field(default_factory=dict)  # region id -> fields changed
    notes: list[str] = field(default_factory=list)
    written: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.created or self.created_parents or self.updated)


# --- reading features ----------------------------------------------------------


def _text(value: Any) -> str | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code exported from a shapefile as 760101.0 is 760101
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    cleaned = " ".join(clean_text(value).split())
    return cleaned or None


def _first(props: dict[str, Any], *names: str) -> str | None:
    for name in names:
        value = _text(props.get(name))
        if value:
            return value
    return None


def _cod_layout(props: dict[str, Any]) -> tuple[str | None, str | None, list[Ancestor]]:
    """(level, parent code, ancestors nearest first) read from COD-AB attributes."""
    if "HAY_PCODE" in props:  # a Damascus neighbourhood: its parent is the city
        city = _first(props, "CITY_PCODE")
        return "neighbourhood", city, []
    deepest = _common_level(props)
    if deepest is not None:
        ancestors = [
            (code, _first(props, f"ADM{n}_EN", f"ADM{n}_NAME"), _first(props, f"ADM{n}_AR"), _COMMON_LEVELS[n])
            for n in range(deepest - 1, 0, -1)
            if (code := _first(props, f"ADM{n}_PCODE"))
        ]
        return _COMMON_LEVELS.get(deepest), ancestors[0][0] if ancestors else None, ancestors
    named = [n for n in range(1, 4) if _first(props, f"ADMIN{n}_COD", f"ADMIN{n}_PCODE")]
    deepest = max(named, default=0)
    ancestors = [
        (code, _first(props, f"ADMIN{n}_EN"), _first(props, f"ADMIN{n}_ARA", f"ADMIN{n}_AR"), _SY_PARENT_LEVELS[n - 1])
        for n in range(deepest, 0, -1)
        if (code := _first(props, f"ADMIN{n}_COD", f"ADMIN{n}_PCODE"))
    ]
    return _SY_PARENT_LEVELS[deepest], ancestors[0][0] if ancestors else None, ancestors


def read_units(data: Any, fields: FieldNames, level: str | None) -> tuple[list[Unit], list[str]]:
    """The usable features and a problem line for each unusable one."""
    problems: list[str] = []
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ImportProblem('not a GeoJSON FeatureCollection (its "type" must be "FeatureCollection")', [])
    raw = data.get("features")
    if not isinstance(raw, list):
        raise ImportProblem('the FeatureCollection has no "features" list', [])
    units: list[Unit] = []
    first_with: dict[str, int] = {}
    for number, item in enumerate(raw, 1):
        try:
            feature = read_feature(number, item)
        except GeoError as exc:
            problems.append(f"bad geometry: {exc}")
            continue
        props = feature.properties
        code_field = fields.code or ("HAY_PCODE" if "HAY_PCODE" in props else _common_code(props) or "PCODE")
        code = _text(props.get(code_field))
        if not code:
            problems.append(f"feature {number}: no code in its '{shown(code_field, 40)}' property")
            continue
        if code.upper() in first_with:  # codes are matched whatever their case
            problems.append(
                f"feature {number}: duplicate code {shown(code, 40)} (also feature {first_with[code.upper()]})"
            )
            continue
        first_with[code.upper()] = number
        name_field = fields.name or ("HAY_EN" if "HAY_PCODE" in props else None)
        name = _text(props.get(name_field)) if name_field else _cod_name(props)
        if not name:
            problems.append(f"feature {number} ({shown(code, 40)}): no name in its '{shown(name_field or 'NAME_EN', 40)}' property")
            continue
        name_ar = _text(props.get(fields.name_ar)) if fields.name_ar else _cod_arabic(props)
        ancestors: list[Ancestor]
        if fields.parent:
            unit_level, parent, ancestors = level, _text(props.get(fields.parent)), []
        else:
            unit_level, parent, ancestors = _cod_layout(props)
        units.append(Unit(number, code, name, name_ar, level or unit_level, parent, feature, ancestors))
    return units, problems


def _common_level(props: dict[str, Any]) -> int | None:
    """The deepest n with an ``ADMn_PCODE`` (the common COD-AB layout), or None."""
    levels = [n for n in range(1, 6) if _first(props, f"ADM{n}_PCODE")]
    return max(levels) if levels else None


def _common_code(props: dict[str, Any]) -> str | None:
    n = _common_level(props)
    return f"ADM{n}_PCODE" if n is not None else None


def _cod_name(props: dict[str, Any]) -> str | None:
    n = _common_level(props)
    if n is not None:
        return _first(props, f"ADM{n}_EN", f"ADM{n}_NAME")
    return _first(props, "NAME_EN", "NAM_EN_REF", "NAME")


def _cod_arabic(props: dict[str, Any]) -> str | None:
    n = _common_level(props)
    if n is not None:
        return _first(props, f"ADM{n}_AR")
    return _first(props, "NAME_ARA", "NAME_AR")


# --- merging into the tables ------------------------------------------------------


def _outline(feature: Feature) -> list[Any] | None:
    if not feature.polygons:
        return None
    return [[[list(point) for point in ring] for ring in polygon] for polygon in feature.polygons]


def _level_below(level: str | None) -> str | None:
    if level in LEVELS and LEVELS.index(level) + 1 < len(LEVELS):
        return LEVELS[LEVELS.index(level) + 1]
    return None


class _Regions:
    """The regions table being changed, indexed by every code."""

    def __init__(self, tables: Tables) -> None:
        self.table: dict[str, dict[str, Any]] = tables.setdefault("regions", {})
        self.by_code: dict[str, dict[str, Any]] = {}
        for record in self.table.values():
            for code in (record.get("id"), record.get("pcode"), *(record.get("other_codes") or ())):
                if isinstance(code, str) and code:
                    self.by_code.setdefault(code.upper(), record)
        self.next_doc = max((int(k) for k in self.table if k.isdigit()), default=0) + 1
        roots = [r for r in self.table.values() if not r.get("parent")]
        provinces = [r for r in roots if r.get("level") == "province"]
        self.root: str | None = provinces[0]["id"] if len(provinces) == 1 and len(roots) == 1 else None

    def find(self, code: str | None) -> dict[str, Any] | None:
        return self.by_code.get(code.upper()) if code else None

    def add(self, record: dict[str, Any]) -> None:
        self.table[str(self.next_doc)] = record
        self.next_doc += 1
        self.by_code.setdefault(record["id"].upper(), record)


def _new_region(
    code: str, name: str, name_ar: str | None, level: str | None, parent: str | None
) -> dict[str, Any]:
    return {
        "id": code,
        "pcode": code,
        "other_codes": [],
        "name": name,
        "name_ar": name_ar,
        "alt_names": [],
        "level": level,
        "parent": parent,
        "lat": None,
        "lon": None,
        "coord_note": None,
        "note": None,
        "outline": None,
        "sources": [],
    }


def _attach(
    record: dict[str, Any], unit: Unit, parent: str | None, source: str | None, parent_name: str | None = None
) -> list[str]:
    """Fill what ``record`` lacks from ``unit``; the names of the fields changed."""
    changed: list[str] = []

    def put(name: str, value: Any) -> None:
        _fill(record, name, value, changed)

    _cite_and_name(record, source, unit.name_ar, changed)
    if not record.get("pcode") and unit.code.upper() not in {c.upper() for c in record.get("other_codes") or ()}:
        put("pcode", unit.code)
    labels = [record.get("name"), *(record.get("alt_names") or ())]
    known = {matching.fold(label) for label in labels if isinstance(label, str)}
    # An admin unit's spelling that is also its parent's name (COD-AB calls
    # the centre district of Rural Damascus "Rural Damascus") would make the
    # parent harder to find by name (a search picks the deepest of places on
    # one line): it is not kept. A town named like its sub-district keeps it.
    admin_unit = record.get("level") in ("governorate", "district", "sub-district")
    if admin_unit and parent_name and matching.fold(unit.name) == matching.fold(parent_name):
        known.add(matching.fold(unit.name))
    if matching.fold(unit.name) not in known:
        put("alt_names", [*(record.get("alt_names") or ()), unit.name])
    location = unit.feature.location
    note = record.get("coord_note") or ""
    if location and (record.get("lat") is None or record.get("lon") is None or note.startswith(APPROXIMATE)):
        put("lat", location[1])
        put("lon", location[0])
        put("coord_note", POINT_NOTE if unit.feature.points else CENTRE_NOTE)
    outline = _outline(unit.feature)
    if outline is not None:
        put("outline", outline)
    if not record.get("parent") and parent and record.get("level") != "province" and parent != record.get("id"):
        put("parent", parent)
    return changed


def merge(tables: Tables, units: list[Unit], result: ImportResult, source: str | None = None) -> list[str]:
    """Apply ``units`` to ``tables`` in place; problems found (unknown parents).

    ``source``, the id of a source record, is cited by every region the
    import creates or attaches to."""
    regions = _Regions(tables)
    problems: list[str] = []
    in_file = {unit.code.upper() for unit in units}
    depth = _depths_in_file(units, problems)
    # Parents first: by level, then by depth in the file's own tree, then in file order.
    order = sorted(
        (u for u in units if u.number in depth),
        key=lambda u: (LEVELS.index(u.level) if u.level in LEVELS else len(LEVELS), depth[u.number], u.number),
    )
    for unit in order:
        _note_ancestors(unit, regions, result, source)
        existing = regions.find(unit.code)
        placed = existing is not None and (
            existing.get("level") == "province" or regions.find(existing.get("parent")) is not None
        )
        parent_id: str | Literal[False] | None
        if placed:
            parent_id = None  # placed already: the gazetteer does not move it
        else:
            # New, or placed under a parent the database does not have yet:
            # find or create the parent the gazetteer names.
            parent_id = _parent_for(unit, regions, in_file, result, problems, source)
            if parent_id is False:
                continue
        if existing is not None:
            above = regions.find(existing.get("parent") or (parent_id if isinstance(parent_id, str) else None))
            changed = _attach(existing, unit, parent_id, source, above.get("name") if above else None)
            if changed:
                result.updated.setdefault(existing["id"], []).extend(changed)
            continue
        parent_record = regions.find(parent_id) if isinstance(parent_id, str) else None
        level = unit.level or _level_below(parent_record.get("level") if parent_record else None)
        if level is None:
            problems.append(f"feature {unit.number} ({shown(unit.code, 40)}): its level is not known; give --level")
            continue
        record = _new_region(unit.code, unit.name, unit.name_ar, level, parent_id)
        _attach(record, unit, None, source)
        record["alt_names"] = []  # the gazetteer's name is the name of a region it creates
        regions.add(record)
        result.created.append(unit.code)
    return problems


def _depths_in_file(units: list[Unit], problems: list[str]) -> dict[int, int]:
    """Each feature's number of ancestors among the file's own features, so
    parents are placed before their children whatever the file's order.
    Features whose parents in the file loop back on themselves are reported
    and left out."""
    by_code = {u.code.upper(): u for u in units}
    depth: dict[int, int] = {}
    for unit in units:
        chain: list[Unit] = []
        seen: set[int] = set()
        current: Unit | None = unit
        while current is not None and current.number not in depth and current.number not in seen:
            seen.add(current.number)
            chain.append(current)
            current = by_code.get(current.parent.upper()) if current.parent else None
        if current is not None and current.number in seen:  # a loop
            problems.append(f"feature {unit.number} ({shown(unit.code, 40)}): its parents in the file form a cycle")
            continue
        base = depth[current.number] + 1 if current is not None else 0
        for offset, member in enumerate(reversed(chain)):
            depth[member.number] = base + offset
    return depth


def _fill(record: dict[str, Any], name: str, value: Any, changed: list[str]) -> None:
    if record.get(name) != value:
        record[name] = value
        changed.append(name)


def _cite_and_name(record: dict[str, Any], source: str | None, name_ar: str | None, changed: list[str]) -> None:
    """Make ``record`` cite the gazetteer and take its Arabic name if it has none."""
    if source and source not in (record.get("sources") or ()):
        _fill(record, "sources", [*(record.get("sources") or ()), source], changed)
    if name_ar and not record.get("name_ar"):
        _fill(record, "name_ar", name_ar, changed)


def _note_ancestors(unit: Unit, regions: _Regions, result: ImportResult, source: str | None) -> None:
    """Ancestors the feature names that the database has: fill the Arabic
    name they lack and cite the gazetteer, as for the features themselves."""
    for code, _name, name_ar, _level in unit.ancestors:
        record = regions.find(code)
        if record is None:
            continue
        changed: list[str] = []
        _cite_and_name(record, source, name_ar, changed)
        if changed and record["id"] not in result.created_parents:
            result.updated.setdefault(record["id"], []).extend(changed)


def _parent_for(
    unit: Unit, regions: _Regions, in_file: set[str], result: ImportResult, problems: list[str], source: str | None
) -> str | Literal[False] | None:
    """The id of the unit's parent (created from its attributes if need be),
    None for a top unit, or False after reporting an unknown parent."""
    if unit.parent is None:
        if unit.level == "governorate" and regions.root and regions.find(unit.code) is None:
            result.notes.append(f"{unit.code} {unit.name} put under {regions.root}, the database's root")
            return regions.root
        return None
    found = regions.find(unit.parent)
    if found is not None:
        found_id: str = found["id"]
        return found_id
    # Not in the database (nor created yet from the file, which goes parents
    # first): make it, and any missing ancestors, from the feature's attributes.
    chain = unit.ancestors
    if unit.parent.upper() in in_file:
        problems.append(
            f"feature {unit.number} ({shown(unit.code, 40)}): its parent {shown(unit.parent, 40)} is in the file "
            "but could not be imported (see its own problem)"
        )
        return False
    if not chain or chain[0][0].upper() != unit.parent.upper():
        problems.append(
            f"feature {unit.number} ({shown(unit.code, 40)}): unknown parent {shown(unit.parent, 40)}"
            " (neither in the database nor importable from the file)"
        )
        return False
    above: str | None = None
    for index in range(len(chain) - 1, -1, -1):
        code, name, name_ar, level = chain[index]
        existing = regions.find(code)
        if existing is not None:
            above = existing["id"]
            continue
        if not name:
            problems.append(f"feature {unit.number} ({shown(unit.code, 40)}): unknown parent {shown(code, 40)} with no name to create it by")
            return False
        if above is None and level == "governorate":
            above = regions.root
        record = _new_region(code, name, name_ar, level, above)
        if source:
            record["sources"] = [source]
        regions.add(record)
        result.created_parents.append(code)
        above = code
    return above


# --- the command -------------------------------------------------------------------------


def _new_structure_problems(before: Store, after: Store) -> list[str]:
    """What the merged tables would break that was sound before: regions
    whose parents loop (a feature naming its own descendant as parent) or
    point nowhere. Checked on the result, so nothing broken is written."""
    problems = []
    for rid in sorted(after._region_cycles - before._region_cycles):
        problems.append(f"{shown(rid, 40)}: the parents the file gives would form a cycle")

    def dangling(store: Store) -> set[str]:
        return {r.id for r in store.regions.values() if r.parent and r.parent not in store.regions}

    for rid in sorted(dangling(after) - dangling(before)):
        problems.append(f"{shown(rid, 40)}: its parent {shown(after.regions[rid].parent, 40)} would not exist")
    return problems


def load_geojson(path: Path) -> Any:
    import orjson

    raw = read_regular(path, limit=MAX_BYTES, what="GeoJSON file")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise StoreError(f"{where(path)}: not valid JSON ({shown(exc, 120)})") from None


def import_boundaries(
    db_path: Path | str,
    geojson_path: Path | str,
    *,
    level: str | None = None,
    fields: FieldNames = FieldNames(),
    source: str | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Import one GeoJSON file into the database at ``db_path`` (see the module doc).

    Raises :class:`ImportProblem` (nothing written) if any feature cannot be
    used, :class:`StoreError` for a database or file that cannot be read.
    """
    from .db import Store

    db_path, geojson_path = Path(db_path), Path(geojson_path)
    if level is not None and level not in LEVELS:
        raise StoreError(f"--level: unknown level '{shown(level)}' (expected one of {', '.join(LEVELS)})")
    data = load_geojson(geojson_path)
    try:
        units, problems = read_units(data, fields, level)
    except ImportProblem as exc:
        raise ImportProblem(f"{where(geojson_path)}: {exc}", []) from None
    result = ImportResult(db_path, geojson_path, features=len(units) + len(problems))
    lock = None if dry_run else WriterLock(db_path)
    if lock is not None:
        reason = read_only_reason(db_path)
        if reason:
            raise ReadOnlyError(f"{where(db_path)}: cannot import into it: {reason}")
        lock.acquire()
    try:
        tables = read_tables(db_path)
        before = serialize(tables)
        store = Store(tables, path=db_path)  # a database that cannot be read is never rewritten
        if source is not None and source not in store.sources:
            known = ", ".join(shown(s, 40) for s in list(store.sources)[:10])
            raise StoreError(f"--source: no source with id '{shown(source)}' in {where(db_path)} (known: {known})")
        problems += merge(tables, units, result, source)
        if not problems:
            problems += _new_structure_problems(store, Store(tables, path=db_path))
        if problems:
            listed = problems[:MAX_LISTED]
            if len(problems) > MAX_LISTED:
                listed.append(f"and {len(problems) - MAX_LISTED} more")
            raise ImportProblem(
                f"{where(geojson_path)}: {len(problems)} feature{'s' if len(problems) != 1 else ''} "
                f"cannot be imported; {where(db_path)} is unchanged",
                listed,
            )
        after = serialize(tables)
        if after != before and not dry_run:
            atomic_write(db_path, after)
            result.written = True
    finally:
        if lock is not None:
            lock.release()
    return result


def summary(result: ImportResult, dry_run: bool) -> Iterator[str]:
    """Lines telling the user what the import did (or would do)."""
    verb = "would " if dry_run else ""
    yield f"{where(result.source)}: {result.features} features"
    if not result.changed:
        yield f"nothing to change: {where(result.path)} already holds every feature as given"
        return
    if result.created:
        yield f"{verb}create {len(result.created)} places: {_some(result.created)}"
    if result.created_parents:
        yield f"{verb}create {len(result.created_parents)} parent units from feature attributes: {_some(result.created_parents)}"
    if result.updated:
        counts: dict[str, int] = {}
        for names in result.updated.values():
            for name in dict.fromkeys(names):
                counts[name] = counts.get(name, 0) + 1
        detail = ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))
        yield f"{verb}update {len(result.updated)} places ({detail})"
    for note in result.notes[:5]:
        yield note
    if dry_run:
        yield f"dry run: {where(result.path)} was not changed"
    elif result.written:
        yield f"wrote {where(result.path)}"


def _some(ids: list[str], count: int = 8) -> str:
    shown_ids = ", ".join(shown(i, 40) for i in ids[:count])
    return shown_ids + (f" and {len(ids) - count} more" if len(ids) > count else "")


__all__ = ["FieldNames", "ImportProblem", "ImportResult", "import_boundaries", "merge", "read_units", "summary"]
