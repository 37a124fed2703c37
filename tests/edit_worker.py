"""A stream of random edits, for the kill tests (tests/test_history_kills.py).

``random_edit(store, rng)`` makes one edit a user could make (a change of
control, an event, an undo, a redo), or returns None when the one drawn was
refused (the same controller already, a period already starting that day).

Run as a program it is a fork server: it imports frontlines once, then for
each line ``run DB SEED COMPACT_EVERY [PAUSE_MS]`` on its standard input it forks a
child that opens DB for writing and edits it until it is killed, writing to
standard output (one ``os.write`` per line, so lines never mix):

    child PID                the child started
    ack PID CHANGE_ID        a change returned, so it was acknowledged
    compacting PID / compacted PID   around each compaction
    exit PID STATUS          the server reaped the child (STATUS from waitpid)

Forking saves the 0.3 s a new interpreter takes to import the store, so a
test can kill hundreds of writers in a minute.
"""

from __future__ import annotations

import os
import random
import signal
import sys
import time
from datetime import date, timedelta
from typing import Any

from store import Store
from store.edits import EditError

FACTIONS = ("saa", "jaysh-al-islam", "faylaq-al-rahman", "ahrar-al-sham", "isis", "fsa", "hts")
STATUSES = ("held", "contested", "besieged", "truce")
EVENT_TYPES = ("clash", "shelling", "airstrike", "siege", "evacuation", "agreement", "surrender")


def places(store: Store) -> list[str]:
    """The places with periods of their own (not from an area claim: a change
    on one of those leaves the claim covering no place, which validate reports)."""
    own = {p.region for p in store.periods.values()}
    return sorted(r.id for r in store.regions.values() if r.id in own and not store.has_children(r.id))


def random_day(store: Store, rng: random.Random) -> date:
    first, last = store.span
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def random_edit(store: Store, rng: random.Random, where: list[str] | None = None) -> Any:
    where = where or places(store)
    roll = rng.random()
    try:
        if roll < 0.55:
            factions = [f for f in FACTIONS if f in store.factions] or list(store.factions)
            return store.record_control(
                rng.choice(where),
                rng.choice(factions),
                rng.choice(STATUSES),
                random_day(store, rng),
                # Free text: a new source, with no date. (An existing source
                # published before the day would be flagged by validate.)
                source=rng.choice(
                    ["Field report, heard at the checkpoint", "Enab Baladi, Town changes hands, https://example.org/a"]
                ),
                confidence=rng.choice(("low", "medium", "high")),
                note=rng.choice((None, "heard twice")),
                fix=rng.choice((None, "replace")),
            )
        if roll < 0.75:
            kinds = [k for k in EVENT_TYPES if k in _event_types()] or list(_event_types())
            day = random_day(store, rng)
            return store.add_event(
                {
                    "type": rng.choice(kinds),
                    "title": f"Report {rng.randrange(10**6)}",
                    "date": day.isoformat(),
                    "places": rng.sample(where, rng.randint(1, 2)),
                    "actors": [{"faction": rng.choice(list(store.factions)), "role": "party"}],
                    "figures": [{"label": "displaced", "low": 10, "high": rng.randint(10, 5000), "note": "a guess"}],
                    "sources": ["Field report, by phone"],
                }
            )
        if roll < 0.92:
            return store.undo()
        return store.redo()
    except EditError:
        return None


def _event_types() -> tuple[str, ...]:
    from store.model import EVENT_TYPES as known

    return tuple(known)


def _say(text: str) -> None:
    os.write(1, (text + "\n").encode())


def _child(db: str, seed: int, compact_every: int, pause: float) -> None:
    rng = random.Random(seed)
    pid = os.getpid()
    with Store.open(db, readonly=False) as store:
        where = places(store)
        _say(f"child {pid}")
        made = 0
        while True:
            change = random_edit(store, rng, where)
            if change is None:
                continue
            _say(f"ack {pid} {change.id}")
            made += 1
            if pause:
                time.sleep(pause)
            if made % compact_every == 0:
                _say(f"compacting {pid}")
                store.compact()
                _say(f"compacted {pid}")


def serve() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server itself: only its children are interrupted
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            break
        _, db, seed, compact_every, *rest = words
        pause = float(rest[0]) / 1000 if rest else 0.0
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            status = 0
            try:
                _child(db, int(seed), int(compact_every), pause)
            except KeyboardInterrupt:
                status = 130
            except BaseException as exc:  # noqa: BLE001 - said on stderr, the test fails on the status
                os.write(2, f"edit worker: {type(exc).__name__}: {exc}\n".encode())
                status = 1
            finally:
                os._exit(status)
        _, status = os.waitpid(pid, 0)
        _say(f"exit {pid} {status}")


if __name__ == "__main__":
    serve()
