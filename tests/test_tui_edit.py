"""The explorer's editing forms, driven by keys: record a change of control,
add an event, edit and delete periods and events.

Each test edits its own copy of the fixture database (opened writable), with
the author, device, state and config kept out of the home folder.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from store import Store
from tui.app import make_app
from tui.screens.choose import ChoiceScreen
from tui.screens.edit_forms import ControlForm, EventForm, PeriodForm
from tui.screens.form import FormScreen, Row
from tui.widgets.detail import DetailPane
from tui.widgets.events import EventsPane

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "damascus.json"
DUMAIR, DUMAIR_AREA, OLD_CITY = "C2346", "SY030203", "C10011027"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FRONTLINES_AUTHOR", "field-tester")
    monkeypatch.setenv("FRONTLINES_DEVICE", "laptop-7")
    monkeypatch.setenv("FRONTLINES_STATE", str(tmp_path / "state"))
    monkeypatch.setenv("FRONTLINES_CONFIG", str(tmp_path / "config.toml"))
    copy = tmp_path / "damascus.json"
    shutil.copyfile(FIXTURE, copy)
    return copy


@pytest.fixture
def store(db: Path) -> Any:
    opened = Store.open(db, readonly=False)
    yield opened
    opened.close()


def app_on(store: Any, day: date = date(2018, 6, 1)) -> Any:
    return make_app(store, at=day, use_keymap_file=False)


def screen_text(app: Any) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def row(app: Any, row_id: str) -> Row:
    return app.screen.query_one(f"#{row_id}", Row)


def history_bytes(store: Any) -> bytes | None:
    path = store.history_file
    return path.read_bytes() if path.exists() else None


async def open_on(pilot: Any, app: Any, place: str, key: str) -> None:
    app.jump_to(place)
    await pilot.pause()
    await pilot.press(key)
    await pilot.pause()


async def type_text(pilot: Any, text: str) -> None:
    await pilot.press(*text)
    await pilot.pause()


async def record_islamic_state(pilot: Any, source: str = "SANA, Dumair changes hands, https://sana.sy/en/?p=1") -> None:
    """Faction by fuzzy search, status contested, the date as the explorer's, a free-text source."""
    await type_text(pilot, "islamic st")
    await pilot.press("enter")  # picks Islamic State, on to the status
    await pilot.press("right")  # held -> contested
    await pilot.press("tab", "tab", "tab")  # date (kept), precision, source
    await type_text(pilot, source)


# --- recording a change of control ----------------------------------------------------------------


async def test_record_a_change_for_dumair(store: Any) -> None:
    app = app_on(store)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = app.main_screen.query_one(DetailPane)
        app.jump_to(DUMAIR_AREA)
        await pilot.pause()
        area_before = (detail.section("breakdown"), detail.section("over-time"))
        assert "Islamic State" not in area_before[0]
        await open_on(pilot, app, DUMAIR, "r")
        assert isinstance(app.screen, ControlForm)
        # Nothing is red before anything is typed; the date is the explorer's.
        assert "2018-06-01" in screen_text(app)
        assert row(app, "row-faction").error is None
        await record_islamic_state(pilot)
        assert "new source: publication “SANA”, title “Dumair changes hands”" in row(app, "row-source").message
        assert "Will record: Dumair: Islamic State (contested) from 2018-06-01" in screen_text(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, FormScreen)
        # On screen at once: the details, the history, the column, the status line.
        assert "Islamic State" in detail.section("control")
        assert "2018-06-01 → …" in detail.section("history")
        assert "Last edited by field-tester on" in detail.section("about")
        shown = screen_text(app)
        assert "Saved: Dumair: Islamic State (contested) from 2018-06-01" in shown
        assert any("Dumair" in line and "◆" in line for line in shown.splitlines())  # the jihadist bloc's glyph
        # The area above it: its breakdown and its chart.
        app.jump_to(DUMAIR_AREA)
        await pilot.pause()
        assert "Islamic State" in detail.section("breakdown")
        assert detail.section("over-time") != area_before[1]
    change = store.log()[-1]
    assert change.kind == "control" and change.author == "field-tester" and change.device == "laptop-7"
    assert change.summary.startswith("Dumair: Islamic State (contested) from 2018-06-01")
    now = store.period_at(DUMAIR, date(2018, 6, 1))
    assert (now.faction, now.status, now.start) == ("isis", "contested", date(2018, 6, 1))
    assert store.period_at(DUMAIR, date(2018, 5, 31)).faction == "saa"
    source = store.sources[now.sources[0]]
    assert (source.publication, source.title, source.url) == ("SANA", "Dumair changes hands", "https://sana.sy/en/?p=1")
    # Durable: a reader opening the file now sees it.
    with Store.open(store.path) as again:
        assert again.period_at(DUMAIR, date(2018, 6, 1)).faction == "isis"
        assert [c.id for c in again.log()] == [change.id]


async def test_typing_in_a_filled_field_replaces_what_is_there(store: Any) -> None:
    app = app_on(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_on(pilot, app, DUMAIR, "r")
        await type_text(pilot, "islamic st")
        await pilot.press("enter", "right", "tab")  # on to the date, which holds the explorer's
        assert app.screen.query_one("#control-date").value == "2018-06-01"
        await type_text(pilot, "2018-05-25")
        assert app.screen.query_one("#control-date").value == "2018-05-25"
        assert row(app, "row-date").error is None


async def test_an_existing_source_is_picked_by_search(store: Any) -> None:
    app = app_on(store, date(2018, 4, 10))  # the source below was published on the 19th
    async with app.run_test(size=(100, 32)) as pilot:
        await open_on(pilot, app, DUMAIR, "r")
        await type_text(pilot, "isis")
        await pilot.press("enter", "tab", "tab", "tab")
        await type_text(pilot, "syriadirect")
        await pilot.press("down", "enter")  # past "new source", to the existing one; on to its date
        await pilot.pause()
        assert "existing source:" in row(app, "row-source").message
        assert app.screen.focused is app.screen.query_one("#control-source-date")
        await pilot.press("enter", "enter", "enter")  # the confidence, the note: Enter on the last field saves
        await pilot.pause()
        assert not isinstance(app.screen, FormScreen)
    assert store.period_at(DUMAIR, date(2018, 4, 10)).sources == ("syriadirect-2018-04-19",)
    assert len(store.log()[-1].ops) == 2  # no new source was added


async def test_a_month_typed_is_month_precision(store: Any) -> None:
    app = app_on(store)
    async with app.run_test(size=(100, 32)) as pilot:
        await open_on(pilot, app, DUMAIR, "r")
        await record_islamic_state(pilot)
        app.screen.query_one("#control-date").focus()
        await pilot.pause()
        await pilot.press("ctrl+a", "ctrl+k")  # clear the field
        await type_text(pilot, "2018-07")
        assert app.screen.query_one("#control-precision").value == "month"
        assert "from 2018-07-01 (month precision)" in row(app, "row-date").message
        await pilot.press("ctrl+s")
        await pilot.pause()
    period = store.period_at(DUMAIR, date(2018, 7, 1))
    assert (period.faction, period.from_precision, period.since_text) == ("isis", "month", "2018-07")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("2018-02-30", "2018-02-30"), ("2019-05-01", "outside the data (2016-01-01 to 2018-12-31)")],
)
async def test_a_bad_date_shows_beside_the_field_and_writes_nothing(store: Any, typed: str, expected: str) -> None:
    app = app_on(store)
    async with app.run_test(size=(100, 32)) as pilot:
        await open_on(pilot, app, DUMAIR, "r")
        await record_islamic_state(pilot)
        app.screen.query_one("#control-date").focus()
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, typed)
        message = row(app, "row-date").message
        assert expected in message and row(app, "row-date").error
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ControlForm)  # still open, to correct it
        assert expected in screen_text(app)
    assert history_bytes(store) is None
    assert store.period_at(DUMAIR, date(2018, 6, 1)).faction == "saa"


async def test_a_period_starting_that_day_is_explained_and_replaced_if_asked(store: Any) -> None:
    app = app_on(store, date(2018, 4, 20))
    async with app.run_test(size=(100, 32)) as pilot:
        await open_on(pilot, app, DUMAIR, "r")
        await record_islamic_state(pilot)
        assert "already has a period from 2018-04-20" in row(app, "row-date").message
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        assert "replace what starts on 2018-04-20" in screen_text(app)
        await pilot.press("escape")  # back to the form, nothing written
        await pilot.pause()
        assert isinstance(app.screen, ControlForm)
        assert history_bytes(store) is None
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("enter")  # the fix: replace it
        await pilot.pause()
        assert not isinstance(app.screen, FormScreen)
    period = store.period_at(DUMAIR, date(2018, 4, 20))
    assert (period.id, period.faction, period.status) == ("p-C2346-2", "isis", "contested")


async def test_markup_typed_is_saved_and_shown_literally(store: Any) -> None:
    app = app_on(store)
    async with app.run_test(size=(100, 32)) as pilot:
        await open_on(pilot, app, DUMAIR, "r")
        await record_islamic_state(pilot, "[@click=app.quit], [red]x[/], https://example.org/a")
        assert "publication “[@click=app.quit]”, title “[red]x[/]”" in screen_text(app)
        app.screen.query_one("#control-note").focus()
        await type_text(pilot, "[red]x[/] [link=https://evil]y[/link]")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.is_running  # the click-action text did not run
        detail = app.main_screen.query_one(DetailPane)
        assert "[red]x[/] [link=https://evil]y[/link]" in detail.section("control")
        assert "[@click=app.quit]" in detail.section("sources")
    period = store.period_at(DUMAIR, date(2018, 6, 1))
    assert period.note == "[red]x[/] [link=https://evil]y[/link]"
    source = store.sources[period.sources[0]]
    assert (source.publication, source.title) == ("[@click=app.quit]", "[red]x[/]")


async def test_an_unknown_faction_is_told_and_nothing_saved(store: Any) -> None:
    app = app_on(store)
    async with app.run_test(size=(100, 32)) as pilot:
        await open_on(pilot, app, DUMAIR, "r")
        await type_text(pilot, "zzqx")
        await pilot.press("tab")
        await pilot.pause()
        assert "no a faction" not in row(app, "row-faction").message
        assert "no faction matches 'zzqx'" in row(app, "row-faction").message
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ControlForm)
    assert history_bytes(store) is None


async def test_a_disk_that_cannot_be_written_keeps_the_form_and_loses_nothing(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    from unittest import mock

    from store.history import History

    real_write = History._write

    def disk_full(self: Any, data: bytes) -> None:
        with mock.patch("os.write", side_effect=OSError(errno.ENOSPC, "No space left on device")):
            real_write(self, data)

    app = app_on(store)
    async with app.run_test(size=(100, 32)) as pilot:
        await open_on(pilot, app, DUMAIR, "r")
        await record_islamic_state(pilot)
        monkeypatch.setattr(History, "_write", disk_full)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ControlForm)  # still open, everything typed still there
        assert "Not saved:" in screen_text(app) and "No space left on device; nothing was saved" in screen_text(app)
        assert store.log() == [] and store.period_at(DUMAIR, date(2018, 6, 1)).faction == "saa"
        monkeypatch.setattr(History, "_write", real_write)  # room again: the same form saves
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, FormScreen)
    assert [c.kind for c in store.log()] == ["control"]
    with Store.open(store.path) as again:
        assert len(again.log()) == 1


async def test_escape_closes_the_form_and_writes_nothing(store: Any) -> None:
    app = app_on(store)
    async with app.run_test(size=(100, 32)) as pilot:
        await open_on(pilot, app, DUMAIR, "r")
        await record_islamic_state(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, FormScreen)
    assert history_bytes(store) is None


# --- editing and deleting periods ----------------------------------------------------------------


async def test_a_period_edit_that_overlaps_is_explained_and_fixed_if_asked(store: Any) -> None:
    app = app_on(store)  # the army's period, from 2018-04-20
    async with app.run_test(size=(100, 32)) as pilot:
        await open_on(pilot, app, DUMAIR, "i")
        assert isinstance(app.screen, PeriodForm)
        assert app.screen.query_one("#period-from").value == "2018-04-20"
        app.screen.query_one("#period-from").focus()
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, "2018-04-15")
        assert "it would overlap the period before it (to 2018-04-19)" in row(app, "row-from").message
        assert "Saving will offer: move the neighbouring periods' dates to meet it" in screen_text(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert history_bytes(store) is None  # not saved broken, not saved at all
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("enter")  # move the neighbour
        await pilot.pause()
        assert not isinstance(app.screen, FormScreen), screen_text(app)
    assert store.periods["p-C2346-1"].end == date(2018, 4, 14)
    assert store.periods["p-C2346-2"].start == date(2018, 4, 15)
    assert store.log()[-1].kind == "edit"


async def test_a_period_known_to_the_month_keeps_its_precision_when_edited(store: Any) -> None:
    app = app_on(store, date(2016, 6, 1))
    async with app.run_test(size=(100, 32)) as pilot:
        await open_on(pilot, app, "C2287", "f2")
        assert isinstance(app.screen, PeriodForm)
        assert app.screen.query_one("#period-from").value == "2016-05"
        assert app.screen.query_one("#period-precision").value == "month"
        assert "Nothing changed yet" in screen_text(app)
        app.screen.query_one("#period-confidence").focus()
        await pilot.press("h")  # high (it was low)
        await pilot.pause()
        assert "Will record:" in screen_text(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
    period = store.periods["p-C2287-1"]
    assert (period.start, period.from_precision, period.confidence) == (date(2016, 5, 1), "month", "high")


async def test_delete_asks_first_and_escape_keeps_the_period(store: Any) -> None:
    app = app_on(store)
    async with app.run_test(size=(100, 32)) as pilot:
        await open_on(pilot, app, DUMAIR, "D")
        assert isinstance(app.screen, ChoiceScreen)
        text = screen_text(app)
        assert "Delete the period of Dumair from 2018-04-20" in text
        assert "the period before it runs on to the end" in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ChoiceScreen)
        assert history_bytes(store) is None
        assert "p-C2346-2" in store.periods
        await pilot.press("D")
        await pilot.pause()
        await pilot.press("enter")  # delete it, and the period before runs on
        await pilot.pause()
    assert "p-C2346-2" not in store.periods
    assert store.period_at(DUMAIR, date(2018, 6, 1)).faction == "jaysh-al-islam"
    assert store.log()[-1].kind == "delete"


async def test_a_period_from_an_area_claim_offers_a_change_instead(store: Any) -> None:
    app = app_on(store, date(2017, 1, 1))
    async with app.run_test(size=(100, 32)) as pilot:
        await open_on(pilot, app, OLD_CITY, "i")
        assert isinstance(app.screen, ChoiceScreen)
        assert "comes from the claim c-damascus-city-2016 on all of Damascus" in screen_text(app)
        await pilot.press("enter")  # record a change instead
        await pilot.pause()
        assert isinstance(app.screen, ControlForm)
        assert "Old City" in screen_text(app)


async def test_a_change_on_a_place_an_area_claim_covers_is_edited_and_deleted_as_its_own(store: Any) -> None:
    app = app_on(store, date(2018, 6, 1))
    async with app.run_test(size=(100, 32)) as pilot:
        await open_on(pilot, app, OLD_CITY, "r")
        await record_islamic_state(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert store.period_at(OLD_CITY, date(2018, 6, 1)).faction == "isis"
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, PeriodForm)  # not refused: the claim is on the place itself
        assert app.screen.query_one("#period-from").value == "2018-06-01"
        assert app.screen.query_one("#period-to").value == ""
        app.screen.query_one("#period-confidence").focus()
        await pilot.press("h")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, FormScreen)
        assert store.period_at(OLD_CITY, date(2018, 6, 1)).confidence == "high"
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("down", "enter")  # "Delete it"
        await pilot.pause()
    assert store.period_at(OLD_CITY, date(2018, 6, 1)).faction == "saa"  # the area's claim again
    assert [c.kind for c in store.log()] == ["control", "edit", "delete"]


async def test_a_read_only_database_opens_no_form(db: Path) -> None:
    with Store.open_for_editing(db, read_only=True) as store:
        app = app_on(store)
        async with app.run_test(size=(100, 32)) as pilot:
            for key in ("r", "A", "i", "D"):
                await open_on(pilot, app, DUMAIR, key)
                assert not isinstance(app.screen, (FormScreen, ChoiceScreen)), key
            told = [n.message for n in app._notifications]
            assert told.count("read-only: opened read-only (--read-only)") == 4, told


# --- events --------------------------------------------------------------------------------------


async def test_add_an_event_with_an_actor_and_a_figure_range(store: Any) -> None:
    app = app_on(store)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_on(pilot, app, DUMAIR, "A")
        assert isinstance(app.screen, EventForm)
        places = row(app, "row-places")
        assert places.query_one(".picked").render().plain == "Dumair"  # type: ignore[attr-defined]
        await type_text(pilot, "offen")
        await pilot.press("enter")  # type: offensive; on to the title
        await type_text(pilot, "[red]Raid[/] on the airbase")
        await pilot.press("tab", "tab", "tab", "tab")  # date (as of), date to, precision, places
        await type_text(pilot, "douma")
        await pilot.press("enter")  # adds the best match; the field stays for another
        assert places.query_one(".picked").render().plain == "Dumair · Douma"  # type: ignore[attr-defined]
        await pilot.press("enter")  # the field empty: on to actor 1
        await type_text(pilot, "islamic state")
        await pilot.press("enter")
        await pilot.press("a")  # the role: a letter jumps to the first role with it
        await pilot.press("tab", "enter")  # "+ Actor": a second row, its faction focused
        await pilot.pause()
        await type_text(pilot, "SAA")
        await pilot.press("enter", "left")  # party -> defender
        await pilot.press("tab", "tab")  # past "+ Actor" to figure 1
        await type_text(pilot, "killed")
        await pilot.press("tab")
        await type_text(pilot, "12")
        await pilot.press("tab")
        await type_text(pilot, "20")
        await pilot.press("tab", "tab", "tab")  # the unit (people), approximate, the figure's own source
        await type_text(pilot, "syriadirect")
        await pilot.press("down", "enter")
        await pilot.press("tab")  # past "+ Figure" to the sources
        await type_text(pilot, "SOHR, Raid on Dumair airbase, https://syriahr.com/x")
        await pilot.press("enter")
        await pilot.pause()
        assert "SOHR" in row(app, "row-sources").query_one(".picked").render().plain  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, FormScreen), screen_text(app)
        change = store.log()[-1]
        assert change.kind == "event"
        event = next(e for e in store.events.values() if e.title == "[red]Raid[/] on the airbase")
        assert event.type == "offensive" and event.date == "2018-06-01" and event.places == (DUMAIR, "C2338")
        assert [(a.faction, a.role) for a in event.actors] == [("isis", "attacker"), ("saa", "defender")]
        assert [(f.label, f.low, f.high, f.source) for f in event.figures] == [("killed", 12, 20, "syriadirect-2018-04-19")]
        assert store.sources[event.sources[0]].publication == "SOHR"
        # It is in the events pane, its title as typed.
        await pilot.press("e")
        await pilot.pause()
        pane = app.query_one(EventsPane)
        assert event.id in [e.id for e in pane.events]
        assert "[red]Raid[/] on the airbase" in screen_text(app)


async def test_a_figure_range_upside_down_is_told_beside_it(store: Any) -> None:
    app = app_on(store)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_on(pilot, app, DUMAIR, "A")
        form = app.screen
        form.query_one("#event-type Input").focus()
        await type_text(pilot, "siege")
        await pilot.press("enter")
        await type_text(pilot, "Siege")
        first = form.figure_rows[0][0]
        label, low, high = first.editors[:3]
        label.focus()
        await type_text(pilot, "besieged")
        low.focus()
        await type_text(pilot, "500")
        high.focus()
        await type_text(pilot, "100")
        form.query_one("#event-sources Input").focus()
        await type_text(pilot, "syriadirect")
        await pilot.press("down", "enter")
        await pilot.pause()
        assert "the high end (100) is below the low end (500)" in first.message
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, EventForm)
    assert history_bytes(store) is None


async def test_delete_an_event_from_the_events_pane(store: Any) -> None:
    app = app_on(store, date(2018, 4, 20))
    async with app.run_test(size=(100, 32)) as pilot:
        app.jump_to(DUMAIR)
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        event = app.query_one(EventsPane).highlighted_event
        assert event is not None
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        assert f"Delete the event of {event.date}" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert event.id in store.events
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("down", "enter")  # "Keep it" is first: down to "Delete it"
        await pilot.pause()
    assert event.id not in store.events
    assert store.log()[-1].kind == "delete"


async def test_edit_the_highlighted_event(store: Any) -> None:
    app = app_on(store, date(2018, 4, 20))
    async with app.run_test(size=(100, 40)) as pilot:
        app.jump_to(DUMAIR)
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        event = app.query_one(EventsPane).highlighted_event
        assert event is not None
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, EventForm)
        title = app.screen.query_one("#event-title")
        assert title.value == event.title
        title.focus()
        await pilot.press("end")
        await type_text(pilot, " (edited)")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, FormScreen), screen_text(app)
    assert store.events[event.id].title == f"{event.title} (edited)"


# --- small screens -------------------------------------------------------------------------------


async def test_the_forms_fit_at_80x24_and_stay_usable(store: Any) -> None:
    app = app_on(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_on(pilot, app, DUMAIR, "r")
        text = screen_text(app)
        for label in ("Faction", "Status", "Date", "Precision", "Source", "Confidence", "Note", "Save", "Cancel"):
            assert label in text, label
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("A")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, EventForm)
        assert "Save" in screen_text(app)  # the buttons stay in view while the fields scroll
        form.query_one("#event-summary").focus()
        await pilot.pause()
        text = screen_text(app)
        assert "Summary" in text and "Save" in text
        assert "Add an event in Dumair" in text


def test_control_form_snapshot(snap_compare, store: Any) -> None:
    """The form to record a change of control at 80x24, half filled in."""

    async def run_before(pilot: Any) -> None:
        pilot.app.jump_to(DUMAIR)
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        await record_islamic_state(pilot)
        for field in pilot.app.screen.query("Input"):
            field.cursor_blink = False  # a steady cursor

    assert snap_compare(app_on(store), terminal_size=(80, 24), run_before=run_before)
