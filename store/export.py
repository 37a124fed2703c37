"""Plain-dict views of store records: the stable ``--json`` format."""

from __future__ import annotations

from datetime import date
from typing import Any

from .db import Store
from .model import BLOCS, Breakdown, Control, Event, Faction, Period, Region, Source


def _day(d: date | None) -> str | None:
    return d.isoformat() if d else None


def region_dict(region: Region) -> dict[str, Any]:
    return {
        "id": region.id,
        "name": region.name,
        "name_ar": region.name_ar,
        "alt_names": list(region.alt_names),
        "level": region.level,
        "parent": region.parent,
        "pcode": region.pcode,
        "other_codes": list(region.other_codes),
        "lat": region.lat,
        "lon": region.lon,
        "coord_note": region.coord_note,
        "sources": list(region.sources),
        "outline": region.outline is not None,
    }


def region_ref(store: Store, region_id: str) -> dict[str, Any]:
    region = store.regions.get(region_id)
    return {"id": region_id, "name": region.name if region else None}


def faction_dict(faction: Faction) -> dict[str, Any]:
    bloc = BLOCS.get(faction.bloc)
    return {
        "id": faction.id,
        "name": faction.name,
        "short": faction.short,
        "name_ar": faction.name_ar,
        "alt_names": list(faction.alt_names),
        "bloc": faction.bloc,
        "glyph": faction.glyph,
        "colour": faction.display_colour,
        "bloc_colour": bloc.colour if bloc else None,
        "parent": faction.parent,
    }


def faction_ref(store: Store, faction_id: str | None) -> dict[str, Any] | None:
    if faction_id is None:
        return None
    faction = store.factions.get(faction_id)
    if faction is None:
        return {"id": faction_id, "name": None, "bloc": None}
    return {"id": faction.id, "name": faction.name, "bloc": faction.bloc}


def source_dict(source: Source) -> dict[str, Any]:
    return {
        "id": source.id,
        "publication": source.publication,
        "title": source.title,
        "url": source.url,
        "date": source.date,
        "kind": source.kind,
    }


def sources_of(store: Store, ids: tuple[str, ...] | list[str]) -> list[dict[str, Any]]:
    return [source_dict(store.sources[s]) if s in store.sources else {"id": s, "missing": True} for s in ids]


def period_dict(store: Store, period: Period) -> dict[str, Any]:
    return {
        "id": period.id,
        "region": period.region,
        "controller": faction_ref(store, period.faction),
        "others": [faction_ref(store, f) for f in period.others],
        "status": period.status,
        "from": _day(period.start),
        "from_precision": period.from_precision,
        "to": _day(period.end),
        "start_event": period.start_event,
        "end_event": period.end_event,
        "confidence": period.confidence,
        "sources": sources_of(store, period.sources),
        "note": period.note,
        "claim": period.claim,
    }


def event_dict(store: Store, event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "date": event.date,
        "date_to": event.date_to,
        "precision": event.precision,
        "first_day": _day(event.first),
        "last_day": _day(event.last),
        "type": event.type,
        "title": event.title,
        "summary": event.summary,
        "places": [region_ref(store, p) for p in event.places],
        "actors": [{"faction": faction_ref(store, a.faction), "role": a.role} for a in event.actors],
        "figures": [
            {
                "label": f.label,
                "low": f.low,
                "high": f.high,
                "unit": f.unit,
                "approximate": f.approximate,
                "source": f.source,
                "note": f.note,
            }
            for f in event.figures
        ],
        "confidence": event.confidence,
        "sources": sources_of(store, event.sources),
    }


def breakdown_dict(breakdown: Breakdown | None) -> dict[str, Any] | None:
    if breakdown is None:
        return None
    return {
        "units": breakdown.total,
        "by_bloc": [{"bloc": s.key, "count": s.count, "share": round(s.share, 4)} for s in breakdown.by_bloc],
        "by_faction": [
            {"faction": s.key, "count": s.count, "share": round(s.share, 4)} for s in breakdown.by_faction
        ],
    }


def claim_dict(store: Store, claim_id: str) -> dict[str, Any]:
    """The area claim a period comes from: its id, the region it speaks of, its exceptions."""
    claim = store.claims.get(claim_id)
    if claim is None:
        return {"id": claim_id, "missing": True}
    return {
        "id": claim.id,
        "region": region_ref(store, claim.region),
        "from": _day(claim.start),
        "to": _day(claim.end),
        "except": [region_ref(store, r) for r in claim.exceptions],
    }


def control_dict(store: Store, control: Control) -> dict[str, Any]:
    period = control.period
    events = store.events_for_period(period) if period else []
    return {
        "place": region_dict(control.region),
        "path": [r.id for r in store.ancestors(control.region.id)],
        "at": _day(control.at),
        "status": control.status,
        "derived": control.derived,
        "controller": faction_ref(store, control.faction.id) if control.faction else None,
        "others": [faction_ref(store, f) for f in period.others] if period else [],
        "since": _day(control.since),
        "since_precision": period.from_precision if period else "day",
        "until": _day(control.until),
        "confidence": period.confidence if period else None,
        "period": period.id if period else None,
        "claim": claim_dict(store, period.claim) if period and period.claim else None,
        "note": period.note if period else None,
        "events": [event_dict(store, e) for e in events],
        "sources": sources_of(store, period.sources) if period else [],
        "breakdown": breakdown_dict(control.breakdown),
    }


# Indentation stops growing this deep: a crafted chain thousands of levels
# deep would otherwise make the output grow with the square of its depth.
_MAX_INDENT_LEVEL = 40


def tree_json(store: Store, roots: list[Region], day: date, depth: int | None) -> bytes:
    """``{"at": ..., "tree": [node, ...]}`` with nested ``children``, as JSON text.

    Built with an explicit stack rather than by serializing nested dicts:
    orjson refuses more than 255 levels of nesting, and recursion would
    stop at Python's limit, so a deep (if absurd) hierarchy still prints.
    """
    import orjson

    dumps = orjson.dumps
    out: list[bytes] = [b'{\n  "at": ', dumps(day.isoformat()), b',\n  "tree": [']

    def pad(level: int) -> bytes:
        return b"\n" + b"  " * min(level, _MAX_INDENT_LEVEL)

    def fields(region: Region) -> list[tuple[str, Any]]:
        control = store.control(region.id, day)
        return [
            ("id", region.id),
            ("name", region.name),
            ("level", region.level),
            ("status", control.status),
            ("controller", faction_ref(store, control.faction.id) if control.faction else None),
        ]

    # Each frame: the node's indentation level, its children still to write,
    # whether one was written yet, and the region depth below the root.
    stack: list[tuple[int, list[Region], list[bool], int]] = [(1, list(reversed(roots)), [False], -1)]
    while stack:
        level, pending, written, node_depth = stack[-1]
        if not pending:
            stack.pop()
            out.append((pad(level) if written[0] else b"") + b"]")
            if stack:  # close the node object that owns this list
                out.append(pad(level - 1) + b"}")
            continue
        region = pending.pop()
        out.append((b"," if written[0] else b"") + pad(level + 1) + b"{")
        written[0] = True
        inner = level + 2
        parts = [
            pad(inner) + dumps(k) + b": " + dumps(v, option=orjson.OPT_INDENT_2).replace(b"\n", pad(inner))
            for k, v in fields(region)
        ]
        out.append(b",".join(parts))
        child_depth = node_depth + 1
        if depth is None or child_depth < depth:
            out.append(b"," + pad(inner) + b'"children": [')
            stack.append((inner, list(reversed(store.children(region.id))), [False], child_depth))
        else:
            out.append(pad(level + 1) + b"}")
    out.append(b"\n}\n")
    return b"".join(out)
