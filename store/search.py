"""Finding places by name: :func:`search`, :func:`resolve`, :func:`suggest`.

Spellings are folded (:mod:`store.matching`) into an index built on the
first search of a store. Results come in tiers: a code, a name, a similar
spelling (same consonants), a name that starts with the query, one that
contains it.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import matching
from .model import Region

if TYPE_CHECKING:
    from .db import Store

MIN_LOOSE = 3  # shorter consonant skeletons ("dm") match too much to be useful


@dataclass(frozen=True, slots=True)
class Match:
    """A search hit: the region, how well it matched (lower is better), on what."""

    region: Region
    tier: int
    matched: str


TIER_CODE, TIER_NAME, TIER_LOOSE, TIER_PREFIX, TIER_SUBSTRING = range(5)
TIER_LABELS = {
    TIER_CODE: "code",
    TIER_NAME: "name",
    TIER_LOOSE: "similar spelling",
    TIER_PREFIX: "starts with",
    TIER_SUBSTRING: "contains",
}


@dataclass(frozen=True, slots=True)
class Resolution:
    """The answer to 'which place did the user mean?'."""

    query: str
    chosen: Region | None
    candidates: tuple[Region, ...]  # when ambiguous: every place that matched equally well
    suggestions: tuple[Region, ...]  # when nothing matched: the closest names

    @property
    def ambiguous(self) -> bool:
        return self.chosen is None and len(self.candidates) > 1


@dataclass(slots=True)
class NameIndex:
    """Every region's spellings, folded (see :mod:`store.matching`)."""

    names: dict[str, set[str]]  # folded name -> region ids
    loose: dict[str, set[str]]  # consonant skeleton -> region ids
    labels: list[tuple[str, str, str]]  # (folded key, region id, label), sorted
    keys: list[str]  # the folded keys of ``labels``, for bisect

    @classmethod
    def build(cls, regions: Iterable[Region]) -> NameIndex:
        names: dict[str, set[str]] = defaultdict(set)
        loose_index: dict[str, set[str]] = defaultdict(set)
        labels: list[tuple[str, str, str]] = []
        fold, skeleton = matching.fold, matching.skeleton
        for region in regions:
            for label in (region.name, *region.alt_names, region.name_ar or ""):
                key = fold(label) if label else ""
                if not key:
                    continue
                names[key].add(region.id)
                loose = skeleton(key)
                if len(loose) >= MIN_LOOSE:
                    loose_index[loose].add(region.id)
                labels.append((key, region.id, label))
        labels.sort()
        return cls(dict(names), dict(loose_index), labels, [key for key, _, _ in labels])


def name_index(store: Store) -> NameIndex:
    """The store's name index, built on first use."""
    if store._name_index is None:
        store._name_index = NameIndex.build(store.regions.values())
    return store._name_index


def search(store: Store, query: str, limit: int = 50) -> list[Match]:
    """Places matching ``query``, best first (see :mod:`store.matching`)."""
    query = query.strip()
    if not query:
        return []
    found: dict[str, Match] = {}

    def add(rid: str, tier: int, matched: str) -> None:
        if rid in store.regions and (rid not in found or found[rid].tier > tier):
            found[rid] = Match(store.regions[rid], tier, matched)

    code = store._codes.get(query.upper())
    if code:
        add(code, TIER_CODE, query.upper())
    key = matching.fold(query)
    if key:
        names = name_index(store)
        for rid in names.names.get(key, ()):
            add(rid, TIER_NAME, _label_for(store, rid, key))
        loose = matching.skeleton(key)
        if len(loose) >= MIN_LOOSE:
            for rid in names.loose.get(loose, ()):
                add(rid, TIER_LOOSE, _label_for(store, rid, None, loose))
        start = bisect.bisect_left(names.keys, key)
        for label_key, rid, label in names.labels[start:]:
            if not label_key.startswith(key):
                break
            add(rid, TIER_PREFIX, label)
        if len(key) >= 3:
            for label_key, rid, label in names.labels:
                if key in label_key:
                    add(rid, TIER_SUBSTRING, label)
    def rank(m: Match) -> tuple[int, int, int, int, str, str]:
        # Within a tier: a place whose own name matched before one matched
        # on an alternate spelling; then the more specific place (the town
        # Dumair before the sub-district named after it); then shorter names.
        own = 0 if key in (matching.fold(m.region.name), matching.fold(m.region.name_ar or "")) else 1
        return (m.tier, own, -m.region.depth, len(m.matched), m.region.name.casefold(), m.region.id)

    return sorted(found.values(), key=rank)[:limit]

def _label_for(store: Store, rid: str, key: str | None, loose: str | None = None) -> str:
    region = store.regions[rid]
    for label in (region.name, *region.alt_names, region.name_ar or ""):
        if not label:
            continue
        folded = matching.fold(label)
        if (key is not None and folded == key) or (loose is not None and matching.skeleton(folded) == loose):
            return label
    return region.name

def resolve(store: Store, query: str) -> Resolution:
    """Which single place ``query`` means.

    The best tier of :func:`search` wins. If several places match equally
    and all lie on one line of descent (Duma district > Duma sub-district
    > Douma town), the most specific is chosen; otherwise the answer is
    ambiguous. With no match, the closest names are suggested.
    """
    matches = search(store, query, limit=10_000)
    if matches:
        best = matches[0].tier
        tied = [m.region for m in matches if m.tier == best]
        if len(tied) == 1:
            return Resolution(query, tied[0], (), ())
        deepest = max(tied, key=lambda r: len(store.ancestors(r.id)))
        line = {r.id for r in store.ancestors(deepest.id)}
        if all(r.id in line for r in tied):
            return Resolution(query, deepest, (), ())
        tied.sort(key=lambda r: (r.depth, r.name.casefold(), r.id))
        return Resolution(query, None, tuple(tied), ())
    return Resolution(query, None, (), tuple(suggest(store, query)))

def suggest(store: Store, query: str, count: int = 5) -> list[Region]:
    import difflib  # only here: most runs never suggest

    key = matching.fold(query)
    if not key:
        return []
    names = name_index(store).names
    close = difflib.get_close_matches(key, list(names), n=count * 2, cutoff=0.6)
    out: list[Region] = []
    for candidate in close:
        for rid in sorted(names[candidate]):
            region = store.regions[rid]
            if region not in out:
                out.append(region)
    return out[:count]
