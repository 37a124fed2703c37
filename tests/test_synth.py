"""The synthetic database generator (fixtures.synth): valid, deterministic, shaped as asked."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta

import pytest

from fixtures import synth
from store.db import Store
from store.model import BLOCS

SIZES = {"regions": 300, "events": 1500, "periods_per_region": 3}
ARABIC = re.compile(r"[\u0600-\u06ff]")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    path = tmp_path_factory.mktemp("synth") / "small.json"
    counts = synth.write(path, **SIZES)
    assert counts["regions"] == 300 and counts["events"] == 1500
    with Store.open(path) as opened:
        yield opened


def test_written_file_opens_and_validates(store: Store) -> None:
    assert store.validate() == []
    assert store.warnings == []
    assert len(store.regions) == 300
    assert len(store.events) == 1500


def test_deterministic_for_a_seed() -> None:
    small = {"regions": 60, "events": 300}
    tables = synth.make_tables(**small)
    assert synth.make_tables(**small) == tables
    assert synth.make_tables(**small, seed=7) != tables


def test_hierarchy(store: Store) -> None:
    (root,) = store.roots()
    levels = ["province", "governorate", "district", "sub-district", "community"]
    assert root.level == "province"
    for region in store.regions.values():
        path = store.ancestors(region.id)
        assert path[0] == root
        assert [r.level for r in path] == levels[: len(path)]
        assert len(path) == 5 or store.has_children(region.id)  # only communities are leaves
        assert ARABIC.search(region.name_ar or "")
        assert region.name.isascii() or region.name != region.name_ar
    assert any(r.alt_names for r in store.regions.values())
    # a district's name recurs down its line (Duma > Duma > Douma) and resolves to the deepest
    district = next(r for r in store.regions.values() if r.level == "district")
    line = store.resolve(district.name)
    assert line.chosen is not None or line.ambiguous
    if line.chosen is not None:
        assert line.chosen.level == "community"


def test_periods_contiguous_per_leaf(store: Store) -> None:
    assert store.periods
    span_from, span_to = store.span
    for rid in {p.region for p in store.periods.values()}:
        assert store.regions[rid].level == "community"
        plist = store.history(rid)
        assert plist[0].start == span_from
        for earlier, later in zip(plist, plist[1:]):
            assert earlier.end is not None and earlier.end + timedelta(days=1) == later.start
        assert plist[-1].end in (None, span_to)
    # parents derive their status from the leaves
    root = store.roots()[0]
    control = store.control(root.id, date(2017, 6, 1))
    assert control.derived and control.breakdown is not None


def test_factions_in_all_blocs_and_events_reference_records(store: Store) -> None:
    assert {f.bloc for f in store.factions.values()} == set(BLOCS)
    assert any(f.parent for f in store.factions.values())
    linked = [p for p in store.periods.values() if p.start_event]
    assert linked and all(p.start_event in store.events for p in linked)
    types = Counter(e.type for e in store.events.values())
    assert len(types) >= 10
    precisions = Counter(e.precision for e in store.events.values())
    assert {"day", "month", "year", "span", "disputed"} <= set(precisions)
    for event in store.events.values():
        assert event.places and event.sources and event.actors
    assert any(e.figures for e in store.events.values())
    assert any(e.summary and ARABIC.search(e.summary) for e in store.events.values())


def test_cli(tmp_path, capsys) -> None:  # noqa: ANN001
    out = tmp_path / "cli.json"
    assert synth.main([str(out), "--regions", "40", "--events", "100", "--seed", "3"]) == 0
    assert "40 regions" in capsys.readouterr().out
    with Store.open(out) as store:
        assert store.validate() == []
        assert len(store.regions) == 40 and len(store.events) == 100


def test_too_few_regions() -> None:
    with pytest.raises(ValueError, match="at least 5 regions"):
        synth.make_tables(regions=4, events=0)
