"""Changing the database from the command line (issue 12): ``record control``,
``record event``, ``undo``, ``redo``, ``compact`` and ``log``, run as a user
runs them (the console script in a child process) on a copy of the bundled
data, with the author, device, config and state set in the environment so
nothing reads or writes the real home folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from store import Store
from store.locate import bundled_path
from store.storage import WriterLock
from test_cli import EXE, env, json_of, ok, one_error_line, run, small_tables, write_db  # noqa: F401  (env is a fixture)

AUTHOR, DEVICE = "Field Analyst", "laptop-7"
CHANGE_ID = re.compile(r"\b\d{8}T\d{6}-[0-9a-f]{12}\b")
SOURCE = "Syria Direct, Fighting returns to Dumair, https://syriadirect.org/dumair-fighting"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "damascus.json"
    path.parent.mkdir()
    shutil.copyfile(bundled_path(), path)
    return path


@pytest.fixture
def user(env: dict[str, str], tmp_path: Path, db: Path) -> dict[str, str]:  # noqa: F811
    """A field analyst's environment: their name and laptop, their database by $FRONTLINES_DB."""
    return {
        **env,
        "FRONTLINES_AUTHOR": AUTHOR,
        "FRONTLINES_DEVICE": DEVICE,
        "FRONTLINES_CONFIG": str(tmp_path / "config.toml"),
        "FRONTLINES_STATE": str(tmp_path / "state.json"),
        "FRONTLINES_DB": str(db),
    }


def changes_file(db: Path) -> Path:
    return db.with_name(db.name + ".changes")


def status(user: dict[str, str], at: str, place: str = "C2346") -> dict[str, Any]:
    return json_of(user, "status", place, "--at", at)


def record_control(user: dict[str, str], *extra: str, place: str = "Dumair", faction: str = "Jaysh al-Islam",
                   status: str = "contested", day: str = "2018-06-01") -> subprocess.CompletedProcess[str]:
    return run(user, "record", "control", place, "--faction", faction, "--status", status, "--date", day,
               "--source", SOURCE, *extra)


def recorded(user: dict[str, str], *args: str, **options: str) -> dict[str, Any]:
    proc = record_control(user, *args, "--json", **options)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    change: dict[str, Any] = json.loads(proc.stdout)
    return change


# --- record control ------------------------------------------------------------------------


def test_a_change_of_control_is_recorded_and_status_shows_it(user: dict[str, str], db: Path) -> None:
    before = db.read_bytes()
    assert status(user, "2018-06-02")["controller"]["id"] == "saa"
    proc = record_control(user)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    lines = proc.stdout.splitlines()
    assert lines[0] == "recorded: Dumair: Jaysh al-Islam (contested) from 2018-06-01, after Syrian Arab Army"
    assert CHANGE_ID.search(lines[1]) and f"by {AUTHOR} on device {DEVICE}" in lines[1]
    assert "frontlines compact" in proc.stdout  # where it waits, and how to fold it in
    after = status(user, "2018-06-02")
    assert (after["controller"]["id"], after["status"], after["since"]) == ("jaysh-al-islam", "contested", "2018-06-01")
    assert [s["publication"] for s in after["sources"]] == ["Syria Direct"]
    assert after["sources"][0]["url"] == "https://syriadirect.org/dumair-fighting"
    assert status(user, "2018-05-31")["controller"]["id"] == "saa"  # the period before ends the day before
    # Durable beside the database; the file itself is rewritten only by a compaction.
    assert changes_file(db).exists() and db.read_bytes() == before


def test_json_is_the_change_as_the_log_keeps_it(user: dict[str, str]) -> None:
    change = recorded(user, "--note", "seen from the road", "--confidence", "low")
    assert CHANGE_ID.fullmatch(change["id"])
    assert (change["author"], change["device"], change["kind"]) == (AUTHOR, DEVICE, "control")
    assert change["places"] == ["C2346"]
    added = [op["after"] for op in change["ops"] if op["table"] == "periods" and op["before"] is None]
    assert len(added) == 1 and added[0]["note"] == "seen from the road" and added[0]["confidence"] == "low"
    assert json_of(user, "log")[0]["id"] == change["id"]


def test_a_month_is_recorded_with_month_precision(user: dict[str, str]) -> None:
    change = recorded(user, day="2018-06")
    added = next(op["after"] for op in change["ops"] if op["table"] == "periods" and op["before"] is None)
    assert (added["from"], added["from_precision"]) == ("2018-06-01", "month")
    assert "from 2018-06," in change["summary"]
    coarser = recorded(user, "--precision", "year", day="2018-09-15", faction="fsa", status="held")
    added = next(op["after"] for op in coarser["ops"] if op["table"] == "periods" and op["before"] is None)
    assert (added["from"], added["from_precision"]) == ("2018-09-15", "year")


BAD_CONTROL = [
    # (what is wrong, options changed, the error line)
    ("a date that is not one", {"day": "2018-13-01"}, "frontlines: argument --date: "),
    ("a day outside the data", {"day": "2019-01-05"},
     "frontlines: --date: 2019-01-05 is outside the data (2016-01-01 to 2018-12-31)"),
    ("an unknown faction", {"faction": "Jaysh al-Islaam"},
     "frontlines: --faction: no faction matches 'Jaysh al-Islaam'; did you mean Jaysh al-Islam (jaysh-al-islam)"),
    ("an unknown status", {"status": "hold"},
     "frontlines: --status: unknown status 'hold' (expected one of held, contested, besieged, truce)"),
    ("a precision finer than the date", {"day": "2018-06", "extra": "--precision=day"},
     "frontlines: --precision day: --date 2018-06 gives only the month"),
    ("the controller it already has", {"faction": "saa", "status": "held"},
     "frontlines: --faction: Dumair is already held by Syrian Arab Army on 2018-06-01"),
    ("an unknown confidence", {"extra": "--confidence=sure"}, "frontlines: --confidence: unknown confidence 'sure'"),
    ("an unknown event", {"extra": "--event=e-none"}, "frontlines: --event: no event with id 'e-none'"),
    ("an unknown faction alongside", {"extra": "--others=saa,nobody"}, "frontlines: --others: no faction matches 'nobody'"),
]


@pytest.mark.parametrize("what, options, error", BAD_CONTROL, ids=[b[0] for b in BAD_CONTROL])
def test_a_bad_change_is_refused_with_exit_2_and_writes_nothing(
    user: dict[str, str], db: Path, what: str, options: dict[str, str], error: str
) -> None:
    before = db.read_bytes()
    extra = [options.pop("extra")] if "extra" in options else []
    proc = record_control(user, *extra, **options)
    assert proc.returncode == 2, (what, proc.stderr)
    assert proc.stdout == ""
    assert one_error_line(proc).startswith(error), proc.stderr
    assert db.read_bytes() == before
    assert not changes_file(db).exists()
    assert ok(user, "log").strip() == "no changes have been made through frontlines"


def test_a_source_is_required(user: dict[str, str], db: Path) -> None:
    proc = run(user, "record", "control", "Dumair", "--faction", "saa", "--status", "held", "--date", "2018-06-01")
    assert proc.returncode == 2
    assert "--source" in one_error_line(proc)
    proc = run(user, "record", "control", "Dumair", "--faction", "fsa", "--status", "held", "--date", "2018-06-01",
               "--source", "  ")
    assert proc.returncode == 2 and one_error_line(proc).startswith("frontlines: --source: a source is required")
    assert not changes_file(db).exists()


def test_an_existing_source_is_cited_by_its_id(user: dict[str, str], db: Path) -> None:
    sid = status(user, "2018-05-01")["sources"][0]["id"]  # published 2018-04-20, when the army took Dumair
    proc = run(user, "record", "control", "Dumair", "--faction", "fsa", "--status", "held", "--date", "2018-06-01",
               "--source", sid)
    assert proc.returncode == 2  # a report from before the change cannot be its evidence
    assert one_error_line(proc).startswith("frontlines: --source: Global Times (Xinhua) (2018-04-20) was published "
                                           "before 2018-06-01")
    proc = run(user, "record", "control", "Dumair", "--faction", "fsa", "--status", "held", "--date", "2018-04-20",
               "--replace", "--source", sid, "--json")
    assert proc.returncode == 0, proc.stderr
    change = json.loads(proc.stdout)
    assert [op["table"] for op in change["ops"]] == ["periods"]  # no new source
    assert sid in [s["id"] for s in status(user, "2018-06-01")["sources"]]


def test_a_period_starting_that_day_is_replaced_only_with_replace(user: dict[str, str], db: Path) -> None:
    periods = json_of(user, "history", "C2346")["periods"]
    proc = record_control(user, faction="saa", status="contested", day="2018-04-20")
    assert proc.returncode == 2
    line = one_error_line(proc)
    assert line.startswith("frontlines: --date: Dumair already has a period from 2018-04-20 (Syrian Arab Army)")
    assert line.endswith("add --replace to change that period instead")
    assert not changes_file(db).exists()
    recorded(user, "--replace", faction="saa", status="contested", day="2018-04-20")
    after = json_of(user, "history", "C2346")["periods"]
    assert len(after) == len(periods)  # the period was changed, not another added
    last = after[-1]
    assert (last["from"], last["controller"]["id"], last["status"]) == ("2018-04-20", "saa", "contested")


def test_a_place_is_resolved_as_elsewhere(user: dict[str, str], db: Path) -> None:
    by_arabic = recorded(user, place="الضمير")
    assert by_arabic["places"] == ["C2346"]
    proc = record_control(user, place="Dumiar Town Nowhere")
    assert proc.returncode == 1 and "no place matches 'Dumiar Town Nowhere'" in one_error_line(proc)


def test_an_ambiguous_place_is_refused_as_elsewhere(user: dict[str, str], tmp_path: Path) -> None:
    tables = small_tables(regions=[
        {"id": "A1", "name": "Twin", "level": "community", "parent": "ROOT"},
        {"id": "A2", "name": "Twin", "level": "community", "parent": "ROOT"},
    ])
    path = write_db(tmp_path / "twins.json", tables)
    proc = run({**user, "FRONTLINES_DB": str(path)}, "record", "control", "Twin", "--faction", "saa",
               "--status", "held", "--date", "2017-01-01", "--source", "s1")
    assert proc.returncode == 2
    assert "'Twin' matches 2 places; name one by its id:" in proc.stderr
    assert not changes_file(path).exists()


# --- record event ---------------------------------------------------------------------------


def test_an_event_with_actors_and_figures_is_listed_by_events(user: dict[str, str], db: Path) -> None:
    proc = run(
        user, "record", "event", "--type", "evacuation", "--title", "Fighters leave Dumair for the north",
        "--date", "2018-06-03", "--to", "2018-06-05", "--place", "Dumair",
        "--actor", "Jaysh al-Islam:evacuated", "--actor", "saa:took-control", "--actor", "ru-mp",
        "--figure", "fighters evacuated=1,500-2000~@Enab Baladi, Buses leave Dumair, https://enabbaladi.net/dumair",
        "--figure", "buses=40 buses", "--source", SOURCE, "--summary", "Buses left over three days.",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("recorded: event 2018-06-03: Fighters leave Dumair for the north\n")
    events = json_of(user, "events", "--place", "C2346", "--since", "2018-06")
    assert len(events) == 1
    event = events[0]
    assert (event["type"], event["date"], event["date_to"], event["precision"]) == (
        "evacuation", "2018-06-03", "2018-06-05", "span")
    assert [(a["faction"]["id"], a["role"]) for a in event["actors"]] == [
        ("jaysh-al-islam", "evacuated"), ("saa", "took-control"), ("ru-mp", "party")]
    fighters, buses = event["figures"]
    assert (fighters["label"], fighters["low"], fighters["high"], fighters["approximate"], fighters["unit"]) == (
        "fighters evacuated", 1500, 2000, True, "people")
    added = {op["id"]: op["after"] for op in json_of(user, "log")[0]["ops"] if op["table"] == "sources"}
    assert added[fighters["source"]]["publication"] == "Enab Baladi"
    assert added[fighters["source"]]["title"] == "Buses leave Dumair"
    assert added[fighters["source"]]["url"] == "https://enabbaladi.net/dumair"
    assert (buses["low"], buses["high"], buses["approximate"], buses["unit"], buses["source"]) == (40, 40, False, "buses", None)
    assert [s["publication"] for s in event["sources"]] == ["Syria Direct"]
    assert event["summary"] == "Buses left over three days."
    text = ok(user, "events", "--place", "C2346", "--since", "2018-06")
    assert "fighters evacuated: about 1,500-2,000 people" in text and "buses: 40 buses" in text


BAD_EVENT = [
    ("an unknown type", ["--type", "massacre"], "frontlines: --type: unknown event type 'massacre'"),
    ("a date outside the data", ["--date", "2015-05"], "frontlines: --date: 2015-05 is outside the data"),
    ("an end before the start", ["--to", "2018-06-01"], "frontlines: --to: it would end (2018-06-01) before it starts"),
    ("an unknown actor", ["--actor", "Nobody Brigade:attacker"],
     "frontlines: --actor 'Nobody Brigade:attacker': no faction matches 'Nobody Brigade'"),
    ("an unknown role", ["--actor", "saa:winner"], "frontlines: --actor 'saa:winner': unknown role 'winner'; use one of: "),
    ("a figure without '='", ["--figure", "fighters 1500"], "frontlines: --figure 'fighters 1500': write it LABEL=LOW"),
    ("a figure that is not a number", ["--figure", "fighters=many"],
     "frontlines: --figure 'fighters=many': after '=' give a number or a range"),
    ("a range upside down", ["--figure", "fighters=2000-1500"],
     "frontlines: --figure 'fighters=2000-1500': the high end (1,500) is below the low end (2,000)"),
    ("a figure's empty source", ["--figure", "fighters=10@ "], "frontlines: --figure 'fighters=10@': give the figure's source"),
    ("a figure's source without a publication", ["--figure", "fighters=10@ ,; "],
     "frontlines: --figure 'fighters=10@ ,;': a source needs a publication, a title or an address"),
    ("a source without a publication", ["--source", " , "],
     "frontlines: --source ',': a source needs a publication, a title or an address"),
]


@pytest.mark.parametrize("what, changed, error", BAD_EVENT, ids=[b[0] for b in BAD_EVENT])
def test_a_bad_event_is_refused_with_exit_2_and_writes_nothing(
    user: dict[str, str], db: Path, what: str, changed: list[str], error: str
) -> None:
    before = db.read_bytes()
    args = ["record", "event", "--type", "evacuation", "--title", "Buses leave", "--date", "2018-06-03",
            "--place", "Dumair", "--source", SOURCE]
    for option, value in zip(changed[::2], changed[1::2], strict=True):
        if option in args and option not in ("--actor", "--figure", "--to"):
            args[args.index(option) + 1] = value
        else:
            args += [option, value]
    proc = run(user, *args)
    assert proc.returncode == 2, (what, proc.stderr)
    assert proc.stdout == ""
    assert one_error_line(proc).startswith(error), proc.stderr
    assert db.read_bytes() == before and not changes_file(db).exists()


# --- undo and redo ---------------------------------------------------------------------------


def test_undo_restores_the_old_controller_and_redo_makes_the_change_again(user: dict[str, str], db: Path) -> None:
    first = recorded(user)  # Jaysh al-Islam (contested) from 2018-06-01
    second = recorded(user, faction="fsa", status="held", day="2018-09-01")
    assert status(user, "2018-10-01")["controller"]["id"] == "fsa"

    text = ok(user, "undo")
    assert text.startswith("undid: Dumair: Free Syrian Army from 2018-09-01")
    assert f"takes back change {second['id']}" in text
    assert status(user, "2018-10-01")["controller"]["id"] == "jaysh-al-islam"

    undo = json_of(user, "undo")
    assert (undo["kind"], undo["reverts"], undo["author"]) == ("undo", first["id"], AUTHOR)
    assert status(user, "2018-06-02")["controller"]["id"] == "saa"
    assert status(user, "2018-10-01")["controller"]["id"] == "saa"

    proc = run(user, "undo")
    assert proc.returncode == 1 and proc.stdout == ""
    assert one_error_line(proc).startswith("frontlines: nothing to undo in ")

    text = ok(user, "redo")
    assert text.startswith("redid: Dumair: Jaysh al-Islam (contested) from 2018-06-01")
    assert status(user, "2018-06-02")["controller"]["id"] == "jaysh-al-islam"
    assert json_of(user, "redo")["reapplies"] == second["id"]
    assert status(user, "2018-10-01")["controller"]["id"] == "fsa"
    proc = run(user, "redo")
    assert proc.returncode == 1 and one_error_line(proc).startswith("frontlines: nothing to redo in ")


def test_nothing_to_undo_in_a_database_never_changed(user: dict[str, str], db: Path) -> None:
    proc = run(user, "undo")
    assert proc.returncode == 1
    assert one_error_line(proc) == f"frontlines: nothing to undo: no change has been made to {db} through frontlines"
    assert not changes_file(db).exists()


# --- the log ----------------------------------------------------------------------------------


def test_the_log_lists_every_change_with_its_author_and_device(user: dict[str, str], db: Path) -> None:
    control = recorded(user)
    event = json.loads(ok(user, "record", "event", "--type", "takeover", "--title", "The army enters Douma",
                          "--date", "2018-04-12", "--place", "Douma", "--source", "SANA, Douma", "--json"))
    undo = json_of(user, "undo")
    text = ok(user, "log")
    lines = text.splitlines()
    ids = [m.group(0) for line in lines if (m := CHANGE_ID.search(line)) and "took back" not in line]
    assert ids == [control["id"], event["id"], undo["id"]]
    first = next(line for line in lines if control["id"] in line)
    assert first.startswith(control["at"][:10] + " " + control["at"][11:16] + " UTC")
    assert " control " in first and f"{AUTHOR} on {DEVICE}" in first
    assert "  Dumair: Jaysh al-Islam (contested) from 2018-06-01, after Syrian Arab Army" in lines
    undone_event = next(line for line in lines if event["id"] in line and " event " in line)
    assert undone_event.endswith("(undone)")
    assert "  undid: event 2018-04-12: The army enters Douma" in lines
    assert f"  took back change {event['id']}" in lines
    assert lines[-1].startswith("3 changes")

    logged = json_of(user, "log")
    assert [c["id"] for c in logged] == ids
    assert logged[0] == control  # the same record as the command printed
    assert logged[2]["reverts"] == event["id"]


def test_the_log_filters_by_day_and_by_place(user: dict[str, str], db: Path) -> None:
    control = recorded(user)
    event = json.loads(ok(user, "record", "event", "--type", "takeover", "--title", "The army enters Douma",
                          "--date", "2018-04-12", "--place", "Douma", "--source", "SANA, Douma", "--json"))
    made = date.fromisoformat(control["at"][:10])
    assert [c["id"] for c in json_of(user, "log", "--since", made.isoformat())] == [control["id"], event["id"]]
    later = made + timedelta(days=1)
    assert json_of(user, "log", "--since", later.isoformat()) == []
    assert ok(user, "log", "--since", later.isoformat()).strip() == "no changes match"
    assert [c["id"] for c in json_of(user, "log", "--place", "C2346")] == [control["id"]]
    douma = [c["id"] for c in json_of(user, "log", "--place", event["places"][0])]
    assert douma == [event["id"]]
    # An area: the changes of every place under it (Dumair and Douma are both in Douma district).
    assert [c["id"] for c in json_of(user, "log", "--place", "SY0302")] == [control["id"], event["id"]]
    proc = run(user, "log", "--since", "2018-02-30")
    assert proc.returncode == 2 and "--since" in one_error_line(proc)


# --- one writer at a time ---------------------------------------------------------------------


def test_a_second_writer_is_refused_naming_the_pid(user: dict[str, str], db: Path) -> None:
    before = db.read_bytes()
    lock = WriterLock(db)
    lock.acquire()
    try:
        for args in (["record", "control", "Dumair", "--faction", "fsa", "--status", "held", "--date", "2018-06-01",
                      "--source", SOURCE], ["undo"], ["compact"]):
            proc = run(user, *args)
            assert proc.returncode == 1, proc.stderr
            assert one_error_line(proc) == (
                f"frontlines: {db}: database is in use by PID {os.getpid()}; it can still be opened read-only"
            )
        # Reading goes on while it is held.
        assert status(user, "2018-06-02")["controller"]["id"] == "saa"
        assert ok(user, "log").strip() == "no changes have been made through frontlines"
    finally:
        lock.release()
    assert db.read_bytes() == before and not changes_file(db).exists()
    recorded(user)  # once it is free


def test_a_read_only_file_is_refused_with_the_reason(user: dict[str, str], db: Path) -> None:
    db.chmod(0o444)
    try:
        proc = record_control(user)
        assert proc.returncode == 1
        line = one_error_line(proc)
        assert line.startswith(f"frontlines: {db}: cannot change it: the file is read-only (mode 0444)")
        assert line.endswith("nothing was changed")
    finally:
        db.chmod(0o644)
    assert not changes_file(db).exists()


def test_read_only_is_taken_by_readers_and_refused_by_writers(user: dict[str, str], db: Path) -> None:
    assert "Dumair" in ok(user, "--read-only", "status", "Dumair")
    assert "Dumair" in ok(user, "status", "Dumair", "--read-only")
    proc = record_control(user, "--read-only")
    assert proc.returncode == 2
    assert one_error_line(proc) == (
        "frontlines: --read-only: `record control` changes the database; leave --read-only out to change it"
    )
    assert not changes_file(db).exists()


def test_the_explorer_opens_to_edit_unless_told_or_in_use(user: dict[str, str], db: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import tui.app
    from tui import cli

    opened: list[Store] = []

    def run_explorer(loader: Any, **options: Any) -> tuple[int, None]:
        opened.append(loader())
        return 0, None

    monkeypatch.setattr(tui.app, "run_explorer", run_explorer)
    monkeypatch.setattr(cli, "explorer_problem", lambda: None)
    for name, value in user.items():
        monkeypatch.setenv(name, value)
    try:
        assert cli.main(["--db", str(db)]) == 0
        assert not opened[-1].readonly and opened[-1].read_only_reason is None
        opened[-1].close()
        assert cli.main(["--db", str(db), "--read-only"]) == 0
        assert opened[-1].readonly and opened[-1].read_only_reason == "opened read-only (--read-only)"
        lock = WriterLock(db)
        lock.acquire()
        try:
            assert cli.main(["--db", str(db)]) == 0
        finally:
            lock.release()
        assert opened[-1].readonly
        assert opened[-1].read_only_reason == f"in use by PID {os.getpid()}: opened read-only"
    finally:
        for store in opened:
            store.close()


# --- what reaches the terminal -----------------------------------------------------------------

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_markup_and_control_characters_are_printed_literally_and_cleaned(
    user: dict[str, str], tmp_path: Path
) -> None:
    tables = small_tables(
        regions=[{"id": "T1", "name": "Evil [/] [link=https://x.example]town[/link]", "level": "community",
                  "parent": "ROOT"}],
        periods=[{"id": "p1", "region": "T1", "faction": "saa", "status": "held", "from": "2016-01-01",
                  "to": None, "sources": ["s1"]}],
    )
    path = write_db(tmp_path / "evil.json", tables)
    hostile = {**user, "FRONTLINES_DB": str(path)}
    note = "[bold]loud[/bold] [@click=app.quit]quit\x1b[2J\x07 \u202eroll"
    source = "[red]Pub[/red]\x1b]52;c;ZXZpbA==\x07, Title [/], https://example.org/a"
    plain_env = hostile
    colour_env = {**{k: v for k, v in hostile.items() if k != "NO_COLOR"}, "FORCE_COLOR": "1", "TTY_COMPATIBLE": "1"}
    for environ, faction, day in ((plain_env, "fsa", "2017-01"), (colour_env, "saa", "2017-06")):
        proc = run(environ, "record", "control", "T1", "--faction", faction, "--status", "held",
                   "--date", day, "--note", note, "--source", source)
        assert proc.returncode == 0, proc.stderr
        plain = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout)  # Rich's own styles, when colour is on
        assert "recorded: Evil [/] [link=https://x.example]town[/link]: " in plain
        assert not UNSAFE.findall(plain) and "\x1b]8;" not in proc.stdout  # no hyperlink, no escape from the data
        log = run(environ, "log")
        assert log.returncode == 0
        plain = re.sub(r"\x1b\[[0-9;]*m", "", log.stdout)
        assert "  Evil [/] [link=https://x.example]town[/link]: Free Syrian Army from 2017-01, after" in plain
        assert not UNSAFE.findall(plain) and "\x1b]8;" not in log.stdout
    shown = ok(hostile, "status", "T1", "--at", "2017-03-01")
    assert "note: [bold]loud[/bold] [@click=app.quit]quit[2J roll" in shown
    assert "[red]Pub[/red]" in shown and "“Title [/]”" in shown
    assert not UNSAFE.findall(shown)
    logged = json_of(hostile, "log")
    added = next(op["after"] for op in logged[0]["ops"] if op["table"] == "periods" and op["before"] is None)
    assert added["note"] == "[bold]loud[/bold] [@click=app.quit]quit[2J roll"  # kept cleaned, not escaped


# --- compaction --------------------------------------------------------------------------------


def test_compact_folds_the_changes_into_the_file_and_validate_passes(user: dict[str, str], db: Path) -> None:
    change = recorded(user)
    assert ok(user, "compact").splitlines()[0] == f"folded 1 change into {db}"
    data = json.loads(db.read_text(encoding="utf-8"))
    new = [p for p in data["periods"].values() if p["region"] == "C2346" and p["from"] == "2018-06-01"]
    assert len(new) == 1 and new[0]["faction"] == "jaysh-al-islam" and new[0]["status"] == "contested"
    assert ok(user, "validate").startswith("OK: ")
    assert ok(user, "compact").strip() == f"nothing to fold: {db} already holds every change"
    assert [c["id"] for c in json_of(user, "log")] == [change["id"]]  # the log is kept
    # Undone and compacted: the file is as the first compaction left it before the change.
    ok(user, "undo")
    ok(user, "compact")
    data = json.loads(db.read_text(encoding="utf-8"))
    assert not [p for p in data["periods"].values() if p["region"] == "C2346" and p["from"] == "2018-06-01"]
    assert ok(user, "validate").startswith("OK: ")


def test_a_writing_command_compacts_once_enough_changes_wait(user: dict[str, str], db: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.cli import COMPACT_AT

    for name in ("FRONTLINES_AUTHOR", "FRONTLINES_DEVICE", "FRONTLINES_CONFIG"):
        monkeypatch.setenv(name, user[name])
    with Store.open(db, readonly=False) as store:  # changes waiting, as a long session leaves them
        for n in range(COMPACT_AT - 2):
            store.record_control("C2346", "fsa" if n % 2 == 0 else "saa", "held", date(2018, 5, 1) + timedelta(days=n),
                                 source="Field notes")
        assert store.pending_changes == COMPACT_AT - 2
    before = db.read_bytes()
    proc = record_control(user, day="2018-08-01")
    assert proc.returncode == 0, proc.stderr
    assert f"{COMPACT_AT - 1} changes waiting" in proc.stdout and db.read_bytes() == before
    proc = record_control(user, faction="fsa", status="held", day="2018-08-02")
    assert proc.returncode == 0, proc.stderr
    assert f"folded into {db} with the changes waiting ({COMPACT_AT})" in proc.stdout
    data = json.loads(db.read_text(encoding="utf-8"))
    assert any(p["region"] == "C2346" and p["from"] == "2018-08-02" for p in data["periods"].values())
    with Store.open(db) as store:
        assert store.pending_changes == 0 and len(store.log()) == COMPACT_AT


# --- help ---------------------------------------------------------------------------------------

NEW_COMMANDS = ("record control", "record event", "undo", "redo", "log", "compact")


def test_the_help_lists_the_new_commands(env: dict[str, str], user: dict[str, str]) -> None:  # noqa: F811
    out = ok(env, "--help")
    for name in ("record", "undo", "redo", "log", "compact"):
        assert re.search(rf"^    {name} ", out, re.MULTILINE), name
    assert "--read-only" in out
    record = ok(env, "record", "--help")
    assert "control" in record and "event" in record
    proc = subprocess.run([EXE], stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                          text=True, env=user, timeout=60)
    assert proc.returncode == 0, proc.stderr
    for name in ("record", "undo", "redo", "log", "compact"):
        assert any(line.startswith(f"  {name} ") for line in proc.stdout.splitlines()), name


@pytest.mark.parametrize("command", NEW_COMMANDS)
def test_every_option_of_the_new_commands_is_described(env: dict[str, str], command: str) -> None:  # noqa: F811
    out = ok(env, *command.split(), "--help")
    options = out.split("options:", 1)[1].split("\n\n", 1)[0].splitlines()
    for index, line in enumerate(options):
        if line.startswith("  -"):
            words = line.strip().split("  ", 1)
            following = options[index + 1] if index + 1 < len(options) else ""
            assert len(words) == 2 or following.startswith(" " * 10), f"{command}: {line.strip()} has no help"
    if "--json" in out:
        assert "JSON (--json):" in out
        for key in ("id", "author", "device", "kind", "summary", "ops", "before", "after"):
            assert key in out.split("JSON (--json):", 1)[1]


def test_the_event_help_names_every_type_and_role_and_the_figure_syntax(env: dict[str, str]) -> None:  # noqa: F811
    from store.edits import ROLES
    from store.model import EVENT_TYPES, STATUSES

    out = re.sub(r"-\s+", "-", " ".join(ok(env, "record", "event", "--help").split()))  # argparse wraps at hyphens
    assert all(t in out for t in EVENT_TYPES)
    assert all(r in out for r in ROLES)
    assert "LABEL=LOW[-HIGH][~][@SOURCE]" in out and "'~' if approximate" in out
    control = " ".join(ok(env, "record", "control", "--help").split())
    assert all(s in control for s in STATUSES)


def test_writing_commands_take_no_at(user: dict[str, str], db: Path) -> None:
    proc = run(user, "--at", "2018", "undo")
    assert proc.returncode == 2
    assert one_error_line(proc) == "frontlines: --at: `undo` takes no date: it takes back the last change"
    proc = run(user, "record", "control", "Dumair", "--at", "2018")
    assert proc.returncode == 2
