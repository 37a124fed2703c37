"""``frontlines import acled``: ACLED CSV exports read in each layout, one transaction."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date
from pathlib import Path

import pytest

from store import Store
from store.acled import StrictStop, commit_plan, plan_import
from store.locate import bundled_path
from test_cli import env, run  # noqa: F401  (env is a fixture)

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "acled-sample.csv"
VARIANTS = ("acled-sample.csv", "acled-sample-bom.csv", "acled-sample-old.csv")
BAD_LINES = [
    (10, "no event_id_cnty"),
    (11, "event_date '31 Febr 2018' is not a date"),
    (12, "no place named 'Atareb' and no usable coordinates"),
    (14, "6 fields where the header has 31"),
]


@pytest.fixture
def db(tmp_path: Path, edit_identity: None) -> Path:
    path = tmp_path / "damascus.json"
    shutil.copyfile(bundled_path(), path)
    return path


def _import(db: Path, csv_path: Path, **options: object):
    store = Store.open(db, readonly=False)
    try:
        plan = plan_import(store, csv_path, **options)  # type: ignore[arg-type]
        commit_plan(store, plan)
        return plan
    finally:
        store.close()


def _rewrite(source: Path, target: Path, change) -> Path:
    with open(source, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    rows = [r for r in rows if r["event_id_cnty"].startswith("SYR9000")]
    for row in rows:
        change(row)
    out = io.StringIO()
    writer = csv.DictWriter(out, fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    target.write_text(out.getvalue(), encoding="utf-8")
    return target


@pytest.mark.parametrize("name", VARIANTS)
def test_each_layout_gives_the_same_events(db: Path, name: str) -> None:
    plan = _import(db, DATA / name)
    assert (plan.added, plan.control) == (7, 2)
    with Store.open(db) as store:
        douma = store.event("acled-SYR90002")
        assert douma.places == ("C2338",) and douma.type == "takeover" and douma.date == "2018-04-16"
        assert "heavy weapons" in (douma.summary or "")  # the note with a quoted newline, whole
        assert "Government regains territory" in (douma.summary or "")
        assert {a.faction for a in douma.actors} >= {"saa", "ru-mp", "jaysh-al-islam"}
        assert store.event("acled-SYR90003").precision == "span"  # time_precision 2: within a week
        assert store.event("acled-SYR90005").date == "2018-04"  # time_precision 3: the month
        assert store.event("acled-SYR90006").places == ("C2346",)  # "Dhameer": Dumair's other spelling
        assert store.event("acled-SYR90001").figures[0].low == 4
        # ACLED's sub-types as the store's types: a clash is not an offensive, an attack on civilians is an attack
        assert [store.event(f"acled-SYR9000{n}").type for n in (1, 3, 7)] == ["clash", "bombardment", "attack"]
        new_place = next(r for r in store.regions.values() if r.name == "Tal Hamra Farms")
        assert new_place.parent == "SY030203" and new_place.lat == pytest.approx(33.6105)
        assert any(f.name == "Qalamoun Hills Brigade" for f in store.factions.values())
        assert not store.validate()
    if name != "acled-sample-old.csv":
        assert [(b.line, b.reason) for b in plan.bad] == BAD_LINES


def test_territory_rows_change_control(db: Path) -> None:
    with Store.open(db) as store:
        before = store.period_at("C2302", date(2018, 5, 3))
        assert before is not None and before.faction != "saa"
    _import(db, SAMPLE)
    with Store.open(db) as store:
        after = store.period_at("C2302", date(2018, 5, 3))
        assert after is not None and after.faction == "saa" and after.start_event == "acled-SYR90004"
        earlier = store.period_at("C2302", date(2018, 5, 2))
        assert earlier is not None and earlier.faction == before.faction and earlier.end_event == "acled-SYR90004"
        douma = store.period_at("C2338", date(2018, 4, 16))
        assert douma is not None and douma.faction == "saa"


def test_reimport_is_a_no_op(db: Path) -> None:
    _import(db, SAMPLE)
    history = db.with_name(db.name + ".changes")
    data, log = db.read_bytes(), history.read_bytes()
    plan = _import(db, SAMPLE)
    assert (plan.added, plan.updated, plan.unchanged, plan.control, plan.ops) == (0, 0, 7, 0, [])
    assert db.read_bytes() == data and history.read_bytes() == log


def test_a_newer_timestamp_updates_its_event(db: Path, tmp_path: Path) -> None:
    _import(db, SAMPLE)

    def newer(row: dict[str, str]) -> None:
        if row["event_id_cnty"] == "SYR90001":
            row["fatalities"], row["timestamp"] = "9", "1540000000"

    plan = _import(db, _rewrite(SAMPLE, tmp_path / "newer.csv", newer))
    assert (plan.added, plan.updated, plan.unchanged) == (0, 1, 6)
    with Store.open(db) as store:
        assert store.event("acled-SYR90001").figures[0].low == 9


def test_a_newer_row_in_the_same_file_replaces_the_older_and_its_change_of_control(db: Path, tmp_path: Path) -> None:
    rows = list(csv.DictReader(open(SAMPLE, encoding="utf-8-sig", newline="")))
    older = next(r for r in rows if r["event_id_cnty"] == "SYR90004")  # a transfer of C2302 on 2018-05-03
    newer = {**older, "event_date": "2018-05-06", "timestamp": str(int(older["timestamp"]) + 1)}
    again = {**older, "notes": "the same row again, not newer"}
    path = tmp_path / "twice.csv"
    path.write_text(",".join(rows[0]) + "\n" + "".join(_line(r) for r in (older, newer, again)), encoding="utf-8")
    plan = _import(db, path)
    assert (plan.added, plan.control) == (1, 1)
    assert [(b.line, b.reason) for b in plan.bad] == [(4, "event SYR90004 is on line 3 already")]
    with Store.open(db) as store:
        assert store.event("acled-SYR90004").date == "2018-05-06"
        held = store.period_at("C2302", date(2018, 5, 6))
        assert held is not None and held.faction == "saa" and held.start == date(2018, 5, 6)
        assert store.period_at("C2302", date(2018, 5, 4)).faction != "saa"  # the older row's day: not its change
        assert not store.validate()


def test_importing_again_does_not_undo_what_was_recorded_since(db: Path) -> None:
    _import(db, SAMPLE)
    with Store.open(db, readonly=False) as store:  # an analyst judges the transfer of 3 May did not happen
        transfer = store.period_at("C2302", date(2018, 5, 3))
        assert transfer is not None and transfer.start_event == "acled-SYR90004"
        store.delete("periods", transfer.id, fix="extend-previous")
        kept = store.period_at("C2302", date(2018, 5, 3))
        assert kept is not None and kept.faction != "saa"
    plan = _import(db, SAMPLE)
    assert (plan.control, plan.ops) == (0, [])
    with Store.open(db) as store:
        now = store.period_at("C2302", date(2018, 5, 3))
        assert now is not None and (now.id, now.faction, now.start, now.end) == (kept.id, kept.faction, kept.start,
                                                                                  kept.end)


def _rows(tmp_path: Path, *changes: dict[str, str]) -> Path:
    """A file in the sample's layout with a Jaish al Islam takeover of Beit Sawa per change."""
    header = next(csv.reader(open(SAMPLE, encoding="utf-8-sig", newline="")))
    base = {**dict.fromkeys(header, ""), "time_precision": "1", "event_type": "Battles",
            "sub_event_type": "Non-state actor overtakes territory", "actor1": "Jaish al Islam",
            "admin1": "Rural Damascus", "location": "Beit Sawa", "latitude": "33.53906", "longitude": "36.40005",
            "geo_precision": "1", "source": "Wire", "timestamp": "1600000000", "fatalities": "0"}
    path = tmp_path / "rows.csv"
    path.write_text(",".join(header) + "\n" + "".join(_line({**base, **c}) for c in changes), encoding="utf-8")
    return path


def test_a_later_area_claim_is_not_hidden_by_the_place_s_own(db: Path, tmp_path: Path) -> None:
    # Beit Sawa's control comes from claims on Eastern Ghouta; a claim the import makes
    # on the place in 2017 does not speak for 2018, when a later claim on the area holds.
    path = _rows(tmp_path, {"event_id_cnty": "SYR1", "event_date": "2017-06-01"},
                 {"event_id_cnty": "SYR2", "event_date": "2018-04-10", "timestamp": "1600000001"})
    plan = _import(db, path)
    assert plan.control == 2, plan.notes
    with Store.open(db) as store:
        assert [store.period_at("C2318", date.fromisoformat(d)).faction for d in ("2017-06-02", "2018-04-10")] == [
            "jaysh-al-islam", "jaysh-al-islam"]
        assert store.period_at("C2318", date(2018, 4, 9)).faction == "saa"  # the area's claim, between the two
        assert not store.validate()
    assert _import(db, path).ops == []


def test_blank_counts_read_as_none(db: Path, tmp_path: Path) -> None:
    plan = _import(db, _rows(tmp_path, {"event_id_cnty": "SYR1", "event_date": "2017-06-01", "timestamp": "  ",
                                        "fatalities": " "}))
    assert (plan.added, plan.bad) == (1, [])
    with Store.open(db) as store:
        assert store.event("acled-SYR1").figures == ()


def test_a_row_duplicating_an_event_is_linked(db: Path, tmp_path: Path) -> None:
    with Store.open(db) as store:
        event = next(e for e in store.events.values() if e.precision == "day" and e.type == "takeover"
                     and store.regions[e.places[0]].level == "community")
        place = store.regions[event.places[0]]
        count = len(store.events)

    def same(row: dict[str, str]) -> None:
        row.update(event_date=event.date, location=place.name, admin2="", admin3="",
                   latitude=str(place.lat), longitude=str(place.lon), sub_event_type="Armed clash")
        if row["event_id_cnty"] == "SYR90002":
            row["sub_event_type"] = "Government regains territory"

    path = _rewrite(SAMPLE, tmp_path / "dup.csv", same)
    rows = [r for r in csv.DictReader(open(path, encoding="utf-8")) if r["event_id_cnty"] == "SYR90002"]
    path.write_text(open(path, encoding="utf-8").readline() + _line(rows[0]), encoding="utf-8")
    plan = _import(db, path)
    assert (plan.added, plan.linked) == (0, 1)
    cited = {sid for op in plan.ops for sid in (op.after or {}).get("sources") or ()}
    assert {op.id for op in plan.ops if op.table == "sources"} <= cited  # no source that nothing cites
    with Store.open(db) as store:
        assert len(store.events) == count
        assert "ACLED event SYR90002" in (store.event(event.id).summary or "")
    assert _import(db, path).ops == []


def _line(row: dict[str, str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(row.values())
    return out.getvalue()


def test_an_interrupted_import_leaves_the_file_as_it_was(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from store import history

    data = db.read_bytes()

    def killed(self: object, change: object, line: object = None) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(history.History, "append", killed)
    with pytest.raises(KeyboardInterrupt):
        _import(db, SAMPLE)
    assert db.read_bytes() == data
    monkeypatch.undo()
    with Store.open(db) as store:
        assert "acled-SYR90001" not in store.events


def test_strict_stops_at_the_first_bad_row(db: Path) -> None:
    data = db.read_bytes()
    with pytest.raises(StrictStop) as caught:
        _import(db, SAMPLE, strict=True)
    assert caught.value.bad.line == 10
    assert db.read_bytes() == data


# --- the command, as a user runs it --------------------------------------------------------


@pytest.fixture
def user(env: dict[str, str], db: Path, tmp_path: Path) -> dict[str, str]:  # noqa: F811
    return {**env, "FRONTLINES_DB": str(db), "FRONTLINES_AUTHOR": "analyst", "FRONTLINES_DEVICE": "desk",
            "FRONTLINES_CONFIG": str(tmp_path / "c.toml"), "FRONTLINES_STATE": str(tmp_path / "s.json")}


def test_cli_imports_and_prints_the_bad_rows(user: dict[str, str], db: Path) -> None:
    proc = run(user, "import", "acled", str(SAMPLE))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "events added       7" in out and "control changes    2" in out and "rows rejected      4" in out
    assert "new place: Tal Hamra Farms (under Dumair)" in out
    for line, reason in BAD_LINES:
        assert f"{line:>7}  {reason}" in out
    with Store.open(db) as store:  # folded into the file at once (compacted)
        assert store.pending_changes == 0 and "acled-SYR90004" in store.events
    again = run(user, "import", "acled", str(SAMPLE))
    assert again.returncode == 0 and "nothing to change" in again.stdout


def test_cli_dry_run_and_strict_write_nothing(user: dict[str, str], db: Path) -> None:
    data = db.read_bytes()
    dry = run(user, "import", "acled", "--dry-run", str(SAMPLE))
    assert dry.returncode == 0 and "dry run" in dry.stdout and "events added       7" in dry.stdout
    strict = run(user, "import", "acled", "--strict", str(SAMPLE))
    assert strict.returncode == 2
    assert "line 10: no event_id_cnty" in strict.stderr and strict.stdout == ""
    assert db.read_bytes() == data


def test_cli_refuses_a_file_that_is_not_acled(user: dict[str, str], tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("name,value\na,1\n", encoding="utf-8")
    proc = run(user, "import", "acled", str(other))
    assert proc.returncode == 1
    assert "line 1: not an ACLED export: no column event_id_cnty" in proc.stderr
