"""Issue 10, "fix what got in the way": each fix driven by keys, read from the screen.

The date prompt and ``--at`` refuse dates outside the data; the status line
is one line whatever is said, with the full text in a log of messages; the
palette finds a row by its own label and ranks places by how well they
match; remapped keys show as the footer shows them; the details pane and
the help answer h/l/Backspace and j/k/g/G; the chart fills its pane; one
arrow; unfocused pane borders are visible on light themes.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from textual.color import Color
from textual.command import CommandList, CommandPalette
from textual.containers import VerticalScroll
from textual.widgets import Input

from tui.app import FrontlinesApp
from tui.screens.date_prompt import DatePrompt
from tui.screens.help import HelpScreen
from tui.screens.messages import MessagesScreen
from tui.theme import MIN_CONTRAST, contrast
from tui.widgets.chronicle import Chronicle
from tui.widgets.detail import DetailPane
from tui.widgets.timeline import ControlChart

D = date.fromisoformat
HAJAR_AL_ASWAD, YALDA, DUMAIR, RURAL = "C2502", "C2302", "C2346", "SY03"


def screen_lines(app: Any) -> list[str]:
    """The terminal, line by line, as the user sees it (modal screens included)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def status_line(app: Any) -> str:
    """The status line as drawn (the line above the footer)."""
    return screen_lines(app)[-2]


async def jump(pilot: Any, region_id: str) -> None:
    pilot.app.jump_to(region_id)
    await pilot.pause()


# --- item 2: dates outside the data ------------------------------------------------------------


async def test_the_date_prompt_refuses_a_year_after_the_data_and_names_its_span(app_factory) -> None:
    app = app_factory(at=D("2018-04-19"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, DatePrompt)
        app.screen.query_one(Input).value = ""
        await pilot.press(*"2020", "enter")
        await pilot.pause()
        # Still asking, with the reason on the screen; the date did not move.
        assert isinstance(app.screen, DatePrompt)
        shown = "\n".join(screen_lines(app))
        assert "2020 (2020-01-01 to 2020-12-31) is after the data" in shown, shown
        assert "2016-01-01 to 2018-12-31" in shown
        assert app.as_of == D("2018-04-19")
        # Corrected in place, it is taken.
        app.screen.query_one(Input).value = ""
        await pilot.press(*"2017-05", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, DatePrompt)
        assert app.as_of == D("2017-05-31")


async def test_the_date_prompt_refuses_a_month_before_the_data(app_factory) -> None:
    app = app_factory(at=D("2018-04-19"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        app.screen.query_one(Input).value = ""
        await pilot.press(*"2015-06")
        await pilot.pause()
        # Said while typing, before Enter.
        shown = " ".join(line.strip(" │") for line in screen_lines(app))  # the message wraps in the prompt
        assert "2015-06 (2015-06-01 to 2015-06-30) is before the data: the data covers 2016-01-01 to 2018-12-31" in shown
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DatePrompt)
        assert app.as_of == D("2018-04-19")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DatePrompt)
        assert "2018-04-19" in screen_lines(app)[0]


async def test_the_explorers_at_outside_the_data_is_refused_like_the_prompts() -> None:
    """``frontlines --at 2020``: the explorer opens the database, refuses the date and exits 2."""
    from store import Store
    from store.locate import bundled_path

    app = FrontlinesApp(None, at=D("2020-12-31"), loader=lambda: Store.open(bundled_path(), readonly=True),
                        use_keymap_file=False)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            if app.load_error:
                break
    assert app.return_code == 2
    assert app.load_error == "--at 2020-12-31 is after the data: the data covers 2016-01-01 to 2018-12-31"


# --- item 3: one status line, and the messages in full ------------------------------------------


def pane_regions(app: Any) -> list[Any]:
    return [app.query_one(selector).region for selector in ("#main", "#current", "#preview", "#detail", "#chronicle")]


async def test_a_long_message_keeps_one_line_and_the_layout_and_the_log_shows_it_whole(app_factory) -> None:
    app = app_factory(at=D("2018-03-01"))
    async with app.run_test(size=(80, 24)) as pilot:
        await jump(pilot, RURAL)
        before = pane_regions(app)
        app.set_date(D("2018-03-31"))  # the end of the Ghouta offensive: many places, four kinds of change
        await pilot.pause()
        whole = app.query_one(Chronicle).plain
        assert len(whole) > 200, whole
        assert pane_regions(app) == before  # no pane moved or changed size
        assert app.query_one(Chronicle).region.height == 1
        line = status_line(app)
        assert line.rstrip().endswith("… (M: in full)"), line
        assert len(line) == 80

        await pilot.press("M")
        await pilot.pause()
        assert isinstance(app.screen, MessagesScreen)
        shown = screen_lines(app)
        assert any("Recent messages, newest last" in row for row in shown)
        # Wrapped in full: every word of the message is on the screen, the last one included.
        text = " ".join(row.strip(" │") for row in shown)
        for word in whole.split()[-6:]:
            assert word in text, word
        assert "Data 2016-01-01 to 2018-12-31" in text  # the start-up hint, an older message
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, MessagesScreen)
        assert pane_regions(app) == before


async def test_the_messages_log_scrolls_by_keys_newest_last_and_keeps_notifications(app_factory) -> None:
    app = app_factory(at=D("2016-01-01"))
    async with app.run_test(size=(80, 24)) as pilot:
        await jump(pilot, DUMAIR)
        for _ in range(12):
            await pilot.press("right_square_bracket")
        await pilot.press("l")  # Dumair has nothing under it: a toast, which goes away
        await pilot.pause()
        newest = app.query_one(Chronicle).plain
        await pilot.press("M")
        await pilot.pause()
        scroller = app.screen.query_one(VerticalScroll)
        assert scroller.max_scroll_y > 0
        assert scroller.scroll_y == scroller.max_scroll_y  # opened at the newest
        assert "Dumair has no places under it" in "\n".join(screen_lines(app))
        assert newest.split(":")[0] in "\n".join(screen_lines(app))
        await pilot.press("g")
        await pilot.pause()
        assert scroller.scroll_y == 0
        assert "Data 2016-01-01 to 2018-12-31" in "\n".join(screen_lines(app))
        await pilot.press("j", "j")
        await pilot.pause()
        assert scroller.scroll_y == 2
        await pilot.press("k")
        await pilot.pause()
        assert scroller.scroll_y == 1
        await pilot.press("pagedown")
        await pilot.pause()
        assert scroller.scroll_y > 2
        await pilot.press("G")
        await pilot.pause()
        assert scroller.scroll_y == scroller.max_scroll_y
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, MessagesScreen)


# --- item 9: the palette ---------------------------------------------------------------------------


async def palette(pilot: Any, query: str) -> list[str]:
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(pilot.app.screen, CommandPalette)
    if query:
        await pilot.press(*query)
    options: list[str] = []
    for _ in range(40):
        await pilot.pause(0.05)
        found = pilot.app.screen.query(CommandList)
        if found and found.first().option_count:
            commands = found.first()
            options = [str(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)]
            if not query or len(options) == commands.option_count:
                break
    return options


async def test_the_palette_finds_a_place_by_its_rows_own_label(app_factory) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        options = await palette(pilot, "Go to Yarmouk Camp")
        assert options and options[0].startswith("Go to Yarmouk Camp"), options
        await pilot.press("enter")
        await pilot.pause()
        assert app.miller.highlighted.name == "Yarmouk Camp"


async def test_go_and_a_name_finds_the_place_and_a_name_outranks_a_scattered_action(app_factory) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        options = await palette(pilot, "go yalda")
        assert options and options[0].startswith("Go to Yalda"), options
        await pilot.press("escape")
        await pilot.pause()
        options = await palette(pilot, "yalda")
        assert options[0].startswith("Go to Yalda"), options
        play = [i for i, o in enumerate(options) if o.startswith("Play")]
        assert all(i > 0 for i in play), options
        await pilot.press("enter")
        await pilot.pause()
        assert app.miller.highlighted.id == YALDA


async def test_the_palette_offers_quit_once(app_factory) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 60)) as pilot:
        everything = await palette(pilot, "")
        assert sum(o.startswith("Leave frontlines") for o in everything) == 1, everything
        assert not any(o.startswith("Quit") for o in everything), everything
        assert any(o.startswith("Theme") for o in everything)  # Textual's other commands stay
        await pilot.press("escape")
        await pilot.pause()
        found = await palette(pilot, "quit")
        assert [o for o in found if "key: q" in o or o.startswith("Quit")] == [found[0]], found
        assert found[0].startswith("Leave frontlines")


# --- item 10: remapped keys as the footer shows them --------------------------------------------


async def test_a_key_remapped_to_full_stop_shows_as_a_full_stop_everywhere(app_factory, tmp_path: Path) -> None:
    keymap = tmp_path / "keymap.toml"
    keymap.write_text('"time.next_change" = "full_stop"\n"time.prev_change" = "comma"\n', encoding="utf-8")
    app = app_factory(keymap_path=keymap)
    async with app.run_test(size=(120, 90)) as pilot:
        await pilot.pause()
        line = status_line(app)
        assert ", . changes" in line and "full_stop" not in line, line
        assert ". Next" in screen_lines(app)[-1]  # the footer's own way
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        shown = screen_lines(app)
        row = next(r for r in shown if "time.next_change" in r)
        assert " . " in row and "full_stop" not in row, row
        assert not any("full_stop" in r or "comma" in r for r in shown)
        await pilot.press("escape")
        await pilot.pause()
        options = await palette(pilot, "next change")
        assert any("key: ." in o for o in options), options
        await pilot.press("escape")
        await pilot.press("full_stop")
        await pilot.pause()
        assert app.as_of > D("2018-04-19")


# --- item 11: keys in the details pane and the help ------------------------------------------------


async def test_h_and_backspace_in_the_details_go_back_to_the_place_columns(app_factory) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await jump(pilot, DUMAIR)
        for key in ("h", "backspace", "left"):
            await pilot.press("tab")
            await pilot.pause()
            assert isinstance(app.focused, DetailPane)
            await pilot.press(key)
            await pilot.pause()
            assert app.focused is app.miller.current, key
            # The place shown stays highlighted: back to its own column, not up a level.
            assert app.miller.highlighted.id == DUMAIR


async def test_l_in_the_details_goes_into_the_place_shown(app_factory) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await jump(pilot, RURAL)
        await pilot.press("tab", "l")
        await pilot.pause()
        assert app.focused is app.miller.current
        assert app.miller.parent_id == RURAL  # the columns list the places under it
        # A place with nothing under it: the pane keeps the focus and says so.
        await jump(pilot, DUMAIR)
        await pilot.press("tab", "l")
        await pilot.pause()
        assert isinstance(app.focused, DetailPane)
        assert any("Dumair has no places under it" in n.message for n in app._notifications)


async def test_g_and_G_scroll_the_details(app_factory) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await jump(pilot, RURAL)
        await pilot.press("tab", "G")
        await pilot.pause()
        pane = app.query_one(DetailPane)
        assert pane.max_scroll_y > 0 and pane.scroll_y == pane.max_scroll_y
        await pilot.press("g")
        await pilot.pause()
        assert pane.scroll_y == 0


async def test_the_help_scrolls_with_j_k_g_G_and_lists_tab(app_factory) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        scroller = app.screen.query_one(VerticalScroll)
        assert scroller.max_scroll_y > 0
        top = screen_lines(app)
        await pilot.press("j", "j", "j")
        await pilot.pause()
        assert scroller.scroll_y == 3
        assert screen_lines(app) != top
        await pilot.press("k")
        await pilot.pause()
        assert scroller.scroll_y == 2
        await pilot.press("G")
        await pilot.pause()
        assert scroller.scroll_y == scroller.max_scroll_y
        await pilot.press("pageup")
        await pilot.pause()
        assert scroller.scroll_y < scroller.max_scroll_y
        await pilot.press("g")
        await pilot.pause()
        assert scroller.scroll_y == 0
    app = app_factory()
    async with app.run_test(size=(120, 90)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        shown = "\n".join(screen_lines(app))
        assert "tab  Focus the next pane" in shown
        assert "shift+tab  Focus the previous pane" in shown
        details = shown[shown.index("Details pane"):]
        assert "Back to the place columns" in details.split("nav.ascend")[0]
        assert "Into the place shown" in details.split("nav.descend")[0]


# --- item 12: the chart uses the space -------------------------------------------------------------


def chart_lines(app: Any) -> list[str]:
    """The chart's lines in the detail pane, from the marker to the legend."""
    lines = app.query_one(DetailPane).plain.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("Control over time")) + 2
    end = next(i for i, line in enumerate(lines) if line.startswith("one column") and i > start)
    return lines[start : end + 1]


async def test_the_chart_fills_the_pane_at_every_size(app_factory) -> None:
    heights = {}
    for size in ((80, 24), (120, 40), (200, 50)):
        app = app_factory(at=D("2018-04-19"))
        async with app.run_test(size=size) as pilot:
            await jump(pilot, RURAL)
            pane = app.query_one(DetailPane)
            width = pane.scrollable_content_region.width
            lines = chart_lines(app)
            bars = [line for line in lines if line and set(line) <= set("█▓▒░▚· ")]
            assert bars, lines
            # Every column is used: the bars end at the pane's edge.
            assert all(len(line.rstrip()) == width for line in bars), (size, width, [len(b) for b in bars])
            legend = lines[-1]
            assert legend.startswith("one column ≈ ") and " days" in legend, legend
            heights[size] = len(bars)
    assert heights[(80, 24)] >= ControlChart.HEIGHT - 4
    assert heights[(200, 50)] > heights[(120, 40)] - 1 >= heights[(80, 24)]
    assert heights[(200, 50)] >= 18  # most of the free rows, up to the cap
    assert heights[(200, 50)] <= ControlChart.MAX_HEIGHT


# --- item 13: wording -----------------------------------------------------------------------------


async def test_a_status_change_by_the_same_faction_names_it_once_with_one_arrow(app_factory) -> None:
    app = app_factory(at=D("2018-04-18"))
    async with app.run_test(size=(120, 40)) as pilot:
        await jump(pilot, HAJAR_AL_ASWAD)
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert app.as_of == D("2018-04-19")
        line = status_line(app)
        assert "Hajar al-Aswad: Islamic State, held → contested" in line, line
        assert "->" not in line
        await pilot.press("right_square_bracket")
        await pilot.pause()
        line = status_line(app)
        assert "Islamic State (contested) → Syrian Arab Army" in line, line
        # The detail pane's history uses the same arrow.
        assert "→" in app.query_one(DetailPane).section("history")


# --- item 14: borders readable on a light theme ----------------------------------------------------


def border_colour(widget: Any) -> Color:
    return widget.styles.border_top[1]


async def test_an_unfocused_pane_border_is_readable_on_the_light_theme(app_factory) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        for theme in ("textual-light", "textual-dark", "solarized-light", "catppuccin-latte"):
            app.theme = theme
            await pilot.pause()
            background = Color.parse(app.theme_variables["background"])
            unfocused = [app.query_one(DetailPane), app.miller.preview]
            assert app.focused is app.miller.current
            for pane in unfocused:
                ratio = contrast(border_colour(pane), background)
                assert ratio >= MIN_CONTRAST, (theme, pane.id, ratio)
            focused = border_colour(app.miller.current)
            assert contrast(focused, background) >= MIN_CONTRAST, theme
            assert focused != border_colour(app.miller.preview), theme  # the focused pane stands out
            # What the screen draws for the detail pane's top-right corner is that colour.
            pane = app.query_one(DetailPane)
            strip = app.screen._compositor.render_strips()[pane.region.y]
            corner = [seg for seg in strip if "╮" in seg.text][-1]
            assert corner.style.color.triplet == border_colour(pane).rich_color.triplet, theme
