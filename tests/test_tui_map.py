"""The map pane, driven by keys and clicks: toggling, following the columns
and the date, zoom, pan, fit, and selecting places on the map."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tui import mapdraw
from tui.widgets.detail import DetailPane
from tui.widgets.mappane import MapPane

D = date.fromisoformat
DUMAIR, DOUMA = "C2346", "C2338"


def screen_text(app: Any) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def the_map(app: Any) -> MapPane:
    return app.main_screen.query_one(MapPane)


async def open_map(pilot: Any, place: str = DUMAIR) -> MapPane:
    """Highlight ``place`` and press m: the map, shown."""
    pilot.app.jump_to(place)
    await pilot.pause()
    await pilot.press("m")
    await pilot.pause()
    return the_map(pilot.app)


def map_text(app: Any) -> str:
    frame = the_map(app).frame()
    assert frame is not None
    return mapdraw.frame_text(frame)


async def test_m_shows_the_map_in_place_of_the_details_at_80x24(app_factory) -> None:
    app = app_factory(at=D("2018-04-19"))
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_map(pilot)
        assert pane.display and pane.region.width > 30 and app.focused is pane
        assert not app.main_screen.query_one(DetailPane).region.width  # the details give way
        shown = screen_text(app)
        assert "Map · Douma" in shown  # Dumair's district: the town among its neighbours
        assert "Dumair" in map_text(app)  # the highlighted place is always labelled
        await pilot.press("m")
        await pilot.pause()
        assert not pane.display and app.main_screen.query_one(DetailPane).region.width > 30
        assert app.focused is app.miller.current


async def test_at_120_columns_the_map_sits_beside_the_details(app_factory) -> None:
    app = app_factory(at=D("2018-04-19"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("m")
        await pilot.pause()
        assert the_map(app).region.width > 30
        assert app.main_screen.query_one(DetailPane).region.width > 20


async def test_the_map_follows_the_date_around_dumair(app_factory) -> None:
    app = app_factory(at=D("2018-04-19"))
    async with app.run_test(size=(100, 30)) as pilot:
        await open_map(pilot)
        frame = the_map(app).frame()
        col, row = frame.markers[DUMAIR]
        before = mapdraw.frame_text(frame).split("\n")[row][col]
        await pilot.press("right_square_bracket")  # 2018-04-20: the army enters Dumair
        await pilot.pause()
        assert app.as_of == D("2018-04-20")
        frame = the_map(app).frame()
        after = mapdraw.frame_text(frame).split("\n")[frame.markers[DUMAIR][1]][frame.markers[DUMAIR][0]]
        assert (before, after) == ("▲", "■")
        assert "Dumair" in app.main_screen.query_one("#chronicle").messages[-1].plain


async def test_zoom_pan_and_fit(app_factory) -> None:
    app = app_factory(at=D("2018-04-19"))
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_map(pilot)
        fitted = pane.view()
        await pilot.press("plus")
        await pilot.pause()
        assert pane.view().km_per_col == pytest.approx(fitted.km_per_col / 1.5)
        assert "Dumair" in map_text(app)  # zooming in keeps the highlighted place in view
        await pilot.press("minus", "minus")
        await pilot.pause()
        assert pane.view().km_per_col > fitted.km_per_col
        before = pane.view()
        await pilot.press("L")
        await pilot.pause()
        assert pane.view().centre_lon > before.centre_lon and pane.view().centre_lat == before.centre_lat
        await pilot.press("K")
        await pilot.pause()
        assert pane.view().centre_lat > before.centre_lat
        await pilot.press("0")
        await pilot.pause()
        assert pane.view() == fitted


async def test_moving_on_the_map_selects_in_the_columns(app_factory) -> None:
    app = app_factory(at=D("2018-04-19"))
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_map(pilot)
        await pilot.press("n")  # the nearest other place
        await pilot.pause()
        first = app.focus_region
        assert first != DUMAIR and app.miller.highlighted.id == first
        assert app.focused is pane  # the map keeps the keys
        await pilot.press("n")
        await pilot.pause()
        assert app.focus_region not in (DUMAIR, first)
        await pilot.press("p", "p")
        await pilot.pause()
        assert app.focus_region == DUMAIR
        # An arrow: the nearest place in that direction, west of Dumair (Damascus side).
        await pilot.press("left")
        await pilot.pause()
        view = pane.view()
        chosen = app.store.regions[app.focus_region]
        here = app.store.regions[DUMAIR]
        assert view.project(chosen.lon, chosen.lat)[0] < view.project(here.lon, here.lat)[0]


async def test_a_click_selects_the_nearest_place(app_factory) -> None:
    app = app_factory(at=D("2018-04-19"))
    async with app.run_test(size=(100, 30)) as pilot:
        await open_map(pilot)
        frame = the_map(app).frame()
        target, (col, row) = next((pid, cell) for pid, cell in frame.markers.items() if pid != DUMAIR)
        await pilot.click(MapPane, offset=(col + 1, row + 1))  # inside the border
        await pilot.pause()
        assert app.focus_region == target


async def test_the_legend_names_what_is_on_the_map(app_factory) -> None:
    app = app_factory(at=D("2018-04-19"))
    async with app.run_test(size=(100, 30)) as pilot:
        await open_map(pilot, "SY03")
        frame = the_map(app).frame()
        labels = [label for _, _, label in frame.legend]
        assert any("Government" in label for label in labels) and any("Opposition" in label for label in labels)
        assert "km" in frame.scale
        shown = screen_text(app)
        assert frame.scale in shown
