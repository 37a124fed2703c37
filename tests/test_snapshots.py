"""SVG snapshots of the explorer's main screens at 80x24 and 120x40.

Deterministic: the bundled data, a fixed "as of" date, no keymap file, no
animations. After a deliberate change of the look, review and refresh with

    .venv/bin/python -m pytest tests/test_snapshots.py --snapshot-update

and look at the report (snapshot_report.html) before committing the SVGs.
"""

from __future__ import annotations

from datetime import date

import pytest
from textual.widgets import Input

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
D = date.fromisoformat


def jump_to(region_id: str):
    async def run_before(pilot) -> None:
        pilot.app.jump_to(region_id)
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_start_screen(snap_compare, app_factory, size) -> None:
    assert snap_compare(app_factory(at=D("2018-04-19")), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_drilled_to_dumair(snap_compare, app_factory, size) -> None:
    # Keys only: into the province, Rural Damascus, Douma district, Dumair sub-district.
    keys = ["l", "j", "enter", "j", "j", "j", "j", "l", "j", "l"]
    assert snap_compare(app_factory(at=D("2018-04-19")), terminal_size=size, press=keys)


@pytest.mark.parametrize("size", SIZES)
def test_events_pane_on_duma_district(snap_compare, app_factory, size) -> None:
    app = app_factory(at=D("2018-04-19"))
    assert snap_compare(app, terminal_size=size, run_before=jump_to("SY0302"), press=["e"])


@pytest.mark.parametrize("size", SIZES)
def test_factions_pane_with_the_army_highlighted(snap_compare, app_factory, size) -> None:
    app = app_factory(at=D("2018-04-20"))
    assert snap_compare(app, terminal_size=size, press=["f", "j", "j"])


@pytest.mark.parametrize("size", SIZES)
def test_search_with_dmeir_typed(snap_compare, app_factory, size) -> None:
    async def run_before(pilot) -> None:
        await pilot.press("slash", *"Dmeir")
        await pilot.pause()
        pilot.app.screen.query_one(Input).cursor_blink = False  # a steady cursor

    assert snap_compare(app_factory(at=D("2018-04-19")), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_help_screen(snap_compare, app_factory, size) -> None:
    assert snap_compare(app_factory(at=D("2018-04-19")), terminal_size=size, press=["question_mark"])


@pytest.mark.parametrize("size", SIZES)
def test_rural_damascus_control_over_time(snap_compare, app_factory, size) -> None:
    app = app_factory(at=D("2018-04-20"))
    assert snap_compare(app, terminal_size=size, run_before=jump_to("SY03"))


@pytest.mark.parametrize("size", SIZES)
def test_a_town_known_from_an_area_claim(snap_compare, app_factory, size) -> None:
    # Yabroud has no period of its own: the Qalamoun claim says who held it, and the pane says so.
    app = app_factory(at=D("2017-06-01"))
    assert snap_compare(app, terminal_size=size, run_before=jump_to("C2416"))


@pytest.mark.parametrize("size", SIZES)
def test_places_where_nothing_is_recorded(snap_compare, app_factory, size) -> None:
    # Al Qutayfah sub-district in 2017: no source says who held its villages.
    app = app_factory(at=D("2017-06-01"))
    assert snap_compare(app, terminal_size=size, run_before=jump_to("C2383"))


@pytest.mark.parametrize("size", SIZES)
def test_situation_outside_government_control(snap_compare, app_factory, size) -> None:
    # The analyst's first question: on 2018-05-01, what was not held by the government, and by whom.
    assert snap_compare(app_factory(at=D("2018-05-01")), terminal_size=size, press=["s", "n"])


@pytest.mark.parametrize("size", SIZES)
def test_changes_in_april_2018(snap_compare, app_factory, size) -> None:
    # A month step, then what changed in it: the end of Eastern Ghouta and Eastern Qalamoun.
    assert snap_compare(app_factory(at=D("2018-03-31")), terminal_size=size, press=["right_curly_bracket", "w"])


@pytest.mark.parametrize("size", SIZES)
def test_map_of_eastern_qalamoun_before_dumair_fell(snap_compare, app_factory, size) -> None:
    # The map in place of the details at 80x24, beside them at 120x40: Dumair and its district on 2018-04-19.
    app = app_factory(at=D("2018-04-19"))
    assert snap_compare(app, terminal_size=size, run_before=jump_to("C2346"), press=["m"])
