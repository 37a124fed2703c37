"""The explorer after a change to the database: every view redrawn, undo
and redo by key, the read-only marker, "last edited", folding on exit."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from store import Store
from tui import mapdraw
from tui.app import make_app
from tui.edited import Edited
from tui.widgets.detail import DetailPane
from tui.widgets.mappane import MapPane

BUNDLED = Path(__file__).resolve().parents[1] / "fixtures" / "damascus.json"
DUMAIR = "C2346"
D = date.fromisoformat
SOURCE = "Field report, Dumair changes hands, https://example.org/dumair"


@pytest.fixture
def db(editable_db: Path) -> Path:
    return editable_db


@pytest.fixture
def store(editable_store: Store) -> Store:
    return editable_store


def screen_text(app: Any) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def record(pilot: Any, store: Store) -> None:
    change = store.record_control(DUMAIR, "isis", "contested", D("2018-06-01"), source=SOURCE)
    pilot.app.post_message(Edited(change))
    await pilot.pause()
    await pilot.pause()


async def test_a_change_redraws_the_details_columns_and_chart_and_u_undoes_it(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRONTLINES_AUTHOR", "Analyst [b]One[/b]")
    app = make_app(store, at=D("2018-06-05"), use_keymap_file=False)
    async with app.run_test(size=(120, 40)) as pilot:
        app.jump_to(DUMAIR)
        await pilot.pause()
        detail = app.main_screen.query_one(DetailPane)
        assert "Syrian Arab Army" in detail.section("control")
        column_before = screen_text(app)
        await record(pilot, store)
        assert "Islamic State" in detail.section("control")
        assert "2018-06-01 → …" in detail.section("history")
        assert "Last edited by Analyst [b]One[/b] on" in detail.section("about")  # literally, not bold
        shown = screen_text(app)
        assert shown != column_before
        assert "Saved: Dumair: Islamic State (contested) from 2018-06-01" in shown
        assert "(u undoes it)" in shown
        row = next(line for line in shown.splitlines() if "Dumair" in line and "◆" in line)
        assert "◆" in row  # the column's glyph for the jihadist bloc
        await pilot.press("u")
        await pilot.pause()
        assert "Syrian Arab Army" in detail.section("control")
        assert "Undone: Dumair" in screen_text(app)
        await pilot.press("U")
        await pilot.pause()
        assert "Islamic State" in detail.section("control")
        assert "Redone: Dumair" in screen_text(app)
        assert [c.kind for c in store.log()] == ["control", "undo", "redo"]


async def test_the_breakdown_of_the_district_follows(store: Store) -> None:
    app = make_app(store, at=D("2018-06-05"), use_keymap_file=False)
    async with app.run_test(size=(120, 50)) as pilot:
        app.jump_to(store.regions[DUMAIR].parent or "")
        await pilot.pause()
        detail = app.main_screen.query_one(DetailPane)
        assert "Islamic State" not in detail.section("breakdown")
        await record(pilot, store)
        assert "Islamic State" in detail.section("breakdown")
        over_time = detail.section("over-time")
        await pilot.press("u")
        await pilot.pause()
        assert "Islamic State" not in detail.section("breakdown")
        assert detail.section("over-time") != over_time  # the chart's last columns drawn anew


async def test_the_map_and_the_situation_view_follow(store: Store) -> None:
    app = make_app(store, at=D("2018-06-05"), use_keymap_file=False)
    async with app.run_test(size=(120, 40)) as pilot:
        app.jump_to(DUMAIR)
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        pane = app.main_screen.query_one(MapPane)
        frame = pane.frame()
        assert frame is not None
        before = mapdraw.frame_text(frame)
        await record(pilot, store)
        after_frame = pane.frame()
        assert after_frame is not None and mapdraw.frame_text(after_frame) != before
        assert "◆" in mapdraw.frame_text(after_frame)
        await pilot.press("m", "s")
        await pilot.pause()
        assert "Islamic State" in screen_text(app)
        await pilot.press("u")
        await pilot.pause()
        assert "Islamic State" not in screen_text(app)


async def test_undo_with_nothing_to_undo_says_so(store: Store) -> None:
    app = make_app(store, use_keymap_file=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("u")
        await pilot.pause()
        assert "Nothing to undo." in screen_text(app)
        await pilot.press("U")
        await pilot.pause()
        assert "Nothing to redo." in screen_text(app)


async def test_a_read_only_database_is_marked_and_refuses_undo(db: Path) -> None:
    with Store.open(db, readonly=False) as writer:
        writer.record_control(DUMAIR, "isis", "contested", D("2018-06-01"), source=SOURCE)
        second = Store.open_for_editing(db)  # the first still holds the lock
        assert second.readonly
        app = make_app(second, use_keymap_file=False)
        async with app.run_test(size=(100, 30)) as pilot:
            top = app.main_screen.query_one("#topbar").render()
            assert "read-only" in str(top)
            await pilot.press("u")
            await pilot.pause()
            assert any(n.message.startswith("read-only: in use by PID") for n in app._notifications)
        second.close()
        assert [c.kind for c in writer.log()] == ["control"]


async def test_a_writable_database_is_not_marked(store: Store) -> None:
    app = make_app(store, use_keymap_file=False)
    async with app.run_test(size=(100, 30)):
        assert "read-only" not in str(app.main_screen.query_one("#topbar").render())


async def test_the_session_is_folded_into_the_file_on_exit(store: Store, db: Path) -> None:
    before = db.read_bytes()
    app = make_app(store, use_keymap_file=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await record(pilot, store)
    assert db.read_bytes() == before  # durable in the history until now
    assert app.compact_on_exit() is None
    assert db.read_bytes() != before and store.pending_changes == 0
