"""store.parse: one description per table, a careful path and a fast one that agree.

The fast path may give up on anything unusual (the careful path then
decides), but it must never accept a record the careful path refuses, and
what it builds must be what the careful path builds. Hypothesis throws
records of every shape at both.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store.parse import BUILDERS, KEYS, TABLES, build_careful, build_records, source
from store.storage import DatabaseCorrupt


def plain(value: Any) -> Any:
    """A record as comparable nested tuples (actors and figures compare by identity)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, *(plain(getattr(value, f.name)) for f in dataclasses.fields(value)))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, *(plain(v) for v in value))
    return (type(value).__name__, value)


# --- values of every kind, good and bad ------------------------------------------------

_text = st.sampled_from(["Dumair", "الضمير", "x", "", " ", "\t", "saa", "C2346", "2018"])
_dates = st.sampled_from(
    ["2018-04-20", "2018-02-29", "2016-02-29", "2018-13-01", "2018-04", "2018-4", "2018", "18", "٢٠١٨",
     "2018-04-20 ", "20180420", "2018-W16-5", "", "0000-01-01", "9999-12-31"]
)
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(-200, 200, allow_nan=False), _text, _dates)
_lists = st.lists(st.one_of(_text, st.none(), st.integers(0, 2)), max_size=3)
_actor = st.one_of(
    st.fixed_dictionaries({"faction": _text, "role": st.one_of(_text, st.none(), st.integers(0, 2))}),
    st.fixed_dictionaries({"faction": st.one_of(_text, st.none(), st.integers(0, 1))}),
    _text,
    st.lists(_text, max_size=2),
)
_figure = st.one_of(
    st.fixed_dictionaries(
        {"low": st.one_of(st.integers(0, 9), st.booleans(), st.none())},
        optional={
            "high": st.one_of(st.integers(0, 9), st.none(), st.floats(0, 9)),
            "label": st.one_of(_text, st.none(), st.integers(0, 2)),
            "unit": st.one_of(_text, st.none()),
            "source": st.one_of(_text, st.none(), st.integers(0, 2)),
            "approximate": st.one_of(st.booleans(), st.none(), st.integers(0, 1)),
            "note": st.one_of(_text, st.none()),
        },
    ),
    _text,
)
_ring = st.sampled_from(
    [
        [[36.0, 33.5], [36.1, 33.5], [36.1, 33.6], [36.0, 33.5]],
        [[36.0, 33.5], [36.1, 33.5], [36.0, 33.5]],  # too short
        [[36.0, 33.5], [36.1, 33.5], [36.1, 33.6], [36.2, 33.5]],  # not closed
        [[236.0, 33.5], [36.1, 33.5], [36.1, 33.6], [236.0, 33.5]],  # out of range
        [[True, 33.5], [36.1, 33.5], [36.1, 33.6], [True, 33.5]],
    ]
)
_outline = st.one_of(st.none(), st.lists(st.lists(_ring, min_size=0, max_size=2), max_size=2), _text)


_good_text = st.sampled_from(["Dumair", "الضمير", "x", "saa", "C2346"])


def _value(key: str) -> st.SearchStrategy[Any]:
    """Values of a field's own kind, good ones more often than bad ones."""
    kind = next(f.kind for t in TABLES.values() for f in t.fields if getattr(f, "key", None) == key)
    return {
        "str": st.one_of(_good_text, _good_text, _text),
        "opt": st.one_of(_text, st.none()),
        "strs": st.one_of(st.lists(_good_text, max_size=3), st.lists(_text, max_size=3), st.none()),
        "float": st.one_of(st.floats(-200, 200, allow_nan=False), st.integers(-90, 90), st.none(), st.booleans()),
        "day": _dates,
        "opt_day": st.one_of(_dates, st.none()),
        "outline": _outline,
        "partial": _dates,
        "opt_partial": st.one_of(_dates, st.none()),
        "actors": st.one_of(st.lists(_actor, max_size=3), st.none()),
        "figures": st.one_of(st.lists(_figure, max_size=2), st.none()),
    }[kind]


@st.composite
def _records(draw: st.DrawFn, table: str, complete: bool) -> dict[str, Any]:
    """A record with fields of their own kinds, a few left out (unless
    ``complete``: files frontlines writes have them all) and a few replaced
    by anything at all."""
    keys = KEYS[table]
    record = {key: draw(_value(key)) for key in keys}
    if not complete:
        for key in draw(st.lists(st.sampled_from(keys), max_size=len(keys), unique=True)):
            del record[key]
    for key in draw(st.lists(st.sampled_from(keys), max_size=2, unique=True)):
        record[key] = draw(st.one_of(_scalars, _lists))
    return record


def _check_one(table: str, record: dict[str, Any]) -> None:
    make, careful = BUILDERS[table]
    try:
        expected = careful("db.json", table, "7", record)
        refused: str | None = None
    except DatabaseCorrupt as exc:
        refused = str(exc)
    for sparse in (False, True):
        built = make(sparse)(record)
        if built is None:
            continue  # gave up: the careful path decides
        assert refused is None, f"fast path accepted what the careful one refuses: {refused}"
        assert plain(built) == plain(expected)
    # And through the table builder: the same record or the same message.
    try:
        (through,) = build_records("db.json", table, {"7": record})
    except DatabaseCorrupt as exc:
        assert str(exc) == refused
    else:
        assert refused is None and plain(through) == plain(expected)


@pytest.mark.parametrize("table", list(TABLES))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_fast_path_builds_what_the_careful_path_builds(table: str, data: st.DataObject) -> None:
    _check_one(table, data.draw(st.one_of(_records(table, False), _records(table, True))))


# --- what the description gives ----------------------------------------------------------


GOOD_EVENT = {
    "id": "e1", "date": "2018-04", "date_to": "2018-05-03", "precision": None, "type": "takeover",
    "title": "In", "summary": "", "places": ["C2346", ""], "sources": ["s1"], "confidence": None,
    "actors": [{"faction": "saa", "role": "took-control"}, {"faction": "jai"}],
    "figures": [{"label": "evacuees", "low": 3200, "high": 1500, "approximate": True}],
}


def test_an_event_is_built_with_its_derived_fields() -> None:
    (event,) = build_records("db.json", "events", {"1": GOOD_EVENT})
    assert (event.date, event.date_to, event.precision) == ("2018-04", "2018-05-03", "month")
    assert (event.first.isoformat(), event.last.isoformat()) == ("2018-04-01", "2018-05-03")
    assert event.places == ("C2346",) and event.summary is None and event.confidence == "medium"
    assert [(a.faction, a.role) for a in event.actors] == [("saa", "took-control"), ("jai", "party")]
    assert event.figures[0].text == "evacuees: about 1,500-3,200"  # no unit given
    assert plain(event) == plain(build_careful("db.json", "events", {"1": GOOD_EVENT})[0])


def test_the_same_actor_is_shared_between_events() -> None:
    records = {str(i): {**GOOD_EVENT, "id": f"e{i}", "places": ["C2346"]} for i in range(1, 4)}
    events = build_records("db.json", "events", records)
    assert events[0].actors[0] is events[2].actors[0]


@pytest.mark.parametrize(
    ("table", "record", "field", "expected"),
    [
        ("events", {**GOOD_EVENT, "date": "2018-13"}, "date", "a date YYYY, YYYY-MM or YYYY-MM-DD"),
        ("events", {**GOOD_EVENT, "title": "  "}, "title", "a non-empty string"),
        ("events", {**GOOD_EVENT, "actors": [{"role": "party"}]}, "actors", "a list of {faction, role} objects"),
        ("events", {**GOOD_EVENT, "figures": [{"low": 1.5}]}, "figures", "figures with whole-number 'low' and 'high'"),
        ("events", {**GOOD_EVENT, "places": "C2346"}, "places", "a list of strings"),
        ("periods", {"id": "p1", "region": "r", "faction": "f", "status": "held", "from": "2018-02-30"},
         "from", "a date YYYY-MM-DD"),
        ("periods", {"id": "p1", "region": "r", "faction": "f", "status": "held", "from": "2018-02-03", "note": 3},
         "note", "a string or null"),
        ("regions", {"id": "r", "name": "R", "level": "community", "lat": True}, "lat", "a number or null"),
        ("factions", {"id": "f", "bloc": "other"}, "name", "a non-empty string"),
        ("claims", {"id": "c", "region": "r", "faction": "f", "from": "2018-01-01", "except": [1]},
         "except", "a list of strings"),
    ],
)
def test_a_bad_field_is_named_on_one_line(table: str, record: dict[str, Any], field: str, expected: str) -> None:
    # A good record first (none for factions), so the message must name the second one.
    records = {"2": record} if table == "factions" else {"1": _good(table), "2": record}
    with pytest.raises(DatabaseCorrupt) as info:
        build_records("db.json", table, records)
    message = str(info.value)
    assert message.startswith(f"db.json: {table} record 2")
    assert f"field '{field}' must be {expected}, found " in message
    assert "\n" not in message


def _good(table: str) -> dict[str, Any]:
    return {
        "events": GOOD_EVENT,
        "periods": {"id": "p0", "region": "r", "faction": "f", "status": "held", "from": "2018-01-01"},
        "regions": {"id": "r0", "name": "R", "level": "community"},
        "claims": {"id": "c0", "region": "r", "faction": "f", "from": "2018-01-01"},
    }[table]


def test_the_first_bad_record_is_the_one_named() -> None:
    bad = {**GOOD_EVENT, "type": 5}
    records = {"1": GOOD_EVENT, "2": {**GOOD_EVENT, "places": ["", "x"]}, "3": bad, "4": {**bad, "id": "later"}}
    with pytest.raises(DatabaseCorrupt, match="events record 3 .*field 'type'"):
        build_records("db.json", "events", records)


def test_both_paths_come_from_the_one_description() -> None:
    # Every field of a table's description is read by both of its builders.
    for name in TABLES:
        fast, careful = source(name), source(name, careful=True)
        for key in KEYS[name]:
            assert f"k_{key}" in fast and f"k_{key}" in careful, (name, key)
