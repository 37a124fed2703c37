"""Records from the database's JSON: one parser, a careful path and a fast one.

Every table is described once, in :data:`TABLES`: its fields in the order
they are checked, each with a *kind* (a non-empty string, a list of
strings, a full date ...), the attribute it fills and, for optional
fields, the value it takes when absent. Two functions are made from each
description:

* the **careful** path checks one field after another with :class:`_Fields`
  and raises the first problem as a one-line :class:`DatabaseCorrupt` that
  names the file, the record and the field;
* the **fast** path does the same checks inline (no call per field, dates
  and partial dates parsed once per distinct string, actors shared) and
  gives up, returning None, at the first thing it does not like.

:func:`build_records` runs the fast path over a table and the careful one
over each record the fast path gave up on, so a malformed record always
gets the careful path's message, and the first malformed record in the
table is the one named. The fast path accepts nothing the careful one
refuses and builds the same values (``tests/test_parse.py`` holds that):
a new field is added to the description and both paths have it.

The source of the functions made is :func:`source` (for reading, or a
debugger).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from typing import Any

from .dates import parse_partial
from .model import Actor, Claim, Event, Faction, Figure, Period, Region, Source
from .storage import DatabaseCorrupt, where
from .text import shown

# --- the careful checks ---------------------------------------------------------

# A partial date as both paths give it: (text as shown, first day, last day, precision).
Partial = tuple[str, date, date, str]

_ACTORS = "a list of {faction, role} objects"
_FIGURES = "a list of figure objects"
_FIGURE_COUNTS = "figures with whole-number 'low' and 'high'"
_OUTLINE = "a list of polygons, each a list of closed rings of [longitude, latitude] pairs"


class _Fields:
    """Typed access to one record's fields, naming the record in errors.

    (The readers of a required string and number are ``text`` and ``whole``:
    a method named ``str`` or ``int`` would shadow the type in the
    annotations of the methods after it.)"""

    def __init__(self, path: str, table: str, doc_id: str, record: dict[str, Any]) -> None:
        self.path, self.table, self.doc_id, self.record = path, table, doc_id, record

    @property
    def where(self) -> str:
        """The record, named for an error message (made only when one is raised)."""
        rid = self.record.get("id")
        return f"{where(self.path)}: {self.table} record {shown(self.doc_id, 20)}" + (
            f" (id {shown(rid, 60)})" if isinstance(rid, str) else ""
        )

    def fail(self, name: str, expected: str) -> DatabaseCorrupt:
        value = self.record.get(name)
        return DatabaseCorrupt(f"{self.where}: field '{name}' must be {expected}, found {shown(repr(value), 40)}")

    def text(self, name: str) -> str:
        value = self.record.get(name)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(name, "a non-empty string")
        return value

    def opt_str(self, name: str) -> str | None:
        value = self.record.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise self.fail(name, "a string or null")
        return value

    def str_list(self, name: str) -> tuple[str, ...]:
        value = self.record.get(name)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(name, "a list of strings")
        return tuple(v for v in value if v)

    def opt_float(self, name: str) -> float | None:
        value = self.record.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(name, "a number or null")
        return float(value)

    def whole(self, name: str) -> int:
        value = self.record.get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(name, "a whole number")
        return value

    def day(self, name: str) -> date:
        day = _day(self.record.get(name))
        if day is None:
            raise self.fail(name, "a date YYYY-MM-DD")
        return day

    def opt_day(self, name: str) -> date | None:
        return None if self.record.get(name) is None else self.day(name)

    def outline(self, name: str) -> list[Any] | None:
        """Polygons as nested lists of [lon, lat] pairs (each ring closed), or None."""
        value = self.record.get(name)
        if value is not None and not outline_ok(value):
            raise self.fail(name, _OUTLINE)
        return value

    def partial(self, name: str) -> Partial:
        found = _partial(self.record.get(name))
        if found is None:
            raise self.fail(name, "a date YYYY, YYYY-MM or YYYY-MM-DD")
        return found

    def opt_partial(self, name: str) -> Partial | None:
        """A partial date, or None when the field is absent, null or empty."""
        return self.partial(name) if self.opt_str(name) else None

    def actors(self, name: str) -> tuple[Actor, ...]:
        raw = self.record.get(name) or []
        if not isinstance(raw, list):
            raise self.fail(name, _ACTORS)
        out = []
        for item in raw:
            actor = actor_from(item)
            if actor is None:
                raise self.fail(name, _ACTORS)
            out.append(actor)
        return tuple(out)

    def figures(self, name: str) -> tuple[Figure, ...]:
        raw = self.record.get(name) or []
        if not isinstance(raw, list):
            raise self.fail(name, _FIGURES)
        out = []
        for item in raw:
            if not isinstance(item, dict):
                raise self.fail(name, _FIGURES)
            figure = figure_from(item)
            if figure is None:
                raise self.fail(name, _FIGURE_COUNTS)
            out.append(figure)
        return tuple(out)


# --- conversions both paths share -------------------------------------------------


def _day(value: Any) -> date | None:
    """A stored full date ``YYYY-MM-DD``, or None if ``value`` is not one."""
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _partial(value: Any) -> Partial | None:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` as (text, first, last, precision), or None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_partial(value)
    except ValueError:
        return None
    return parsed.text, parsed.first, parsed.last, parsed.precision


def outline_ok(value: Any) -> bool:
    """Polygons as GeoJSON nests them, each ring closed, every pair a [lon, lat] in range."""
    if not isinstance(value, list):
        return False
    for polygon in value:
        if not isinstance(polygon, list) or not polygon:
            return False
        for ring in polygon:
            if not isinstance(ring, list) or len(ring) < 4 or ring[0] != ring[-1]:
                return False
            for pair in ring:
                if (
                    not isinstance(pair, list)
                    or len(pair) != 2
                    or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pair)
                    or not (-180 <= pair[0] <= 180 and -90 <= pair[1] <= 90)
                ):
                    return False
    return True


def actor_from(item: Any) -> Actor | None:
    """An actor from its record, or None if it is not a {faction, role} object."""
    if not isinstance(item, dict) or not isinstance(item.get("faction"), str):
        return None
    return Actor(item["faction"], str(item.get("role") or "party"))


def figure_from(fig: dict[str, Any]) -> Figure | None:
    """A figure from its record, or None if its counts are not whole numbers."""
    low, high = fig.get("low"), fig.get("high", fig.get("low"))
    if type(low) is not int or type(high) is not int:  # bool is not a count either
        return None
    source, note = fig.get("source"), fig.get("note")
    return Figure(  # label, low, high, unit, source, approximate, note
        str(fig.get("label") or "count"),
        low if low <= high else high,
        high if high >= low else low,
        str(fig.get("unit") or ""),
        source if type(source) is str else None,
        bool(fig.get("approximate")),
        note if type(note) is str else None,
    )


# --- the tables -----------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One field of a record: its JSON ``key``, its ``kind`` (see :data:`KINDS`),
    the attribute it fills (``attr``, default the key; None: only used by a
    :class:`Derived`) and, for an optional field, the Python expression it
    takes when absent (``default``; it may name earlier fields as ``k_<key>``)."""

    key: str
    kind: str
    attr: str | None = ""
    default: str | None = None

    @property
    def local(self) -> str:
        return "k_" + self.key

    @property
    def target(self) -> str | None:
        return self.key if self.attr == "" else self.attr


@dataclass(frozen=True)
class Derived:
    """An attribute computed from fields already read (``k_<key>`` names)."""

    attr: str
    expression: str


@dataclass(frozen=True)
class Table:
    cls: type
    fields: tuple[Field | Derived, ...]


def _f(key: str, kind: str, attr: str | None = "", default: str | None = None) -> Field:
    return Field(key, kind, attr, default)


_EVENT_LAST = "(k_date_to or k_date)"

TABLES: dict[str, Table] = {
    "sources": Table(Source, (
        _f("id", "str"),
        _f("publication", "str"),
        _f("title", "str"),
        _f("url", "opt"),
        _f("date", "opt"),
        _f("kind", "opt", default="'news'"),
        _f("note", "opt"),
    )),
    "factions": Table(Faction, (
        _f("name", "str"),
        _f("id", "str"),
        _f("short", "opt", default="k_name"),
        _f("bloc", "str"),
        _f("name_ar", "opt"),
        _f("alt_names", "strs"),
        _f("parent", "opt"),
        _f("colour", "opt"),
        _f("note", "opt"),
    )),
    "regions": Table(Region, (
        _f("id", "str"),
        _f("name", "str"),
        _f("level", "str"),
        _f("parent", "opt"),
        _f("pcode", "opt"),
        _f("other_codes", "strs"),
        _f("name_ar", "opt"),
        _f("alt_names", "strs"),
        _f("lat", "float"),
        _f("lon", "float"),
        _f("coord_note", "opt"),
        _f("note", "opt"),
        _f("outline", "outline"),
        _f("sources", "strs"),
    )),
    "claims": Table(Claim, (
        _f("id", "str"),
        _f("region", "str"),
        _f("faction", "str"),
        _f("status", "opt", default="'held'"),
        _f("from", "day", attr="start"),
        _f("to", "opt_day", attr="end"),
        _f("except", "strs", attr="exceptions"),
        _f("others", "strs"),
        _f("from_precision", "opt", default="'day'"),
        _f("start_event", "opt"),
        _f("sources", "strs"),
        _f("confidence", "opt", default="'medium'"),
        _f("note", "opt"),
    )),
    "periods": Table(Period, (
        _f("id", "str"),
        _f("region", "str"),
        _f("faction", "str"),
        _f("status", "str"),
        _f("from", "day", attr="start"),
        _f("to", "opt_day", attr="end"),
        _f("others", "strs"),
        _f("from_precision", "opt", default="'day'"),
        _f("start_event", "opt"),
        _f("end_event", "opt"),
        _f("sources", "strs"),
        _f("confidence", "opt", default="'medium'"),
        _f("note", "opt"),
    )),
    "events": Table(Event, (
        _f("date", "partial", attr=None),
        _f("date_to", "opt_partial", attr=None),
        _f("actors", "actors"),
        _f("figures", "figures"),
        _f("id", "str"),
        _f("precision", "opt", default="k_date[3]"),
        _f("type", "str"),
        _f("title", "str"),
        _f("summary", "opt"),
        _f("places", "strs"),
        _f("sources", "strs"),
        _f("confidence", "opt", default="'medium'"),
        Derived("date", "k_date[0]"),
        Derived("date_to", "k_date_to[0] if k_date_to else None"),
        Derived("first", f"k_date[1] if k_date[1] <= {_EVENT_LAST}[1] else {_EVENT_LAST}[1]"),
        Derived("last", f"k_date[2] if k_date[2] >= {_EVENT_LAST}[2] else {_EVENT_LAST}[2]"),
    )),
}


# --- the kinds: one careful call and one inline check each -------------------------------
#
# In a fast template, V is the field's local variable, holding the raw
# value on entry and the built one after; ``return None`` gives up.

_CAREFUL = {
    "str": "V = f.text(KEY)",
    "opt": "V = f.opt_str(KEY)",
    "strs": "V = f.str_list(KEY)",
    "float": "V = f.opt_float(KEY)",
    "day": "V = f.day(KEY)",
    "opt_day": "V = f.opt_day(KEY)",
    "outline": "V = f.outline(KEY)",
    "partial": "V = f.partial(KEY)",
    "opt_partial": "V = f.opt_partial(KEY)",
    "actors": "V = f.actors(KEY)",
    "figures": "V = f.figures(KEY)",
}

_FAST = {
    "str": """
        if type(V) is not _str or not V or V.isspace():
            return None""",
    "opt": """
        if V is None or V == "":
            V = None
        elif type(V) is not _str:
            return None""",
    "strs": """
        if V is None:
            V = ()
        elif type(V) is _list:
            for _x in V:
                if type(_x) is not _str or not _x:
                    return None
            V = _tuple(V)
        else:
            return None""",
    "float": """
        if V is not None:
            if type(V) is _int:
                V = _float(V)
            elif type(V) is not _float:
                return None""",
    "day": """
        if type(V) is not _str:
            return None
        _d = _days_get(V)
        if _d is None:
            _d = _days[V] = _day(V)
            if _d is None:
                return None
        V = _d""",
    "opt_day": """
        if V is not None:
            if type(V) is not _str:
                return None
            _d = _days_get(V)
            if _d is None:
                _d = _days[V] = _day(V)
                if _d is None:
                    return None
            V = _d""",
    "outline": """
        if V is not None and not _outline_ok(V):
            return None""",
    "partial": """
        if type(V) is not _str:
            return None
        _p = _partials_get(V)
        if _p is None:
            _p = _partials[V] = _partial(V)
            if _p is None:
                return None
        V = _p""",
    "opt_partial": """
        if V is None or V == "":
            V = None
        elif type(V) is not _str:
            return None
        else:
            _p = _partials_get(V)
            if _p is None:
                _p = _partials[V] = _partial(V)
                if _p is None:
                    return None
            V = _p""",
    "actors": """
        if V:
            if type(V) is not _list:
                return None
            _b = []
            for _a in V:
                # Actors are shared: one per (faction, role) of strings.
                try:
                    _o = _actors_get(_faction_role(_a))
                except (KeyError, TypeError, IndexError):
                    _o = None
                if _o is None:
                    if type(_a) is not _dict:
                        return None
                    _o = _actor_from(_a)
                    if _o is None:
                        return None
                    if type(_a.get("role")) is _str:
                        _actors[(_a["faction"], _a["role"])] = _o
                _b.append(_o)
            V = _tuple(_b)
        else:
            V = ()""",
    "figures": """
        if V:
            if type(V) is not _list:
                return None
            _b = []
            for _g in V:
                _g = _figure_from(_g) if type(_g) is _dict else None
                if _g is None:
                    return None
                _b.append(_g)
            V = _tuple(_b)
        else:
            V = ()""",
}

KINDS = tuple(_CAREFUL)
assert set(_FAST) == set(_CAREFUL)


def _arguments(table: Table) -> str:
    """The constructor's arguments: positional in the class's field order as
    far as every field is given, by keyword after that."""
    given: dict[str, str] = {}
    for item in table.fields:
        if isinstance(item, Derived):
            given[item.attr] = f"({item.expression})"
        elif item.target is not None:
            given[item.target] = item.local
    names = [f.name for f in dataclasses.fields(table.cls)]
    unknown = set(given) - set(names)
    if unknown:
        raise TypeError(f"{table.cls.__name__} has no field {', '.join(sorted(unknown))}")
    args: list[str] = []
    keyword = False
    for name in names:
        if name not in given:
            keyword = True
            continue
        args.append(f"{name}={given[name]}" if keyword else given[name])
    return ", ".join(args)


def _defaults(item: Field, indent: str) -> str:
    return f"\n{indent}if {item.local} is None:\n{indent}    {item.local} = {item.default}" if item.default else ""


def source(name: str, careful: bool = False) -> str:
    """The Python source of a table's fast (or careful) builder."""
    table = TABLES[name]
    fields = [item for item in table.fields if isinstance(item, Field)]
    call = f"return _cls({_arguments(table)})"
    if careful:
        lines = ["def careful(path, table, doc_id, r):", "    f = _Fields(path, table, doc_id, r)"]
        for item in fields:
            lines.append("    " + _CAREFUL[item.kind].replace("V", item.local).replace("KEY", repr(item.key)) + _defaults(item, "    "))
        lines.append("    " + call)
        return "\n".join(lines) + "\n"
    locals_ = ", ".join(item.local for item in fields)
    lines = [
        "def make(_sparse):",
        "    _days = {}",
        "    _days_get = _days.get",
        "    _partials = {}",
        "    _partials_get = _partials.get",
        "    _actors = {}",
        "    _actors_get = _actors.get",
        "",
        "    def fast(r):",
        "        if _sparse:",
        f"            {locals_}, = _map(r.get, _keys)",
        "        else:",
        "            try:",
        f"                {locals_}, = _get(r)",
        "            except KeyError:",
        f"                {locals_}, = _map(r.get, _keys)",
    ]
    for item in fields:
        body = _FAST[item.kind].replace("V", item.local)
        lines.append(body.rstrip() + _defaults(item, "        "))
    lines.append("        " + call)
    lines.append("")
    lines.append("    return fast")
    return "\n".join(lines) + "\n"


_GLOBALS: dict[str, Any] = {
    "_str": str,
    "_list": list,
    "_dict": dict,
    "_tuple": tuple,
    "_map": map,
    "_int": int,
    "_float": float,
    "_day": _day,
    "_partial": _partial,
    "_outline_ok": outline_ok,
    "_actor_from": actor_from,
    "_faction_role": itemgetter("faction", "role"),
    "_figure_from": figure_from,
    "_Fields": _Fields,
}

def _one(key: str) -> Callable[[dict[str, Any]], tuple[Any]]:
    return lambda record: (record[key],)


FastFactory = Callable[[bool], Callable[[dict[str, Any]], Any]]
Careful = Callable[[str, str, str, dict[str, Any]], Any]


def _compile(name: str) -> tuple[FastFactory, Careful]:
    table = TABLES[name]
    keys = tuple(item.key for item in table.fields if isinstance(item, Field))
    namespace = {**_GLOBALS, "_cls": table.cls, "_keys": keys, "_get": itemgetter(*keys) if len(keys) > 1 else _one(keys[0])}
    exec(compile(source(name), f"<store.parse fast {name}>", "exec"), namespace)
    exec(compile(source(name, careful=True), f"<store.parse careful {name}>", "exec"), namespace)
    return namespace["make"], namespace["careful"]


class _Builders(dict[str, tuple[FastFactory, Careful]]):
    """A table's two builders, compiled on first use (importing this module stays cheap)."""

    def __missing__(self, name: str) -> tuple[FastFactory, Careful]:
        if name not in TABLES:
            raise KeyError(name)
        built = self[name] = _compile(name)
        return built


BUILDERS = _Builders()
KEYS: dict[str, tuple[str, ...]] = {
    name: tuple(item.key for item in table.fields if isinstance(item, Field)) for name, table in TABLES.items()
}


def build_records(path: str, table: str, records: Mapping[str, dict[str, Any]]) -> list[Any]:
    """Typed records from a table; the first malformed one raises a one-line error."""
    make, careful = BUILDERS[table]
    first = next(iter(records.values()), None)
    # A table whose first record leaves out optional fields reads every record
    # with get(); else all fields at once, falling back to get() for a record
    # that leaves one out.
    sparse = first is not None and not all(key in first for key in KEYS[table])
    out = list(map(make(sparse), records.values()))
    if None in out:
        for index, (doc_id, record) in enumerate(records.items()):
            if out[index] is None:
                out[index] = careful(path, table, doc_id, record)
    return out


def build_careful(path: str, table: str, records: Mapping[str, dict[str, Any]]) -> list[Any]:
    """The same records by the careful path alone (for tests and comparisons)."""
    careful = BUILDERS[table][1]
    return [careful(path, table, doc_id, record) for doc_id, record in records.items()]
