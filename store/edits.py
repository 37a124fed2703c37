"""Changing a database: record a change of control, add, edit or delete a
record, undo and redo. Every change goes through :func:`commit`.

A change is planned first, as a list of :class:`~store.history.Op` (whole
records before and after), and checked: a bad field raises
:class:`EditError` naming the field; an edit that would make periods of a
place overlap, or leave days between them with no record, raises it with
the fixes it can make (pass one back as ``fix=``). Nothing is written until
the plan is sound. Then the change is appended to the history file and made
durable (:mod:`store.history`), and only then applied to the tables in
memory and to the store's indexes, so the views show it at once.

Calls take ``dry_run=True`` to check and describe a change without making it
(the explorer's forms check as the user types).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import orjson

from . import identity
from .dates import DateError, PartialDate, day_after, day_before, parse_day, parse_partial
from .history import ChangeRecord, History, Op, change_line, effective, new_change_id, utc_now
from .model import CONFIDENCES, EVENT_TYPES, STATUSES, Period
from .parse import build_records
from .storage import DatabaseCorrupt, ReadOnlyError, StoreError, collector_paused, where
from .text import clean_text, clean_value, json_needs_cleaning, json_needs_display, shown

if TYPE_CHECKING:
    from .db import Store

PRECISIONS = ("day", "month", "year")
ROLES = (
    "took-control",
    "lost-control",
    "attacker",
    "defender",
    "party",
    "evacuated",
    "defector",
    "received-defectors",
    "deployed",
    "mediator",
)
EDITABLE = ("periods", "events", "sources")
# A change of control on an area becomes one on each place under it; beyond
# this many it is refused (record it on the district's places instead).
MAX_PLACES = 500


@dataclass(frozen=True, slots=True)
class Fix:
    code: str
    label: str


class EditError(StoreError):
    """A change that cannot be made as asked; ``field`` names the input at fault,
    ``fixes`` the ways out the store can take (pass one back as ``fix=``)."""

    def __init__(self, message: str, field: str | None = None, fixes: Sequence[Fix] = ()) -> None:
        super().__init__(message)
        self.field = field
        self.fixes = tuple(fixes)


# --- the records as stored ---------------------------------------------------------------


def _live(store: Store) -> dict[str, dict[str, dict[str, Any]]]:
    """The tables as the file will hold them (the storage's own, pending changes applied)."""
    storage = store._storage
    if storage is None or store._db is None:
        raise ReadOnlyError(f"{where(store.path)}: cannot change an in-memory store")
    if storage.readonly:
        raise ReadOnlyError(f"{where(store.path)}: cannot change it: {storage.readonly_reason}")
    tables = storage._cache
    if tables is None:
        raise StoreError(f"{where(store.path)}: the tables are not loaded")
    return tables


DocIds = dict[str, dict[str, str]]  # table -> record id -> TinyDB document id


def doc_ids(cache: DocIds, tables: Mapping[str, Mapping[str, Any]], table: str) -> dict[str, str]:
    """Record id -> the TinyDB document id of its record (made once per table)."""
    found = cache.get(table)
    if found is None:
        records = tables.get(table) or {}
        # Made backwards, so that of two records with one id the first wins, as in the store.
        keys: list[str] = list(records)
        keys.reverse()
        ids: list[Any] = [records[key].get("id") for key in keys]
        found = dict(zip(ids, keys))
        for odd in [rid for rid in found if not isinstance(rid, str)]:
            del found[odd]
        # setdefault: made in the explorer's worker (prepare) while an edit may
        # already have made and added to its own, that one is kept.
        found = cache.setdefault(table, found)
    return found


def prepare(store: Store) -> None:
    """Make the indexes an edit needs now, so the first edit is as quick as the next."""
    tables = _live(store)
    for table in ("periods", "events", "sources", "claims"):
        doc_ids(store._doc_ids, tables, table)


def stored(store: Store, table: str, record_id: str) -> dict[str, Any] | None:
    """The record as the file holds it (with every character), or None."""
    tables = _live(store)
    doc_id = doc_ids(store._doc_ids, tables, table).get(record_id)
    return None if doc_id is None else tables[table][doc_id]


def apply_ops(cache: DocIds, tables: dict[str, dict[str, dict[str, Any]]], ops: Iterable[Op]) -> None:
    """Set each op's record to its ``after`` in ``tables`` (whole records)."""
    for op in ops:
        table = tables.setdefault(op.table, {})
        index = doc_ids(cache, tables, op.table)
        doc_id = index.get(op.id)
        if op.after is None:
            if doc_id is not None:
                del table[doc_id]
                del index[op.id]
            continue
        if doc_id is None:
            doc_id = index[op.id] = _new_doc_id(table)
        table[doc_id] = op.after


def _new_doc_id(table: dict[str, Any]) -> str:
    """The number after the last record's (TinyDB's max + 1 when, as usual, the
    numbers go up), without a scan of 100,000 keys for each new record."""
    if not table:
        return "1"
    after_last = str(int(next(reversed(table))) + 1)
    return after_last if after_last not in table else str(max(map(int, table)) + 1)


# --- committing ---------------------------------------------------------------------------


def history(store: Store) -> History:
    found = store._history
    if found is None:
        raise ReadOnlyError(f"{where(store.path)}: cannot change an in-memory store")
    return found


def commit(
    store: Store,
    kind: str,
    summary: str,
    ops: Sequence[Op],
    places: Iterable[str],
    *,
    reverts: str | None = None,
    reapplies: str | None = None,
    dry_run: bool = False,
) -> ChangeRecord:
    """Write a change durably, then apply it in memory. Returns the change."""
    with collector_paused():  # an import writes 100,000 records
        return _commit(store, kind, summary, ops, places, reverts, reapplies, dry_run)


def _commit(store: Store, kind: str, summary: str, ops: Sequence[Op], places: Iterable[str],
            reverts: str | None, reapplies: str | None, dry_run: bool) -> ChangeRecord:
    tables = _live(store)
    if not ops:
        raise EditError("nothing would change")
    change = ChangeRecord(
        id=new_change_id(),
        at=utc_now(),
        author=identity.author(),
        device=identity.device(),
        kind=kind,
        summary=summary,
        ops=tuple(ops),
        places=tuple(dict.fromkeys(places)),
        reverts=reverts,
        reapplies=reapplies,
    )
    # The line is made once, and looked at for characters that must not be
    # stored (as a rule none: the slow path cleans the records one by one).
    try:
        line = change_line(change)
    except orjson.JSONEncodeError:
        _built(store, change.ops)  # names the record, if one of them does not read back
        raise EditError("the change holds a value that cannot be stored (not text, a number or a list)") from None
    if json_needs_cleaning(line):
        change = dataclasses.replace(change, summary=clean_text(summary), ops=tuple(clean_ops(change.ops)))
        line = change_line(change)
    built = _built(store, change.ops)
    if kind not in ("undo", "redo"):  # those give back records exactly as they were
        _check_evidence(store, change.ops)
    if dry_run:
        return change
    log = history(store)
    storage = store._storage
    assert storage is not None and storage.identity is not None
    log.begin(storage.identity)
    log.append(change, line)  # durable from here on
    apply_ops(store._doc_ids, tables, change.ops)
    store._apply_ops(change.ops, built, json_needs_display(line))
    return change


def _check_evidence(store: Store, ops: Sequence[Op]) -> None:
    """What ``validate`` would say of the records this change writes: a source
    published before the change it is cited for, a start known to the day
    from an event known only to the month. Only what the change sets is
    checked: an old problem of a record it merely closes is not its fault."""
    new_sources = {op.id: op.after for op in ops if op.table == "sources" and op.after is not None}
    published: dict[str, tuple[date, str, str] | None] = {}  # source id -> (last day, date, name)

    def publication(sid: str) -> tuple[date, str, str] | None:
        source = new_sources.get(sid)
        known = store.sources.get(sid)
        when = source.get("date") if source is not None else (known.date if known else None)
        if not when:
            return None
        try:
            last = parse_partial(str(when)).last
        except DateError:
            return None
        name = source.get("publication") if source is not None else (known.publication if known else sid)
        return last, str(when), str(name)

    for op in ops:
        after, before = op.after, op.before or {}
        if after is None or op.table not in ("periods", "claims", "events"):
            continue
        if op.table == "events":
            day = parse_partial(str(after["date"])).first
            keys: tuple[str, ...] = ("date", "sources")
        else:
            day = parse_day(str(after["from"]))
            keys = ("from", "sources")
        if any(after.get(k) != before.get(k) for k in keys) and (op.table == "events" or day > store.span[0]):
            for sid in after.get("sources") or ():
                if sid not in published:
                    published[sid] = publication(sid)
                found = published[sid]
                if found is not None and found[0] < day:
                    raise EditError(
                        f"{found[2]} ({found[1]}) was published before {day.isoformat()}: it cannot be the "
                        "evidence for what began then",
                        "sources" if op.table == "events" else "source",
                    )
        if op.table != "events":
            keys = ("from", "from_precision", "start_event")
            event = store.events.get(str(after.get("start_event") or ""))
            if event is not None and any(after.get(k) != before.get(k) for k in keys):
                if (after.get("from_precision") or "day") == "day" and event.precision in ("month", "year") \
                        and day == event.first:
                    raise EditError(
                        f"its event ({event.title}) is dated only to the {event.precision}: give the date "
                        f"to the {event.precision} too",
                        "precision",
                    )


def clean_ops(ops: Iterable[Op]) -> list[Op]:
    """The ops with every string of what they write cleaned of control and bidi characters."""
    return [Op(op.table, op.id, op.before, clean_value(op.after) if op.after is not None else None) for op in ops]


def _built(store: Store, ops: Sequence[Op]) -> list[Any]:
    """Each record an op writes, read back as a record of its table (None for a
    removal): a record that does not read back is refused, naming it. The
    records of a table are read together (one builder, its caches shared)."""
    out: list[Any] = [None] * len(ops)
    by_table: dict[str, dict[str, dict[str, Any]]] = {}
    for index, op in enumerate(ops):
        if op.after is not None:
            by_table.setdefault(op.table, {})[str(index)] = op.after
    for table, records in by_table.items():
        try:
            made = build_records(str(store.path), table, records)
        except DatabaseCorrupt:
            for op in ops:  # the first of the change that does not read back, named as itself
                if op.after is not None:
                    _built_one(store, op)
            raise
        for key, record in zip(records, made):
            out[int(key)] = record
    return out


def _built_one(store: Store, op: Op) -> Any:
    try:
        return build_records(str(store.path), op.table, {"new": op.after or {}})[0]
    except DatabaseCorrupt as exc:
        message = str(exc).split(": ", 1)[-1]
        raise EditError(f"{op.table} {shown(op.id, 40)}: {message}") from None


def compact(store: Store) -> bool:
    """Fold the changes not yet in the database file into it (atomic rewrite).
    Returns False if there was nothing to fold."""
    log = store._history
    storage = store._storage
    if log is None or storage is None or not log.pending:
        return False
    tables = _live(store)
    log.begin(storage.identity or "")
    with collector_paused():
        storage.write_serialized(tables, log.note_compaction)
    log.compacted()
    return True


# --- sources --------------------------------------------------------------------------------

_URL = re.compile(r"https?://\S+", re.IGNORECASE)


def source_fields(text: str, field: str = "source") -> dict[str, Any]:
    """A source from free text: "Publication, Title, https://address" (any of the three).

    The address is found wherever it is; the rest is the publication, then
    (after the first comma) the title. With no comma, the text is both.
    """
    text = " ".join(text.split())
    url_match = _URL.search(text)
    url = url_match.group(0).rstrip(".,;)") if url_match else None
    rest = (text[: url_match.start()] + text[url_match.end() :]) if url_match else text
    rest = rest.strip(" ,;-")
    publication, _, title = rest.partition(",")
    publication, title = publication.strip(" ,;-"), title.strip(" ,;-")
    if not publication and url:
        publication = re.sub(r"^(?:https?://)?(?:www\.)?([^/]+).*$", r"\1", url, flags=re.IGNORECASE)
    if not publication:
        raise EditError("a source needs a publication, a title or an address", field)
    return {"publication": publication, "title": title or publication, "url": url}


def _slug(text: str, limit: int = 24) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")
    return slug[:limit].rstrip("-") or "x"


def _unique(base: str, taken: set[str] | Mapping[str, Any], more: set[str]) -> str:
    candidate, n = base, 1
    while candidate in taken or candidate in more:
        n += 1
        candidate = f"{base}-{n}"
    more.add(candidate)
    return candidate


def source_op(store: Store, source: str | Mapping[str, Any], used: set[str], field: str = "source") -> tuple[str, Op | None]:
    """The id of the source to cite, and the op adding it if it is new.

    ``source`` is an existing source's id, free text (see :func:`source_fields`)
    or fields (publication, title, url, date, kind, note).
    """
    if isinstance(source, str):
        text = source.strip()
        if not text:
            raise EditError("a source is required", field)
        if text in store.sources:
            return text, None
        fields: dict[str, Any] = source_fields(text, field)
    else:
        fields = {k: v for k, v in source.items() if v not in (None, "")}
        if fields.get("id") in store.sources and len(fields) == 1:
            return str(fields["id"]), None
        if not fields.get("publication") and not fields.get("title") and not fields.get("url"):
            raise EditError("a source needs a publication, a title or an address", field)
        if not fields.get("publication"):
            fields["publication"] = source_fields(str(fields.get("url") or fields.get("title")), field)["publication"]
        fields.setdefault("title", fields["publication"])
    when = fields.get("date")
    if when:
        try:
            parse_partial(str(when))
        except DateError as exc:
            raise EditError(f"source date: {exc}", f"{field}.date") from None
    url = fields.get("url")
    if url and not _URL.fullmatch(str(url)):
        raise EditError(f"source address must start with http:// or https://: '{shown(url, 60)}'", f"{field}.url")
    record: dict[str, Any] = {
        "id": "",
        "publication": str(fields["publication"]),
        "title": str(fields["title"]),
        "url": str(url) if url else None,
        "date": str(when) if when else None,
        "kind": str(fields.get("kind") or "news"),
        "note": str(fields["note"]) if fields.get("note") else None,
    }
    base = f"{_slug(str(record['publication']), 20)}-{(record['date'] or utc_now()[:10])}"
    new_id = record["id"] = _unique(base, store.sources, used)
    return new_id, Op("sources", new_id, None, record)


# --- periods --------------------------------------------------------------------------------


def _period_record(
    pid: str,
    region: str,
    faction: str,
    status: str,
    start: date,
    end: date | None,
    *,
    others: Sequence[str] = (),
    precision: str = "day",
    start_event: str | None = None,
    end_event: str | None = None,
    sources: Sequence[str] = (),
    confidence: str = "medium",
    note: str | None = None,
) -> dict[str, Any]:
    return {
        "id": pid,
        "region": region,
        "faction": faction,
        "others": list(others),
        "status": status,
        "from": start.isoformat(),
        "to": end.isoformat() if end else None,
        "from_precision": precision,
        "start_event": start_event,
        "end_event": end_event,
        "sources": list(sources),
        "confidence": confidence,
        "note": note,
    }


def _own(store: Store, region_id: str) -> list[Period]:
    return [p for p in store._periods.get(region_id, ()) if p.claim is None]


def _new_period_id(store: Store, region_id: str, used: set[str]) -> str:
    n = len(store._periods.get(region_id, ())) + 1
    while True:
        candidate = f"p-{region_id}-{n}"
        if candidate not in store.periods and candidate not in used:
            used.add(candidate)
            return candidate
        n += 1


def _situation_text(store: Store, faction: str, status: str) -> str:
    found = store.factions.get(faction)
    name = found.name if found else faction
    return name if status == "held" else f"{name} ({status})"


def _check_choice(value: str, allowed: Sequence[str], field: str, what: str) -> None:
    if value not in allowed:
        raise EditError(f"unknown {what} '{shown(value, 40)}' (expected one of {', '.join(allowed)})", field)


def _check_day(store: Store, day: date, field: str) -> None:
    first, last = store.span
    if not first <= day <= last:
        raise EditError(f"{day.isoformat()} is outside the data ({first.isoformat()} to {last.isoformat()})", field)


def _check_faction(store: Store, faction: str, field: str) -> None:
    if faction not in store.factions:
        raise EditError(f"unknown faction '{shown(faction, 40)}'", field)


def record_control(
    store: Store,
    region_id: str,
    faction: str,
    status: str,
    day: date,
    *,
    source: str | Mapping[str, Any],
    precision: str = "day",
    confidence: str = "medium",
    note: str | None = None,
    others: Sequence[str] = (),
    event: str | None = None,
    fix: str | None = None,
    dry_run: bool = False,
) -> ChangeRecord:
    """Record that ``faction`` held ``region_id`` (``status``) from ``day``.

    The period covering ``day`` is closed the day before and a new one
    opened, to the end of the old one (or to the day before the next period
    if no period covered the day). A place whose periods came from an area
    claim gets periods of its own, copied from the claim's, first. On an
    area, every place under it is changed (those already so are left).
    """
    _live(store)
    if region_id not in store.regions:
        raise EditError(f"no place with id '{shown(region_id, 40)}'", "place")
    _check_faction(store, faction, "faction")
    for other in others:
        _check_faction(store, other, "others")
    _check_choice(status, STATUSES, "status", "status")
    _check_choice(precision, PRECISIONS, "precision", "date precision")
    _check_choice(confidence, CONFIDENCES, "confidence", "confidence")
    _check_day(store, day, "date")
    if event is not None and event not in store.events:
        raise EditError(f"no event with id '{shown(event, 40)}'", "event")
    used: set[str] = set()
    source_id, new_source = source_op(store, source, used)
    units = store.units(region_id)
    if len(units) > MAX_PLACES:
        raise EditError(
            f"{store.regions[region_id].name} has {len(units):,} places under it, more than one change can "
            f"record ({MAX_PLACES}); record it on a smaller area",
            "place",
        )
    ops: list[Op] = [new_source] if new_source else []
    changed: list[str] = []
    conflicts: list[str] = []
    area = len(units) > 1 or units[0] != region_id
    # Places with no periods of their own (covered by an area claim, or on an
    # area by nothing) are covered by a new claim, on the area or on the place
    # itself: a claim from a later date wins over older ones on each day (see
    # Store._periods_from_claims), so what the older claims said before the
    # date still stands. A place nothing covers gets a period of its own.
    if area:
        by_claim = [u for u in units if not _own(store, u)]
    else:
        by_claim = [region_id] if not _own(store, region_id) and region_id in store._claim_periods else []
    if by_claim:
        waiting = [u for u in by_claim if not _already(store, u, faction, status, tuple(others), day)]
        same_day = next(
            (c for c in store.claims.values() if c.region == region_id and c.start == day), None
        )
        if waiting and same_day is not None and fix != "replace":
            held = _situation_text(store, same_day.faction, same_day.status)
            conflicts.append(f"{store.regions[region_id].name} already has a claim from {day.isoformat()} ({held})")
        elif waiting:
            current = stored(store, "claims", same_day.id) if same_day is not None else None
            end: str | None = current.get("to") if current else None
            if current is None:
                # The region's own claim that runs into the day ends the day before,
                # and the new one ends where the region's next claim begins.
                ending, end = claim_neighbours(
                    [stored(store, "claims", c.id) or {} for c in store.claims.values() if c.region == region_id],
                    day.isoformat(),
                )
                if ending is not None:
                    ops.append(Op("claims", str(ending["id"]), ending, {**ending, "to": day_before(day).isoformat()}))
            claim = {
                "id": current["id"] if current else _unique(f"c-{region_id}-{day.isoformat()}", store.claims, used),
                "region": region_id,
                "faction": faction,
                "others": list(others),
                "status": status,
                "from": day.isoformat(),
                "to": end,
                "from_precision": precision,
                "except": list(current.get("except") or []) if current else [],
                "start_event": event,
                "sources": list(dict.fromkeys([*(current.get("sources") or [] if current else []), source_id])),
                "confidence": confidence,
                "note": note,
            }
            ops.append(Op("claims", str(claim["id"]), current, claim))
            changed.extend(waiting)
    for unit in units:
        if unit in by_claim:
            continue
        unit_ops, conflict = _control_ops(
            store, unit, faction, status, day, precision, source_id, confidence, note, tuple(others), event, fix, used
        )
        if conflict:
            conflicts.append(conflict)
        if unit_ops:
            ops.extend(unit_ops)
            changed.append(unit)
    if conflicts:
        raise EditError(
            conflicts[0] if len(conflicts) == 1 else f"{conflicts[0]} (and {len(conflicts) - 1} more places)",
            "date",
            (Fix("replace", f"replace what starts on {day.isoformat()} with this"),),
        )
    name = store.regions[region_id].name
    what = _situation_text(store, faction, status)
    if not changed:
        who = f"every place under {name} is" if area else f"{name} is"
        raise EditError(f"{who} already held by {what} on {day.isoformat()}", "faction")
    summary = f"{name}: {what} from {_day_text(day, precision)}"
    if not area:
        before = store.period_at(units[0], day_before(day)) if day > store.span[0] else None
        if before is not None:
            summary += f", after {_situation_text(store, before.faction, before.status)}"
    else:
        summary += f" ({len(changed)} place{'s' if len(changed) != 1 else ''})"
    return commit(store, "control", summary, ops, [region_id, *changed], dry_run=dry_run)


_Claim = TypeVar("_Claim", bound=Mapping[str, Any])


def claim_neighbours(claims: Iterable[_Claim], day: str) -> tuple[_Claim | None, str | None]:
    """For a new claim from ``day`` (YYYY-MM-DD) among ``claims`` (records on one
    region, which must not overlap): the claim that began earlier and runs
    into the day (it is to end the day before), and the end the new one
    gets (the day before the next claim begins, or the end of the claim it
    cuts if that is sooner; None if neither)."""
    ending: _Claim | None = None
    later: str | None = None
    for claim in claims:
        start, end = str(claim.get("from") or ""), claim.get("to")
        if start < day and (end is None or str(end) >= day):
            if ending is None or start > str(ending.get("from")):
                ending = claim
        elif start > day and (later is None or start < later):
            later = start
    ends = [day_before(parse_day(later)).isoformat()] if later else []
    if ending is not None and ending.get("to"):
        ends.append(str(ending["to"]))  # within a claim that ends, the new one ends with it (as periods do)
    return ending, min(ends) if ends else None


def _already(store: Store, unit: str, faction: str, status: str, others: tuple[str, ...], day: date) -> bool:
    period = store.period_at(unit, day)
    return period is not None and (period.faction, period.status, period.others) == (faction, status, others)


def _day_text(day: date, precision: str) -> str:
    if precision == "month":
        return day.strftime("%Y-%m")
    if precision == "year":
        return day.strftime("%Y")
    return day.isoformat()


def _control_ops(
    store: Store,
    unit: str,
    faction: str,
    status: str,
    day: date,
    precision: str,
    source_id: str,
    confidence: str,
    note: str | None,
    others: tuple[str, ...],
    event: str | None,
    fix: str | None,
    used: set[str],
) -> tuple[list[Op], str | None]:
    records = [dict(stored(store, "periods", p.id) or {}) for p in _own(store, unit)]
    covering = next((r for r in records if _covers(r, day)), None)
    ops: list[Op] = []
    if covering is not None:
        same = (covering["faction"], covering["status"], tuple(covering.get("others") or ())) == (faction, status, others)
        if same:
            return [], None
        if covering["from"] == day.isoformat():
            if fix != "replace":
                name = store.regions[unit].name
                held = _situation_text(store, covering["faction"], covering["status"])
                return [], f"{name} already has a period from {day.isoformat()} ({held})"
            after = {
                **covering,
                "faction": faction,
                "status": status,
                "others": list(others),
                "from_precision": precision,
                # The old start event told how the old holder came (and to what precision).
                "start_event": event,
                "sources": list(dict.fromkeys([*(covering.get("sources") or []), source_id])),
                "confidence": confidence,
                "note": note,
            }
            return [Op("periods", covering["id"], covering, after)], None
        closed = {**covering, "to": day_before(day).isoformat()}
        if event:
            closed["end_event"] = event
        ops.append(Op("periods", covering["id"], covering, closed))
        end = covering.get("to")
        new_end = parse_day(end) if end else None
    else:
        later = [r for r in records if r["from"] > day.isoformat()]
        new_end = day_before(parse_day(min(r["from"] for r in later))) if later else None
    pid = _new_period_id(store, unit, used)
    record = _period_record(
        pid, unit, faction, status, day, new_end, others=others, precision=precision, start_event=event,
        sources=[source_id], confidence=confidence, note=note,
    )
    ops.append(Op("periods", pid, None, record))
    return ops, None


def _covers(record: Mapping[str, Any], day: date) -> bool:
    text = day.isoformat()
    return record["from"] <= text and (record.get("to") is None or text <= record["to"])


# --- editing and deleting periods ---------------------------------------------------------------


def _neighbours(store: Store, period: Period) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    own = _own(store, period.region)
    index = next(i for i, p in enumerate(own) if p.id == period.id)
    before = stored(store, "periods", own[index - 1].id) if index > 0 else None
    after = stored(store, "periods", own[index + 1].id) if index + 1 < len(own) else None
    return before, after


def _editable_period(store: Store, period_id: str) -> Period:
    period = store.periods.get(period_id)
    if period is None:
        claimed = _claimed(store, period_id)
        if claimed is not None:
            claim = store.claims.get(claimed.claim or "")
            area = store.regions.get(claim.region) if claim else None
            raise EditError(
                f"that period comes from the claim {claimed.claim} on all of {area.name if area else 'an area'}; "
                "record a change of control on the place instead",
                "period",
            )
        raise EditError(f"no period with id '{shown(period_id, 40)}'", "period")
    return period


def _claimed(store: Store, period_id: str) -> Period | None:
    """The period of that id made from a claim, if any."""
    region = period_id.partition("@")[2].partition("#")[0]
    return next((p for p in store._claim_periods.get(region, ()) if p.id == period_id), None)


def _claim_of_the_place(store: Store, period_id: str) -> dict[str, Any] | None:
    """For a period made from a claim on that very place (as a change of control
    recorded on a place covered by an area claim makes), the claim's record."""
    if period_id in store.periods:
        return None
    claimed = _claimed(store, period_id)
    claim = store.claims.get(claimed.claim or "") if claimed is not None else None
    if claimed is None or claim is None or claim.region != claimed.region:
        return None
    return stored(store, "claims", claim.id)


_CLAIM_FIELDS = ("faction", "status", "from", "to", "others", "from_precision", "start_event", "sources",
                 "confidence", "note")


def _edit_claim(store: Store, current: dict[str, Any], fields: Mapping[str, Any], dry_run: bool) -> ChangeRecord:
    unknown = [key for key, value in fields.items() if key not in _CLAIM_FIELDS and key != "id" and value]
    if unknown:
        raise EditError(f"{unknown[0]} cannot be set on this period (it is kept as a claim on the place)", unknown[0])
    if "id" in fields and fields["id"] != current["id"]:
        raise EditError("a period's id cannot be changed", "id")
    record = {**current, **clean_value({k: v for k, v in fields.items() if k in _CLAIM_FIELDS})}
    _check_period_fields(store, record)
    if record == current:
        raise EditError("nothing would change")
    name = store.regions[record["region"]].name if record["region"] in store.regions else record["region"]
    summary = f"{name}: edited the period from {current['from']}: {_differences(current, record)}"
    return commit(store, "edit", summary, [Op("claims", current["id"], current, record)], [record["region"]],
                  dry_run=dry_run)


def _period_problems(
    store: Store, period: Period, record: dict[str, Any]
) -> tuple[list[str], list[Op], list[Op], bool]:
    """What is wrong with ``record`` replacing ``period`` beside its neighbours:
    (messages, ops that adjust the neighbours, ops that only close gaps, any overlap)."""
    before, after = _neighbours(store, period)
    start = parse_day(record["from"])
    end = parse_day(record["to"]) if record.get("to") else None
    problems: list[str] = []
    adjust: list[Op] = []
    gaps: list[Op] = []
    overlap = False
    name = store.regions[period.region].name if period.region in store.regions else period.region
    if before is not None:
        b_end = parse_day(before["to"]) if before.get("to") else None
        if b_end is None or b_end >= start:
            if parse_day(before["from"]) >= start:
                raise EditError(
                    f"{name}: it would start on or before the period before it ({before['from']}); "
                    "change that one instead",
                    "from",
                )
            problems.append(f"it would overlap the period before it (to {before.get('to') or 'ongoing'})")
            adjust.append(Op("periods", before["id"], before, {**before, "to": day_before(start).isoformat()}))
            overlap = True
        elif day_after(b_end) < start and day_after(b_end) == period.start:
            problems.append(f"{day_after(b_end).isoformat()} to {day_before(start).isoformat()} would have no record")
            fill = Op("periods", before["id"], before, {**before, "to": day_before(start).isoformat()})
            adjust.append(fill)
            gaps.append(fill)
    if after is not None:
        a_start = parse_day(after["from"])
        a_end = parse_day(after["to"]) if after.get("to") else None
        if end is None or end >= a_start:
            if a_end is not None and (end is None or end >= a_end):
                raise EditError(
                    f"{name}: it would cover the whole of the period after it (from {after['from']}); "
                    "delete that one first",
                    "to",
                )
            assert end is not None or a_end is None
            if end is None:
                raise EditError(f"{name}: it cannot be ongoing: a period follows it from {after['from']}", "to")
            problems.append(f"it would overlap the period after it (from {after['from']})")
            adjust.append(Op("periods", after["id"], after, {**after, "from": day_after(end).isoformat()}))
            overlap = True
        elif end is not None and day_after(end) < a_start and period.end is not None and day_after(period.end) == a_start:
            problems.append(f"{day_after(end).isoformat()} to {day_before(a_start).isoformat()} would have no record")
            fill = Op("periods", after["id"], after, {**after, "from": day_after(end).isoformat()})
            adjust.append(fill)
            gaps.append(fill)
    return problems, adjust, gaps, overlap


def edit_period(
    store: Store, period_id: str, fields: Mapping[str, Any], *, fix: str | None = None, dry_run: bool = False
) -> ChangeRecord:
    """Change fields of a period; see the module for ``fix`` ("adjust" moves
    the neighbouring periods' ends, "leave-gap" keeps days with no record)."""
    claim = _claim_of_the_place(store, period_id)
    if claim is not None:
        return _edit_claim(store, claim, fields, dry_run)
    period = _editable_period(store, period_id)
    current = stored(store, "periods", period_id)
    assert current is not None
    if "id" in fields and fields["id"] != period_id:
        raise EditError("a period's id cannot be changed", "id")
    if "region" in fields and fields["region"] != period.region:
        raise EditError("a period cannot move to another place; delete it and record the change there", "region")
    record = {**current, **clean_value(dict(fields))}
    _check_period_fields(store, record)
    if record == current:
        raise EditError("nothing would change")
    problems, adjust, gaps, overlap = _period_problems(store, period, record)
    ops = [Op("periods", period_id, current, record)]
    if problems:
        fixes = [Fix("adjust", "move the neighbouring periods' dates to meet it")]
        if not overlap:
            fixes.append(Fix("leave-gap", "leave those days not recorded"))
        if fix == "adjust":
            ops.extend(adjust)
        elif fix == "leave-gap" and not overlap:
            pass
        else:
            name = store.regions[period.region].name if period.region in store.regions else period.region
            raise EditError(f"{name}: " + "; ".join(problems), "from" if "before" in problems[0] else "to", fixes)
    name = store.regions[period.region].name if period.region in store.regions else period.region
    summary = f"{name}: edited the period from {current['from']}: {_differences(current, record)}"
    return commit(store, "edit", summary, ops, [period.region], dry_run=dry_run)


def _check_period_fields(store: Store, record: dict[str, Any]) -> None:
    for key in ("from", "to"):
        value = record.get(key)
        if value is None and key == "to":
            continue
        try:
            day = parse_day(str(value))
        except (DateError, ValueError) as exc:
            raise EditError(f"{key}: {exc}", key) from None
        _check_day(store, day, key)
    if record.get("to") and record["to"] < record["from"]:
        raise EditError(f"it would end ({record['to']}) before it starts ({record['from']})", "to")
    _check_faction(store, str(record.get("faction")), "faction")
    for other in record.get("others") or ():
        _check_faction(store, str(other), "others")
    _check_choice(str(record.get("status")), STATUSES, "status", "status")
    _check_choice(str(record.get("confidence") or "medium"), CONFIDENCES, "confidence", "confidence")
    _check_choice(str(record.get("from_precision") or "day"), PRECISIONS, "from_precision", "date precision")
    for key in ("start_event", "end_event"):
        if record.get(key) and record[key] not in store.events:
            raise EditError(f"no event with id '{shown(record[key], 40)}'", key)
    for sid in record.get("sources") or ():
        if sid not in store.sources:
            raise EditError(f"no source with id '{shown(sid, 40)}'", "sources")


def delete_period(store: Store, period_id: str, *, fix: str | None = None, dry_run: bool = False) -> ChangeRecord:
    """Delete a period. The days it covered would have no record: ``fix``
    "extend-previous" or "extend-next" gives them to a neighbour, "leave-gap"
    leaves them not recorded."""
    claim = _claim_of_the_place(store, period_id)
    if claim is not None:
        # Older claims (or nothing) speak for its days again: no gap to fill.
        name = store.regions[claim["region"]].name if claim["region"] in store.regions else claim["region"]
        held = _situation_text(store, claim["faction"], claim["status"])
        summary = f"{name}: deleted the period from {claim['from']} ({held})"
        return commit(store, "delete", summary, [Op("claims", claim["id"], claim, None)], [claim["region"]],
                      dry_run=dry_run)
    period = _editable_period(store, period_id)
    current = stored(store, "periods", period_id)
    assert current is not None
    before, after = _neighbours(store, period)
    name = store.regions[period.region].name if period.region in store.regions else period.region
    ops = [Op("periods", period_id, current, None)]
    fixes = []
    if before is not None and before.get("to") and day_after(parse_day(before["to"])) == period.start:
        fixes.append(Fix("extend-previous", f"the period before it runs on to {current.get('to') or 'the end'}"))
    if after is not None and period.end is not None and day_after(period.end) == parse_day(after["from"]):
        fixes.append(Fix("extend-next", f"the period after it starts on {current['from']}"))
    fixes.append(Fix("leave-gap", "leave those days not recorded"))
    if fix == "extend-previous" and before is not None and fixes[0].code == "extend-previous":
        ops.append(Op("periods", before["id"], before, {**before, "to": current.get("to")}))
    elif fix == "extend-next" and after is not None and any(f.code == "extend-next" for f in fixes):
        ops.append(Op("periods", after["id"], after, {**after, "from": current["from"]}))
    elif fix != "leave-gap":
        span = f"{current['from']} to {current.get('to') or 'the end of the data'}"
        raise EditError(f"{name}: {span} would have no record of who held it", "period", fixes)
    held = _situation_text(store, period.faction, period.status)
    summary = f"{name}: deleted the period from {current['from']} ({held})"
    return commit(store, "delete", summary, ops, [period.region], dry_run=dry_run)


# --- events ------------------------------------------------------------------------------------


def _int(value: Any, field: str) -> int:
    if isinstance(value, bool):
        raise EditError(f"{field}: expected a whole number", field)
    if isinstance(value, int):
        return value
    text = str(value).replace(",", "").strip()
    if not re.fullmatch(r"\d+", text):
        raise EditError(f"{field}: expected a whole number, found '{shown(value, 20)}'", field)
    return int(text)


def event_record(store: Store, fields: Mapping[str, Any], used: set[str], event_id: str | None = None) -> tuple[dict[str, Any], list[Op]]:
    """An event record from form or command-line fields, checked, and the ops
    adding the sources it cites that are new."""
    fields = clean_value(dict(fields))
    ops: list[Op] = []
    kind = str(fields.get("type") or "").strip()
    if not kind:
        raise EditError("an event needs a type", "type")
    _check_choice(kind, EVENT_TYPES, "type", "event type")
    title = " ".join(str(fields.get("title") or "").split())
    if not title:
        raise EditError("an event needs a title", "title")
    when = str(fields.get("date") or "").strip()
    if not when:
        raise EditError("an event needs a date", "date")
    try:
        first = parse_partial(when)
    except DateError as exc:
        raise EditError(f"date: {exc}", "date") from None
    _check_partial(store, first, "date")
    until = str(fields.get("date_to") or "").strip() or None
    last: PartialDate | None = None
    if until:
        try:
            last = parse_partial(until)
        except DateError as exc:
            raise EditError(f"date to: {exc}", "date_to") from None
        _check_partial(store, last, "date_to")
    precision = str(fields.get("precision") or "").strip()
    if not precision:
        precision = "span" if last is not None else first.precision
    _check_choice(precision, ("day", "month", "year", "span", "disputed"), "precision", "date precision")
    if precision in ("span", "disputed") and last is None:
        raise EditError(f"a {precision} date needs a second date", "date_to")
    if last is not None and precision == "span" and last.last < first.first:
        raise EditError(f"it would end ({until}) before it starts ({when})", "date_to")
    places = [str(p) for p in fields.get("places") or ()]
    if not places:
        raise EditError("an event needs at least one place", "places")
    for place in places:
        if place not in store.regions:
            raise EditError(f"no place with id '{shown(place, 40)}'", "places")
    actors = []
    for number, actor in enumerate(fields.get("actors") or (), start=1):
        faction = str(actor.get("faction") or "")
        _check_faction(store, faction, f"actors.{number}.faction")
        role = str(actor.get("role") or "party").strip() or "party"
        if not re.fullmatch(r"[a-z][a-z-]{0,39}", role):
            raise EditError(f"actor {number}: a role is a word like {', '.join(ROLES[:4])}", f"actors.{number}.role")
        actors.append({"faction": faction, "role": role})
    sources = []
    for number, source in enumerate(fields.get("sources") or (), start=1):
        sid, op = source_op(store, source, used, f"sources.{number}")
        sources.append(sid)
        if op:
            ops.append(op)
    if not sources:
        raise EditError("an event needs a source", "sources")
    figures = []
    for number, figure in enumerate(fields.get("figures") or (), start=1):
        label = " ".join(str(figure.get("label") or "").split())
        if not label:
            raise EditError(f"figure {number}: it needs a label (what is counted)", f"figures.{number}.label")
        low = _int(figure.get("low"), f"figures.{number}.low")
        high = _int(figure.get("high") if figure.get("high") not in (None, "") else low, f"figures.{number}.high")
        if high < low:
            raise EditError(f"figure {number}: the high end ({high:,}) is below the low end ({low:,})", f"figures.{number}.high")
        fig_source = figure.get("source")
        cited: str | None = None
        if fig_source:
            cited, op = source_op(store, fig_source, used, f"figures.{number}.source")
            if op:
                ops.append(op)
        figures.append({
            "label": label,
            "low": low,
            "high": high,
            "unit": str(figure.get("unit") or "people"),
            "approximate": bool(figure.get("approximate")),
            "source": cited,
            "note": str(figure["note"]) if figure.get("note") else None,
        })
    confidence = str(fields.get("confidence") or "medium")
    _check_choice(confidence, CONFIDENCES, "confidence", "confidence")
    if event_id is None:
        event_id = _unique(f"e-{first.text}-{_slug(title, 30)}", store.events, used)
    record = {
        "id": event_id,
        "date": first.text,
        "date_to": last.text if last else None,
        "precision": precision,
        "type": kind,
        "title": title,
        "summary": " ".join(str(fields.get("summary") or "").split()) or None,
        "places": places,
        "actors": actors,
        "figures": figures,
        "sources": sources,
        "confidence": confidence,
    }
    return record, ops


def _check_partial(store: Store, value: PartialDate, field: str) -> None:
    first, last = store.span
    if value.last < first or value.first > last:
        raise EditError(f"{value.text} is outside the data ({first.isoformat()} to {last.isoformat()})", field)


def add_event(store: Store, fields: Mapping[str, Any], *, dry_run: bool = False) -> ChangeRecord:
    """Add an event (type, title, date or range, places, actors with roles,
    figures as ranges with their sources, sources, confidence, summary)."""
    _live(store)
    record, ops = event_record(store, fields, set())
    ops.append(Op("events", record["id"], None, record))
    summary = f"event {record['date']}: {record['title']}"
    return commit(store, "event", summary, ops, record["places"], dry_run=dry_run)


def edit_event(store: Store, event_id: str, fields: Mapping[str, Any], *, dry_run: bool = False) -> ChangeRecord:
    current = stored(store, "events", event_id)
    if current is None:
        raise EditError(f"no event with id '{shown(event_id, 40)}'", "event")
    merged = {**_event_fields(current), **dict(fields)}
    record, ops = event_record(store, merged, set(), event_id)
    record = {**current, **record}
    if record == current:
        raise EditError("nothing would change")
    ops.append(Op("events", event_id, current, record))
    summary = f"event {current['date']}: {current['title']}: edited: {_differences(current, record)}"
    return commit(store, "edit", summary, ops, [*current.get("places", []), *record["places"]], dry_run=dry_run)


def _differences(before: Mapping[str, Any], after: Mapping[str, Any], most: int = 3) -> str:
    """What changed, for a summary: "status held → contested, to 2018-05-01 → ongoing"."""

    def text(value: Any) -> str:
        if value is None:
            return "none"
        if isinstance(value, list):
            return f"{len(value)} item{'s' if len(value) != 1 else ''}"
        return shown(value, 30)

    keys = [key for key in dict.fromkeys([*before, *after]) if before.get(key) != after.get(key)]
    parts = []
    for key in keys[:most]:
        old, new = before.get(key), after.get(key)
        if key == "to":
            parts.append(f"to {old or 'ongoing'} → {new or 'ongoing'}")
        else:
            parts.append(f"{key} {text(old)} → {text(new)}")
    if len(keys) > most:
        parts.append(f"and {len(keys) - most} more")
    return ", ".join(parts)


def _event_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "id"}


def delete_event(store: Store, event_id: str, *, dry_run: bool = False) -> ChangeRecord:
    """Delete an event; periods that begin or end with it keep their dates and lose the reference."""
    current = stored(store, "events", event_id)
    if current is None:
        raise EditError(f"no event with id '{shown(event_id, 40)}'", "event")
    ops = [Op("events", event_id, current, None)]
    for period in store.periods.values():
        if event_id in (period.start_event, period.end_event):
            record = stored(store, "periods", period.id)
            if record is None:
                continue
            after = dict(record)
            for key in ("start_event", "end_event"):
                if after.get(key) == event_id:
                    after[key] = None
            ops.append(Op("periods", period.id, record, after))
    summary = f"event {current.get('date')}: {current.get('title')}: deleted"
    if len(ops) > 1:
        summary += f" (and {len(ops) - 1} period{'s' if len(ops) > 2 else ''}' link to it)"
    return commit(store, "delete", summary, ops, current.get("places") or [], dry_run=dry_run)


def edit_source(store: Store, source_id: str, fields: Mapping[str, Any], *, dry_run: bool = False) -> ChangeRecord:
    current = stored(store, "sources", source_id)
    if current is None:
        raise EditError(f"no source with id '{shown(source_id, 40)}'", "source")
    record = {**current, **clean_value(dict(fields)), "id": source_id}
    for key in ("publication", "title"):
        if not str(record.get(key) or "").strip():
            raise EditError(f"a source needs a {key}", key)
    url = record.get("url")
    if url and not _URL.fullmatch(str(url)):
        raise EditError(f"the address must start with http:// or https://: '{shown(url, 60)}'", "url")
    if record == current:
        raise EditError("nothing would change")
    summary = f"source {record['publication']}, {record['title']}: edited"
    return commit(store, "edit", summary, [Op("sources", source_id, current, record)], [], dry_run=dry_run)


# --- undo and redo -------------------------------------------------------------------------------


def undo_target(store: Store) -> ChangeRecord | None:
    log = store._history
    if log is None:
        return None
    done = effective(log.changes)[0]
    return done[-1] if done else None


def redo_target(store: Store) -> ChangeRecord | None:
    log = store._history
    if log is None:
        return None
    undone = effective(log.changes)[1]
    return undone[-1] if undone else None


def _matches(store: Store, ops: Iterable[Op], side: str) -> str | None:
    """The first record that is no longer as ``side`` of its op says, or None."""
    for op in ops:
        expected = op.after if side == "after" else op.before
        if stored(store, op.table, op.id) != expected:
            return f"{op.table} {op.id}"
    return None


def undo(store: Store, *, dry_run: bool = False) -> ChangeRecord:
    """Undo the last change in effect (itself a change, kept in the history)."""
    return _undo_or_redo(store, undo=True, dry_run=dry_run)


def redo(store: Store, *, dry_run: bool = False) -> ChangeRecord:
    """Make the last undone change again."""
    return _undo_or_redo(store, undo=False, dry_run=dry_run)


def _undo_or_redo(store: Store, *, undo: bool, dry_run: bool) -> ChangeRecord:
    _live(store)
    what = "undo" if undo else "redo"
    target = undo_target(store) if undo else redo_target(store)
    if target is None:
        raise EditError(f"nothing to {what}")
    # The records must be as the change left them (undo) or found them (redo).
    changed = _matches(store, target.ops, "after" if undo else "before")
    if changed:
        raise EditError(f"cannot {what} “{target.summary}”: {changed} was changed since")
    if undo:
        ops = [op.inverse() for op in reversed(target.ops)]
        return commit(store, "undo", f"undid: {target.summary}", ops, target.places, reverts=target.id, dry_run=dry_run)
    return commit(store, "redo", f"redid: {target.summary}", list(target.ops), target.places,
                  reapplies=target.id, dry_run=dry_run)


# --- reading the history --------------------------------------------------------------------------


def log(store: Store, *, since: date | None = None, place: str | None = None) -> list[ChangeRecord]:
    """The changes, oldest first; ``place`` keeps those touching it or anything under it."""
    found = store._history
    changes = list(found.changes) if found is not None else []
    if since is not None:
        changes = [c for c in changes if c.day >= since]
    if place is not None:
        under = store.descendants(place)
        changes = [c for c in changes if any(p in under for p in c.places)]
    return changes


def last_change(store: Store, *, table: str | None = None, record_id: str | None = None, place: str | None = None) -> ChangeRecord | None:
    """The newest change that touched a record, or a place's periods and events."""
    found = store._history
    if found is None:
        return None
    for change in reversed(found.changes):
        if place is not None and place in change.places:
            return change
        if table is not None and record_id is not None and change.touches(table, record_id):
            return change
    return None


__all__ = [
    "EditError",
    "Fix",
    "add_event",
    "compact",
    "delete_event",
    "delete_period",
    "edit_event",
    "edit_period",
    "edit_source",
    "last_change",
    "log",
    "record_control",
    "redo",
    "undo",
]
