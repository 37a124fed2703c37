"""(h) The map with 10,000 places: time to draw a frame, and CPU per key.

A frame after the first (the outlines rasterised once per view) must draw
in at most 16 ms (issue 11), measured for dates not seen before, stepping
as `]` and playing do; the province's control on the day, which the columns
and details derive on the same key, is reported with it and apart. Keys (zoom, pan, `]`)
are CPU per press beside the bare app's per-key CPU for the same keys in the
same run (see test_tui_bench's KeysApp).
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from store import Store
from tui import mapdraw
from tui.app import make_app
from tui.mapitems import MapItems
from tui.widgets.mappane import MapPane

from test_tui_bench import KeysApp  # the key-press baseline of (e), same harness

if TYPE_CHECKING:
    from conftest import BigFiles, Report

pytestmark = pytest.mark.bench

FRAME_TARGET = 0.016
SIZE = (120, 40)
PRESSES = 12


def test_map_frame_and_keys(big: BigFiles, report: Report) -> None:
    report.section("h", "the map: 10,000 places, 120x40")
    with Store.open(big.ours) as store:
        root = store.roots()[0].id
        start = time.perf_counter()
        items = MapItems(store, root)
        made = time.perf_counter() - start
        view = mapdraw.fit(items.bounds, SIZE[0] - 2, SIZE[1] - 3)
        start = time.perf_counter()
        layer = mapdraw.outlines(view, items.areas)
        rasterised = time.perf_counter() - start
        first_day = store.span[0]

        def frames_over(days: list[Any], *, derived: bool) -> float:
            times = []
            for day in days:  # each a date not drawn before
                gc.collect()
                if derived:
                    # The province's control on the day, which the columns and the detail pane
                    # derive on the same key press (the store caches it per epoch): not the map's.
                    store.control(root, day)
                start = time.perf_counter()
                frame = mapdraw.draw(view, layer, items.places(day), highlighted=None)
                times.append(time.perf_counter() - start)
            assert frame.markers
            return statistics.median(times)

        steps, day = [], first_day
        while len(steps) < 20 and (day := store.change_after(root, day)) is not None:
            steps.append(day)  # as ] and playing go: the next change each time
        per_frame = frames_over(steps, derived=True)
        with_store = frames_over(steps[::-1], derived=False)  # back through the same days: the store derives them again
        jumps = frames_over([first_day + timedelta(days=37 * n + 1) for n in range(20)], derived=False)
        report.add("h", "map items of the root (once per area)", ours=made, runs=1,
                   note=f"{len(items.places(first_day)):,} places with a point, {len(items.areas)} outlines")
        report.add("h", "outlines rasterised (once per view)", ours=rasterised, runs=1)
        report.add("h", "frame at the next change (], play), new dates", ours=per_frame, runs=len(steps),
                   note=f"target: at most {FRAME_TARGET * 1e3:.0f} ms a frame after the first (places keyed by the "
                        "day, markers thinned, labels placed)")
        report.add("h", "the same, with the store deriving the day", ours=with_store, runs=len(steps),
                   note="the province's control for a new day (store.control), shared with the columns and details")
        report.add("h", "frame after a jump of five weeks, new dates", ours=jumps, runs=20,
                   note="the store re-derives the province from scratch for a long jump (its tally), as for the detail pane")

        async def keys(app: Any, sequence: list[str]) -> dict[str, float]:
            out: dict[str, float] = {}
            async with app.run_test(size=SIZE) as pilot:
                await pilot.pause()
                if isinstance(app, KeysApp):
                    pass
                else:
                    await pilot.press("m")
                    await pilot.pause()
                    app.main_screen.query_one(MapPane).focus()
                    app.set_date(store.span[0])
                    await pilot.pause()
                for key in sequence:
                    gc.collect()
                    start = time.process_time()
                    for index in range(PRESSES):
                        await pilot.press(key if key != "+-" else ("plus" if index % 2 == 0 else "minus"))
                    await pilot.pause()
                    out[key] = (time.process_time() - start) / PRESSES
            return out

        sequence = ["+-", "L", "right_square_bracket"]
        bare = asyncio.run(keys(KeysApp(), ["j", "l", "right_square_bracket"]))
        ours = asyncio.run(keys(make_app(store, use_keymap_file=False), sequence))
    labels = {"+-": "zoom in and out", "L": "pan", "right_square_bracket": "], next change (new dates)"}
    bare_keys = {"+-": "j", "L": "l", "right_square_bracket": "right_square_bracket"}
    for key in sequence:
        report.add("h", f"map key: {labels[key]}", baseline="bare App, same presses", base=bare[bare_keys[key]],
                   ours=ours[key], runs=PRESSES)
    assert per_frame <= FRAME_TARGET, f"a map frame takes {per_frame * 1e3:.1f} ms (target {FRAME_TARGET * 1e3:.0f} ms)"
