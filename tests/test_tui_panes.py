"""The events and factions panes, driven by keys through Pilot and read off the screen.

Issue 10: bars that keep small blocs, an events list that scrolls by whole
events and forgets what it no longer shows, an event detail the keyboard
reaches, Enter going to an event's first day, filter pickers offering only
what occurs here, and the same list keys in every pane.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from textual.widgets import OptionList, Tree

from store import Store
from tui.screens.help import HelpScreen
from tui.widgets.events import EventList, EventsPane
from tui.widgets.factions import FactionsPane
from tui.widgets.picker import Picker

D = date.fromisoformat
ROOT, DAMASCUS, RURAL, DUMA_DISTRICT, YARMOUK = "FL-DAMASCUS-PROVINCE", "SY01", "SY03", "SY0302", "C10011023"
EVENT_HEAD = re.compile(r"^[▶ ] \d{4}(-\d{2}){0,2}")  # an event's first line: marker, then its date


def screen_lines(app: Any) -> list[str]:
    """The terminal, line by line, as the user sees it (modal screens included)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def on_screen(app: Any) -> str:
    return "\n".join(screen_lines(app))


def inside(app: Any, widget: Any) -> list[str]:
    """The screen lines within ``widget``'s content region (its border and padding cut away)."""
    region = widget.content_region
    lines = screen_lines(app)
    return [lines[y][region.x : region.right] for y in range(region.y, region.bottom)]


def list_lines(app: Any) -> list[str]:
    """The events list as drawn on the screen (scrollbar column cut away)."""
    event_list = app.query_one(EventList)
    width = event_list.scrollable_content_region.width
    return [line[:width] for line in inside(app, event_list)]


def assert_whole_events(app: Any) -> None:
    """Every third line of the list, from its top, is an event's first line."""
    lines = list_lines(app)
    drawn = [line for line in lines if line.strip()]
    assert drawn and lines[0] == drawn[0], lines  # blank lines only at the bottom
    assert len(drawn) == len(lines) or not lines[len(drawn)].strip()
    for index in range(0, len(drawn), 3):
        assert EVENT_HEAD.match(drawn[index]), (index, "\n".join(lines))


async def jump(pilot: Any, region_id: str) -> None:
    pilot.app.jump_to(region_id)
    await pilot.pause()


async def open_events(pilot: Any, region_id: str) -> EventsPane:
    await jump(pilot, region_id)
    await pilot.press("e")
    await pilot.pause()
    return pilot.app.query_one(EventsPane)


def picker_rows(app: Any) -> list[str]:
    assert isinstance(app.screen, Picker), app.screen
    options = app.screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def pick(pilot: Any, label: str) -> None:
    """Move the open picker's cursor to the row naming ``label`` with j, then Enter."""
    rows = picker_rows(pilot.app)
    target = next(i for i, row in enumerate(rows) if re.search(rf"(^|\s){re.escape(label)} {{2,}}\d+$", row))
    options = pilot.app.screen.query_one(OptionList)
    for _ in range(len(rows)):
        if options.highlighted == target:
            break
        await pilot.press("j" if (options.highlighted or 0) < target else "k")
    await pilot.press("enter")
    await pilot.pause()


# --- 1. breakdown bars keep every bloc that holds something ------------------------------------------


async def test_a_bloc_holding_a_few_places_keeps_a_cell_in_the_bar(app_factory, bundled_store: Store) -> None:
    day = D("2018-04-27")
    by_bloc = {s.key: s.count for s in bundled_store.control(ROOT, day).breakdown.by_bloc}
    # The province that day: 282 government places beside 4 of Islamic State and 3 of the FSA.
    assert by_bloc["government"] > 250 and by_bloc["jihadist"] == 4 and by_bloc["opposition"] == 3
    for size in ((120, 40), (80, 24)):
        app = app_factory(at=day)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            row = next(line for line in screen_lines(app) if "Damascus Prov" in line and "›" in line)
            bar = re.search(r"[■▲◆●✚○]{4,}", row)
            assert bar, row
            assert set(bar.group()) == {"■", "○", "◆", "▲"}, (size, row)  # none of the small blocs drawn away
            assert bar.group().count("■") >= bar.group().count("◆"), row


# --- 4. the events list scrolls by whole events and forgets what it no longer lists ----------------


async def test_the_events_list_starts_with_a_whole_event_after_changing_place(app_factory) -> None:
    """100x30, as of 2018-05-21: the list's top line is never the tail of an event."""
    app = app_factory(at=D("2018-05-21"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("l", "l", "e")  # the keys
        await pilot.pause()
        pane = app.query_one(EventsPane)
        if pane.events:
            assert_whole_events(app)
        await pilot.press("e")
        await jump(pilot, DAMASCUS)  # 18 events; the cursor on the last, the view not a multiple of 3 high
        await pilot.press("e")
        await pilot.pause()
        assert len(pane.events) > 6
        assert pane.highlighted_event.id == pane.events[-1].id
        assert_whole_events(app)
        # The columns keep the place: moving there with the pane open redraws it whole too.
        app.miller.current.focus()
        for key in ("j", "k", "j"):
            await pilot.press(key)
            await pilot.pause()
            assert_whole_events(app)
        pane.focus_list()
        await pilot.press("G", "g", "G")
        await pilot.pause()
        assert_whole_events(app)


async def test_a_highlighted_event_not_listed_after_a_change_of_place_is_dropped(app_factory) -> None:
    app = app_factory(at=D("2018-04-19"))
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_events(pilot, DUMA_DISTRICT)
        douma = next(i for i, e in enumerate(pane.events) if e.id == "e-2018-04-12-douma-takeover")
        for _ in range(abs(pane.event_list.cursor - douma)):
            await pilot.press("k" if pane.event_list.cursor > douma else "j")
        await pilot.pause()
        old = pane.highlighted_event
        assert old.id == "e-2018-04-12-douma-takeover"
        assert old.title in pane.event_detail.plain
        # To Yarmouk, with the pane open (the columns follow the place, the pane follows them).
        app.miller.jump_to(YARMOUK)
        await pilot.pause()
        assert pane.region_id == YARMOUK
        assert old.id not in [e.id for e in pane.events]
        assert pane.highlighted_event is not None and pane.highlighted_event in pane.events
        assert pane.highlighted_event.title in pane.event_detail.plain
        assert old.title not in on_screen(app)
        assert_whole_events(app)
        # A place with no events: no detail left over from the last one.
        quiet = next(r.id for r in app.store.regions.values() if not app.store.has_children(r.id)
                     and not app.store.events_query(place=r.id))
        app.miller.jump_to(quiet)
        await pilot.pause()
        assert pane.events == [] and pane.highlighted_event is None
        assert not pane.event_detail.display
        assert "no events match" in on_screen(app)
        assert old.title not in on_screen(app)


# --- 5. the event's detail is reached from the keyboard ---------------------------------------------


async def test_tab_reaches_the_end_and_the_sources_of_a_long_event_at_80x24(app_factory, bundled_store: Store) -> None:
    event_id = "e-2016-11-28-khan-al-shih-evacuation"  # four sources and a long summary
    event = bundled_store.events[event_id]
    app = app_factory(at=D("2016-11-28"))
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_events(pilot, RURAL)
        assert len(pane.events) > 1
        target = [e.id for e in pane.events].index(event_id)
        for _ in range(abs(pane.event_list.cursor - target)):
            await pilot.press("k" if pane.event_list.cursor > target else "j")
        await pilot.pause()
        assert pane.highlighted_event.id == event_id
        detail = pane.event_detail
        last = detail.lines[-1].strip()
        assert last and len(detail.lines) > detail.scrollable_content_region.height  # longer than its box
        assert last not in "\n".join(inside(app, detail))
        assert "tab Detail" in screen_lines(app)[-1]  # the footer says how to get there
        await pilot.press("tab")
        await pilot.pause()
        assert app.focused is detail
        assert "tab List" in screen_lines(app)[-1]
        for _ in range(len(detail.lines)):
            await pilot.press("j")
        await pilot.pause()
        box = "\n".join(inside(app, detail))
        assert last in box  # the last source line, by j alone
        last_source = bundled_store.sources[event.sources[-1]]
        # Its address shows on one line (cut with … when too long), a hyperlink to all of it.
        assert last_source.url and last_source.url[:24] in box
        assert any(seg.style and seg.style.link == last_source.url
                   for y in range(detail.size.height) for seg in detail.render_line(y))
        await pilot.press("g")
        await pilot.pause()
        assert inside(app, detail)[0].strip() == detail.lines[0] and event.title.startswith(detail.lines[0])
        await pilot.press("G")
        await pilot.pause()
        assert last in "\n".join(inside(app, detail))
        await pilot.press("tab")  # back to the list, where j moves to the next event again
        await pilot.pause()
        assert app.focused is pane.event_list
        step = "j" if target + 1 < len(pane.events) else "k"
        await pilot.press(step)
        await pilot.pause()
        assert pane.event_list.cursor == target + (1 if step == "j" else -1)
        assert pane.highlighted_event.title.startswith(inside(app, detail)[0].strip())  # a new event: from its top


async def test_the_help_lists_the_event_detail_keys(app_factory) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 200)) as pilot:  # the whole help on one screen
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        lines = screen_lines(app)
        row = next(line for line in lines if " events.detail" in line)
        assert "tab" in row and "detail" in row
        row = next(line for line in lines if " events.list" in line)
        assert "tab" in row


# --- 6. Enter goes to an event's first day and says so -------------------------------------------


async def test_enter_on_an_event_that_spans_days_goes_to_its_first_day(app_factory, bundled_store: Store) -> None:
    event = bundled_store.events["e-2018-04-19-south-damascus-offensive"]
    assert event.first < event.last
    app = app_factory(at=D("2018-05-21"))
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_events(pilot, YARMOUK)
        target = [e.id for e in pane.events].index(event.id)
        for _ in range(abs(pane.event_list.cursor - target)):
            await pilot.press("k" if pane.event_list.cursor > target else "j")
        await pilot.press("enter")
        await pilot.pause()
        assert app.as_of == event.first == D("2018-04-19")
        assert "as of 2018-04-19" in screen_lines(app)[0]
        status = screen_lines(app)[-2]
        assert "2018-04-19, the first day of 2018-04-19 to 2018-05-21" in status, status


async def test_the_help_says_what_enter_does_in_the_events_list(app_factory) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 200)) as pilot:  # the whole help on one screen
        await pilot.press("question_mark")
        await pilot.pause()
        lines = screen_lines(app)
        start = next(i for i, line in enumerate(lines) if "Events list" in line)
        rows = [line for line in lines[start : start + 8] if "list.select" in line]
        assert rows and "first day" in rows[0], lines[start : start + 8]
        assert "go into the place" not in rows[0]


# --- 7. filters: a picker of what occurs here, with counts, and a reset ----------------------------


async def test_the_type_picker_offers_only_the_types_of_yarmouk_with_counts(app_factory, bundled_store: Store) -> None:
    here = bundled_store.events_query(place=YARMOUK)
    app = app_factory(at=D("2018-05-21"))
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_events(pilot, YARMOUK)
        assert len(pane.events) == len(here)
        await pilot.press("y")
        await pilot.pause()
        rows = picker_rows(app)
        assert re.match(rf"^● +All types +{len(here)}$", rows[0]), rows
        offered = {re.match(r"^. +(\S+) +(\d+)$", row).group(1): int(row.split()[-1]) for row in rows[1:]}
        assert offered == {t: sum(e.type == t for e in here) for t in {e.type for e in here}}
        assert "bombardment" not in offered
        await pick(pilot, "takeover")
        assert not isinstance(app.screen, Picker)
        assert app.focused is pane.event_list
        assert len(pane.events) == offered["takeover"] and all(e.type == "takeover" for e in pane.events)
        assert f"{offered['takeover']} event" in on_screen(app)
        filters = inside(app, pane.query_one("#events-filters"))[0]
        assert filters.strip().startswith("Type takeover")
        # Escape leaves the filter as it is; "All" takes it away.
        await pilot.press("y")
        await pilot.pause()
        assert picker_rows(app)[offered_index(picker_rows(app), "takeover")].startswith("●")
        await pilot.press("escape")
        await pilot.pause()
        assert pane.event_type == "takeover" and app.pane == "events"
        await pilot.press("y")
        await pilot.pause()
        await pick(pilot, "All types")
        assert pane.event_type is None and len(pane.events) == len(here)


def offered_index(rows: list[str], label: str) -> int:
    return next(i for i, row in enumerate(rows) if f" {label} " in row)


async def test_the_faction_picker_offers_only_factions_in_these_events_and_x_resets(app_factory, bundled_store: Store) -> None:
    here = bundled_store.events_query(place=YARMOUK)
    involved = {a.faction for e in here for a in e.actors}
    app = app_factory(at=D("2018-05-21"))
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_events(pilot, YARMOUK)
        await pilot.press("a")
        await pilot.pause()
        rows = picker_rows(app)
        assert re.match(rf"^● +All factions +{len(here)}$", rows[0]), rows
        assert len(rows) - 1 < len(bundled_store.factions)  # not every faction: only those here
        for faction in bundled_store.factions.values():
            listed = [row for row in rows if re.search(rf"[■▲◆●✚] {re.escape(faction.name)}  ", row)]
            expected = len(bundled_store.events_query(place=YARMOUK, faction=faction.id))
            if expected:
                assert listed and int(listed[0].split()[-1]) == expected, (faction.name, rows)
            else:
                assert not listed, (faction.name, rows)
        assert all(any(f" {bundled_store.factions[f].name}  " in row for row in rows) for f in involved)
        await pick(pilot, "Islamic State")
        isis = [e.id for e in bundled_store.events_query(place=YARMOUK, faction="isis")]
        assert [e.id for e in pane.events] == isis
        # Types offered now are those of Islamic State's events here.
        await pilot.press("y")
        await pilot.pause()
        assert re.match(rf"^● +All types +{len(isis)}$", picker_rows(app)[0])
        await pick(pilot, "evacuation")
        assert pane.event_type == "evacuation" and pane.faction == "isis"
        await pilot.press("x")  # clears both
        await pilot.pause()
        assert pane.event_type is None and pane.faction is None
        assert len(pane.events) == len(here)
        assert inside(app, pane.query_one("#events-filters"))[0].strip() == "Type any · Faction any"


async def test_a_long_faction_filter_stays_on_one_line_at_80x24(app_factory, bundled_store: Store) -> None:
    longest = max(bundled_store.factions.values(), key=lambda f: len(f.name))
    place = next(iter(bundled_store.events_query(faction=longest.id)[0].places))
    app = app_factory(at=D("2018-04-25"))
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_events(pilot, place)
        before = pane.query_one("#events-summary").region
        await pilot.press("a")
        await pilot.pause()
        await pick(pilot, longest.name)
        assert pane.faction == longest.id
        filters = pane.query_one("#events-filters")
        assert filters.region.height == 1
        line = inside(app, filters)[0]
        assert line.rstrip().endswith("…"), line  # cut, not wrapped
        assert longest.name[:10] in line
        assert pane.query_one("#events-summary").region == before  # nothing below moved


async def test_no_events_here_means_no_picker(app_factory) -> None:
    app = app_factory(at=D("2018-05-21"))
    async with app.run_test(size=(100, 30)) as pilot:
        quiet = next(r.id for r in app.store.regions.values() if not app.store.has_children(r.id)
                     and not app.store.events_query(place=r.id))
        await open_events(pilot, quiet)
        await pilot.press("y")
        await pilot.pause()
        assert not isinstance(app.screen, Picker)
        assert any("No events in and under" in str(n.message) for n in app._notifications)


# --- 11. the same keys in every pane; titles ---------------------------------------------------------


async def test_space_plays_in_the_factions_pane_and_o_folds(app_factory, monkeypatch) -> None:
    app = app_factory(at=D("2018-04-19"))
    async with app.run_test(size=(120, 40)) as pilot:
        await jump(pilot, DUMA_DISTRICT)
        await pilot.press("f")
        await pilot.pause()
        tree = app.query_one(FactionsPane).query_one(Tree)
        assert app.focused is tree
        lines = tree.last_line
        await pilot.press("space")
        await pilot.pause()
        assert app.playing
        assert tree.last_line == lines  # nothing folded
        await pilot.press("space")
        await pilot.pause()
        assert not app.playing
        # Fold: o on a faction with sub-factions, or h; unfold with l (or o again).
        parent = next(n for n in _nodes(tree) if n.allow_expand and n.children and n.parent is not tree.root)
        tree.move_cursor(parent)
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        assert not parent.is_expanded and tree.last_line < lines
        await pilot.press("l")
        await pilot.pause()
        assert parent.is_expanded and tree.last_line == lines
        await pilot.press("l")  # unfolded: l goes down to its first sub-faction
        await pilot.pause()
        assert tree.cursor_node is parent.children[0]
        await pilot.press("h")  # a leaf: up to the faction above it
        await pilot.pause()
        assert tree.cursor_node is parent
        await pilot.press("h")  # then fold it
        await pilot.pause()
        assert not parent.is_expanded


def _nodes(tree: Tree) -> list[Any]:
    out, stack = [], list(tree.root.children)
    while stack:
        node = stack.pop(0)
        out.append(node)
        stack[:0] = list(node.children)
    return out


async def test_g_and_G_go_to_the_first_and_last_row_in_every_pane(app_factory) -> None:
    app = app_factory(at=D("2018-04-20"))
    async with app.run_test(size=(120, 40)) as pilot:
        await jump(pilot, DUMA_DISTRICT)
        # The place column.
        column = app.miller.current
        await pilot.press("G")
        assert column.cursor == column.row_count - 1
        await pilot.press("g")
        assert column.cursor == 0
        await pilot.press("j")
        assert column.cursor == 1
        await pilot.press("k")
        assert column.cursor == 0
        # The events list.
        await pilot.press("e")
        await pilot.pause()
        event_list = app.query_one(EventList)
        await pilot.press("g")
        assert event_list.cursor == 0
        await pilot.press("j")
        assert event_list.cursor == 1
        await pilot.press("G")
        assert event_list.cursor == event_list.row_count - 1
        await pilot.press("k")
        assert event_list.cursor == event_list.row_count - 2
        # The factions tree and the list of a faction's places.
        await pilot.press("f")
        await pilot.pause()
        tree = app.query_one(FactionsPane).query_one(Tree)
        await pilot.press("G")
        await pilot.pause()
        assert tree.cursor_line == tree.last_line
        await pilot.press("g")
        await pilot.pause()
        assert tree.cursor_line == 0
        await pilot.press("j")
        await pilot.pause()
        assert tree.cursor_line == 1
        await pilot.press("k")
        await pilot.pause()
        assert tree.cursor_line == 0
        for _ in range(3):
            await pilot.press("j")
        await pilot.pause()
        while not app.query_one(FactionsPane).query_one("#holdings", OptionList).option_count:
            await pilot.press("j")
            await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        holdings = app.query_one(FactionsPane).query_one("#holdings", OptionList)
        assert app.focused is holdings
        await pilot.press("G")
        assert holdings.highlighted == holdings.option_count - 1
        await pilot.press("g")
        assert holdings.highlighted == 0


async def test_the_events_and_factions_panes_have_titles(app_factory) -> None:
    app = app_factory(at=D("2018-04-20"))
    async with app.run_test(size=(100, 30)) as pilot:
        await open_events(pilot, DUMA_DISTRICT)
        top = screen_lines(app)[app.query_one(EventsPane).region.y]
        assert "─ Events · Douma ─" in top, top
        await pilot.press("f")
        await pilot.pause()
        top = screen_lines(app)[app.query_one(FactionsPane).region.y]
        assert "─ Factions on 2018-04-20 ─" in top, top
        await pilot.press("right_square_bracket")
        await pilot.pause()
        top = screen_lines(app)[app.query_one(FactionsPane).region.y]
        assert f"─ Factions on {app.as_of.isoformat()} ─" in top, top
