"""``frontlines situation`` and ``frontlines changes``, and the command-line
fixes of issue 10, run as a user runs them (the console script in a child
process; see tests/test_cli.py for the environment). Expected values come
from :mod:`store` in-process, so the commands are checked against the store.
"""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from store import Store
from store.locate import bundled_path
from store.model import BLOCS, NOT_RECORDED
from test_cli import (  # noqa: F401  (env and bundled_env are fixtures)
    EXE,
    bundled_env,
    env,
    json_of,
    ok,
    one_error_line,
    period,
    run,
    small_tables,
    write_db,
    write_raw_json,
)

BUNDLED = bundled_path()
D = date.fromisoformat
ROOT = "FL-DAMASCUS-PROVINCE"


@pytest.fixture(scope="module")
def store():
    with Store.open(BUNDLED) as s:
        yield s


def _group_lines(out: str) -> list[str]:
    """The group headings of a situation listing: lines that do not start with a space."""
    return [line for line in out.splitlines()[1:] if line and not line.startswith(" ")]


# --- situation ------------------------------------------------------------------------------


def test_outside_government_on_2018_05_01(bundled_env: dict[str, str], store: Store) -> None:
    out = ok(bundled_env, "situation", "--at", "2018-05-01", "--not-bloc", "government")
    expected = store.situation(ROOT, D("2018-05-01"), not_bloc="government")
    header = out.splitlines()[0]
    assert header == (
        f"Damascus Province ({ROOT}) on 2018-05-01: {expected.total} places under it, "
        f"{expected.shown} shown, not Government"
    )
    groups = _group_lines(out)
    assert len(groups) == len(expected.groups)
    for line, group in zip(groups, expected.groups):
        who = group.faction.name if group.faction else "not recorded"
        assert who in line and line.endswith(f": {len(group.places)} place{'s' if len(group.places) != 1 else ''}")
    assert "◆ Islamic State, contested ×: 3 places" in groups
    yarmouk = next(line for line in out.splitlines() if line.strip().startswith("Yarmouk Camp"))
    assert "C10011023" in yarmouk and yarmouk.endswith("since 2018-04-19")
    yalda = next(line for line in out.splitlines() if line.strip().startswith("Yalda "))
    assert "C2302" in yalda and "since 2016-01-01 (the start of the data)" in yalda
    assert "Douma" not in out and "Syrian Arab Army" not in out
    assert all(line == line.rstrip() for line in out.splitlines())


def test_situation_defaults_to_the_root_and_the_last_day(bundled_env: dict[str, str], store: Store) -> None:
    data = json_of(bundled_env, "situation")
    assert data["place"]["id"] == ROOT and data["at"] == store.span[1].isoformat()
    assert data["filter"] == {"bloc": None, "not_bloc": None, "faction": None}
    assert data["total"] == data["shown"] == len(store.units(ROOT))
    assert json_of(bundled_env, "situation", "--at", "2018-04")["at"] == "2018-04-30"


def test_situation_json_is_the_store_answer(bundled_env: dict[str, str], store: Store) -> None:
    data = json_of(bundled_env, "situation", "Rural Damascus", "--at", "2018-04-01")
    expected = store.situation("SY03", D("2018-04-01"))
    assert set(data) == {"place", "at", "filter", "total", "shown", "groups"}
    assert data["place"] == {"id": "SY03", "name": "Rural Damascus", "level": "governorate", "pcode": "SY03"}
    assert [g["key"] for g in data["groups"]] == [g.key for g in expected.groups]
    assert sum(g["count"] for g in data["groups"]) == data["shown"] == expected.shown
    for got, group in zip(data["groups"], expected.groups):
        assert set(got) == {"key", "controller", "bloc", "status", "count", "places"}
        assert got["bloc"] == group.bloc and got["status"] == group.status
        assert [p["id"] for p in got["places"]] == [p.region.id for p in group.places]
        for place in got["places"]:
            assert set(place) == {"id", "name", "level", "pcode", "since", "since_precision", "until", "period"}
    douma = next(p for g in data["groups"] for p in g["places"] if p["id"] == "C2338")
    assert douma["since"] == "2016-01-01" and douma["until"] == "2018-04-11"


def test_situation_json_is_deterministic_utf8(bundled_env: dict[str, str]) -> None:
    first = run(bundled_env, "situation", "--json", "--at", "2017-06-01")
    second = run(bundled_env, "situation", "--json", "--at", "2017-06-01")
    assert first.returncode == 0 and first.stdout == second.stdout


def test_a_month_precision_start_says_so(bundled_env: dict[str, str], store: Store) -> None:
    # Zamalka (C2313): a period known to start in May 2016.
    day = D("2016-06-01")
    placed = next(p for g in store.situation("C2313", day).groups for p in g.places)
    assert placed.since == D("2016-05-01")
    data = json_of(bundled_env, "situation", "C2313", "--at", "2016-06-01")
    (place,) = [p for g in data["groups"] for p in g["places"]]
    assert (place["since"], place["since_precision"]) == ("2016-05-01", "month")
    out = ok(bundled_env, "situation", "C2313", "--at", "2016-06-01")
    assert out.rstrip().endswith("since 2016-05 (month)")


@pytest.mark.parametrize("spelling", ["government", "Government", "GOVERNMENT", " government "])
def test_blocs_by_id_or_label_in_any_case(bundled_env: dict[str, str], spelling: str) -> None:
    data = json_of(bundled_env, "situation", "--at", "2018-05-01", "--not-bloc", spelling)
    assert data["filter"]["not_bloc"] == "government"
    assert all(g["bloc"] != "government" for g in data["groups"]) and data["groups"]


@pytest.mark.parametrize(("spelling", "bloc"), [("Kurdish-led", "kurdish"), ("kurdish", "kurdish"),
                                                ("not recorded", NOT_RECORDED), ("Not-Recorded", NOT_RECORDED),
                                                ("Jihadist", "jihadist"), ("other", "other")])
def test_every_bloc_is_accepted(bundled_env: dict[str, str], spelling: str, bloc: str) -> None:
    data = json_of(bundled_env, "situation", "--at", "2017-06-01", "--bloc", spelling)
    assert data["filter"]["bloc"] == bloc
    assert all(g["bloc"] == bloc for g in data["groups"])


def test_not_recorded_places_are_a_bloc(bundled_env: dict[str, str], store: Store) -> None:
    data = json_of(bundled_env, "situation", "--at", "2017-06-01", "--bloc", "not-recorded")
    (group,) = data["groups"]
    assert group["key"] == f"{NOT_RECORDED}/{NOT_RECORDED}" and group["controller"] is None
    assert group["count"] == store.situation(ROOT, D("2017-06-01"), bloc=NOT_RECORDED).shown > 0


def test_an_unknown_bloc_exits_2_naming_it_and_the_choices(bundled_env: dict[str, str]) -> None:
    proc = run(bundled_env, "situation", "--bloc", "rebels")
    assert proc.returncode == 2 and proc.stdout == ""
    line = one_error_line(proc)
    assert "'rebels'" in line and "government, opposition, jihadist, kurdish, other or not-recorded" in line
    assert "`frontlines situation --help`" in line


def test_bloc_and_not_bloc_exclude_each_other(bundled_env: dict[str, str]) -> None:
    proc = run(bundled_env, "situation", "--bloc", "government", "--not-bloc", "opposition")
    assert proc.returncode == 2
    line = one_error_line(proc)
    assert "--not-bloc" in line and "--bloc" in line and "not allowed" in line


@pytest.mark.parametrize("faction", ["isis", "Islamic State", "ISIS", "islamic state"])
def test_situation_of_one_faction(bundled_env: dict[str, str], faction: str) -> None:
    data = json_of(bundled_env, "situation", "--at", "2018-05-01", "--faction", faction)
    assert data["filter"]["faction"] == "isis"
    assert {p["name"] for g in data["groups"] for p in g["places"]} == {"Hajar al-Aswad", "Tadamoun", "Yarmouk Camp"}


def test_a_faction_filter_takes_its_sub_factions(bundled_env: dict[str, str], store: Store) -> None:
    data = json_of(bundled_env, "situation", "--at", "2018-02-01", "--faction", "fsa")
    ids = {g["controller"]["id"] for g in data["groups"]}
    assert ids <= set(store.faction_descendants("fsa")) and "faylaq-al-rahman" in ids
    proc = run(bundled_env, "situation", "--faction", "nobody")
    assert proc.returncode == 1
    assert one_error_line(proc).startswith("frontlines: no faction matches 'nobody'")


def test_a_filter_that_keeps_nothing_says_so(bundled_env: dict[str, str]) -> None:
    out = ok(bundled_env, "situation", "--bloc", "kurdish")
    assert ", 0 shown, held by Kurdish-led" in out.splitlines()[0]
    assert out.splitlines()[1:] == ["  no place matches"]


def test_situation_place_resolves_like_status(bundled_env: dict[str, str]) -> None:
    proc = run(bundled_env, "situation", "Markaz")
    assert proc.returncode == 2 and "matches 2 places" in proc.stderr
    assert json_of(bundled_env, "situation", "Dmeir")["place"]["id"] == "C2346"
    proc = run(bundled_env, "situation", "Zzyzx")
    assert proc.returncode == 1 and one_error_line(proc) == "frontlines: no place matches 'Zzyzx'"


# --- changes --------------------------------------------------------------------------------


def test_changes_of_dumair_in_april_2018(bundled_env: dict[str, str]) -> None:
    out = ok(bundled_env, "changes", "C2346", "--since", "2018-04", "--until", "2018-04")
    lines = out.splitlines()
    assert lines[0] == "Dumair (C2346): 1 change of control from 2018-04-01 to 2018-04-30"
    assert lines[1].startswith("2018-04-20  Dumair (C2346): Jaysh al-Islam with ")
    assert lines[1].endswith("(truce) -> Syrian Arab Army (held)")
    assert lines[2] == "    event: 2018-04-20, takeover: The army enters Dumair"
    assert lines[3] == "    sources:"
    assert lines[4].startswith("      1. Global Times (Xinhua), “Syrian forces enter Dumair")
    assert "         http://www.globaltimes.cn/content/1098891.shtml" in lines


def test_changes_json_is_the_store_answer(bundled_env: dict[str, str], store: Store) -> None:
    data = json_of(bundled_env, "changes", "--since", "2018-04-01", "--until", "2018-05-31")
    expected = store.changes_between(ROOT, D("2018-04-01"), D("2018-05-31"))
    assert set(data) == {"place", "since", "until", "count", "changes"}
    assert (data["since"], data["until"], data["count"]) == ("2018-04-01", "2018-05-31", len(expected))
    assert [(c["day"], c["place"]["id"]) for c in data["changes"]] == [(c.day.isoformat(), c.region.id) for c in expected]
    for got in data["changes"]:
        assert set(got) == {"day", "day_precision", "place", "from", "to", "event", "sources"}
    dumair = next(c for c in data["changes"] if c["place"]["id"] == "C2346")
    assert dumair["from"]["controller"]["id"] == "jaysh-al-islam" and dumair["from"]["status"] == "truce"
    assert dumair["to"]["controller"]["id"] == "saa" and dumair["to"]["status"] == "held"
    assert dumair["event"] == {"id": "e-2018-04-20-dumair-army-entry", "date": "2018-04-20", "type": "takeover",
                               "title": "The army enters Dumair"}
    assert dumair["sources"][0]["url"] == "http://www.globaltimes.cn/content/1098891.shtml"


def test_a_status_change_by_the_same_faction_names_it_once(bundled_env: dict[str, str]) -> None:
    out = ok(bundled_env, "changes", "C2502", "--since", "2018-04-19", "--until", "2018-04-19")
    line = out.splitlines()[1]
    assert line.startswith("2018-04-19  Hajar al-Aswad (C2502): Islamic State: held -> contested with Syrian Arab Army")
    assert "Islamic State -> Islamic State" not in out


def test_not_recorded_on_either_side(env: dict[str, str], tmp_path: Path) -> None:
    db = write_db(tmp_path / "gaps.json", small_tables(
        regions=[{"id": "T-1", "name": "Town", "level": "community", "parent": "ROOT"}],
        periods=[period("p1", "T-1", "fsa", "2017-03-01", "2017-06-30"),
                 period("p2", "T-1", "fsa", "2017-07-01", None, status="besieged")],
    ))
    out = ok(env, "--db", str(db), "changes", "--since", "2017")
    assert out.splitlines()[1:] == [
        "2017-03-01  Town (T-1): not recorded -> Free Syrian Army (held)",
        "    sources:",
        "      1. Syria Direct, “One”",
        "2017-07-01  Town (T-1): Free Syrian Army: held -> besieged",
        "    sources:",
        "      1. Syria Direct, “One”",
    ]
    data = json_of(env, "--db", str(db), "changes", "--since", "2017-03-01", "--until", "2017-03-01")
    assert data["count"] == 1 and data["changes"][0]["from"] is None and data["changes"][0]["event"] is None


def test_a_month_means_its_first_day_for_since_and_its_last_for_until(env: dict[str, str], tmp_path: Path) -> None:
    db = write_db(tmp_path / "edges.json", small_tables(
        regions=[{"id": f"T-{n}", "name": f"Town {n}", "level": "community", "parent": "ROOT"} for n in (1, 2, 3)],
        periods=[period("a", "T-1", "fsa", "2018-04-01", None), period("b", "T-2", "fsa", "2018-04-30", None),
                 period("c", "T-3", "fsa", "2018-05-01", None)],
    ))

    def days(*args: str) -> list[str]:
        return [c["day"] for c in json_of(env, "--db", str(db), "changes", *args)["changes"]]

    assert days("--since", "2018-04", "--until", "2018-04") == ["2018-04-01", "2018-04-30"]
    assert days("--since", "2018-04-02", "--until", "2018-04") == ["2018-04-30"]
    assert days("--since", "2018") == ["2018-04-01", "2018-04-30", "2018-05-01"]
    assert json_of(env, "--db", str(db), "changes", "--since", "2018")["until"] == "2018-12-31"  # the data's end


def test_changes_needs_since_and_a_window_that_is_not_inverted(bundled_env: dict[str, str]) -> None:
    proc = run(bundled_env, "changes")
    assert proc.returncode == 2
    line = one_error_line(proc)
    assert "--since" in line and "`frontlines changes --help`" in line
    proc = run(bundled_env, "changes", "--since", "2018-05", "--until", "2018-04")
    assert proc.returncode == 2
    assert one_error_line(proc) == "frontlines: --until 2018-04 is before --since 2018-05"
    proc = run(bundled_env, "changes", "--since", "2018-02-30")
    assert proc.returncode == 2 and "'2018-02-30'" in one_error_line(proc)


def test_a_window_without_changes_says_so(bundled_env: dict[str, str]) -> None:
    out = ok(bundled_env, "changes", "Mezzeh", "--since", "2018-06", "--until", "2018-06")
    assert out.splitlines() == ["Mezzeh (C10011071): 0 changes of control from 2018-06-01 to 2018-06-30"]


def test_long_urls_print_whole_on_narrow_terminals(env: dict[str, str], tmp_path: Path) -> None:
    url = "https://example.org/" + "a-very-long-path-segment/" * 6 + "end"
    tables = small_tables(
        regions=[{"id": "T-1", "name": "Town", "level": "community", "parent": "ROOT"}],
        periods=[period("p1", "T-1", "fsa", "2017-03-01", None)],
    )
    tables["sources"][0]["url"] = url
    db = write_db(tmp_path / "url.json", tables)
    out = ok({**env, "COLUMNS": "40"}, "--db", str(db), "changes", "--since", "2017")
    assert f"         {url}" in out.splitlines()


def test_hostile_names_print_literally(env: dict[str, str], tmp_path: Path) -> None:
    tables = small_tables(
        regions=[{"id": "H-1", "name": "[link=x]Evil\x1b[31m\u202eTown", "level": "community", "parent": "ROOT"}],
        periods=[period("p1", "H-1", "fsa", "2017-03-01", None)],
    )
    tables["factions"][1]["name"] = "Free [red]Syrian[/red] Army"
    db = write_raw_json(tmp_path / "hostile.json", tables, ensure_ascii=False)
    for args in (("situation",), ("changes", "--since", "2017")):
        out = ok(env, "--db", str(db), *args)
        assert "\x1b" not in out and "\u202e" not in out
        assert "[link=x]Evil[31mTown" in out and "Free [red]Syrian[/red] Army" in out
        raw = subprocess.run([EXE, "--db", str(db), *args, "--json"], capture_output=True, env=env, timeout=60).stdout
        assert "[link=x]Evil[31mTown".encode() in raw and b"\\u" not in raw and b"\x1b" not in raw


# --- --at means something, or is refused -----------------------------------------------------


def test_events_at_is_events_up_to_that_day(bundled_env: dict[str, str]) -> None:
    up_to = [e["id"] for e in json_of(bundled_env, "events", "--at", "2018-04-19")]
    assert up_to == [e["id"] for e in json_of(bundled_env, "events", "--until", "2018-04-19")]
    assert up_to and all(e["first_day"] <= "2018-04-19" for e in json_of(bundled_env, "events", "--at", "2018-04-19"))
    assert len(up_to) < len(json_of(bundled_env, "events"))
    proc = run(bundled_env, "events", "--at", "2018-04", "--until", "2018-05")
    assert proc.returncode == 2 and "--at and --until" in one_error_line(proc)


def test_factions_at_counts_each_factions_places(bundled_env: dict[str, str], store: Store) -> None:
    day = D("2018-04-01")
    out = ok(bundled_env, "factions", "--at", "2018-04-01")
    assert out.splitlines()[0].startswith("Places each faction held on 2018-04-01")
    for fid in ("saa", "jaysh-al-islam", "isis"):
        count = len(store.holdings(fid, day))
        line = next(line for line in out.splitlines() if f"· {fid} · " in line)
        assert line.endswith(f"· {fid} · {count} place{'s' if count != 1 else ''}"), line
    assert len(store.holdings("jaysh-al-islam", day)) > len(store.holdings("jaysh-al-islam", D("2018-05-01")))
    data = {f["id"]: f for f in json_of(bundled_env, "factions", "--at", "2018-04-01")}
    held = data["jaysh-al-islam"]["holdings"]
    assert held["at"] == "2018-04-01" and held["count"] == len(store.holdings("jaysh-al-islam", day))
    assert {p["id"] for p in held["places"]} == {r.id for r in store.holdings("jaysh-al-islam", day)}
    assert "C2338" in {p["id"] for p in held["places"]}  # Douma


def test_history_at_marks_the_current_period(bundled_env: dict[str, str]) -> None:
    before = ok(bundled_env, "history", "Douma", "--at", "2018-04-11")
    after = ok(bundled_env, "history", "Douma", "--at", "2018-04-12")
    marked = [line for line in before.splitlines() if "(current on" in line]
    assert len(marked) == 1 and "2016-01-01 to 2018-04-11" in marked[0] and "(current on 2018-04-11)" in marked[0]
    marked = [line for line in after.splitlines() if "(current on" in line]
    assert len(marked) == 1 and "2018-04-12 to …" in marked[0]
    assert json_of(bundled_env, "history", "Douma", "--at", "2018-04-11")["current"] == "p-C2338-1"
    assert json_of(bundled_env, "history", "Douma", "--at", "2018-04-12")["at"] == "2018-04-12"
    out = ok(bundled_env, "history", "C2470", "--at", "2016-06-01")  # Qatana: nothing recorded then
    assert "nothing recorded on 2016-06-01" in out and "(current on" not in out


@pytest.mark.parametrize("command", [("validate",), ("where",), ("changes", "--since", "2018"),
                                     ("import", "boundaries", "x.geojson")])
def test_at_is_refused_where_it_means_nothing(bundled_env: dict[str, str], command: tuple[str, ...]) -> None:
    proc = run(bundled_env, "--at", "2018-04", *command)
    assert proc.returncode == 2 and proc.stdout == ""
    assert one_error_line(proc).startswith(f"frontlines: --at: `{command[0]}` takes no date")
    proc = run(bundled_env, *command, "--at", "2018-04")
    assert proc.returncode == 2
    sub = " ".join(command[:2]) if command[0] == "import" else command[0]
    line = one_error_line(proc)
    assert "unrecognized arguments: --at" in line and line.endswith(f"(see `frontlines {sub} --help`)")


# --- a file with no schema version ------------------------------------------------------------


@pytest.mark.parametrize("content", [b"{}", b'{"meta": {}}', b'{"meta": {"1": {"title": "x"}}, "regions": {}}'])
def test_a_file_without_a_schema_version_is_refused_and_left_alone(
    env: dict[str, str], tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "nothing.json"
    path.write_bytes(content)
    for args in (("tree",), ("status", "x"), ("events",), ("situation",), ("changes", "--since", "2018"), ()):
        proc = subprocess.run([EXE, "--db", str(path), *args], capture_output=True, text=True, env=env, timeout=60,
                              stdin=subprocess.DEVNULL)
        assert proc.returncode == 1, args
        assert proc.stdout == "" and proc.stderr.count("\n") == 1, (args, proc.stderr)
        assert proc.stderr == (
            f"frontlines: {path}: not a frontlines database: it has no schema version (meta.schema_version)\n"
        )
    proc = run(env, "--db", str(path), "validate")
    assert proc.returncode == 1 and "meta -: no schema_version" in proc.stdout
    geojson = tmp_path / "one.geojson"
    geojson.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [36.6, 33.6]},
        "properties": {"PCODE": "C1", "NAME_EN": "Town"}}]}))
    proc = run(env, "--db", str(path), "import", "boundaries", str(geojson), "--level", "community")
    assert proc.returncode == 1 and "no schema version" in proc.stderr
    assert path.read_bytes() == content
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock"))  # the writer's lock file stays
    assert left == ["home", "nothing.json", "one.geojson"]  # no temp file


def test_the_bundled_data_and_written_fixtures_still_open(env: dict[str, str], tmp_path: Path) -> None:
    assert ok({**env, "FRONTLINES_DB": str(BUNDLED)}, "validate").startswith("OK: ")
    db = write_db(tmp_path / "small.json", small_tables())
    assert ok(env, "--db", str(db), "validate").startswith("OK: ")


# --- which place was used -------------------------------------------------------------------

def duma_note(typed: str) -> str:
    return (
        f"frontlines: '{typed}' is taken as Douma (C2338, community), the most specific of the places it names; "
        "for the sub-district Douma (SY030200) or the district Douma (SY0302), give the id"
    )


AREA_COMMANDS = [("events", "--place"), ("tree",), ("situation",), ("changes", "--since", "2018")]


@pytest.mark.parametrize("typed", ["Duma", "Douma"])
@pytest.mark.parametrize("command", AREA_COMMANDS, ids=lambda c: c[0])
def test_a_command_over_an_area_says_which_place_was_used(
    bundled_env: dict[str, str], command: tuple[str, ...], typed: str
) -> None:
    """The town, the sub-district and the district are all Douma: the town is
    chosen, and a command whose answer covers everything under the place says so."""
    args = [command[0], *command[1:2], typed, *command[2:]] if command[0] == "events" else [command[0], typed, *command[1:]]
    proc = run(bundled_env, *args)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == duma_note(typed) + "\n"
    assert proc.stdout


def test_the_note_names_what_was_chosen_and_ids_need_none(bundled_env: dict[str, str]) -> None:
    town = {e["id"] for e in json_of_quiet(bundled_env, "events", "--place", "Duma")}
    district = {e["id"] for e in json_of(bundled_env, "events", "--place", "SY0302")}
    assert town == {e["id"] for e in json_of(bundled_env, "events", "--place", "C2338")} and town < district
    for spelling in ("Douma", "Duma", "Dumair", "Harasta", "Dhameer", "C2338"):
        # one place's status: the town is what people mean, and nothing is said
        assert run(bundled_env, "status", spelling).stderr == "", spelling
        assert run(bundled_env, "history", spelling).stderr == "", spelling
    assert run(bundled_env, "events", "--place", "SY0302").stderr == ""
    assert "Dumair  الضمير  C2346" in run(bundled_env, "status", "Dhameer").stdout  # the gazetteer's spelling


def json_of_quiet(env: dict[str, str], *args: str) -> Any:
    proc = run(env, *args, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


# --- messages about the database, help, the bare command --------------------------------------


def test_frontlines_db_is_named_when_its_file_is_missing(env: dict[str, str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    proc = run({**env, "FRONTLINES_DB": str(missing)}, "status", "Dumair")
    assert proc.returncode == 1
    line = one_error_line(proc)
    assert line.startswith(f"frontlines: {missing}: ") and "$FRONTLINES_DB" in line
    proc = run({**env, "FRONTLINES_DB": str(missing)}, "where")
    assert proc.returncode == 0 and proc.stdout.strip() == str(missing)
    assert one_error_line(proc) == "frontlines: that file does not exist (the path is $FRONTLINES_DB's)"
    proc = run(env, "--db", str(missing), "where")
    assert proc.returncode == 0 and one_error_line(proc) == "frontlines: that file does not exist (the path is --db's)"
    assert "$FRONTLINES_DB" not in run(env, "--db", str(missing), "status", "Dumair").stderr


COMMANDS = ("status", "situation", "changes", "tree", "events", "factions", "history", "validate", "where",
            "import boundaries")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_of_every_command_is_described(env: dict[str, str], command: str) -> None:
    out = ok(env, *command.split(), "--help")
    assert "see README" not in out
    options = out.split("options:", 1)[1].split("\n\n", 1)[0]
    for line in options.splitlines():
        stripped = line.strip()
        if line.startswith("  -"):  # an option's own line: its description follows on it or the next
            words = stripped.split("  ", 1)
            following = options.splitlines()[options.splitlines().index(line) + 1] if len(words) == 1 else ""
            assert len(words) == 2 or following.startswith(" " * 10), f"{command}: {stripped} has no help"
    if "--json" in out:
        assert "JSON (--json):" in out


def test_help_describes_the_json_and_every_event_type(env: dict[str, str]) -> None:
    from store.model import EVENT_TYPES

    out = ok(env, "situation", "--help")
    for key in ("place", "at", "filter", "total", "shown", "groups", "since_precision"):
        assert key in out.split("JSON (--json):", 1)[1]
    events = " ".join(ok(env, "events", "--help").split())
    assert all(t in events for t in EVENT_TYPES)
    for key in ("day_precision", "from", "to", "event", "sources"):
        assert key in ok(env, "changes", "--help")


def test_an_unknown_option_points_to_the_commands_help(bundled_env: dict[str, str]) -> None:
    proc = run(bundled_env, "status", "Dumair", "--bogus")
    assert proc.returncode == 2 and proc.stdout == ""
    assert one_error_line(proc) == "frontlines: unrecognized arguments: --bogus (see `frontlines status --help`)"


def test_the_bare_command_into_a_pipe_prints_a_summary(bundled_env: dict[str, str], store: Store) -> None:
    proc = subprocess.run([EXE], stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                          text=True, env=bundled_env, timeout=60)
    assert proc.returncode == 0 and proc.stderr == ""
    lines = proc.stdout.splitlines()
    first, last = store.span
    assert lines[0] == f"{store.title}: {first.isoformat()} to {last.isoformat()}"
    assert f"{len(store.regions)} places, {len(store.factions)} factions" in proc.stdout
    assert f"{len(store.events)} events" in proc.stdout
    for command in ("status", "situation", "changes", "tree", "events", "factions", "history", "validate", "where"):
        assert any(line.startswith(f"  {command} ") for line in lines), command
    assert "--help" in lines[-1]


def test_blocs_in_the_help_are_the_models(env: dict[str, str]) -> None:
    out = " ".join(ok(env, "situation", "--help").split())
    for bloc in BLOCS:
        assert bloc in out
    assert NOT_RECORDED in out


@pytest.mark.parametrize("command", [("status", "Dumair"), ("tree",), ("situation",), ("factions",)])
@pytest.mark.parametrize("at, side", [("2020", "after"), ("2015-06", "before")])
def test_a_day_outside_the_data_is_refused_as_in_the_explorer(
    bundled_env: dict[str, str], command: tuple[str, ...], at: str, side: str
) -> None:
    """Who held what in 2020 is not in the data: not 'government-held', but exit 2 naming the span."""
    proc = run(bundled_env, *command, "--at", at)
    assert proc.returncode == 2 and proc.stdout == ""
    line = one_error_line(proc)
    assert f"is {side} the data: the data covers 2016-01-01 to 2018-12-31" in line and line.startswith("frontlines: --at ")


def test_a_year_the_data_ends_in_means_its_last_day(bundled_env: dict[str, str]) -> None:
    assert "As of 2018-12-31" in ok(bundled_env, "status", "Dumair", "--at", "2018")
