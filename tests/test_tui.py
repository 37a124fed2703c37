"""The explorer, driven by keys through Textual's Pilot: what a user sees.

Every app comes from the ``app_factory`` fixture (``tui.app.make_app`` with no
keymap file). Assertions read rendered text: the screen's lines, a widget's
rendered content, the rows a column draws.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rich.color import Color
from textual.command import CommandList, CommandPalette
from textual.content import Content
from textual.widgets import Input, OptionList, Static, Tree

import tui.app as tui_app
from store import Store
from tui.screens.date_prompt import DatePrompt
from tui.screens.help import HelpScreen
from tui.screens.search import SearchScreen
from tui.widgets.breadcrumb import Breadcrumb
from tui.widgets.chronicle import Chronicle
from tui.widgets.detail import DetailPane
from tui.widgets.events import EventsPane
from tui.widgets.factions import FactionsPane
from tui.widgets.miller import MillerColumns
from tui.widgets.places import PlaceColumn
from tui.widgets.topbar import TopBar

D = date.fromisoformat
DUMAIR, DOUMA, DUMA_DISTRICT, DHAMEER, RURAL = "C2346", "C2338", "SY0302", "SY030203", "SY03"
DUMAIR_PATH = "Damascus Province > Rural Damascus > Douma > Dumair > Dumair"


# --- reading the screen ----------------------------------------------------------------------


def screen_lines(app: Any) -> list[str]:
    """The terminal, line by line, as the user sees it (modal screens included)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def text(widget: Any) -> str:
    return str(widget.render())


def title(widget: Any) -> str:
    """A widget's border title as shown (Textual hands it back as markup)."""
    return Content.from_markup(widget.border_title).plain if widget.border_title else ""


def breadcrumb(app: Any) -> str:
    return text(app.query_one(Breadcrumb)).strip()


def topbar(app: Any) -> str:
    return text(app.query_one(TopBar))


def chronicle(app: Any) -> str:
    """The status line's whole message (the line itself may cut it to the width)."""
    return app.query_one(Chronicle).plain


def detail(app: Any) -> str:
    """Every line of the detail pane, as scrolling it shows them."""
    return app.query_one(DetailPane).plain


def controller(app: Any) -> str:
    """The detail pane's 'As of' section: who held the place at the date."""
    return app.query_one(DetailPane).section("control")


def rows(column: PlaceColumn) -> list[str]:
    """The rows a place column draws (inside its border)."""
    return [column.render_line(y).text.rstrip() for y in range(column.scrollable_content_region.height)]


def row_of(column: PlaceColumn, name: str) -> str:
    found = [r for r in rows(column) if f" {name} " in r + " "]
    assert found, f"{name!r} not drawn in {rows(column)}"
    return found[0]


async def jump(pilot: Any, region_id: str) -> None:
    pilot.app.jump_to(region_id)
    await pilot.pause()


# --- places: drilling down and back up ------------------------------------------------------


async def test_start_screen_shows_the_root_highlighted_and_the_date(app_factory) -> None:
    app = app_factory(at=D("2018-04-19"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        lines = screen_lines(app)
        assert "frontlines · Damascus Province 2016-2018" in lines[0]
        assert lines[0].rstrip().endswith("as of 2018-04-19")
        assert breadcrumb(app) == "Damascus Province"
        assert app.focused is app.miller.current
        assert title(app.miller.current) == "Places"
        assert rows(app.miller.current)[0].startswith(" ◧ Damascus Provi")  # mixed control
        # The preview lists what is under the highlighted place.
        preview = rows(app.miller.preview)
        assert "Damascus" in preview[0] and "Rural Damascus" in preview[1]
        assert "Data 2016-01-01 to 2018-12-31" in chronicle(app)


async def test_drill_to_dumair_by_keys_and_read_its_details(app_factory) -> None:
    app = app_factory(at=D("2018-04-19"))
    async with app.run_test(size=(120, 40)) as pilot:
        miller = app.miller
        await pilot.press("l")  # into Damascus Province: Damascus, Rural Damascus
        await pilot.pause()
        assert title(miller.current) == "Damascus Province"
        assert breadcrumb(app) == "Damascus Province > Damascus"
        await pilot.press("j", "enter")  # Rural Damascus, and into it
        await pilot.pause()
        assert title(miller.current) == "Rural Damascus"
        await pilot.press(*"jjjj")  # Al Qutayfah ... Darayya, Douma
        await pilot.pause()
        assert miller.highlighted.name == "Douma"
        # The preview column shows the district's sub-districts.
        assert any("Dumair" in r for r in rows(miller.preview))
        await pilot.press("l", "j", "l")  # into Douma (its sub-district Douma first), Dumair, into it (the town)
        await pilot.pause()
        assert title(miller.current) == "Dumair"
        assert miller.highlighted.id == DUMAIR
        assert breadcrumb(app) == DUMAIR_PATH
        shown = detail(app)
        assert "Dumair   الضمير" in shown
        assert "P-code C2346" in shown
        assert "As of 2018-04-19" in shown
        assert "Jaysh al-Islam  truce" in shown
        assert title(app.query_one(DetailPane)) == "Dumair"
        # A community has no places under it: 'l' stays put.
        await pilot.press("l")
        await pilot.pause()
        assert title(miller.current) == "Dumair"
        assert breadcrumb(app) == DUMAIR_PATH


async def test_going_up_returns_the_cursor_to_the_place_you_came_from(app_factory) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        miller = app.miller
        await jump(pilot, DUMAIR)
        await pilot.press("h")
        await pilot.pause()
        assert title(miller.current) == "Douma"
        assert miller.highlighted.id == DHAMEER
        assert breadcrumb(app) == "Damascus Province > Rural Damascus > Douma > Dumair"
        await pilot.press("backspace")
        await pilot.pause()
        assert title(miller.current) == "Rural Damascus"
        assert miller.highlighted.id == DUMA_DISTRICT
        await pilot.press("left")
        await pilot.pause()
        assert miller.highlighted.id == RURAL
        await pilot.press("h")
        await pilot.pause()
        assert title(miller.current) == "Places"
        assert breadcrumb(app) == "Damascus Province"
        # At the top, going up again changes nothing.
        await pilot.press("h")
        await pilot.pause()
        assert breadcrumb(app) == "Damascus Province"
        # Going back down remembers the way: Rural Damascus, then Duma.
        await pilot.press("l", "l")
        await pilot.pause()
        assert miller.highlighted.id == DUMA_DISTRICT


async def test_top_bottom_and_page_keys_move_the_cursor(app_factory) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 12)) as pilot:
        miller = app.miller
        await jump(pilot, "SY0303")  # Al Qutayfah, first of Rural Damascus's 9 districts
        column = miller.current
        count = column.row_count
        page = column.size.height - 1
        assert count == 9 and 1 < page < count - 1, (count, page)
        await pilot.press("pagedown")
        await pilot.pause()
        assert column.cursor == page
        assert miller.highlighted.name[:10] in row_of(column, miller.highlighted.name[:10])  # drawn (cut to the column)
        await pilot.press("pagedown")
        await pilot.pause()
        assert column.cursor == count - 1  # clamped at the end
        assert miller.highlighted.name == "Zabadani"
        assert "Zabadani" in " ".join(rows(column))  # scrolled into view
        await pilot.press("pageup")
        await pilot.pause()
        assert column.cursor == count - 1 - page
        await pilot.press("g")
        await pilot.pause()
        assert miller.highlighted.name == "Al Qutayfah"
        assert breadcrumb(app).endswith("> Al Qutayfah")
        await pilot.press("G")
        await pilot.pause()
        assert miller.highlighted.name == "Zabadani"
        assert breadcrumb(app).endswith("> Zabadani")
        await pilot.press("k")
        await pilot.pause()
        assert miller.highlighted.name == "Yabroud"


# --- time ----------------------------------------------------------------------------------------


async def test_next_change_moves_the_date_and_says_what_changed(app_factory) -> None:
    app = app_factory(at=D("2018-04-19"))
    async with app.run_test(size=(120, 40)) as pilot:
        await jump(pilot, DUMAIR)
        assert "▲ Jaysh al-Islam  truce" in controller(app)
        assert row_of(app.miller.current, "Dumair").lstrip().startswith("▲")
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert app.as_of == D("2018-04-20")
        assert topbar(app).rstrip().endswith("as of 2018-04-20")
        shown = controller(app)
        assert shown.startswith("As of 2018-04-20")
        assert "■ Syrian Arab Army  held" in shown
        assert "Jaysh al-Islam" not in shown
        # The history marks the new period as the current one.
        history = app.query_one(DetailPane).section("history")
        now = history[history.index("▶"):]
        assert now.startswith("▶ 2018-04-20") and "Syrian Arab Army" in now and "Jaysh" not in now
        said = chronicle(app)
        assert "Dumair: Jaysh al-Islam" in said
        assert "→ Syrian Arab Army" in said
        assert said.index("Jaysh al-Islam") < said.index("→ Syrian Arab Army")
        # The column's glyph for Dumair changed with the date.
        assert row_of(app.miller.current, "Dumair").lstrip().startswith("■")
        # Nothing later in Dumair: the date stays and the chronicle says so.
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert app.as_of == D("2018-04-20")
        assert "No later change of control in Dumair" in chronicle(app)
        # Back before Dumair's only change: to the start of the data ...
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert app.as_of == D("2016-01-01")
        assert "start of the data" in chronicle(app)
        assert "▲ Jaysh al-Islam" in controller(app)
        # ... and no further.
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert app.as_of == D("2016-01-01")
        assert "No earlier change of control in Dumair" in chronicle(app)


async def test_prev_change_goes_back_through_a_districts_changes(app_factory) -> None:
    app = app_factory(at=D("2018-04-20"))
    async with app.run_test(size=(120, 40)) as pilot:
        await jump(pilot, DUMA_DISTRICT)
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert app.as_of == D("2018-04-12")
        assert "Douma: Jaysh al-Islam (besieged) → Syrian Arab Army" in chronicle(app)
        await pilot.press("left_square_bracket")
        await pilot.pause()
        # The army's statement of 31 March covers villages nothing covered before.
        assert app.as_of == D("2018-03-31")
        assert "not recorded → Syrian Arab Army" in chronicle(app)
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert app.as_of == D("2018-03-23")
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert app.as_of == D("2018-03-31")
        assert topbar(app).rstrip().endswith("as of 2018-03-31")


async def test_month_steps_clamp_at_the_data_span(app_factory) -> None:
    app = app_factory(at=D("2018-04-20"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right_curly_bracket")
        await pilot.pause()
        assert app.as_of == D("2018-05-20")
        await pilot.press("left_curly_bracket", "left_curly_bracket")
        await pilot.pause()
        assert app.as_of == D("2018-03-20")
        assert topbar(app).rstrip().endswith("as of 2018-03-20")
        app.set_date(D("2018-11-15"))
        await pilot.press("right_curly_bracket", "right_curly_bracket")
        await pilot.pause()
        assert app.as_of == D("2018-12-31")  # the data's last day, not 2019-01-15
        await pilot.press("right_curly_bracket")
        await pilot.pause()
        assert app.as_of == D("2018-12-31")
        app.set_date(D("2016-02-10"))
        await pilot.press("left_curly_bracket")
        await pilot.pause()
        assert app.as_of == D("2016-01-10")
        await pilot.press("left_curly_bracket")
        await pilot.pause()
        assert app.as_of == D("2016-01-01")  # the data's first day
        assert topbar(app).rstrip().endswith("as of 2016-01-01")


async def test_date_prompt_rejects_a_bad_date_and_takes_a_month(app_factory) -> None:
    app = app_factory(at=D("2018-04-19"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, DatePrompt)
        field = app.screen.query_one(Input)
        assert field.value == "2018-04-19"
        await pilot.press(*"2018-13")  # replaces the selected date
        await pilot.pause()
        message = app.screen.query_one("#date-message", Static)
        assert field.value == "2018-13"
        assert message.has_class("-error")
        assert "month 13" in text(message)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DatePrompt)  # still open
        assert app.as_of == D("2018-04-19")
        # While a date is still being typed, no error yet.
        field.value = ""
        await pilot.press(*"2017-0")
        await pilot.pause()
        assert not message.has_class("-error")
        field.value = ""
        await pilot.press(*"2017-05")
        await pilot.pause()
        assert not message.has_class("-error")
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, DatePrompt)
        assert app.as_of == D("2017-05-31")  # a month means its last day
        assert topbar(app).rstrip().endswith("as of 2017-05-31")
        # Escape leaves the date alone.
        await pilot.press("t", *"2016", "escape")
        await pilot.pause()
        assert not isinstance(app.screen, DatePrompt)
        assert app.as_of == D("2017-05-31")


async def test_space_plays_and_space_again_stops(app_factory, monkeypatch) -> None:
    monkeypatch.setattr(tui_app, "PLAY_INTERVAL", 3600)  # steps are driven by hand below
    app = app_factory(at=D("2018-04-01"))
    async with app.run_test(size=(120, 40)) as pilot:
        await jump(pilot, DUMA_DISTRICT)
        await pilot.press("space")
        await pilot.pause()
        assert app.playing
        assert "▶ playing" in topbar(app)
        app._play_step()  # what the timer does each interval
        await pilot.pause()
        assert app.as_of == D("2018-04-12")
        assert "▶ playing" in topbar(app)
        await pilot.press("space")
        await pilot.pause()
        assert not app.playing
        assert "playing" not in topbar(app)
        assert app.as_of == D("2018-04-12")
        # Escape stops playing too.
        await pilot.press("space")
        await pilot.pause()
        assert app.playing
        await pilot.press("escape")
        await pilot.pause()
        assert not app.playing
        assert "playing" not in topbar(app)


async def test_play_runs_on_its_timer_and_stops_at_the_last_change(app_factory, monkeypatch) -> None:
    monkeypatch.setattr(tui_app, "PLAY_INTERVAL", 0.02)
    app = app_factory(at=D("2018-04-01"))
    async with app.run_test(size=(120, 40)) as pilot:
        await jump(pilot, DUMA_DISTRICT)
        await pilot.press("space")
        for _ in range(100):
            await pilot.pause(0.02)
            if not app.playing:
                break
        assert not app.playing
        assert app.as_of == D("2018-04-25")  # the district's last change (a claim on Rural Damascus)
        assert "playing" not in topbar(app)
        assert "No later change of control in Douma" in chronicle(app)


async def test_play_from_the_last_change_restarts_at_the_beginning(app_factory, monkeypatch) -> None:
    monkeypatch.setattr(tui_app, "PLAY_INTERVAL", 3600)
    app = app_factory(at=D("2018-12-31"))
    async with app.run_test(size=(120, 40)) as pilot:
        await jump(pilot, DUMAIR)
        await pilot.press("space")
        await pilot.pause()
        assert app.playing
        assert app.as_of == D("2016-01-01")
        assert "Playing the changes in Dumair from the start" in chronicle(app)
        app._play_step()
        await pilot.pause()
        assert app.as_of == D("2018-04-20")


async def test_columns_glyphs_follow_the_date(app_factory) -> None:
    app = app_factory(at=D("2018-04-01"))
    async with app.run_test(size=(120, 40)) as pilot:
        await jump(pilot, DOUMA)
        assert topbar(app).rstrip().endswith("as of 2018-04-01")
        douma = row_of(app.miller.current, "Douma")
        assert douma.lstrip().startswith("▲")  # Jaysh al-Islam, besieged
        # The parent column's bar for Douma district holds some opposition cells.
        await pilot.press("h", "h")
        await pilot.pause()
        assert "▲" in row_of(app.miller.current, "Douma").split("Douma", 1)[1]
        app.set_date(D("2018-04-13"))
        await pilot.pause()
        assert topbar(app).rstrip().endswith("as of 2018-04-13")
        await pilot.press("l", "l")
        await pilot.pause()
        assert app.miller.highlighted.id == DOUMA
        assert row_of(app.miller.current, "Douma").lstrip().startswith("■")


# --- search -----------------------------------------------------------------------------------------


async def test_search_by_a_spelling_lists_dumair_first_and_enter_jumps(app_factory) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"Dmeir")
        await pilot.pause()
        results = app.screen.query_one(OptionList)
        first = results.get_option_at_index(0)
        assert first.id == DUMAIR
        assert str(first.prompt).startswith("Dumair  الضمير  ← Dmeir")
        assert any("  Dumair  الضمير  ← Dmeir" in line for line in screen_lines(app))
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, SearchScreen)
        assert title(app.miller.current) == "Dumair"  # its parent's column (the sub-district)
        assert app.miller.highlighted.id == DUMAIR
        assert breadcrumb(app) == DUMAIR_PATH
        assert "P-code C2346" in detail(app)
        assert app.focused is app.miller.current


@pytest.mark.parametrize("query", ["C2346", "الضمير"])
async def test_search_by_pcode_or_arabic_finds_dumair(app_factory, query: str) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *query)
        await pilot.pause()
        results = app.screen.query_one(OptionList)
        ids = [results.get_option_at_index(i).id for i in range(results.option_count)]
        assert DUMAIR in ids
        # Choose it from the list with the arrow keys, as a user would.
        await pilot.press("down", *["down"] * ids.index(DUMAIR), "enter")
        await pilot.pause()
        assert app.miller.highlighted.id == DUMAIR
        assert breadcrumb(app) == DUMAIR_PATH


async def test_search_escape_closes_without_moving(app_factory) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await jump(pilot, DUMA_DISTRICT)
        before = breadcrumb(app)
        await pilot.press("slash", *"Dmeir")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, SearchScreen)
        assert breadcrumb(app) == before
        assert app.miller.highlighted.id == DUMA_DISTRICT


async def test_search_forgives_a_misspelling_and_suggests_when_nothing_matches(app_factory) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"Dumiar")
        await pilot.pause()
        results = app.screen.query_one(OptionList)
        assert results.get_option_at_index(0).id == DUMAIR
        assert "(similar spelling)" in str(results.get_option_at_index(0).prompt)
        app.screen.query_one(Input).value = ""
        await pilot.press(*"Doumaa")
        await pilot.pause()
        assert results.option_count == 0
        hint = text(app.screen.query_one("#search-hint", Static))
        assert hint.startswith("No place matches 'Doumaa'; did you mean Douma")
        await pilot.press("enter")  # nothing to jump to: the search stays open
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)


# --- events pane ------------------------------------------------------------------------------------


def event_ids(pane: EventsPane) -> list[str]:
    return [event.id for event in pane.events]


async def test_events_pane_lists_events_in_and_under_the_place(app_factory, bundled_store: Store) -> None:
    app = app_factory(at=D("2018-04-19"))
    async with app.run_test(size=(120, 40)) as pilot:
        await jump(pilot, DUMA_DISTRICT)
        await pilot.press("e")
        await pilot.pause()
        pane = app.query_one(EventsPane)
        assert app.pane == "events"
        assert pane.display and not app.query_one(DetailPane).display
        assert app.focused is pane.event_list
        ids = event_ids(pane)
        assert "e-2018-04-12-douma-takeover" in ids  # Douma, under Duma district
        assert "e-2018-04-20-dumair-army-entry" in ids  # Dumair, further down
        places_under = bundled_store.descendants(DUMA_DISTRICT)
        for event_id in ids:
            assert set(bundled_store.events[event_id].places) & places_under, event_id
        summary = text(pane.query_one("#events-summary", Static))
        assert summary == f"{len(ids)} events in and under Douma"
        shown = "\n".join(screen_lines(app))
        assert "Government flag over Douma" in shown or "Dumair" in shown
        # Highlighted: the latest event that began on or before the date.
        highlighted = pane.highlighted_event.id
        assert highlighted == "e-2018-04-19-dumair-evacuation"


async def test_events_type_filter_narrows_and_enter_moves_the_date(app_factory, bundled_store: Store) -> None:
    app = app_factory(at=D("2018-04-19"))
    async with app.run_test(size=(120, 40)) as pilot:
        await jump(pilot, DUMA_DISTRICT)
        await pilot.press("e")
        await pilot.pause()
        pane = app.query_one(EventsPane)
        everything = event_ids(pane)
        await pilot.press("y")  # a picker of the types that occur here
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        target = next(i for i, label in enumerate(labels) if " agreement " in label)
        for _ in range(target):
            await pilot.press("j")
        await pilot.press("enter")
        await pilot.pause()
        assert pane.event_type == "agreement"
        ids = event_ids(pane)
        assert all(bundled_store.events[i].type == "agreement" for i in ids)
        assert "e-2018-04-07-douma-deal" in ids and len(ids) < len(everything)
        assert text(pane.query_one("#events-summary", Static)).startswith(f"{len(ids)} events")
        assert app.focused is pane.event_list
        # Up from the Dumair deal (2018-04-17) to the disputed Douma deal (7 or 8 April).
        assert pane.highlighted_event.id == "e-2018-04-17-dumair-deal"
        await pilot.press("up", "enter")
        await pilot.pause()
        assert app.as_of == D("2018-04-07")  # the earlier of its disputed days
        assert topbar(app).rstrip().endswith("as of 2018-04-07")
        assert "New Douma deal" in chronicle(app) and "disputed" in chronicle(app)
        await pilot.press("x")  # clears the filters: every type again
        await pilot.pause()
        assert pane.event_type is None
        assert event_ids(pane) == everything
        await pilot.press("e")
        await pilot.pause()
        assert app.pane == "detail"
        assert app.query_one(DetailPane).display
        assert app.focused is app.miller.current
        assert "As of 2018-04-07" in detail(app)


async def test_escape_leaves_the_events_pane(app_factory) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await jump(pilot, DUMA_DISTRICT)
        await pilot.press("e")
        await pilot.pause()
        assert app.pane == "events"
        await pilot.press("escape")
        await pilot.pause()
        assert app.pane == "detail"
        assert app.focused is app.miller.current


# --- factions pane -----------------------------------------------------------------------------------


async def highlight_faction(pilot: Any, name: str) -> Tree:
    tree = pilot.app.query_one(FactionsPane).query_one(Tree)
    for _ in range(40):
        node = tree.cursor_node
        if node is not None and f" {name}  " in str(node.label):
            return tree
        await pilot.press("j")
        await pilot.pause()
    raise AssertionError(f"{name} not found in the factions tree")


async def test_factions_pane_shows_blocs_and_what_a_faction_held(app_factory, bundled_store: Store) -> None:
    app = app_factory(at=D("2018-04-20"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f")
        await pilot.pause()
        pane = app.query_one(FactionsPane)
        assert app.pane == "factions" and pane.display
        tree = pane.query_one(Tree)
        assert app.focused is tree
        blocs = [str(n.label) for n in tree.root.children]
        assert blocs[:3] == ["■ Government", "▲ Opposition", "◆ Jihadist"]
        shown = "\n".join(screen_lines(app))
        assert "■ Syrian Arab Army  SAA  holds" in shown
        assert "▲ Jaysh al-Islam  JaI" in shown
        await highlight_faction(pilot, "Syrian Arab Army")
        held = bundled_store.holdings("saa", D("2018-04-20"))
        title = text(pane.query_one("#holdings-title", Static))
        assert title.startswith(f"Syrian Arab Army held {len(held)} places on 2018-04-20")
        holdings = pane.query_one("#holdings", OptionList)
        names = [str(holdings.get_option_at_index(i).prompt).split("  ")[0] for i in range(holdings.option_count)]
        assert "Dumair" in names and "Douma" in names
        # The date moves the list: on 2018-04-19 Dumair was not the army's.
        app.set_date(D("2018-04-19"))
        await pilot.pause()
        names = [str(holdings.get_option_at_index(i).prompt).split("  ")[0] for i in range(holdings.option_count)]
        assert "Dumair" not in names and "Douma" in names
        assert "on 2018-04-19" in text(pane.query_one("#holdings-title", Static))


async def test_enter_in_the_holdings_jumps_to_the_place(app_factory) -> None:
    app = app_factory(at=D("2018-04-20"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f")
        await pilot.pause()
        await highlight_faction(pilot, "Syrian Arab Army")
        pane = app.query_one(FactionsPane)
        holdings = pane.query_one("#holdings", OptionList)
        await pilot.press("enter")  # from the tree into the holdings
        await pilot.pause()
        assert app.focused is holdings
        ids = [holdings.get_option_at_index(i).id for i in range(holdings.option_count)]
        target = ids.index(DUMAIR)
        for _ in range(len(ids) + 1):
            if holdings.highlighted == target:
                break
            await pilot.press("down")
            await pilot.pause()
        assert holdings.highlighted_option.id == DUMAIR
        await pilot.press("enter")
        await pilot.pause()
        assert app.pane == "detail"
        assert app.query_one(DetailPane).display
        assert breadcrumb(app) == DUMAIR_PATH
        assert app.miller.highlighted.id == DUMAIR
        assert app.focused is app.miller.current
        assert "■ Syrian Arab Army  held" in detail(app)


async def test_enter_twice_from_the_tree_jumps_to_the_first_holding(app_factory) -> None:
    """The hint says 'Enter jumps there': Enter on the faction, Enter again."""
    app = app_factory(at=D("2018-04-20"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f")
        await pilot.pause()
        await highlight_faction(pilot, "Syrian Arab Army")
        holdings = app.query_one(FactionsPane).query_one("#holdings", OptionList)
        first = holdings.get_option_at_index(0)
        await pilot.press("enter", "enter")
        await pilot.pause()
        assert app.pane == "detail"
        assert app.miller.highlighted.id == first.id
        assert breadcrumb(app).endswith(str(first.prompt).split("  ")[0])


# --- help and the command palette ---------------------------------------------------------------------


async def test_help_lists_every_binding_id_with_its_key(app_factory) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 200)) as pilot:  # tall enough for every binding without scrolling
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        lines = screen_lines(app)
        shown = "\n".join(lines)
        for _section, bindings in app.binding_sections():
            for binding in bindings:
                assert binding.id and binding.id in shown, binding.id

        def row(binding_id: str) -> str:
            """The help box's row for ``binding_id`` (between the box's borders)."""
            line = next(line for line in lines if f" {binding_id} " in line + " ")
            return next(part for part in line.split("│") if binding_id in part)

        assert "l, →" in row("nav.descend")
        assert " ] " in row("time.next_change")
        assert " space " in row("time.play")
        assert "↓, j" in row("list.down")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        assert app.focused is app.miller.current


async def palette_options(pilot: Any) -> list[str]:
    for _ in range(40):
        await pilot.pause(0.05)
        found = pilot.app.screen.query(CommandList)
        if found and found.first().option_count:
            commands = found.first()
            return [str(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)]
    return []


async def test_command_palette_goes_to_a_place(app_factory) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"Douma")
        options = await palette_options(pilot)
        assert options and options[0].startswith("Go to Douma  community"), options
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, CommandPalette)
        assert app.miller.highlighted.id == DOUMA
        assert breadcrumb(app) == "Damascus Province > Rural Damascus > Douma > Douma > Douma"


async def test_command_palette_offers_the_events_toggle(app_factory) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await jump(pilot, DUMA_DISTRICT)
        await pilot.press("ctrl+p", *"Events")
        options = await palette_options(pilot)
        assert any(o.startswith("Events") and "key: e" in o for o in options), options
        await pilot.press("enter")
        await pilot.pause()
        assert app.pane == "events"


# --- keymap ------------------------------------------------------------------------------------------


def notifications(app: Any) -> list[str]:
    return [n.message for n in app._notifications]


async def test_keymap_remaps_by_id_and_warns_about_unknown_ids(app_factory, tmp_path: Path) -> None:
    keymap = tmp_path / "keymap.toml"
    keymap.write_text(
        '"list.down" = "n"\n"time.next_change" = "full_stop"\n"nav.nosuch" = "x"\n',
        encoding="utf-8",
    )
    app = app_factory(at=D("2018-04-19"), keymap_path=keymap)
    async with app.run_test(size=(120, 80)) as pilot:  # the help tall enough to show list.down
        await pilot.pause()
        warnings = notifications(app)
        assert any("nav.nosuch" in w for w in warnings), warnings
        await pilot.press("l")  # into Damascus Province: Damascus highlighted
        await pilot.pause()
        assert app.miller.highlighted.name == "Damascus"
        await pilot.press("j")  # no longer bound
        await pilot.pause()
        assert app.miller.highlighted.name == "Damascus"
        await pilot.press("n")
        await pilot.pause()
        assert app.miller.highlighted.name == "Rural Damascus"
        await jump(pilot, DUMAIR)
        await pilot.press("right_square_bracket")  # remapped away
        await pilot.pause()
        assert app.as_of == D("2018-04-19")
        await pilot.press("full_stop")
        await pilot.pause()
        assert app.as_of == D("2018-04-20")
        # Help shows the user's keys.
        await pilot.press("question_mark")
        await pilot.pause()
        line = next(line for line in screen_lines(app) if " list.down" in line)
        down = next(part for part in line.split("│") if "list.down" in part)
        assert down.split()[:2] == ["n", "Down"], down


async def test_an_invalid_keymap_only_warns(app_factory, tmp_path: Path) -> None:
    keymap = tmp_path / "keymap.toml"
    keymap.write_text('"list.down" = \n[[[', encoding="utf-8")
    app = app_factory(keymap_path=keymap)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        warnings = notifications(app)
        assert any("not valid TOML" in w for w in warnings), warnings
        await pilot.press("l", "j")
        await pilot.pause()
        assert app.miller.highlighted.name == "Rural Damascus"  # default keys still work


async def test_a_key_name_textual_does_not_know_warns(app_factory, tmp_path: Path) -> None:
    keymap = tmp_path / "keymap.toml"
    keymap.write_text('"time.next_change" = "period"\n', encoding="utf-8")
    app = app_factory(keymap_path=keymap)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert any("period" in w for w in notifications(app)), notifications(app)


# --- hostile text ------------------------------------------------------------------------------------


def _region(rid: str, name: str, level: str, parent: str | None, **extra: Any) -> dict[str, Any]:
    return {"id": rid, "name": name, "level": level, "parent": parent, **extra}


def _period(pid: str, rid: str, faction: str, status: str, start: str, end: str | None) -> dict[str, Any]:
    return {
        "id": pid, "region": rid, "faction": faction, "status": status, "from": start, "to": end,
        "sources": ["s1"], "confidence": "high",
    }


@pytest.fixture(scope="module")
def hostile_store() -> Store:
    return Store.from_tables({
        "meta": [{"schema_version": 1, "title": "[b]Hostile[/b] [/]", "span_from": "2016-01-01", "span_to": "2018-12-31"}],
        "sources": [{"id": "s1", "publication": "[link=http://example.invalid]pub", "title": "[/]", "kind": "news"}],
        "factions": [
            {"id": "bold", "name": "[b]bold[/b]", "short": "[i]", "bloc": "opposition", "alt_names": []},
            {"id": "saa", "name": "Syrian Arab Army", "short": "SAA", "bloc": "government", "alt_names": []},
        ],
        "regions": [
            _region("ROOT", "[/]", "province", None),
            _region("R-LINK", "[link=x]click", "district", "ROOT", name_ar="[/"),
            _region("R-QUIT", "[@click=app.quit]", "district", "ROOT", note="[@click=app.quit]quit[/]"),
            _region("R-LEAF", "[red]leaf", "community", "R-LINK"),
        ],
        "periods": [
            _period("p1", "R-LINK", "bold", "held", "2016-01-01", None),
            _period("p2", "R-QUIT", "saa", "held", "2016-01-01", "2017-12-31"),
            _period("p3", "R-QUIT", "bold", "contested", "2018-01-01", None),
        ],
        "events": [{
            "id": "e1", "date": "2018-01-01", "type": "offensive", "title": "[@click=app.quit]taken",
            "places": ["R-QUIT"], "actors": [{"faction": "bold", "role": "attacker"}],
            "sources": ["s1"], "confidence": "low",
        }],
    })


async def test_hostile_names_show_literally_and_do_nothing(app_factory, hostile_store: Store) -> None:
    app = app_factory(store=hostile_store, at=D("2018-04-19"))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert "frontlines · [b]Hostile[/b] [/]" in screen_lines(app)[0]
        assert breadcrumb(app) == "[/]"
        assert "[/]" in rows(app.miller.current)[0]
        await pilot.press("l")
        await pilot.pause()
        current = rows(app.miller.current)
        assert any("[@click=app.quit]" in r for r in current)
        assert any("[link=x]click" in r for r in current)
        assert breadcrumb(app) == "[/] > [@click=app.quit]"
        assert title(app.miller.current) == "[/]"
        shown = detail(app)
        assert "[@click=app.quit]" in shown
        assert "▲ [b]bold[/b]  contested" in shown
        assert "[link=http://example.invalid]pub, “[/]”" in shown
        assert "Note [@click=app.quit]quit[/]" in shown
        await pilot.press("j")
        await pilot.pause()
        assert breadcrumb(app) == "[/] > [link=x]click"
        assert "[link=x]click   [/" in detail(app)
        assert any("[red]leaf" in r for r in rows(app.miller.preview))
        # Clicking the names, the breadcrumb and the details runs nothing.
        for selector, offset in (("#current", (4, 1)), ("#current", (4, 2)), ("#breadcrumb", (3, 0)), ("#detail", (3, 1))):
            await pilot.click(selector, offset=offset)
            await pilot.pause()
        assert app.is_running and app.return_code is None
        lines = "\n".join(screen_lines(app))
        assert "[@click=app.quit]" in lines and "[link=x]click" in lines
        # The events and factions panes show them as typed too.
        await jump(pilot, "R-QUIT")
        await pilot.press("e")
        await pilot.pause()
        assert "[@click=app.quit]taken" in "\n".join(screen_lines(app))
        await pilot.press("f")
        await pilot.pause()
        assert "▲ [b]bold[/b]  [i]  holds 2" in "\n".join(screen_lines(app))
        await pilot.click("#factions-tree", offset=(6, 3))
        await pilot.pause()
        assert app.is_running and app.return_code is None


async def test_hostile_names_can_be_searched(app_factory, hostile_store: Store) -> None:
    app = app_factory(store=hostile_store)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("slash", *"[link")
        await pilot.pause()
        results = app.screen.query_one(OptionList)
        assert results.option_count and results.get_option_at_index(0).id == "R-LINK"
        assert any("[link=x]click" in line for line in screen_lines(app))
        app.screen.query_one(Input).value = ""
        await pilot.press(*"[/]")
        await pilot.pause()
        ids = [results.get_option_at_index(i).id for i in range(results.option_count)]
        assert "ROOT" in ids
        await pilot.press("down", *["down"] * ids.index("ROOT"), "enter")
        await pilot.pause()
        assert breadcrumb(app) == "[/]"
        await pilot.press("ctrl+p", *"click")
        options = await palette_options(pilot)
        assert any("[link=x]click" in o for o in options), options
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running and app.return_code is None


# --- layout ------------------------------------------------------------------------------------------


def assert_fits(app: Any, width: int) -> None:
    lines = screen_lines(app)
    assert all(len(line) <= width for line in lines)
    # The frame of the main area closes at the right edge: nothing pushed it out.
    right = app.query_one("#right")
    assert right.region.right == width
    assert app.miller.region.right <= right.region.x
    frame = [line for line in lines if line.startswith("╭")]
    assert frame and frame[0].rstrip().endswith("╮") and len(frame[0].rstrip()) == width
    # The date is whole in the top bar; no horizontal scrolling in the details.
    assert lines[0].rstrip().endswith(f"as of {app.as_of.isoformat()}")
    assert not app.query_one(DetailPane).show_horizontal_scrollbar


async def test_at_80x24_the_preview_folds_away_and_everything_fits(app_factory) -> None:
    app = app_factory(at=D("2018-04-19"))
    async with app.run_test(size=(80, 24)) as pilot:
        await jump(pilot, DUMA_DISTRICT)
        assert app.miller.has_class("-narrow")
        assert not app.miller.preview.display
        assert app.miller.preview.region.width == 0
        assert_fits(app, 80)
        # A long name is cut with an ellipsis, the bar and arrow stay visible.
        markaz = row_of(app.miller.current, "Markaz")
        assert "…" in markaz and markaz.endswith("›")
        for pane in ("e", "f"):
            await pilot.press(pane)
            await pilot.pause()
            assert_fits(app, 80)
        await jump(pilot, DUMAIR)
        assert_fits(app, 80)
        assert breadcrumb(app) == DUMAIR_PATH


async def test_at_120x40_the_preview_column_is_shown(app_factory) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await jump(pilot, DUMA_DISTRICT)
        assert not app.miller.has_class("-narrow")
        assert app.miller.preview.display and app.miller.preview.region.width > 16
        assert any("Dumair" in r for r in rows(app.miller.preview))
        assert_fits(app, 120)


async def test_resizing_folds_and_unfolds_the_preview(app_factory) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await jump(pilot, DUMA_DISTRICT)
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.05)
        assert app.miller.has_class("-narrow")
        assert app.miller.preview.region.width == 0
        await pilot.resize_terminal(120, 40)
        await pilot.pause(0.05)
        assert not app.miller.has_class("-narrow")
        assert app.miller.preview.region.width > 0


async def test_breadcrumb_keeps_the_place_visible_after_a_resize(app_factory) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await jump(pilot, "C2315")
        assert breadcrumb(app) == "Damascus Province > Rural Damascus > Markaz Rif Dimashq > Kafr Batna > Ein Terma"
        await pilot.resize_terminal(70, 24)
        await pilot.pause(0.05)
        line = screen_lines(app)[1].rstrip()
        assert line.endswith("> Ein Terma"), line
        assert line.lstrip().startswith("…")


async def test_no_color_keeps_the_glyphs(app_factory, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = app_factory(at=D("2018-04-01"))
    async with app.run_test(size=(120, 40)) as pilot:
        await jump(pilot, "SY0303")  # Rural Damascus's districts
        assert app.no_color
        column_text = "\n".join(rows(app.miller.current))
        for glyph in "■◧":
            assert glyph in column_text
        assert "▲" in column_text and "◆" in column_text  # in the breakdown bars
        # The glyphs carry the meaning: their colours on screen are greys now.
        column = app.miller.current
        strips = app.screen._compositor.render_strips()
        glyph_colours = [
            seg.style.color
            for y in range(column.content_region.y, column.content_region.y + column.row_count)
            for seg in strips[y]
            if seg.text.strip() and set(seg.text.strip()) <= set("■▲◆◧") and seg.style and seg.style.color
        ]
        assert glyph_colours
        for colour in glyph_colours:
            assert isinstance(colour, Color)
            r, g, b = colour.get_truecolor()
            assert r == g == b, colour


def test_start_up_in_a_real_run_shows_every_line_of_the_details(app_factory) -> None:
    """``App.run`` (not ``run_test``) at 80x24: the detail pane's sections keep all their lines.

    Textual 8.2 kept the height of a Static updated while its first layout was
    pending: the province's code line and its controller were blank at start-up.
    """
    seen: dict[str, list[str]] = {}

    async def auto_pilot(pilot: Any) -> None:
        await pilot.pause()
        await pilot.pause()
        seen["lines"] = screen_lines(pilot.app)
        pilot.app.exit()

    app = app_factory(at=D("2018-04-19"))
    app.run(headless=True, size=(80, 24), auto_pilot=auto_pilot)
    shown = "\n".join(seen["lines"])
    assert "province · id FL-DAMASCUS-PROVINCE" in shown
    assert "◧ Mixed control" in shown
    assert "this picture since" in shown


async def test_a_light_theme_switches_to_the_darker_control_colours(app_factory) -> None:
    from tui.format import DARK_PALETTE, LIGHT_PALETTE

    app = app_factory(at=D("2018-04-19"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        column = app.query_one("#current")
        assert column.colours == DARK_PALETTE
        app.theme = "textual-light"
        await pilot.pause()
        assert app.colours == LIGHT_PALETTE
        assert column.colours == LIGHT_PALETTE
        assert app.query_one("#detail").colours == LIGHT_PALETTE
        # The yellow and grey of the dark palette would be unreadable on white.
        assert LIGHT_PALETTE["kurdish"] != DARK_PALETTE["kurdish"]
        app.theme = "textual-dark"
        await pilot.pause()
        assert column.colours == DARK_PALETTE


# --- events pane detail, lists, palette, chronicle precision ----------------------------------------


async def test_the_highlighted_event_is_shown_in_full_with_rival_figures(app_factory) -> None:
    app = app_factory(at=D("2018-04-25"))
    async with app.run_test(size=(120, 40)) as pilot:
        await jump(pilot, "SY0303")  # Al Qutayfah: the Eastern Qalamoun towns
        await pilot.press("e")
        await pilot.pause()
        pane = app.query_one(EventsPane)
        target = next(i for i, e in enumerate(pane.events) if e.type == "evacuation" and e.figures)
        pane.event_list.move_cursor(target)
        await pilot.pause()
        shown = pane.event_detail.plain
        assert pane.highlighted_event.title in shown
        # Rival claims stay side by side, each with its source (or saying it has none).
        assert "1,500-3,200" in shown and "al-Shahid Witness" in shown
        assert "about 5,000" in shown
        assert "no source recorded" in shown


async def test_events_at_the_root_include_events_with_no_place(app_factory, tmp_path: Path) -> None:
    tables = {
        "meta": [{"schema_version": 1, "title": "Bare", "span_from": "2018-01-01", "span_to": "2018-12-31"}],
        "sources": [{"id": "s1", "publication": "Pub", "title": "T", "kind": "news"}],
        "factions": [{"id": "f", "name": "F", "short": "F", "bloc": "government"}],
        "regions": [{"id": "R", "name": "Root", "level": "province", "parent": None},
                    {"id": "A", "name": "Alpha", "level": "community", "parent": "R"}],
        "periods": [{"id": "p", "region": "A", "faction": "f", "status": "held", "from": "2018-01-01",
                     "to": None, "sources": ["s1"], "confidence": "high"}],
        "events": [{"id": "e-nowhere", "date": "2018-03-01", "type": "declaration", "title": "Said somewhere",
                    "places": [], "sources": ["s1"], "confidence": "low"}],
    }
    app = app_factory(at=D("2018-06-01"), store=Store.from_tables(tables))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        assert [e.id for e in app.query_one(EventsPane).events] == ["e-nowhere"]


async def test_j_and_k_move_in_every_list_and_follow_a_remap(app_factory, tmp_path: Path) -> None:
    keymap = tmp_path / "keymap.toml"
    keymap.write_text('"list.down" = "n"\n', encoding="utf-8")
    app = app_factory(at=D("2018-04-20"), keymap_path=keymap)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f")
        await pilot.pause()
        tree = app.query_one(FactionsPane).query_one(Tree)
        line = tree.cursor_line
        await pilot.press("j")  # remapped away: j no longer moves the tree either
        await pilot.pause()
        assert tree.cursor_line == line
        await pilot.press("n", "n", "enter")  # one remap moves every list: down to the army; enter: its places
        await pilot.pause()
        assert tree.cursor_line == line + 2
        holdings = app.query_one(FactionsPane).query_one("#holdings", OptionList)
        assert app.focused is holdings
        assert holdings.highlighted == 0
        await pilot.press("n", "n")  # list.down, remapped from j
        await pilot.pause()
        assert holdings.highlighted == 2
        await pilot.press("k")
        await pilot.pause()
        assert holdings.highlighted == 1


async def test_the_palette_offers_only_actions_that_do_something(app_factory) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p", *"Out")
        options = await palette_options(pilot)
        # "Out" (nav.ascend) belongs to the place columns, not the app: not offered.
        assert not any(o.startswith("Out") for o in options), options


async def test_a_change_known_only_to_the_month_says_so(app_factory) -> None:
    app = app_factory(at=D("2016-06-15"))
    async with app.run_test(size=(120, 40)) as pilot:
        await jump(pilot, "C2328")  # Qudsaya, encircled from July 2016
        await pilot.press("right_square_bracket")
        await pilot.pause()
        said = chronicle(app)
        assert said.startswith("2016-07 (day not known) ") and "Qudsaya" in said, said


async def test_into_a_place_with_nothing_under_it_says_so(app_factory) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await jump(pilot, DUMAIR)
        await pilot.press("l")
        await pilot.pause()
        assert any("Dumair has no places under it" in n for n in notifications(app))


async def test_a_remap_onto_a_key_in_use_warns(app_factory, tmp_path: Path) -> None:
    keymap = tmp_path / "keymap.toml"
    keymap.write_text('"nav.ascend" = "q"\n', encoding="utf-8")
    app = app_factory(keymap_path=keymap)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        warnings = notifications(app)
        assert any("'q' for 'nav.ascend' is also the key of app.quit" in w for w in warnings), warnings


async def test_the_start_hint_follows_the_keymap(app_factory, tmp_path: Path) -> None:
    keymap = tmp_path / "keymap.toml"
    keymap.write_text('"app.search" = "s"\n', encoding="utf-8")
    app = app_factory(keymap_path=keymap)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "s search" in chronicle(app)


async def test_a_chain_of_single_places_is_passed_in_one_key(app_factory) -> None:
    # Damascus governorate > district > sub-district > city: one place each.
    app = app_factory(at=D("2017-06-01"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("l")  # into the province
        await pilot.pause()
        assert app.miller.highlighted.id == "SY01"
        # The preview already shows what is at the end of the chain: the city's neighbourhoods.
        assert any("A'arnous" in r for r in rows(app.miller.preview))
        await pilot.press("l")
        await pilot.pause()
        assert app.miller.parent_id == "C1001"
        assert [r.id for r in app.miller.current.regions][:1] and all(
            r.level == "neighbourhood" for r in app.miller.current.regions
        )
        assert breadcrumb(app).startswith("Damascus Province > Damascus > Damascus > Damascus > Damascus >")
        await pilot.press("h")  # and back out in one key too
        await pilot.pause()
        assert app.miller.parent_id == "FL-DAMASCUS-PROVINCE"
        assert app.miller.highlighted.id == "SY01"


async def test_the_detail_pane_says_where_a_status_comes_from(app_factory) -> None:
    app = app_factory(at=D("2017-06-01"))
    async with app.run_test(size=(120, 40)) as pilot:
        await jump(pilot, "C2416")  # Yabroud: an area claim
        shown = "\n".join(screen_lines(app))
        assert "from an area claim on Yabroud (SY0305)" in shown
        assert "since 2016-01-01 (the start of the data)" in shown
        await jump(pilot, "C2383")  # Helleh: nothing recorded
        shown = "\n".join(screen_lines(app))
        assert "○ Not recorded on this date" in shown
        assert "no source says who held it" in shown
        assert row_of(app.miller.current, "Helleh").lstrip().startswith("○")


async def test_hidden_panes_are_built_when_first_shown(app_factory) -> None:
    app = app_factory(at=D("2018-04-19"))
    async with app.run_test(size=(120, 40)) as pilot:
        assert not app.query(EventsPane) and not app.query(FactionsPane)  # nothing built for them at start
        app.theme = "textual-light"  # a theme change before they exist reaches them when they are built
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        assert len(app.query(EventsPane)) == 1 and app.query_one(EventsPane).display
        assert app.query_one(EventsPane).colours == app.colours
        await pilot.press("f")
        await pilot.pause()
        assert len(app.query(FactionsPane)) == 1 and app.query_one(FactionsPane).colours == app.colours
        await pilot.press("e", "e")  # back and forth: built once
        await pilot.pause()
        assert len(app.query(EventsPane)) == 1


async def test_the_screen_comes_up_before_the_database_is_open(bundled_store: Store) -> None:
    import threading

    from store import StoreError
    from tui.app import FrontlinesApp

    release = threading.Event()

    def slow_open() -> Store:
        release.wait(10)
        return bundled_store

    app = FrontlinesApp(None, loader=slow_open, loading_label="Opening damascus.json…", use_keymap_file=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = "\n".join(screen_lines(app))
        assert app.loading and "Opening damascus.json…" in shown  # the first frame, without the data
        await pilot.press("l", "e", "right_square_bracket")  # nothing to act on yet: ignored, no crash
        release.set()
        for _ in range(50):
            await pilot.pause(0.02)
            if not app.loading and app.query(MillerColumns):
                break
        await pilot.pause()
        assert not app.loading
        assert app.as_of == bundled_store.span[1]
        assert "Damascus Province" in "\n".join(screen_lines(app))
        await pilot.press("l")
        await pilot.pause()
        assert app.miller.highlighted.id == "SY01"

    def broken() -> Store:
        raise StoreError("broken.json: invalid JSON at line 1, column 2")

    failing = FrontlinesApp(None, loader=broken, use_keymap_file=False)
    async with failing.run_test(size=(80, 24)) as pilot:
        for _ in range(50):
            await pilot.pause(0.02)
            if failing.load_error:
                break
    assert failing.return_code == 1
    assert failing.load_error == "broken.json: invalid JSON at line 1, column 2"


def test_every_class_with_keys_says_where_the_help_lists_them() -> None:
    from textual.widget import Widget

    import tui  # noqa: F401
    from tui.app import FrontlinesApp, _with_help_section

    listed = {name for name, _ in FrontlinesApp.binding_sections()}
    assert {"Everywhere", "Places", "Lists", "Details pane", "Events pane", "Factions pane", "Search", "Help"} <= listed
    # Every binding of our widgets and screens is in the help: a class with keys
    # of its own declares a section, or reuses bindings another one lists
    # (the holdings list takes RowList's).
    in_help = {id(b) for _, bindings in FrontlinesApp.binding_sections() for b in bindings}
    ours = [k for k in _all_subclasses(Widget) if k.__module__.startswith("tui.") and k.__dict__.get("BINDINGS")]
    assert len(ours) >= 8
    missing = [
        k.__name__ for k in ours
        if "HELP_SECTION" not in k.__dict__ and not all(id(b) in in_help for b in k.__dict__["BINDINGS"])
    ]
    assert not missing, missing
    assert all(k in ours for k in _with_help_section(Widget))


def _all_subclasses(base: type) -> list[type]:
    out, stack = [], list(base.__subclasses__())
    while stack:
        klass = stack.pop()
        if klass not in out:
            out.append(klass)
            stack.extend(klass.__subclasses__())
    return out


# --- keys redraw in place: no screen layout, one line of news -----------------------------------


def count_layouts(app: Any) -> list[int]:
    """A counter of full screen layouts (Screen._refresh_layout) from now on."""
    screen = app.screen
    calls = [0]
    original = screen._refresh_layout

    def counted(*args: Any, **kwargs: Any) -> None:
        calls[0] += 1
        original(*args, **kwargs)

    screen._refresh_layout = counted
    return calls


@pytest.mark.parametrize("keys", [("j", "k"), ("l", "h"), ("right_square_bracket", "left_square_bracket"),
                                  ("right_curly_bracket", "left_curly_bracket")])
async def test_moving_and_stepping_through_time_never_relays_the_screen(app_factory, keys) -> None:
    # Between Damascus (64 neighbourhoods: more than the columns hold) and
    # Rural Damascus (10 districts), the preview's and the details' lengths
    # change on every key; the panes stay where they are and only redraw.
    app = app_factory(at=D("2017-06-01"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("l")
        await pilot.pause()
        frames = {w.id: w.region for w in (app.miller.current, app.miller.preview, app.query_one(DetailPane))}
        layouts = count_layouts(app)
        seen = set()
        for key in keys * 5:
            await pilot.press(key)
            await pilot.pause()
            seen.add((app.focus_region, app.as_of, len(app.miller.path)))
        assert len(seen) >= 2, "the keys changed nothing"
        assert layouts[0] == 0
        assert {w.id: w.region for w in (app.miller.current, app.miller.preview, app.query_one(DetailPane))} == frames


async def test_a_day_of_many_changes_stays_on_one_line_and_is_kept_whole(app_factory) -> None:
    app = app_factory(at=D("2018-03-01"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        main_before = app.query_one("#main").region
        app.set_date(D("2018-03-31"), changes_of=app.store.roots()[0].id)  # the end of the Ghouta offensive
        await pilot.pause()
        news = app.query_one(Chronicle)
        assert news.region.height == 1
        assert app.query_one("#main").region == main_before
        whole = news.messages[-1].plain
        assert whole.count(" · ") >= 3, whole  # four lines of news that day, all kept
        shown = screen_lines(app)[-2]
        # Cut where the screen ends, not wrapped, with the key that shows it whole.
        assert shown.rstrip().endswith("… (M: in full)")
        assert shown.strip().removesuffix("… (M: in full)") in " " + whole


async def test_a_long_column_says_where_the_cursor_is_and_the_preview_how_much_shows(app_factory) -> None:
    app = app_factory(at=D("2018-04-19"))
    async with app.run_test(size=(120, 24)) as pilot:
        await pilot.press("l")  # Damascus highlighted: its neighbourhoods in the preview
        await pilot.pause()
        preview = app.miller.preview
        visible, count = preview.scrollable_content_region.height, preview.row_count
        assert count > 60 and visible < count
        assert preview.border_subtitle == f"{visible} of {count}"
        assert not app.miller.current.border_subtitle  # two places: all shown
        await pilot.press("l")  # into Damascus: the neighbourhoods are the column now
        await pilot.pause()
        current = app.miller.current
        assert current.border_subtitle == f"1/{count}"
        await pilot.press("G")
        await pilot.pause()
        assert current.border_subtitle == f"{count}/{count}"
        assert current.highlighted is current.regions[-1]
        assert any(current.regions[-1].name in line for line in screen_lines(app))


async def test_the_mouse_wheel_moves_the_cursor_in_a_column(app_factory) -> None:
    app = app_factory(at=D("2018-04-19"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("l", "j", "l")  # Rural Damascus's districts
        await pilot.pause()
        current = app.miller.current
        first = current.highlighted
        from textual import events  # Pilot has no wheel helper: post the event as the driver would

        current.post_message(events.MouseScrollDown(current, 2, 2, 0, 0, 0, False, False, False))
        await pilot.pause()
        assert current.highlighted is not first and app.focus_region == current.highlighted.id


async def test_a_new_theme_redraws_the_rows_in_its_colours(app_factory) -> None:
    from tui.format import DARK_PALETTE, LIGHT_PALETTE

    app = app_factory(at=D("2018-04-19"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("l", "j", "l")
        await pilot.pause()
        column = app.miller.current

        def row_colours() -> set[str]:
            return {seg.style.color.get_truecolor().hex.upper() for y in range(3)
                    for seg in column.render_line(y) if seg.style and seg.style.color}

        assert DARK_PALETTE["government"].upper() in row_colours()
        app.theme = "textual-light"
        await pilot.pause()
        assert LIGHT_PALETTE["government"].upper() in row_colours()
        assert DARK_PALETTE["government"].upper() not in row_colours()
        pane = app.query_one(DetailPane)
        assert LIGHT_PALETTE["government"].upper() in {
            seg.style.color.get_truecolor().hex.upper() for y in range(pane.scrollable_content_region.height)
            for seg in pane.render_line(y) if seg.style and seg.style.color
        }


async def test_heights_changed_in_place_keep_scroll_limits_and_the_thumb_right(app_factory) -> None:
    # LineView.set_virtual_height goes round Textual's layout with its private
    # _scroll_update: this holds what it must keep true on the Textual in use.
    app = app_factory(at=D("2018-04-19"))
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(DetailPane)
        for region_id in ("SY03", "C2346", "C2416", "SY03"):  # long, shorter, short, long again
            await jump(pilot, region_id)
            lines = len(pane.plain.split("\n"))
            visible = pane.scrollable_content_region.height
            assert pane.virtual_size.height == lines
            assert pane.max_scroll_y == max(0, lines - visible)
            assert pane.vertical_scrollbar.window_virtual_size == lines
            assert pane.vertical_scrollbar.window_size == visible
            pane.scroll_to(y=10_000, animate=False, immediate=True)
            await pilot.pause()
            assert pane.scroll_offset.y == pane.max_scroll_y
            shown = [pane.render_line(y).text.rstrip() for y in range(visible)]
            assert shown[-1] == pane.plain.split("\n")[-1]  # the last line is the pane's last line
        column = app.miller.current
        await jump(pilot, "C10011042")  # a neighbourhood: 65 places in the column
        assert column.virtual_size.height == column.row_count == len(column.regions)
        assert column.max_scroll_y == column.row_count - column.scrollable_content_region.height
