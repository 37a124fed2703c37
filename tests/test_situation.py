"""The situation at a date and the changes in a window (store.situation)."""

from datetime import date

import pytest

from store import FilterError, Store
from store.model import NOT_RECORDED


def _tables():
    return {
        "meta": [{"id": "meta", "schema_version": 1, "title": "t"}],
        "sources": [{"id": "s1", "publication": "P", "title": "T", "url": "https://example.org/a"}],
        "factions": [
            {"id": "gov", "name": "Army", "short": "SAA", "bloc": "government"},
            {"id": "reb", "name": "Rebels", "short": "FSA", "bloc": "opposition"},
            {"id": "reb2", "name": "Sub rebels", "short": "SR", "bloc": "opposition", "parent": "reb"},
        ],
        "regions": [
            {"id": "p", "name": "Province", "level": "province"},
            {"id": "a", "name": "Alpha", "level": "community", "parent": "p"},
            {"id": "b", "name": "Bravo", "level": "community", "parent": "p"},
            {"id": "c", "name": "Charlie", "level": "community", "parent": "p"},
            {"id": "d", "name": "Delta", "level": "community", "parent": "p"},
        ],
        "periods": [
            {"id": "a1", "region": "a", "faction": "reb", "status": "held", "from": "2018-01-01", "to": "2018-03-09"},
            {"id": "a2", "region": "a", "faction": "gov", "status": "held", "from": "2018-03-10",
             "start_event": "e1", "sources": ["s1"]},
            {"id": "b1", "region": "b", "faction": "reb2", "status": "besieged", "from": "2018-01-01"},
            {"id": "c1", "region": "c", "faction": "gov", "status": "held", "from": "2018-01-01"},
        ],
        "events": [{"id": "e1", "date": "2018-03-10", "type": "takeover", "title": "Army takes Alpha",
                    "places": ["a"], "sources": ["s1"]}],
        "claims": [],
    }


@pytest.fixture
def store():
    return Store.from_tables(_tables())


def test_groups_by_controller_and_status_with_not_recorded_last(store):
    sit = store.situation("p", date(2018, 2, 1))
    assert sit.total == 4
    assert [(g.key, [p.region.name for p in g.places]) for g in sit.groups] == [
        ("gov/held", ["Charlie"]),
        ("reb/held", ["Alpha"]),
        ("reb2/besieged", ["Bravo"]),
        (f"{NOT_RECORDED}/{NOT_RECORDED}", ["Delta"]),
    ]


def test_not_government_keeps_the_rest_and_the_unrecorded(store):
    sit = store.situation("p", date(2018, 4, 1), not_bloc="government")
    assert sit.shown == 2
    assert [g.key for g in sit.groups] == ["reb2/besieged", f"{NOT_RECORDED}/{NOT_RECORDED}"]
    assert store.situation("p", date(2018, 4, 1), bloc="government").shown == 2


def test_faction_filter_takes_sub_factions(store):
    sit = store.situation("p", date(2018, 2, 1), faction="reb")
    assert sorted(p.region.name for g in sit.groups for p in g.places) == ["Alpha", "Bravo"]


def test_since_is_the_start_of_the_situation(store):
    sit = store.situation("p", date(2018, 4, 1), bloc="government")
    alpha = next(p for g in sit.groups for p in g.places if p.region.id == "a")
    assert alpha.since == date(2018, 3, 10)


@pytest.mark.parametrize("kwargs", [{"bloc": "nope"}, {"not_bloc": "Government"}, {"faction": "zzz"}])
def test_unknown_filters_are_refused(store, kwargs):
    with pytest.raises(FilterError):
        store.situation("p", date(2018, 2, 1), **kwargs)


def test_changes_between_is_inclusive_and_carries_event_and_sources(store):
    found = store.changes_between("p", date(2018, 3, 10), date(2018, 3, 10))
    assert [(c.day, c.region.name) for c in found] == [(date(2018, 3, 10), "Alpha")]
    (change,) = found
    assert change.change.before.faction == "reb" and change.change.after.faction == "gov"
    assert change.event.id == "e1"
    assert [s.id for s in change.sources] == ["s1"]  # once, though period and event both cite it
    assert store.changes_between("p", date(2018, 3, 11), date(2018, 12, 31)) == []
    assert store.changes_between("p", date(2018, 1, 2), date(2018, 3, 9)) == []


def test_bundled_outside_government_on_2018_05_01(bundled_store):
    root = bundled_store.roots()[0]
    sit = bundled_store.situation(root.id, date(2018, 5, 1), not_bloc="government")
    names = {p.region.name for g in sit.groups if g.faction for p in g.places}
    assert {"Yarmouk Camp", "Yalda", "Babbila", "Beit Sahm"} <= names
    assert "Douma" not in names
