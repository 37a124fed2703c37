"""Walking parent-child hierarchies (regions, factions) without recursion.

A database is untrusted: a parent chain may be thousands deep or loop back
on itself. Every walk here is iterative and visits each id once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from .model import MAX_DEPTH


def walk(
    children: Mapping[str | None, list[str]], roots: Iterable[str], max_depth: int | None
) -> Iterator[tuple[str, int]]:
    """Ids depth first from ``roots`` with their depth, each once, without recursion."""
    stack: list[tuple[str, int]] = [(rid, 0) for rid in reversed(list(roots))]
    seen: set[str] = set()
    while stack:
        rid, depth = stack.pop()
        if rid in seen:
            continue
        seen.add(rid)
        yield rid, depth
        if max_depth is None or depth < max_depth:
            stack.extend((child, depth + 1) for child in reversed(children.get(rid, ())))


def too_deep(children: Mapping[str | None, list[str]]) -> list[tuple[str, int]]:
    """Records more than MAX_DEPTH levels below their root in the indexed tree:
    the first one on each line of descent (those under it are deeper still)."""
    return [(rid, depth) for rid, depth in walk(children, children.get(None, ()), MAX_DEPTH + 1) if depth == MAX_DEPTH + 1]


def in_cycles(parents: dict[str, str | None]) -> set[str]:
    """The ids whose parent links loop back on themselves (iterative)."""
    state: dict[str, int] = {}  # 1: being walked, 2: done
    looped: set[str] = set()
    for start in parents:
        path: list[str] = []
        current: str | None = start
        while current is not None and current in parents and current not in state:
            state[current] = 1
            path.append(current)
            current = parents[current]
        if current is not None and state.get(current) == 1:
            looped.update(path[path.index(current) :])
        for rid in path:
            state[rid] = 2
    return looped
