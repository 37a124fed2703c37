"""store.db: the queries the CLI and the explorer ask, on small hand-made stores."""

from __future__ import annotations

import copy
import math
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from store.db import Store
from store.storage import DatabaseCorrupt, ReadOnlyError, StoreError, read_tables, write_tables

D = date.fromisoformat


# --- the test data ------------------------------------------------------------
#
#  ROOT  Damascus Province
#  ├── D-A  Alpha District
#  │   ├── C-DUMAIR   Dumair      periods: jai 2016-01-01..2018-04-19, saa 2018-04-20..
#  │   ├── C-HARASTA  Harasta     periods: jai ..2018-03-21, saa 2018-03-22..2018-10-31
#  │   └── C-YARMOUK-A Yarmouk    (no periods)
#  └── D-Z  Zeta District (listed first in the data, sorts last)
#      ├── C-RUHAYBAH  Ruhaybah   periods: fsa held ..2017-06-30, fsa contested ..2018-04-30, saa 2018-05-01..
#      │   └── N-RUHAYBAH-1 Old Quarter  periods of its own (hidden below a unit)
#      ├── C-BEITSAHM  Beit Sahm  periods: fsa truce 2016-06-01..2017-01-31, fsa truce 2017-02-01..
#      ├── SD-DOUMA  Douma (sub-district, no periods)
#      │   └── C-DOUMA  Douma     periods: jai ..2018-04-12, saa 2018-04-13..
#      └── C-YARMOUK-Z Yarmouk    (no periods)

SPAN = (D("2016-01-01"), D("2018-12-31"))


def region(rid: str, name: str, level: str, parent: str | None, **extra: Any) -> dict[str, Any]:
    return {"id": rid, "name": name, "level": level, "parent": parent, **extra}


def period(pid: str, rid: str, faction: str, status: str, start: str, end: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "id": pid,
        "region": rid,
        "faction": faction,
        "status": status,
        "from": start,
        "to": end,
        "sources": ["s1"],
        "confidence": "high",
        **extra,
    }


def event(eid: str, when: str, kind: str, places: list[str], actors: list[tuple[str, str]], **extra: Any) -> dict[str, Any]:
    return {
        "id": eid,
        "date": when,
        "type": kind,
        "title": eid,
        "places": places,
        "actors": [{"faction": f, "role": r} for f, r in actors],
        "sources": ["s1"],
        "confidence": "medium",
        **extra,
    }


def make_tables() -> dict[str, list[dict[str, Any]]]:
    return {
        "meta": [{"schema_version": 1, "title": "Test data", "span_from": "2016-01-01", "span_to": "2018-12-31"}],
        "sources": [
            {"id": "s1", "publication": "Syria Direct", "title": "One", "kind": "news"},
            {"id": "s2", "publication": "Enab Baladi", "title": "Two", "kind": "news", "date": "2018-04"},
        ],
        "factions": [
            {"id": "saa", "name": "Syrian Arab Army", "short": "SAA", "bloc": "government", "alt_names": []},
            {"id": "rg", "name": "Republican Guard", "short": "RG", "bloc": "government", "parent": "saa"},
            {"id": "jai", "name": "Jaysh al-Islam", "short": "JaI", "bloc": "opposition", "name_ar": "جيش الإسلام"},
            {"id": "fsa", "name": "Free Syrian Army", "short": "FSA", "bloc": "opposition"},
        ],
        "regions": [
            region("ROOT", "Damascus Province", "province", None, pcode="SY03"),
            region("D-Z", "Zeta District", "district", "ROOT"),
            region("D-A", "Alpha District", "district", "ROOT"),
            region(
                "C-DUMAIR", "Dumair", "community", "D-A",
                pcode="C2346", name_ar="الضمير", alt_names=["Dumayr", "Dmeir"],
            ),
            region("C-HARASTA", "Harasta", "community", "D-A", pcode="C2314"),
            region("C-YARMOUK-A", "Yarmouk", "community", "D-A"),
            region("C-RUHAYBAH", "Ruhaybah", "community", "D-Z", alt_names=["Rhaibeh"]),
            region("N-RUHAYBAH-1", "Old Quarter", "neighbourhood", "C-RUHAYBAH"),
            region("C-BEITSAHM", "Beit Sahm", "community", "D-Z"),
            region("SD-DOUMA", "Douma", "sub-district", "D-Z"),
            region("C-DOUMA", "Douma", "community", "SD-DOUMA"),
            region("C-YARMOUK-Z", "Yarmouk", "community", "D-Z"),
        ],
        "periods": [
            period("p-dumair-1", "C-DUMAIR", "jai", "held", "2016-01-01", "2018-04-19"),
            period("p-dumair-2", "C-DUMAIR", "saa", "held", "2018-04-20", None, start_event="e-dumair-deal"),
            period("p-harasta-1", "C-HARASTA", "jai", "held", "2016-01-01", "2018-03-21"),
            period("p-harasta-2", "C-HARASTA", "saa", "held", "2018-03-22", "2018-10-31"),
            period("p-ruhaybah-1", "C-RUHAYBAH", "fsa", "held", "2016-01-01", "2017-06-30"),
            period("p-ruhaybah-2", "C-RUHAYBAH", "fsa", "contested", "2017-07-01", "2018-04-30"),
            period("p-ruhaybah-3", "C-RUHAYBAH", "saa", "held", "2018-05-01", None),
            period("p-oldq-1", "N-RUHAYBAH-1", "jai", "held", "2016-01-01", "2016-12-31"),
            period("p-oldq-2", "N-RUHAYBAH-1", "fsa", "held", "2017-01-01", None),
            period("p-beitsahm-1", "C-BEITSAHM", "fsa", "truce", "2016-06-01", "2017-01-31"),
            period("p-beitsahm-2", "C-BEITSAHM", "fsa", "truce", "2017-02-01", None),
            period("p-douma-1", "C-DOUMA", "jai", "held", "2016-01-01", "2018-04-12"),
            period("p-douma-2", "C-DOUMA", "saa", "held", "2018-04-13", None),
        ],
        "events": [
            event("e-dumair-deal", "2018-04", "agreement", ["C-DUMAIR"], [("jai", "party"), ("rg", "party")]),
            event("e-ruhaybah-shelling", "2016-05-01", "bombardment", ["C-RUHAYBAH"], [("saa", "attacker")]),
            event("e-douma-evacuation", "2018-04-13", "evacuation", ["C-DOUMA"], [("jai", "evacuated")], sources=["s2"]),
            event(
                "e-ruhaybah-offensive", "2017-07-01", "offensive", ["N-RUHAYBAH-1"],
                [("fsa", "defender"), ("saa", "attacker")], date_to="2017-07-10", precision="span",
            ),
        ],
    }


def make_store(edit=None) -> Store:
    """The store above; ``edit(tables)`` may change the lists first."""
    tables = make_tables()
    if edit is not None:
        edit(tables)
    return Store.from_tables(tables)


@pytest.fixture(scope="module")
def store() -> Store:
    return make_store()


def ids(records) -> list[str]:
    return [r.id for r in records]


def _find(tables, table: str, rid: str) -> dict[str, Any]:
    return next(r for r in tables[table] if r["id"] == rid)


# --- the tree ---------------------------------------------------------------------


def test_the_test_data_is_valid(store: Store) -> None:
    assert store.validate() == []
    assert store.span == SPAN
    assert store.title == "Test data"


def test_children_sorted_by_name(store: Store) -> None:
    assert ids(store.roots()) == ["ROOT"]
    assert ids(store.children("ROOT")) == ["D-A", "D-Z"]
    assert ids(store.children("D-Z")) == ["C-BEITSAHM", "SD-DOUMA", "C-RUHAYBAH", "C-YARMOUK-Z"]
    assert ids(store.children("C-DOUMA")) == []
    assert store.has_children("SD-DOUMA") and not store.has_children("C-DOUMA")


def test_ancestors_is_the_path_from_the_root(store: Store) -> None:
    assert ids(store.ancestors("C-DOUMA")) == ["ROOT", "D-Z", "SD-DOUMA", "C-DOUMA"]
    assert ids(store.ancestors("ROOT")) == ["ROOT"]


def test_descendants_include_the_region_itself(store: Store) -> None:
    assert store.descendants("D-A") == {"D-A", "C-DUMAIR", "C-HARASTA", "C-YARMOUK-A"}
    assert store.descendants("C-DOUMA") == {"C-DOUMA"}


def test_units_stop_at_the_first_region_with_periods_and_count_places_with_nothing_recorded(store: Store) -> None:
    # N-RUHAYBAH-1 is under a place with periods; the Yarmouks have nothing recorded but count.
    assert set(store.units("D-Z")) == {"C-RUHAYBAH", "C-BEITSAHM", "C-DOUMA", "C-YARMOUK-Z"}
    assert set(store.units("ROOT")) == {
        "C-DUMAIR", "C-HARASTA", "C-RUHAYBAH", "C-BEITSAHM", "C-DOUMA", "C-YARMOUK-A", "C-YARMOUK-Z"
    }
    assert store.units("C-RUHAYBAH") == ("C-RUHAYBAH",)
    assert store.units("N-RUHAYBAH-1") == ("N-RUHAYBAH-1",)
    assert store.units("C-YARMOUK-A") == ("C-YARMOUK-A",)


# --- control ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rid", "day", "expected"),
    [
        ("C-DUMAIR", "2016-01-01", "p-dumair-1"),  # first day
        ("C-DUMAIR", "2015-12-31", None),  # day before the first period
        ("C-DUMAIR", "2018-04-19", "p-dumair-1"),  # last inclusive day
        ("C-DUMAIR", "2018-04-20", "p-dumair-2"),  # day after
        ("C-DUMAIR", "2030-01-01", "p-dumair-2"),  # open period
        ("C-HARASTA", "2018-10-31", "p-harasta-2"),
        ("C-HARASTA", "2018-11-01", None),  # day after the last closed period
        ("C-BEITSAHM", "2016-05-31", None),
        ("C-BEITSAHM", "2016-06-01", "p-beitsahm-1"),
        ("C-BEITSAHM", "2017-01-31", "p-beitsahm-1"),
        ("C-BEITSAHM", "2017-02-01", "p-beitsahm-2"),
        ("D-A", "2017-01-01", None),  # a parent has no periods of its own
    ],
)
def test_period_at_boundaries(store: Store, rid: str, day: str, expected: str | None) -> None:
    found = store.period_at(rid, D(day))
    assert (found.id if found else None) == expected


def test_control_of_a_leaf(store: Store) -> None:
    c = store.control("C-DUMAIR", D("2018-04-19"))
    assert (c.status, c.faction.id, c.period.id, c.derived) == ("held", "jai", "p-dumair-1", False)
    assert (c.since, c.until) == (D("2016-01-01"), D("2018-04-19"))
    c = store.control("C-DUMAIR", D("2018-04-20"))
    assert (c.status, c.faction.id, c.since, c.until) == ("held", "saa", D("2018-04-20"), None)
    assert c.bloc == "government"
    c = store.control("C-RUHAYBAH", D("2018-01-01"))
    assert (c.status, c.faction.id, c.since, c.until) == ("contested", "fsa", D("2017-07-01"), D("2018-04-30"))


def test_control_of_a_leaf_in_a_gap_is_not_recorded_with_the_gap_bounds(store: Store) -> None:
    c = store.control("C-HARASTA", D("2018-11-15"))
    assert (c.status, c.faction, c.period) == ("not-recorded", None, None)
    assert (c.since, c.until) == (D("2018-11-01"), None)
    c = store.control("C-BEITSAHM", D("2016-03-01"))
    assert (c.status, c.since, c.until) == ("not-recorded", None, D("2016-05-31"))


def _without_yarmouks(tables) -> None:
    tables["regions"] = [r for r in tables["regions"] if not r["id"].startswith("C-YARMOUK")]


def test_control_of_a_parent_unanimous() -> None:
    store = make_store(_without_yarmouks)
    c = store.control("D-A", D("2017-06-01"))
    assert (c.status, c.faction.id, c.derived, c.period) == ("held", "jai", True, None)
    assert c.breakdown.total == 2
    assert [(s.key, s.count, s.share) for s in c.breakdown.by_faction] == [("jai", 2, 1.0)]
    c = store.control("D-A", D("2018-05-01"))
    assert (c.status, c.faction.id) == ("held", "saa")
    assert c.since == D("2018-04-20")  # when the last unit changed hands


def test_control_of_a_parent_split_is_mixed(store: Store) -> None:
    c = store.control("D-A", D("2018-04-01"))  # Harasta taken, Dumair not yet
    assert (c.status, c.faction, c.derived) == ("mixed", None, True)
    assert {s.key: s.count for s in c.breakdown.by_faction} == {"jai": 1, "saa": 1, "not-recorded": 1}
    assert {s.key: s.count for s in c.breakdown.by_bloc} == {"opposition": 1, "government": 1, "not-recorded": 1}
    assert dict(c.breakdown.units) == {"C-DUMAIR": "jai", "C-HARASTA": "saa", "C-YARMOUK-A": None}


def test_a_parent_is_mixed_while_one_place_under_it_is_not_recorded(store: Store) -> None:
    # Dumair and Harasta are both Jaysh al-Islam's, but nothing is recorded for Yarmouk:
    # the district is not claimed for anyone, and the breakdown says why.
    c = store.control("D-A", D("2017-06-01"))
    assert (c.status, c.faction) == ("mixed", None)
    assert {s.key: s.count for s in c.breakdown.by_faction} == {"jai": 2, "not-recorded": 1}


def test_breakdown_counts_places_not_recorded_and_shares_sum_to_one(store: Store) -> None:
    c = store.control("D-Z", D("2016-03-01"))  # Beit Sahm has no data yet, Yarmouk none at all
    assert c.status == "mixed"
    b = c.breakdown
    assert b.total == 4
    assert {s.key: s.count for s in b.by_faction} == {"fsa": 1, "jai": 1, "not-recorded": 2}
    assert {s.key: s.count for s in b.by_bloc} == {"opposition": 2, "not-recorded": 2}
    for shares in (b.by_faction, b.by_bloc):
        assert math.isclose(sum(s.share for s in shares), 1.0)
        assert all(math.isclose(s.share, s.count / 4) for s in shares)
    assert dict(b.units)["C-BEITSAHM"] is None


def test_places_with_nothing_recorded_are_not_recorded(store: Store) -> None:
    c = store.control("C-BEITSAHM", D("2016-01-15"))
    assert c.status == "not-recorded"
    c = store.control("C-YARMOUK-A", D("2017-01-01"))  # no periods, no claims
    assert (c.status, c.faction, c.derived) == ("not-recorded", None, False)


def test_control_of_a_parent_until_is_the_first_unit_end() -> None:
    store = make_store(_without_yarmouks)
    c = store.control("D-A", D("2018-05-01"))
    assert (c.status, c.faction.id) == ("held", "saa")
    assert store.control("D-A", D("2018-11-01")).status == "mixed"  # Harasta unknown from here
    assert c.until == D("2018-10-31")


def test_unanimous_faction_with_differing_statuses_takes_the_most_severe() -> None:
    def edit(tables):
        _find(tables, "periods", "p-douma-1")["faction"] = "fsa"
        _without_yarmouks(tables)

    # Zeta on 2016-07-01: Ruhaybah fsa held, Beit Sahm fsa truce, Douma fsa held.
    c = make_store(edit).control("D-Z", D("2016-07-01"))
    assert c.faction.id == "fsa"
    assert c.status == "truce"  # held and truce: truce is the more severe (docs/data-format.md)


def test_since_of_a_leaf_spans_adjacent_identical_periods(store: Store) -> None:
    assert D("2017-02-01") not in [c.day for c in store.changes("C-BEITSAHM")]
    assert store.control("C-BEITSAHM", D("2017-06-01")).since == D("2016-06-01")


# --- changes ------------------------------------------------------------------------------


def summarise(changes) -> list[tuple[str, str, str | None, str | None]]:
    return [
        (c.day.isoformat(), c.region, c.before.id if c.before else None, c.after.id if c.after else None)
        for c in changes
    ]


def test_changes_in_a_subtree_are_real_changes_sorted_by_day(store: Store) -> None:
    assert summarise(store.changes("D-A")) == [
        ("2018-03-22", "C-HARASTA", "p-harasta-1", "p-harasta-2"),
        ("2018-04-20", "C-DUMAIR", "p-dumair-1", "p-dumair-2"),
        ("2018-11-01", "C-HARASTA", "p-harasta-2", None),  # data ends before the span does
    ]
    assert summarise(store.changes("D-Z")) == [
        ("2016-06-01", "C-BEITSAHM", None, "p-beitsahm-1"),  # first known after the span starts
        # 2017-02-01 Beit Sahm: same faction and status, not a change
        ("2017-07-01", "C-RUHAYBAH", "p-ruhaybah-1", "p-ruhaybah-2"),  # status change
        ("2018-04-13", "C-DOUMA", "p-douma-1", "p-douma-2"),
        ("2018-05-01", "C-RUHAYBAH", "p-ruhaybah-2", "p-ruhaybah-3"),
    ]
    assert store.changes("D-A")[1].event_id == "e-dumair-deal"


def test_changes_of_a_leaf_and_change_days(store: Store) -> None:
    assert summarise(store.changes("C-DOUMA")) == [("2018-04-13", "C-DOUMA", "p-douma-1", "p-douma-2")]
    assert store.change_days("D-A") == [D("2018-03-22"), D("2018-04-20"), D("2018-11-01")]
    assert summarise(store.changes_on("ROOT", D("2018-04-20"))) == [
        ("2018-04-20", "C-DUMAIR", "p-dumair-1", "p-dumair-2")
    ]


def test_a_gap_between_periods_is_two_changes() -> None:
    def edit(tables):
        for p in tables["periods"]:
            if p["id"] == "p-douma-2":
                p["from"] = "2018-04-20"

    assert summarise(make_store(edit).changes("SD-DOUMA")) == [
        ("2018-04-13", "C-DOUMA", "p-douma-1", None),
        ("2018-04-20", "C-DOUMA", None, "p-douma-2"),
    ]


# --- events -----------------------------------------------------------------------------


def test_events_sorted_oldest_first(store: Store) -> None:
    assert ids(store.events_query()) == [
        "e-ruhaybah-shelling",
        "e-ruhaybah-offensive",
        "e-dumair-deal",  # 2018-04 starts on 2018-04-01
        "e-douma-evacuation",
    ]


def test_events_by_place_include_descendants(store: Store) -> None:
    assert ids(store.events_query(place="D-A")) == ["e-dumair-deal"]
    assert ids(store.events_query(place="C-RUHAYBAH")) == ["e-ruhaybah-shelling", "e-ruhaybah-offensive"]
    assert ids(store.events_query(place="N-RUHAYBAH-1")) == ["e-ruhaybah-offensive"]
    assert ids(store.events_query(place="SD-DOUMA")) == ["e-douma-evacuation"]
    assert len(store.events_query(place="ROOT")) == 4
    assert store.events_query(place="C-YARMOUK-A") == []


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        # A month-precision event overlaps any day inside its month.
        ("2018-04-17", "2018-04-17", ["e-dumair-deal"]),
        ("2018-04-30", None, ["e-dumair-deal"]),
        (None, "2018-04-01", ["e-ruhaybah-shelling", "e-ruhaybah-offensive", "e-dumair-deal"]),
        ("2018-05-01", None, []),
        # A span overlaps a window that touches any of its days.
        ("2017-07-10", "2017-07-10", ["e-ruhaybah-offensive"]),
        ("2017-07-05", "2017-07-06", ["e-ruhaybah-offensive"]),
        ("2017-07-11", "2018-03-31", []),
        ("2018-04-13", "2018-04-13", ["e-dumair-deal", "e-douma-evacuation"]),
        ("2016-05-02", "2016-06-30", []),
    ],
)
def test_events_in_a_date_window(store: Store, since: str | None, until: str | None, expected: list[str]) -> None:
    found = store.events_query(since=D(since) if since else None, until=D(until) if until else None)
    assert ids(found) == expected


def test_events_by_faction_include_sub_factions(store: Store) -> None:
    assert ids(store.events_query(faction="saa")) == ["e-ruhaybah-shelling", "e-ruhaybah-offensive", "e-dumair-deal"]
    assert ids(store.events_query(faction="rg")) == ["e-dumair-deal"]
    assert ids(store.events_query(faction="jai")) == ["e-dumair-deal", "e-douma-evacuation"]


def test_events_by_type_and_combined_filters(store: Store) -> None:
    assert ids(store.events_query(types=["evacuation"])) == ["e-douma-evacuation"]
    assert ids(store.events_query(types=["evacuation", "agreement"])) == ["e-dumair-deal", "e-douma-evacuation"]
    assert ids(store.events_query(place="ROOT", faction="saa", since=D("2017-01-01"), types=["agreement"])) == [
        "e-dumair-deal"
    ]
    assert store.events_query(place="D-Z", faction="rg") == []


def test_event_dates_are_derived_from_their_precision(store: Store) -> None:
    deal = store.event("e-dumair-deal")
    assert (deal.precision, deal.first, deal.last, deal.date_text) == ("month", D("2018-04-01"), D("2018-04-30"), "2018-04")
    offensive = store.event("e-ruhaybah-offensive")
    assert (offensive.first, offensive.last) == (D("2017-07-01"), D("2017-07-10"))
    assert offensive.date_text == "2017-07-01 to 2017-07-10"


# --- resolving what the user typed -----------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Dumair", "C-DUMAIR"),  # exact name
        ("dumair", "C-DUMAIR"),
        ("Dumaïr", "C-DUMAIR"),  # diacritics
        ("Dmeir", "C-DUMAIR"),  # alternative spelling
        ("al-Dumayr", "C-DUMAIR"),
        ("الضمير", "C-DUMAIR"),  # Arabic
        ("ضمير", "C-DUMAIR"),
        ("Dhameer", "C-DUMAIR"),  # loose spelling
        ("Ruheibah", "C-RUHAYBAH"),
        ("c2346", "C-DUMAIR"),  # P-code, any case
        ("C2314", "C-HARASTA"),
        ("sy03", "ROOT"),
        ("c-douma", "C-DOUMA"),  # own id as a code
        ("Harasta", "C-HARASTA"),
        ("Douma", "C-DOUMA"),  # sub-district and town on one line: the deepest wins
        ("Zeta", "D-Z"),  # prefix
    ],
)
def test_resolve_chooses_one_place(store: Store, query: str, expected: str) -> None:
    resolution = store.resolve(query)
    assert resolution.chosen is not None, resolution
    assert resolution.chosen.id == expected
    assert not resolution.ambiguous


def test_resolve_true_ambiguity_returns_candidates(store: Store) -> None:
    resolution = store.resolve("Yarmouk")
    assert resolution.chosen is None
    assert resolution.ambiguous
    assert set(ids(resolution.candidates)) == {"C-YARMOUK-A", "C-YARMOUK-Z"}
    assert resolution.suggestions == ()


def test_resolve_nothing_returns_suggestions(store: Store) -> None:
    resolution = store.resolve("Harapta")
    assert (resolution.chosen, resolution.candidates) == (None, ())
    assert not resolution.ambiguous
    assert "C-HARASTA" in ids(resolution.suggestions)
    assert store.resolve("Qwxyzzq").suggestions == ()


def test_search_does_not_confuse_douma_and_dumair(store: Store) -> None:
    assert "C-DUMAIR" not in ids(m.region for m in store.search("Douma"))
    assert "C-DOUMA" not in ids(m.region for m in store.search("Dumair"))


def test_resolve_faction(store: Store) -> None:
    assert store.resolve_faction("saa").id == "saa"
    assert store.resolve_faction("JaI").id == "jai"
    assert store.resolve_faction("Jaysh al Islam").id == "jai"
    assert store.resolve_faction("جيش الإسلام").id == "jai"
    assert store.resolve_faction("nobody") is None


# --- validation -------------------------------------------------------------------------


def _overlap(t):
    _find(t, "periods", "p-dumair-2")["from"] = "2018-04-19"


def _inverted(t):
    _find(t, "periods", "p-harasta-2")["to"] = "2018-03-01"


def _unknown_faction(t):
    _find(t, "periods", "p-douma-2")["faction"] = "ghost-brigade"


def _unknown_event_faction(t):
    _find(t, "events", "e-douma-evacuation")["actors"].append({"faction": "ghost-brigade", "role": "party"})


def _unknown_parent(t):
    _find(t, "regions", "C-YARMOUK-Z")["parent"] = "NOWHERE"


def _event_without_sources(t):
    _find(t, "events", "e-dumair-deal")["sources"] = []


def _unknown_source(t):
    _find(t, "events", "e-douma-evacuation")["sources"] = ["s2", "s9"]


def _unknown_period_source(t):
    _find(t, "periods", "p-beitsahm-2")["sources"] = ["s9"]


def _unknown_place(t):
    _find(t, "events", "e-ruhaybah-shelling")["places"] = ["C-RUHAYBAH", "ATLANTIS"]


@pytest.mark.parametrize(
    ("edit", "table", "record", "words"),
    [
        (_overlap, "periods", "p-dumair-2", ["overlaps p-dumair-1"]),
        (_inverted, "periods", "p-harasta-2", ["ends (2018-03-01) before it starts (2018-03-22)"]),
        (_unknown_faction, "periods", "p-douma-2", ["unknown faction 'ghost-brigade'"]),
        (_unknown_event_faction, "events", "e-douma-evacuation", ["unknown faction 'ghost-brigade'"]),
        (_unknown_parent, "regions", "C-YARMOUK-Z", ["parent 'NOWHERE' does not exist"]),
        (_event_without_sources, "events", "e-dumair-deal", ["no source"]),
        (_unknown_source, "events", "e-douma-evacuation", ["unknown source 's9'"]),
        (_unknown_period_source, "periods", "p-beitsahm-2", ["unknown source 's9'"]),
        (_unknown_place, "events", "e-ruhaybah-shelling", ["place 'ATLANTIS' does not exist"]),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) else None,
)
def test_validate_reports_each_problem_with_its_record(edit, table: str, record: str, words: list[str]) -> None:
    problems = make_store(edit).validate()
    matching = [p for p in problems if p.table == table and p.record == record]
    assert matching, problems
    for word in words:
        assert any(word in p.message for p in matching), matching
        assert any(record in str(p) and word in str(p) for p in problems)


def test_validate_reports_duplicate_ids() -> None:
    def edit(t):
        t["sources"].append({"id": "s1", "publication": "Copy", "title": "Copy"})

    store = make_store(edit)
    assert any(p.table == "sources" and p.record == "s1" and "duplicate" in p.message for p in store.validate())
    assert store.sources["s1"].publication == "Syria Direct"  # the first one wins


def test_a_malformed_record_is_a_one_line_corrupt_error_naming_it() -> None:
    def edit(t):
        _find(t, "periods", "p-douma-2")["from"] = "2018-13-01"

    with pytest.raises(DatabaseCorrupt) as info:
        make_store(edit)
    message = str(info.value)
    assert "p-douma-2" in message and "'from'" in message and "\n" not in message


# --- files: open, read-only, insert ------------------------------------------------------


NEW_SOURCE = {"id": "s3", "publication": "SOHR", "title": "Three \x1b[31m", "kind": "monitor"}


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    path = tmp_path / "test.json"
    write_tables(path, make_tables())
    return path


def test_open_a_file_written_by_write_tables(db_file: Path) -> None:
    with Store.open(db_file) as store:
        assert store.readonly
        assert store.warnings == []
        assert store.schema_version == 1
        assert store.title == "Test data"
        assert len(store.regions) == 12
        assert store.control("C-DUMAIR", D("2018-05-01")).faction.id == "saa"
        assert store.resolve("الضمير").chosen.id == "C-DUMAIR"


def test_a_readonly_store_refuses_insert(db_file: Path) -> None:
    before = db_file.read_bytes()
    with Store.open(db_file) as store:
        with pytest.raises(ReadOnlyError):
            store.insert("sources", NEW_SOURCE)
    assert db_file.read_bytes() == before
    with pytest.raises(ReadOnlyError):
        make_store().insert("sources", NEW_SOURCE)  # in memory


def test_insert_persists_and_is_cleaned(db_file: Path) -> None:
    with Store.open(db_file, readonly=False) as store:
        assert not store.readonly
        store.insert("sources", dict(NEW_SOURCE))
        assert store.sources["s3"].title == "Three [31m"  # visible at once
    with Store.open(db_file) as reopened:
        assert reopened.sources["s3"].title == "Three [31m"
        assert reopened.sources["s3"].kind == "monitor"
    assert len(read_tables(db_file)["sources"]) == 3


@pytest.mark.parametrize(
    ("table", "record", "words"),
    [
        ("periods", {"id": "p-bad", "region": "C-DUMAIR", "faction": "saa", "status": "held", "from": "2018-02-30"}, "'from'"),
        ("sources", {"id": "s4", "publication": "", "title": "x"}, "'publication'"),
        ("events", {"id": "e-bad", "date": "yesterday", "type": "siege", "title": "x"}, "'date'"),
        ("regions", {"id": "r-bad", "name": "Somewhere", "level": "community", "lat": "north"}, "'lat'"),
        # Only control characters: empty once cleaned, so it must not be written.
        ("regions", {"id": "r-ctl", "name": "\x1b\x07", "level": "community", "parent": "SY03"}, "'name'"),
        ("nonsense", {"id": "x"}, "unknown table"),
    ],
)
def test_insert_rejects_a_bad_record_without_touching_the_file(
    db_file: Path, table: str, record: dict[str, Any], words: str
) -> None:
    before = db_file.read_bytes(), db_file.stat().st_mtime_ns
    with Store.open(db_file, readonly=False) as store:
        with pytest.raises(StoreError) as info:
            store.insert(table, record)
        assert words in str(info.value)
        assert "\n" not in str(info.value)
    assert (db_file.read_bytes(), db_file.stat().st_mtime_ns) == before


def test_insert_rejects_a_duplicate_id(db_file: Path) -> None:
    before = db_file.read_bytes()
    with Store.open(db_file, readonly=False) as store:
        with pytest.raises(StoreError, match="already has a record with id s1"):
            store.insert("sources", {"id": "s1", "publication": "Dup", "title": "Dup"})
    assert db_file.read_bytes() == before


def test_update_and_remove_persist(db_file: Path) -> None:
    with Store.open(db_file, readonly=False) as store:
        store.update("regions", "C-DUMAIR", {"alt_names": ["Dumayr", "Dmeir", "Dhameer\u202e"]})
        assert store.regions["C-DUMAIR"].alt_names == ("Dumayr", "Dmeir", "Dhameer")  # visible at once
        with pytest.raises(StoreError, match="'lat'"):
            store.update("regions", "C-DUMAIR", {"lat": "north"})
        store.remove("events", "e-douma-evacuation")
        with pytest.raises(StoreError, match="no record with id e-douma-evacuation"):
            store.remove("events", "e-douma-evacuation")
    with Store.open(db_file) as reopened:
        assert reopened.regions["C-DUMAIR"].alt_names == ("Dumayr", "Dmeir", "Dhameer")
        assert reopened.regions["C-DUMAIR"].lat is None
        assert "e-douma-evacuation" not in reopened.events
        assert len(reopened.events) == 3


def test_events_asked_for_before_a_change_are_asked_for_again_after_it(db_file: Path) -> None:
    # The event lists by place and faction are made on the first question:
    # an insert or a removal must not leave the old ones behind.
    with Store.open(db_file, readonly=False) as store:
        assert ids(store.events_query(place="C-DOUMA")) == ["e-douma-evacuation"]
        store.insert("events", event("e-douma-siege", "2018-02", "siege", ["C-DOUMA"], [("saa", "attacker")]))
        assert ids(store.events_query(place="C-DOUMA")) == ["e-douma-siege", "e-douma-evacuation"]
        assert ids(store.events_query(faction="saa", place="D-Z")) == ["e-ruhaybah-shelling", "e-ruhaybah-offensive",
                                                                       "e-douma-siege"]
        store.remove("events", "e-douma-evacuation")
        assert ids(store.events_query(place="C-DOUMA")) == ["e-douma-siege"]


def test_a_newer_schema_opens_read_only_with_a_warning(tmp_path: Path) -> None:
    tables = make_tables()
    tables["meta"][0]["schema_version"] = 99
    path = tmp_path / "future.json"
    write_tables(path, tables)
    before = path.read_bytes()
    with Store.open(path, readonly=False) as store:
        assert store.schema_version == 99
        assert store.readonly
        assert len(store.warnings) == 1
        assert "99" in store.warnings[0] and "read-only" in store.warnings[0]
        assert store.control("C-DUMAIR", D("2018-05-01")).faction.id == "saa"  # still readable
        with pytest.raises(ReadOnlyError) as info:
            store.insert("sources", copy.deepcopy(NEW_SOURCE))
        assert "schema version 99" in str(info.value)
    assert path.read_bytes() == before


def test_parent_cycles_do_not_hang_walks_and_are_reported() -> None:
    def edit(tables):
        _find(tables, "regions", "D-A")["parent"] = "C-DUMAIR"  # D-A > C-DUMAIR > D-A

    store = make_store(edit)
    # Every walk down from the roots ends, and the looped regions are shown at the top.
    seen = set()
    stack = [r.id for r in store.roots()]
    while stack:
        rid = stack.pop()
        assert rid not in seen
        seen.add(rid)
        stack.extend(c.id for c in store.children(rid))
    assert seen == set(store.regions)
    assert any("cycle" in p.message for p in store.validate())


def test_a_self_parent_is_a_root_and_a_problem() -> None:
    def edit(tables):
        _find(tables, "regions", "C-DOUMA")["parent"] = "C-DOUMA"

    store = make_store(edit)
    assert "C-DOUMA" in [r.id for r in store.roots()]
    assert "C-DOUMA" not in [r.id for r in store.children("C-DOUMA")]
    assert any(p.record == "C-DOUMA" and "own parent" in p.message for p in store.validate())


def test_a_backwards_or_absurd_span_is_reported_and_not_used() -> None:
    def backwards(tables):
        tables["meta"][0]["span_from"] = "2019-01-01"
        tables["meta"][0]["span_to"] = "2018-01-01"

    def absurd(tables):
        tables["meta"][0]["span_to"] = "9999-12-31"

    for edit, words in ((backwards, "after span_to"), (absurd, "outside 1900-2100")):
        store = make_store(edit)
        assert any(words in p.message for p in store.validate() if p.table == "meta")
        first, last = store.span
        assert first <= last and last.year < 9999  # the data's own extent instead


# --- area claims ------------------------------------------------------------------------


def claim(cid: str, rid: str, faction: str, start: str, end: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"id": cid, "region": rid, "faction": faction, "from": start, "to": end, "sources": ["s1"],
            "confidence": "medium", **extra}


def with_claims(*claims: dict[str, Any]) -> Store:
    def edit(tables):
        tables["claims"] = list(claims)

    return make_store(edit)


def test_a_claim_covers_places_without_periods_and_says_so() -> None:
    store = with_claims(claim("c-root", "ROOT", "saa", "2017-01-01"))
    c = store.control("C-YARMOUK-A", D("2017-06-01"))
    assert (c.status, c.faction.id, c.period.claim, c.derived) == ("held", "saa", "c-root", False)
    assert c.period.sources == ("s1",)
    # Before the claim: not recorded. Places with periods of their own keep them.
    assert store.control("C-YARMOUK-A", D("2016-06-01")).status == "not-recorded"
    assert store.control("C-DUMAIR", D("2017-06-01")).faction.id == "jai"
    assert store.validate() == []


def test_the_nearest_claim_wins_and_exceptions_leave_places_out() -> None:
    store = with_claims(
        claim("c-root", "ROOT", "saa", "2016-01-01"),
        claim("c-zeta", "D-Z", "fsa", "2017-01-01", "2017-12-31"),
        claim("c-alpha", "D-A", "jai", "2017-01-01", "2017-12-31", **{"except": ["C-YARMOUK-A"]}),
    )
    # Alpha's claim excepts Yarmouk (A): the root's, farther away, still covers it.
    assert store.control("C-YARMOUK-A", D("2017-06-01")).period.claim == "c-root"
    # Zeta's claim, nearer than the root's, covers Yarmouk (Z) in 2017.
    z = store.control("C-YARMOUK-Z", D("2017-06-01"))
    assert (z.faction.id, z.period.claim) == ("fsa", "c-zeta")
    # After Zeta's claim ends, the root's covers again: two periods, the change is a real change.
    assert store.control("C-YARMOUK-Z", D("2018-01-01")).period.claim == "c-root"
    days = [c.day for c in store.changes("C-YARMOUK-Z")]
    assert days == [D("2017-01-01"), D("2018-01-01")]
    history = store.history("C-YARMOUK-Z")
    assert [(p.start, p.end, p.claim) for p in history] == [
        (D("2016-01-01"), D("2016-12-31"), "c-root"),
        (D("2017-01-01"), D("2017-12-31"), "c-zeta"),
        (D("2018-01-01"), None, "c-root"),
    ]
    assert len({p.id for p in history}) == 3  # unique ids even when one claim covers twice


def test_an_excepted_region_leaves_out_everything_under_it() -> None:
    store = with_claims(claim("c-root", "ROOT", "saa", "2016-01-01", **{"except": ["D-A"]}))
    assert store.control("C-YARMOUK-A", D("2017-06-01")).status == "not-recorded"
    assert store.control("C-YARMOUK-Z", D("2017-06-01")).faction.id == "saa"


def test_claims_that_do_not_hold_together_are_reported() -> None:
    store = with_claims(
        claim("c1", "D-Z", "saa", "2016-01-01", "2017-06-30"),
        claim("c2", "D-Z", "fsa", "2017-06-01"),
        claim("c3", "NOWHERE", "ghost", "2018-01-01", status="ruled", **{"except": ["C-DUMAIR", "MISSING"]}),
        claim("c4", "D-A", "saa", "2018-05-01", **{"except": ["C-DUMAIR"]}, sources=["s2"]),
    )
    found = {(p.record, p.message) for p in store.validate()}
    assert ("c2", "overlaps c1 on region D-Z; say which holds, or end the first") in found
    assert ("c3", "region 'NOWHERE' does not exist") in found
    assert ("c3", "unknown faction 'ghost'") in found
    assert ("c3", "unknown status 'ruled' (expected one of held, contested, besieged, truce)") in found
    assert ("c3", "excepted place 'MISSING' does not exist") in found
    assert ("c3", "excepted place 'C-DUMAIR' is not under NOWHERE") in found
    # A source of April 2018 cannot be the evidence of a claim from 1 May.
    assert ("c4", "cites s2, published 2018-04, before the change it records (2018-05-01)") in found


def test_validate_catches_precision_that_claims_more_than_the_event_knows() -> None:
    def edit(tables):
        _find(tables, "periods", "p-dumair-2")["from"] = "2018-04-01"
        _find(tables, "periods", "p-dumair-1")["to"] = "2018-03-31"
        tables["events"].append(event("e-day", "2018-04", "takeover", ["C-DUMAIR"], [], precision="day"))

    messages = {p.message for p in make_store(edit).validate()}
    assert "says its start 2018-04-01 is known to the day, but its event e-dumair-deal is dated only to the month (2018-04)" in messages
    assert "precision 'day' but its date 2018-04 is not a full YYYY-MM-DD" in messages


def test_a_source_published_before_an_event_is_reported() -> None:
    def edit(tables):
        tables["sources"].append({"id": "s3", "publication": "Old", "title": "Three", "kind": "news", "date": "2016-04"})
        _find(tables, "events", "e-ruhaybah-shelling")["sources"] = ["s3"]  # April 2016, for 1 May 2016

    messages = {(p.record, p.message) for p in make_store(edit).validate()}
    assert ("e-ruhaybah-shelling", "cites s3, published 2016-04, before the event (2016-05-01)") in messages
    # s2, of April 2018, is the source of the Douma evacuation of 13 April 2018: fine.
    assert not any(r == "e-douma-evacuation" for r, _ in messages)


def test_a_claim_does_not_reach_beneath_a_place_with_periods_of_its_own() -> None:
    def edit(tables):
        tables["periods"] = [p for p in tables["periods"] if p["region"] != "N-RUHAYBAH-1"]
        tables["claims"] = [claim("c-root", "ROOT", "saa", "2016-01-01")]

    store = make_store(edit)
    # Ruhaybah's own record says FSA; a province-wide claim does not speak for its quarter.
    assert store.control("C-RUHAYBAH", D("2017-06-01")).faction.id == "fsa"
    assert store.control("N-RUHAYBAH-1", D("2017-06-01")).status == "not-recorded"
    # A claim on Ruhaybah itself does.
    def edit_town(tables):
        edit(tables)
        tables["claims"].append(claim("c-town", "C-RUHAYBAH", "fsa", "2016-01-01"))

    assert make_store(edit_town).control("N-RUHAYBAH-1", D("2017-06-01")).period.claim == "c-town"


def test_a_newer_claim_replaces_an_older_one_whatever_the_area() -> None:
    store = with_claims(
        claim("c-zeta", "D-Z", "fsa", "2017-01-01"),  # still open
        claim("c-root", "ROOT", "saa", "2018-01-01"),  # a later statement about the whole province
    )
    assert store.control("C-YARMOUK-Z", D("2017-06-01")).period.claim == "c-zeta"
    assert store.control("C-YARMOUK-Z", D("2018-06-01")).period.claim == "c-root"
    # From the same day, the smaller area wins.
    same_day = with_claims(claim("c-root", "ROOT", "saa", "2017-01-01"), claim("c-zeta", "D-Z", "fsa", "2017-01-01"))
    assert same_day.control("C-YARMOUK-Z", D("2017-06-01")).period.claim == "c-zeta"
    assert same_day.control("C-YARMOUK-A", D("2017-06-01")).period.claim == "c-root"


def test_a_claim_that_covers_nothing_is_reported() -> None:
    store = with_claims(claim("c-douma", "SD-DOUMA", "saa", "2016-01-01"))  # Douma has periods of its own
    assert ("c-douma", "covers no place: every place under it has periods of its own or is excepted") in {
        (p.record, p.message) for p in store.validate()
    }


def test_a_period_ending_on_the_last_day_of_the_data_gives_no_day_to_step_to() -> None:
    # Douma's army period closes on the span's last day: the change "the day
    # after" lies outside the data, so ] (change_after) and play stop at the end.
    def edit(tables):
        for p in tables["periods"]:
            if p["id"] == "p-douma-2":
                p["to"] = "2018-12-31"

    store = make_store(edit)
    assert store.changes("C-DOUMA")[-1].day == D("2019-01-01")  # still a change of the record
    assert store.change_days("C-DOUMA") == [D("2018-04-13")]
    assert store.change_after("C-DOUMA", D("2018-04-13")) is None
    assert store.change_after("C-DOUMA", D("2017-01-01")) == D("2018-04-13")
    assert store.change_before("C-DOUMA", D("2018-12-31")) == D("2018-04-13")
    assert store.change_before("C-DOUMA", D("2018-04-13")) is None
