"""The analyst's views, driven by keys: the situation at a date, what changed
between two dates, jumps back and forward, sources opened and copied, month
steps, and what the explorer remembers between runs."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rich.style import Style

import tui.links as links
from store import Store
from tui.app import FrontlinesApp
from tui.screens.changes import ChangesScreen
from tui.screens.choose import ChoiceScreen
from tui.screens.situation import SituationScreen
from tui.widgets.chronicle import Chronicle
from tui.widgets.detail import DetailPane

D = date.fromisoformat
DUMAIR, DOUMA, YARMOUK = "C2346", "C2338", "C10011023"


def screen_text(app: Any) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def chronicle(app: Any) -> str:
    return app.main_screen.query_one(Chronicle).messages[-1].plain


class CountingPilot:
    """Presses keys through a Pilot and counts them, as a user would count."""

    def __init__(self, pilot: Any) -> None:
        self.pilot = pilot
        self.keys = 0

    async def press(self, *keys: str) -> None:
        for key in keys:
            self.keys += 1
            await self.pilot.press(key)
        await self.pilot.pause()

    async def type(self, text: str) -> None:
        """Typing a value into a prompt counts as one step (the keys are the value itself)."""
        self.keys += 1
        await self.pilot.press(*text)
        await self.pilot.pause()


# --- the analyst's first question ------------------------------------------------------------------


async def test_outside_government_control_on_2018_05_01_in_five_steps(app_factory) -> None:
    app = app_factory(at=None)  # as a new user starts: at the end of the data, the province highlighted
    async with app.run_test(size=(80, 24)) as pilot:
        user = CountingPilot(pilot)
        await pilot.pause()
        await user.press("t")
        await user.type("2018-05-01")
        await user.press("enter", "s", "n")
        assert user.keys <= 5
        shown = screen_text(app)
        assert "Damascus Province on 2018-05-01" in shown and "Situation" in shown
        assert "not government: 14 of 297 places" in shown
        for name in ("Yalda", "Babbila", "Beit Sahm", "Yarmouk Camp", "Hajar al-Aswad", "Tadamoun"):
            assert name in shown, name
        assert "Islamic State · contested" in shown
        assert "Douma" not in shown  # retaken 2018-04-12


async def test_with_the_date_given_it_takes_two_keys(app_factory) -> None:
    app = app_factory(at=D("2018-05-01"))
    async with app.run_test(size=(120, 40)) as pilot:
        user = CountingPilot(pilot)
        await user.press("s", "n")
        assert user.keys == 2
        assert "not government: 14 of 297 places" in screen_text(app)


# --- the situation view ------------------------------------------------------------------------------


async def test_situation_groups_fold_and_open(app_factory) -> None:
    app = app_factory(at=D("2018-05-01"))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        shown = screen_text(app)
        # 297 places: the big government group starts folded, the small ones open.
        assert "▸ ■ Syrian Arab Army  283 places" in shown
        assert "▾ ◆ Islamic State · contested ×  3 places" in shown
        assert "Yarmouk Camp" in shown
        await pilot.press("j", "j", "j", "j", "j")  # into the Islamic State group
        await pilot.press("h")
        await pilot.pause()
        shown = screen_text(app)
        assert "▸ ◆ Islamic State" in shown and "Yarmouk Camp" not in shown
        await pilot.press("l")
        await pilot.pause()
        assert "Yarmouk Camp" in screen_text(app)
        await pilot.press("z")  # fold every group
        await pilot.pause()
        assert "Yarmouk Camp" not in screen_text(app) and "Babbila" not in screen_text(app)


async def test_situation_enter_jumps_and_back_returns(app_factory) -> None:
    app = app_factory(at=D("2018-05-01"))
    async with app.run_test(size=(100, 40)) as pilot:
        start = app.focus_region
        await pilot.press("s", "n")
        await pilot.pause()
        rows = app.screen.query_one("#situation-list")
        index = rows.get_option_index(f"p:{YARMOUK}")
        rows.highlighted = index
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, SituationScreen)
        assert app.focus_region == YARMOUK
        await pilot.press("less_than_sign")
        await pilot.pause()
        assert app.focus_region == start
        assert "Back: Damascus Province" in chronicle(app)
        await pilot.press("greater_than_sign")
        await pilot.pause()
        assert app.focus_region == YARMOUK


async def test_situation_follows_the_date(app_factory) -> None:
    app = app_factory(at=D("2018-04-11"))
    async with app.run_test(size=(100, 40)) as pilot:
        app.jump_to("SY0302")  # Duma district
        await pilot.pause()
        await pilot.press("s", "n")
        await pilot.pause()
        assert "Douma" in screen_text(app)
        await pilot.press("right_square_bracket")  # the next change in Duma district: 2018-04-12
        await pilot.pause()
        shown = screen_text(app)
        assert "on 2018-04-12" in shown
        assert "Douma" not in shown.split("\n", 2)[2]  # the list, below the heading


async def test_situation_filter_picker_offers_what_is_there_with_counts(app_factory) -> None:
    app = app_factory(at=D("2018-05-01"))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("s", "b")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        shown = screen_text(app)
        assert "Islamic State  3" in shown and "Not government (not recorded included)  14" in shown
        assert "Kurdish" not in shown  # no Kurdish-led force held anything here
        choices = [label.plain for label, _ in app.screen.choices]
        await pilot.press(*["j"] * next(n for n, c in enumerate(choices) if c.startswith("◆ Islamic State")), "enter")
        await pilot.pause()
        assert isinstance(app.screen, SituationScreen)
        listed = [p.region.name for g in app.screen.situation.groups for p in g.places]
        assert sorted(listed) == ["Hajar al-Aswad", "Tadamoun", "Yarmouk Camp"]
        assert "Islamic State: 3 of 297 places" in screen_text(app)


async def test_situation_shows_stored_names_literally() -> None:
    tables = {
        "meta": [{"id": "meta", "schema_version": 1, "title": "t"}],
        "sources": [],
        "factions": [{"id": "r", "name": "[bold]Rebels[/]", "short": "R", "bloc": "opposition"}],
        "regions": [
            {"id": "p", "name": "Province", "level": "province"},
            {"id": "a", "name": "[@click=app.quit]Town", "level": "community", "parent": "p"},
        ],
        "periods": [{"id": "a1", "region": "a", "faction": "r", "status": "held", "from": "2018-01-01"}],
        "events": [],
        "claims": [],
    }
    app = FrontlinesApp(Store.from_tables(tables), at=D("2018-02-01"), use_keymap_file=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        shown = screen_text(app)
        assert "[bold]Rebels[/]" in shown and "[@click=app.quit]Town" in shown
        await pilot.click("#situation-list", offset=(10, 1))
        await pilot.pause()
        assert app.is_running


# --- what changed ------------------------------------------------------------------------------------


async def test_changes_since_the_previous_step_with_event_and_sources(app_factory) -> None:
    app = app_factory(at=D("2018-04-11"))
    async with app.run_test(size=(120, 40)) as pilot:
        app.jump_to("SY0302")
        await pilot.pause()
        await pilot.press("right_square_bracket", "w")
        await pilot.pause()
        assert isinstance(app.screen, ChangesScreen)
        shown = screen_text(app)
        assert "Douma, 2018-04-12 to 2018-04-12 · 1 change, 1 place · since the last step" in shown
        assert "Douma" in shown and "Jaysh al-Islam (besieged) → Syrian Arab Army" in shown
        assert "takeover: Government flag over Douma" in shown
        assert "[1] Wikipedia" in shown and "https://en.wikipedia.org/wiki/Rif_Dimashq_offensive" in shown
        await pilot.press("enter")
        await pilot.pause()
        assert app.focus_region == DOUMA and app.as_of == D("2018-04-12")


async def test_changes_from_a_chosen_date_and_a_status_change_in_words(app_factory) -> None:
    app = app_factory(at=D("2018-04-30"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("w", "d")
        await pilot.pause()
        await pilot.press(*"2018-04-19", "enter")
        await pilot.pause()
        shown = screen_text(app)
        assert "2018-04-19 to 2018-04-30" in shown and "from the date you chose" in shown
        assert "Islamic State: held → contested" in shown  # not "Islamic State -> Islamic State (contested)"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ChangesScreen)


async def test_changes_follow_each_step(app_factory) -> None:
    app = app_factory(at=D("2018-04-01"))
    async with app.run_test(size=(120, 40)) as pilot:
        app.jump_to("SY0302")
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        await pilot.press("right_square_bracket")  # 2018-04-12, with the view open
        await pilot.pause()
        assert "Douma, 2018-04-02 to 2018-04-12" in screen_text(app)
        found = app.screen.found
        assert [c.region.name for c in found] == ["Douma"]


# --- month steps -------------------------------------------------------------------------------------


async def test_month_steps_keep_the_end_of_the_month_and_say_what_changed(app_factory) -> None:
    app = app_factory(at=D("2018-01-31"))
    async with app.run_test(size=(120, 40)) as pilot:
        days = []
        for _ in range(3):
            await pilot.press("right_curly_bracket")
            await pilot.pause()
            days.append(app.as_of)
        assert days == [D("2018-02-28"), D("2018-03-31"), D("2018-04-30")]
        line = chronicle(app)
        assert "places in Damascus Province changed control from 2018-04-01 to 2018-04-30" in line
        assert "Douma" in line and "w lists them" in line
        await pilot.press("left_curly_bracket")
        await pilot.pause()
        assert app.as_of == D("2018-03-31")


async def test_month_step_with_no_change_says_so(app_factory) -> None:
    app = app_factory(at=D("2016-02-15"))
    async with app.run_test(size=(120, 40)) as pilot:
        app.jump_to(DUMAIR)
        await pilot.pause()
        await pilot.press("right_curly_bracket")
        await pilot.pause()
        assert app.as_of == D("2016-03-15")
        assert chronicle(app) == "2016-03-15: no change of control in Dumair from 2016-02-16 to 2016-03-15"


# --- back and forward -------------------------------------------------------------------------------


async def test_search_jumps_are_recorded(app_factory) -> None:
    app = app_factory(at=D("2018-04-19"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"Dumair", "enter")
        await pilot.pause()
        assert app.focus_region == DUMAIR
        await pilot.press("slash", *"Douma", "enter")
        await pilot.pause()
        assert app.focus_region == DOUMA
        await pilot.press("less_than_sign")
        await pilot.pause()
        assert app.focus_region == DUMAIR
        await pilot.press("less_than_sign")
        await pilot.pause()
        assert app.focus_region == "FL-DAMASCUS-PROVINCE"
        await pilot.press("less_than_sign")
        await pilot.pause()
        assert chronicle(app) == "No jump to go back from."
        await pilot.press("greater_than_sign", "greater_than_sign")
        await pilot.pause()
        assert app.focus_region == DOUMA


async def test_an_event_jump_goes_back_to_the_date(app_factory) -> None:
    app = app_factory(at=D("2018-01-01"))
    async with app.run_test(size=(120, 40)) as pilot:
        app.jump_to(DUMAIR)
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.as_of != D("2018-01-01")
        await pilot.press("escape", "less_than_sign")
        await pilot.pause()
        assert app.as_of == D("2018-01-01") and app.focus_region == DUMAIR


# --- sources: hyperlinks, open, copy ----------------------------------------------------------------


def _link_segments(app: Any) -> list[tuple[str, str]]:
    """(text shown, link target) of every hyperlink in the detail pane's lines."""
    pane = app.main_screen.query_one(DetailPane)
    out = []
    for line in pane._lines:
        if line is None:
            continue
        for span in line.spans:
            if isinstance(span.style, Style) and span.style.link:
                out.append((line.plain[span.start : span.end], span.style.link))
    return out


async def test_addresses_are_hyperlinks_never_broken_across_lines(app_factory) -> None:
    app = app_factory(at=D("2018-04-20"))
    async with app.run_test(size=(80, 24)) as pilot:
        app.jump_to(DUMAIR)
        await pilot.pause()
        pane = app.main_screen.query_one(DetailPane)
        pane._update_lines()
        found = _link_segments(app)
        assert found, "no address is a hyperlink"
        width = pane.scrollable_content_region.width
        for shown_text, target in found:
            assert target.startswith("http")
            assert target.startswith(shown_text.rstrip("…")), (shown_text, target)  # cut, never folded
        assert any(len(target) > width and shown.endswith("…") for shown, target in found)
        # What is drawn carries the whole address as an OSC 8 link.
        pane.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        drawn = [seg.style.link for y in range(pane.size.height) for seg in pane.render_line(y) if seg.style and seg.style.link]
        assert set(drawn) <= {target for _, target in found} and drawn


async def test_open_source_launches_only_web_addresses(app_factory, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(links, "_launch", lambda url: opened.append(url) or True)
    app = app_factory(at=D("2018-04-20"))
    async with app.run_test(size=(120, 40)) as pilot:
        app.jump_to(DUMAIR)
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        if isinstance(app.screen, ChoiceScreen):  # several sources: pick the first
            await pilot.press("enter")
            await pilot.pause()
        assert len(opened) == 1 and opened[0].startswith("http")
        assert f"Opened {opened[0]} in the browser" == chronicle(app)


async def test_over_ssh_the_address_is_copied_instead(app_factory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(links, "_launch", None)
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.1 22 10.0.0.2 5000")
    app = app_factory(at=D("2018-04-20"))
    async with app.run_test(size=(120, 40)) as pilot:
        app.jump_to(DUMAIR)
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        if isinstance(app.screen, ChoiceScreen):
            await pilot.press("enter")
            await pilot.pause()
        line = chronicle(app)
        assert line.startswith("Not opened (this is an SSH session); the address is copied: http")
        assert app.clipboard == line.rsplit(": ", 1)[1]


async def test_open_source_where_none_is_cited_says_so(app_factory) -> None:
    app = app_factory(at=D("2017-06-01"))
    async with app.run_test(size=(120, 40)) as pilot:
        app.jump_to("C2383")  # Al Qutayfah sub-district: derived, nothing recorded
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        assert chronicle(app).startswith("No source is cited for")


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://example.org/a", True),
        ("http://example.org", True),
        ("javascript:alert(1)", False),
        ("file:///etc/passwd", False),
        ("https://", False),
        ("", False),
        (None, False),
    ],
)
def test_only_web_addresses_are_openable(url: str | None, ok: bool) -> None:
    assert links.openable(url) is ok


async def test_copy_offers_the_place_id_a_citation_and_the_status_line(app_factory) -> None:
    app = app_factory(at=D("2018-04-20"))
    async with app.run_test(size=(120, 40)) as pilot:
        app.jump_to(DUMAIR)
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        labels = [label.plain for label, _ in app.screen.choices]
        assert labels[0] == "Place id: C2346  (P-code C2346)"
        assert any(label.startswith("Citation: ") for label in labels)
        assert labels[-1].startswith("Status line: ")
        await pilot.press("enter")
        await pilot.pause()
        assert app.clipboard == DUMAIR
        said = chronicle(app)
        await pilot.press("c", "G", "enter")  # the last choice: the status line
        await pilot.pause()
        assert app.clipboard == said


# --- remembered between runs -------------------------------------------------------------------------


async def test_theme_date_and_place_are_remembered(bundled_store, tmp_path: Path) -> None:
    state = tmp_path / "state" / "state.json"
    app = FrontlinesApp(bundled_store, use_keymap_file=False, state_path=state)
    async with app.run_test(size=(120, 40)) as pilot:
        app.theme = "textual-light"
        app.jump_to(DUMAIR)
        await pilot.pause()
        await pilot.press("right_square_bracket")
        await pilot.pause()
        day = app.as_of
    assert app.save_state() is None
    saved = json.loads(state.read_text(encoding="utf-8"))
    assert saved["theme"] == "textual-light"
    again = FrontlinesApp(bundled_store, use_keymap_file=False, state_path=state)
    assert again.theme == "textual-light"
    async with again.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert again.focus_region == DUMAIR and again.as_of == day
    # A date asked for on the command line wins over the remembered one.
    asked = FrontlinesApp(bundled_store, at=D("2016-06-01"), use_keymap_file=False, state_path=state)
    async with asked.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert asked.as_of == D("2016-06-01") and asked.focus_region == DUMAIR


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[]", b'{"theme": 3, "databases": []}', b'{"databases": {"x": {"as_of": "2099-99-99"}}}', b"\xff\xfe"],
)
async def test_a_broken_state_file_is_ignored(bundled_store, tmp_path: Path, content: bytes) -> None:
    state = tmp_path / "state.json"
    state.write_bytes(content)
    app = FrontlinesApp(bundled_store, use_keymap_file=False, state_path=state)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.as_of == bundled_store.span[1]
        assert app.focus_region == "FL-DAMASCUS-PROVINCE"
    assert app.save_state() is None
    assert json.loads(state.read_text(encoding="utf-8"))["databases"]


def test_the_command_remembers_the_place_for_the_next_run(tmp_path: Path) -> None:
    """As a user runs it: frontlines in a terminal, into Rural Damascus, quit; the state file says so."""
    import os
    import pty
    import select
    import shutil
    import subprocess
    import sys
    import time

    from store.locate import bundled_path

    exe = Path(sys.executable).parent / "frontlines"
    if not exe.exists():
        exe = Path(shutil.which("frontlines") or "frontlines")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "FRONTLINES_DB": str(bundled_path()),
        "TERM": "xterm-256color",
        "COLUMNS": "100",
        "LINES": "30",
    }
    if "PYTHONPATH" in os.environ:
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]

    def session(keys: list[bytes]) -> str:
        master, slave = pty.openpty()
        proc = subprocess.Popen([str(exe), "--at", "2018-04-20"], stdin=slave, stdout=slave, stderr=slave, env=env,
                                close_fds=True, start_new_session=True)
        os.close(slave)
        seen = b""
        pending = list(keys)
        deadline = time.monotonic() + 30
        try:
            while time.monotonic() < deadline and proc.poll() is None:
                ready, _, _ = select.select([master], [], [], 0.1)
                if ready:
                    try:
                        seen += os.read(master, 65536)
                    except OSError:
                        break
                if b"Data 2016-01-01" in seen and pending:  # the explorer is up: type
                    os.write(master, pending.pop(0))
                    time.sleep(0.3)
            else:
                if proc.poll() is None:
                    proc.kill()
                    pytest.fail("the explorer did not quit")
        finally:
            os.close(master)
        assert proc.wait(timeout=5) == 0
        return seen.decode("utf-8", "replace")

    session([b"l", b"j", b"q"])
    saved = json.loads((tmp_path / "state" / "frontlines" / "state.json").read_text(encoding="utf-8"))
    (entry,) = saved["databases"].values()
    assert entry == {"as_of": "2018-04-20", "place": "SY03"}  # Rural Damascus
    session([b"q"])  # opened there again, and left there
    saved = json.loads((tmp_path / "state" / "frontlines" / "state.json").read_text(encoding="utf-8"))
    assert list(saved["databases"].values())[0]["place"] == "SY03"


async def test_an_events_address_is_cut_never_folded(app_factory) -> None:
    """In the highlighted event's detail too, at 80x24: each address on one line, linked whole."""
    from tui.widgets.events import EventsPane

    app = app_factory(at=D("2018-04-20"))
    async with app.run_test(size=(80, 24)) as pilot:
        app.jump_to("SY03")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        pane = app.main_screen.query_one(EventsPane)
        detail = pane.event_detail
        detail._wrap()
        width = detail.scrollable_content_region.width
        linked = [
            (line.plain[span.start : span.end], span.style.link)
            for line in detail._lines
            for span in line.spans
            if isinstance(span.style, Style) and span.style.link
        ]
        assert linked, "no address is a hyperlink"
        for shown_text, target in linked:
            assert target.startswith(shown_text.rstrip("…"))
        assert any(len(target) > width for _, target in linked)  # one too long for the box: cut, not folded
        assert all(line.cell_len <= width for line in detail._lines)


@pytest.mark.parametrize("key, screen_name", [("e", "FrontlinesApp"), ("f", "FrontlinesApp"), ("slash", "SearchScreen")])
async def test_pane_and_search_keys_from_a_view_leave_it(app_factory, key: str, screen_name: str) -> None:
    app = app_factory(at=D("2018-05-01"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SituationScreen)
        await pilot.press(key)
        await pilot.pause()
        assert not any(isinstance(s, SituationScreen) for s in app.screen_stack)
        if screen_name == "SearchScreen":
            assert type(app.screen).__name__ == "SearchScreen"
        else:
            assert app.screen is app.main_screen and app.pane == {"e": "events", "f": "factions"}[key]
