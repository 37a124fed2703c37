"""A parent's control, derived incrementally as the date moves, is the same
answer a fresh look at every unit gives, whatever order the dates come in."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from fixtures import synth
from store import Store
from store.model import NOT_RECORDED
from store.storage import write_tables


def reference(store: Store, region_id: str, day: date) -> tuple[object, ...]:
    """What the derivation must say, from a period lookup per unit."""
    units = store.units(region_id)
    current = [store.period_at(uid, day) for uid in units]
    known = [(uid, p) for uid, p in zip(units, current) if p is not None]
    by_faction: dict[str, int] = {}
    for period in current:
        key = period.faction if period else NOT_RECORDED
        by_faction[key] = by_faction.get(key, 0) + 1
    if known:
        bounds = [store._stretch(uid, p) for uid, p in known]
        since = max(start for start, _ in bounds)
        until = min((end for _, end in bounds if end is not None), default=None)
    else:
        since = until = None
    pairs = tuple((uid, p.faction if p else None) for uid, p in zip(units, current))
    return since, until, sorted(by_faction.items()), pairs


def derived(store: Store, region_id: str, day: date) -> tuple[object, ...]:
    control = store.control(region_id, day)
    assert control.at == day and control.derived
    breakdown = control.breakdown
    assert breakdown is not None
    by_faction = sorted((share.key, share.count) for share in breakdown.by_faction)
    return control.since, control.until, by_faction, breakdown.units


def parents(store: Store) -> list[str]:
    return [rid for rid in store.regions if store.has_children(rid) and rid not in store._periods]


def walk_dates(store: Store, seed: int, steps: int) -> list[date]:
    """Forward and back by change days, months and random jumps: what a user does with ] [ } { and t."""
    rng = random.Random(seed)
    first, last = store.span
    days = store.change_days(None)
    out, day = [], first
    for _ in range(steps):
        move = rng.random()
        if move < 0.4 and days:
            day = rng.choice(days)
        elif move < 0.7:
            day = min(last, max(first, day + timedelta(days=rng.choice([-31, -1, 1, 31]))))
        else:
            day = first + timedelta(days=rng.randrange((last - first).days + 1))
        out.append(day)
    return out


def test_bundled_parents_agree_with_a_fresh_look_on_every_step(bundled_store) -> None:
    store = bundled_store
    regions = parents(store)
    assert len(regions) > 40
    for day in walk_dates(store, seed=9, steps=60):
        for region_id in regions:
            assert derived(store, region_id, day) == reference(store, region_id, day), (region_id, day)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Store:
    path: Path = tmp_path_factory.mktemp("tally") / "synth.json"
    write_tables(path, synth.make_tables(regions=600, events=200, seed=4))
    store = Store.open(path)
    yield store
    store.close()


def test_synthetic_parents_agree_with_a_fresh_look_on_every_step(synthetic: Store) -> None:
    store = synthetic
    regions = parents(store)
    assert len(regions) > 20
    for day in walk_dates(store, seed=3, steps=80):
        for region_id in regions:
            assert derived(store, region_id, day) == reference(store, region_id, day), (region_id, day)


def test_the_same_epoch_is_derived_once_and_restamped(bundled_store) -> None:
    store = bundled_store
    root = store.roots()[0].id
    days = store.change_days(root)
    quiet = days[3] + timedelta(days=1)
    assert quiet < days[4], "two change days in a row: pick another pair"
    first = store.control(root, days[3])
    again = store.control(root, quiet)
    assert again.at == quiet and first.at == days[3]
    assert again.breakdown is first.breakdown  # no new derivation between two changes
