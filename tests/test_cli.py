"""The ``frontlines`` command, run as a user runs it: the installed console
script in a child process, with a private HOME and XDG folders, no colour,
100 columns, and ``$FRONTLINES_DB`` unset unless a test sets it.

Most tests read the bundled Damascus data set (``fixtures/damascus.json``);
expected values that depend on the data's extent (breakdown counts, which
events a filter returns) are computed with :mod:`store` in-process, so the
tests check the command against the store rather than against a snapshot.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from store import Store
from store.locate import bundled_path
from store.model import BLOCS, MIXED_GLYPH, NOT_RECORDED_GLYPH
from store.storage import write_tables

REPO = Path(__file__).resolve().parent.parent
BUNDLED = bundled_path()
D = date.fromisoformat
GLYPHS = {b.glyph for b in BLOCS.values()} | {MIXED_GLYPH, NOT_RECORDED_GLYPH}


def _frontlines_exe() -> str:
    # The venv's script first: a `frontlines` elsewhere on PATH may be another install.
    beside = Path(sys.executable).parent / "frontlines"
    if beside.exists():
        return str(beside)
    found = shutil.which("frontlines")
    if found:
        return found
    pytest.skip("the frontlines console script is not installed (pip install -e .)")


EXE = _frontlines_exe()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A user's environment: own HOME and XDG folders, no colour, 100 columns."""
    home = tmp_path / "home"
    home.mkdir()
    out = {k: v for k, v in os.environ.items() if k not in ("FRONTLINES_DB", "FORCE_COLOR", "TERM")}
    out.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        NO_COLOR="1",
        COLUMNS="100",
        LANG="C.UTF-8",
        PYTHONIOENCODING="utf-8",
    )
    return out


@pytest.fixture
def bundled_env(env: dict[str, str]) -> dict[str, str]:
    """As ``env``, reading the bundled data set through $FRONTLINES_DB."""
    return {**env, "FRONTLINES_DB": str(BUNDLED)}


def run(env: dict[str, str], *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EXE, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=60, encoding="utf-8"
    )


def ok(env: dict[str, str], *args: str) -> str:
    proc = run(env, *args)
    assert proc.returncode == 0, f"frontlines {' '.join(args)} exited {proc.returncode}: {proc.stderr}"
    assert proc.stderr == "", proc.stderr
    return proc.stdout


def json_of(env: dict[str, str], *args: str) -> Any:
    return json.loads(ok(env, *args, "--json"))


def one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    """The single 'frontlines:' line on stderr (argparse may add its usage lines)."""
    lines = [line for line in proc.stderr.splitlines() if line.startswith("frontlines:")]
    assert len(lines) == 1, f"expected one 'frontlines:' line on stderr, got: {proc.stderr!r}"
    return lines[0]


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    with Store.open(BUNDLED) as s:
        yield s


# --- small databases ------------------------------------------------------------------


def small_tables(**extra_tables: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    tables: dict[str, list[dict[str, Any]]] = {
        "meta": [{"schema_version": 1, "title": "Test", "span_from": "2016-01-01", "span_to": "2018-12-31"}],
        "sources": [{"id": "s1", "publication": "Syria Direct", "title": "One", "kind": "news"}],
        "factions": [
            {"id": "saa", "name": "Syrian Arab Army", "short": "SAA", "bloc": "government"},
            {"id": "fsa", "name": "Free Syrian Army", "short": "FSA", "bloc": "opposition"},
        ],
        "regions": [{"id": "ROOT", "name": "Test Province", "level": "province", "parent": None}],
        "periods": [],
        "events": [],
    }
    for name, records in extra_tables.items():
        tables[name] = tables[name] + records
    return tables


def period(pid: str, rid: str, faction: str, start: str, end: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "id": pid, "region": rid, "faction": faction, "status": "held", "from": start, "to": end,
        "sources": ["s1"], "confidence": "high", **extra,
    }


def write_db(path: Path, tables: dict[str, list[dict[str, Any]]]) -> Path:
    write_tables(path, tables)
    return path


# --- help and version -------------------------------------------------------------------


def test_help_exits_zero_and_lists_the_commands(env: dict[str, str]) -> None:
    out = ok(env, "--help")
    for command in ("status", "tree", "events", "factions", "history", "validate", "where"):
        assert command in out


def test_subcommand_help_exits_zero(env: dict[str, str]) -> None:
    out = ok(env, "status", "--help")
    assert "PLACE" in out and "--at" in out and "--json" in out


def test_help_does_not_create_the_user_database(env: dict[str, str]) -> None:
    ok(env, "--help")
    assert not (Path(env["XDG_DATA_HOME"]) / "frontlines").exists()


# --- status ----------------------------------------------------------------------------


def test_status_of_a_town_names_controller_status_since_and_sources(bundled_env: dict[str, str]) -> None:
    out = ok(bundled_env, "status", "Dumair", "--at", "2018-04-19")
    assert "Dumair" in out and "الضمير" in out and "C2346" in out
    assert "Damascus Province > Rural Damascus > Douma > Dumair > Dumair" in out
    assert "As of 2018-04-19" in out
    assert "Jaysh al-Islam" in out and "truce" in out
    assert "since 2016" in out and "until 2018-04-19" in out
    assert "confidence medium" in out
    assert "Zaman al-Wasl" in out and "Syria Direct" in out
    assert "Syrian Arab Army" not in out
    assert "at 33.6420 N, 36.6909 E" in out


def test_status_changes_hands_across_2018_04_20(bundled_env: dict[str, str]) -> None:
    before = ok(bundled_env, "status", "Dumair", "--at", "2018-04-19")
    after = ok(bundled_env, "status", "Dumair", "--at", "2018-04-20")
    assert "Jaysh al-Islam (truce" in before
    assert "Syrian Arab Army (held)" in after
    assert "Jaysh al-Islam" not in after
    assert "since 2018-04-20" in after
    assert "Global Times" in after  # the source of the army's entry


def test_status_at_a_month_means_its_last_day(bundled_env: dict[str, str]) -> None:
    out = ok(bundled_env, "status", "Dumair", "--at", "2018-04")
    assert "As of 2018-04-30" in out and "Syrian Arab Army" in out


def test_status_defaults_to_the_last_day_of_the_data(bundled_env: dict[str, str], store: Store) -> None:
    out = ok(bundled_env, "status", "Dumair")
    assert f"As of {store.span[1].isoformat()}" in out


def test_status_of_a_parent_shows_the_breakdown(bundled_env: dict[str, str], store: Store) -> None:
    day = D("2018-04-01")
    breakdown = store.breakdown("SY03", day)
    assert len(breakdown.by_bloc) > 1, "the test needs a mixed picture on this day"
    out = ok(bundled_env, "status", "Rural Damascus", "--at", day.isoformat())
    assert "SY03" in out and "mixed" in out
    assert f"{breakdown.total} places under it" in out
    for share in breakdown.by_bloc:
        glyph, label = (BLOCS[share.key].glyph, BLOCS[share.key].label) if share.key in BLOCS else (NOT_RECORDED_GLYPH, "not recorded")
        assert re.search(rf"{re.escape(glyph)} {label}\s+{share.count}\s", out), (label, out)
    assert "Jaysh al-Islam" in out and "Islamic State" in out  # the by-faction line


@pytest.mark.parametrize("spelling", ["Dmeir", "Dumayr", "الضمير", "al-Dumayr", "dumair", "C2346", "c2346"])
def test_spellings_of_dumair_resolve_to_c2346(bundled_env: dict[str, str], spelling: str) -> None:
    data = json_of(bundled_env, "status", spelling)
    assert data["place"]["id"] == "C2346"
    assert data["place"]["name"] == "Dumair"


@pytest.mark.parametrize("spelling", ["Rhaibeh", "Ruhaiba", "al-Ruhayba", "الرحيبة"])
def test_spellings_of_ruhaybah_resolve(bundled_env: dict[str, str], spelling: str) -> None:
    out = ok(bundled_env, "status", spelling)
    assert out.splitlines()[0].startswith("Ruhaybah") and "C2394" in out.splitlines()[0]


def test_a_near_miss_with_a_close_skeleton_still_resolves(bundled_env: dict[str, str]) -> None:
    # 'Dumayrr' and 'Harastta' are typos whose consonants match: the user gets the town.
    assert json_of(bundled_env, "status", "Dumayrr")["place"]["id"] == "C2346"
    assert json_of(bundled_env, "status", "Harastta")["place"]["id"] == "C2342"


def test_ambiguous_place_exits_2_and_lists_candidates(bundled_env: dict[str, str]) -> None:
    # Two different 'Markaz ...' units, in different districts.
    proc = run(bundled_env, "status", "Markaz")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("frontlines: 'Markaz' matches 2 places")
    assert "SY0301" in proc.stderr and "Markaz Rif Dimashq" in proc.stderr
    assert "SY030900" in proc.stderr and "Markaz Darayya" in proc.stderr


def test_two_places_with_the_same_name_are_ambiguous(env: dict[str, str], tmp_path: Path) -> None:
    db = write_db(
        tmp_path / "twins.json",
        small_tables(
            regions=[
                {"id": "D-1", "name": "North", "level": "district", "parent": "ROOT"},
                {"id": "D-2", "name": "South", "level": "district", "parent": "ROOT"},
                {"id": "T-1", "name": "Kafr Twin", "level": "community", "parent": "D-1"},
                {"id": "T-2", "name": "Kafr Twin", "level": "community", "parent": "D-2"},
            ],
            periods=[period("p1", "T-1", "saa", "2016-01-01", None), period("p2", "T-2", "fsa", "2016-01-01", None)],
        ),
    )
    proc = run(env, "--db", str(db), "status", "Kafr Twin")
    assert proc.returncode == 2
    assert "matches 2 places" in proc.stderr
    assert "T-1" in proc.stderr and "T-2" in proc.stderr
    assert "North" in proc.stderr and "South" in proc.stderr  # where each one is
    # Naming one by its id settles it.
    assert "Free Syrian Army" in ok(env, "--db", str(db), "status", "T-2")


def test_unknown_place_exits_1(bundled_env: dict[str, str]) -> None:
    proc = run(bundled_env, "status", "Zzyzx")
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert one_error_line(proc) == "frontlines: no place matches 'Zzyzx'"
    assert proc.stderr.count("\n") == 1


@pytest.mark.parametrize(("typo", "meant"), [("Dooma", "Douma (C2338)"), ("Qabounx", "Qaboun (C10011012)")])
def test_unknown_place_suggests_close_names(bundled_env: dict[str, str], typo: str, meant: str) -> None:
    proc = run(bundled_env, "status", typo)
    assert proc.returncode == 1
    line = one_error_line(proc)
    assert line.startswith(f"frontlines: no place matches '{typo}'; did you mean ")
    assert meant in line


@pytest.mark.parametrize(
    ("args", "bad"),
    [
        (("status", "Dumair", "--at", "2018-13"), "2018-13"),
        (("status", "Dumair", "--at", "yesterday"), "yesterday"),
        (("events", "--since", "2018-02-30"), "2018-02-30"),
        (("events", "--until", "2018-04-31"), "2018-04-31"),
        (("tree", "--at", "18-04-2018"), "18-04-2018"),
    ],
)
def test_bad_dates_exit_2_with_a_message_naming_the_input(
    bundled_env: dict[str, str], args: tuple[str, ...], bad: str
) -> None:
    proc = run(bundled_env, *args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    line = one_error_line(proc)
    assert f"'{bad}'" in line
    assert "Traceback" not in proc.stderr


def test_until_before_since_exits_2(bundled_env: dict[str, str]) -> None:
    proc = run(bundled_env, "events", "--since", "2018-05", "--until", "2018-04")
    assert proc.returncode == 2
    assert one_error_line(proc) == "frontlines: --until 2018-04 is before --since 2018-05"


def test_unknown_option_exits_2(bundled_env: dict[str, str]) -> None:
    proc = run(bundled_env, "status", "Dumair", "--colour")
    assert proc.returncode == 2
    assert "--colour" in one_error_line(proc)


# --- tree ------------------------------------------------------------------------------


def _tree_rows(out: str) -> list[tuple[int, str, str]]:
    """(depth, glyph, rest) for each line after the 'As of' header."""
    lines = out.splitlines()
    assert lines[0].startswith("As of ")
    rows = []
    for line in lines[1:]:
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        assert indent % 2 == 0, line
        rows.append((indent // 2, stripped[:1], stripped[2:]))
    return rows


def test_tree_has_a_glyph_on_every_line_and_respects_depth(bundled_env: dict[str, str], store: Store) -> None:
    out = ok(bundled_env, "tree", "Rural Damascus", "--depth", "1", "--at", "2018-04-01")
    rows = _tree_rows(out)
    assert rows[0][0] == 0 and rows[0][2].startswith("Rural Damascus")
    assert rows[0][1] == MIXED_GLYPH
    assert {depth for depth, _, _ in rows} == {0, 1}
    assert len(rows) == 1 + len(store.children("SY03"))
    for _, glyph, _ in rows:
        assert glyph in GLYPHS
    # Duma district that day: Douma and Dumair rebel-held, the rest government.
    duma = next(rest for depth, glyph, rest in rows if rest.startswith("Douma "))
    assert "mixed" in duma


def test_tree_depth_zero_prints_only_the_place(bundled_env: dict[str, str]) -> None:
    rows = _tree_rows(ok(bundled_env, "tree", "--depth", "0"))
    assert len(rows) == 1 and rows[0][2].startswith("Damascus Province")


def test_tree_without_depth_reaches_the_towns(bundled_env: dict[str, str], store: Store) -> None:
    out = ok(bundled_env, "tree", "SY0302", "--at", "2018-04-19")
    rows = _tree_rows(out)
    assert len(rows) == len(store.descendants("SY0302"))
    dumair = [(d, g, r) for d, g, r in rows if r.startswith("Dumair ") and "(sub-district)" not in r]
    assert dumair == [(2, BLOCS["opposition"].glyph, dumair[0][2])]
    assert "JaI" in dumair[0][2] and "truce" in dumair[0][2]


def test_tree_negative_depth_exits_2(bundled_env: dict[str, str]) -> None:
    proc = run(bundled_env, "tree", "--depth", "-1")
    assert proc.returncode == 2
    assert "'-1'" in one_error_line(proc)


# --- events ----------------------------------------------------------------------------


def _event_ids(env: dict[str, str], *args: str) -> list[str]:
    return [e["id"] for e in json_of(env, "events", *args)]


def test_events_of_a_place_include_places_under_it(bundled_env: dict[str, str]) -> None:
    town = set(_event_ids(bundled_env, "--place", "C2346"))
    district = set(_event_ids(bundled_env, "--place", "SY0302"))
    assert "e-2018-04-20-dumair-army-entry" in town
    assert "e-2018-04-12-douma-takeover" not in town
    assert town < district
    assert "e-2018-04-12-douma-takeover" in district  # Douma is under Duma district
    assert "e-2018-05-20-isis-south-evacuation" not in district


def test_events_text_lists_each_event_and_a_count(bundled_env: dict[str, str]) -> None:
    out = ok(bundled_env, "events", "--place", "C2346")
    assert "2018-04-20" in out and "The army enters Dumair" in out
    assert "sources: Global Times (Xinhua)" in out
    count = len(_event_ids(bundled_env, "--place", "C2346"))
    assert out.rstrip().splitlines()[-1] == f"{count} events"


def test_events_since_until_keep_only_overlapping_events(bundled_env: dict[str, str]) -> None:
    events = json_of(bundled_env, "events", "--since", "2018-04-20", "--until", "2018-04-20")
    assert events
    for e in events:
        assert e["first_day"] <= "2018-04-20" <= e["last_day"], e["id"]
    ids = {e["id"] for e in events}
    assert "e-2018-04-20-dumair-army-entry" in ids
    assert "e-2018-04-19-dumair-evacuation" in ids  # 19-20 April
    assert "e-2018-04-17-dumair-deal" not in ids
    assert "e-2018-04-21-qalamoun-evacuation" not in ids


def test_events_are_oldest_first(bundled_env: dict[str, str]) -> None:
    events = json_of(bundled_env, "events")
    keys = [(e["first_day"], e["last_day"]) for e in events]
    assert keys == sorted(keys)
    assert events[-1]["first_day"] >= "2018-05-20"


def test_events_faction_includes_sub_factions(bundled_env: dict[str, str]) -> None:
    fsa = set(_event_ids(bundled_env, "--faction", "fsa"))
    rahman = set(_event_ids(bundled_env, "--faction", "faylaq-al-rahman"))
    assert rahman and rahman <= fsa
    assert "e-2018-03-23-ghouta-south-deal" in fsa  # Faylaq al-Rahman only, no FSA actor
    assert "e-2018-04-desert-commandos-defection" in fsa  # two levels down
    assert "e-2018-04-12-douma-takeover" not in fsa  # Jaysh al-Islam is not FSA


def test_events_faction_by_name(bundled_env: dict[str, str]) -> None:
    assert _event_ids(bundled_env, "--faction", "Faylaq al-Rahman") == _event_ids(
        bundled_env, "--faction", "faylaq-al-rahman"
    )


def test_events_unknown_faction_exits_1(bundled_env: dict[str, str]) -> None:
    proc = run(bundled_env, "events", "--faction", "nobody")
    assert proc.returncode == 1
    assert one_error_line(proc).startswith("frontlines: no faction matches 'nobody'")


def test_events_type_filter(bundled_env: dict[str, str]) -> None:
    events = json_of(bundled_env, "events", "--type", "defection")
    assert {e["id"] for e in events} == {"e-2018-04-desert-commandos-defection", "e-2018-04-ahmed-al-abdo-defection"}
    both = json_of(bundled_env, "events", "--type", "defection", "--type", "ultimatum")
    assert {e["type"] for e in both} == {"defection", "ultimatum"}


def test_events_unknown_type_exits_2(bundled_env: dict[str, str]) -> None:
    proc = run(bundled_env, "events", "--type", "massacre")
    assert proc.returncode == 2
    assert "'massacre'" in one_error_line(proc)


def test_events_with_no_match_says_so(bundled_env: dict[str, str]) -> None:
    out = ok(bundled_env, "events", "--place", "Mezzeh")
    assert out.strip() == "no events match"


# --- factions and history ------------------------------------------------------------------


def test_factions_lists_every_faction_with_sub_factions_indented(bundled_env: dict[str, str], store: Store) -> None:
    out = ok(bundled_env, "factions")
    header, *lines = out.splitlines()
    assert header.startswith(f"Places each faction held on {store.span[1].isoformat()}")
    assert len(lines) == len(store.factions)
    for fid in store.factions:
        assert any(f"· {fid} · " in line for line in lines), fid
    rahman = next(line for line in lines if "· faylaq-al-rahman · " in line)
    fsa = next(line for line in lines if "· fsa · " in line)
    commandos = next(line for line in lines if "· desert-commandos · " in line)
    assert fsa.startswith("▲ ") and rahman.startswith("  ▲ ") and commandos.startswith("    ▲ ")
    assert lines.index(fsa) < lines.index(rahman)


def test_factions_json(bundled_env: dict[str, str], store: Store) -> None:
    factions = json_of(bundled_env, "factions")
    assert {f["id"] for f in factions} == set(store.factions)
    rahman = next(f for f in factions if f["id"] == "faylaq-al-rahman")
    assert rahman["parent"] == "fsa" and rahman["bloc"] == "opposition" and rahman["glyph"] == "▲"
    for f in factions:
        assert {"id", "name", "short", "bloc", "glyph", "colour", "parent"} <= set(f)


def test_history_lists_every_period(bundled_env: dict[str, str]) -> None:
    out = ok(bundled_env, "history", "Douma")
    assert "2016-01-01 to 2018-04-11" in out and "Jaysh al-Islam" in out and "besieged" in out
    assert "2018-04-12 to …" in out and "Syrian Arab Army" in out
    data = json_of(bundled_env, "history", "Douma")
    assert data["place"]["id"] == "C2338"
    assert [(p["from"], p["to"], p["controller"]["id"]) for p in data["periods"]] == [
        ("2016-01-01", "2018-04-11", "jaysh-al-islam"),
        ("2018-04-12", None, "saa"),
    ]


def test_history_of_a_parent_points_to_tree(bundled_env: dict[str, str]) -> None:
    proc = run(bundled_env, "history", "SY0302")
    assert proc.returncode == 1
    line = one_error_line(proc)
    assert "no control periods of its own" in line and "frontlines tree SY0302" in line


# --- validate -------------------------------------------------------------------------------


def test_validate_passes_on_the_bundled_data(bundled_env: dict[str, str]) -> None:
    out = ok(bundled_env, "validate")
    assert out.startswith("OK: ") and "no problems" in out


def test_validate_lists_problems_by_record_id(env: dict[str, str], tmp_path: Path) -> None:
    db = write_db(
        tmp_path / "broken.json",
        small_tables(
            regions=[{"id": "T-1", "name": "Town", "level": "community", "parent": "ROOT"}],
            periods=[
                period("p-first", "T-1", "saa", "2016-01-01", "2017-06-30"),
                period("p-overlap", "T-1", "fsa", "2017-01-01", None),
                period("p-ghost", "ROOT", "ghost-army", "2016-01-01", None),
            ],
            events=[
                {
                    "id": "e-unsourced", "date": "2017-01-01", "type": "takeover", "title": "No evidence",
                    "places": ["T-1"], "actors": [{"faction": "fsa", "role": "took-control"}],
                    "sources": [], "confidence": "low",
                }
            ],
        ),
    )
    before = db.read_bytes()
    proc = run(env, "--db", str(db), "validate")
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert any(line.startswith("periods p-overlap: overlaps p-first") for line in lines), proc.stdout
    assert any(line.startswith("periods p-ghost: unknown faction 'ghost-army'") for line in lines), proc.stdout
    assert any(line.startswith("events e-unsourced: has no source") for line in lines), proc.stdout
    assert re.search(r"^3 problems in ", proc.stdout, re.M), proc.stdout
    assert db.read_bytes() == before


# --- JSON ------------------------------------------------------------------------------------

STATUS_KEYS = {
    "place", "path", "at", "status", "derived", "controller", "since", "until",
    "confidence", "events", "sources", "breakdown",
}
EVENT_KEYS = {"id", "date", "precision", "type", "title", "places", "actors", "figures", "sources", "confidence"}


def test_status_json_of_a_town(bundled_env: dict[str, str]) -> None:
    data = json_of(bundled_env, "status", "Dumair", "--at", "2018-04-19")
    assert STATUS_KEYS <= set(data)
    assert data["place"]["id"] == "C2346"
    assert data["path"] == ["FL-DAMASCUS-PROVINCE", "SY03", "SY0302", "SY030203", "C2346"]
    assert data["at"] == "2018-04-19"
    assert data["status"] == "truce" and data["derived"] is False
    assert data["controller"]["id"] == "jaysh-al-islam"
    assert data["until"] == "2018-04-19"
    assert data["confidence"] == "medium"
    assert {s["id"] for s in data["sources"]} == {
        "zamanalwasl-2018-04-dumayr", "enabbaladi-2018-04-eastern-qalamoun", "syriadirect-2018-04-19"
    }
    assert data["place"]["lat"] == 33.642 and data["place"]["coord_note"] is None
    assert data["breakdown"] is None
    assert [e["id"] for e in data["events"]] == ["e-2018-04-20-dumair-army-entry"]
    for e in data["events"]:
        assert EVENT_KEYS <= set(e)


def test_status_json_of_a_parent(bundled_env: dict[str, str], store: Store) -> None:
    data = json_of(bundled_env, "status", "SY03", "--at", "2018-04-01")
    assert STATUS_KEYS <= set(data)
    assert data["derived"] is True and data["status"] == "mixed" and data["controller"] is None
    breakdown = data["breakdown"]
    assert breakdown["units"] == len(store.units("SY03"))
    assert sum(b["count"] for b in breakdown["by_bloc"]) == breakdown["units"]
    assert sum(f["count"] for f in breakdown["by_faction"]) == breakdown["units"]


def test_events_json_shape(bundled_env: dict[str, str]) -> None:
    events = json_of(bundled_env, "events")
    assert isinstance(events, list) and events
    for e in events:
        assert EVENT_KEYS <= set(e), e["id"]
        assert all({"id", "name"} <= set(p) for p in e["places"])
        assert all({"faction", "role"} <= set(a) for a in e["actors"])
        assert all(s.get("publication") for s in e["sources"]), e["id"]


@pytest.mark.parametrize(
    "args",
    [
        ("tree",),
        ("tree", "SY0302", "--depth", "1"),
        ("factions",),
        ("history", "Harasta"),
        ("events", "--place", "Yarmouk"),
        ("status", "Damascus Province"),
    ],
)
def test_every_json_output_parses(bundled_env: dict[str, str], args: tuple[str, ...]) -> None:
    assert json_of(bundled_env, *args) is not None


def test_tree_json_depth(bundled_env: dict[str, str]) -> None:
    data = json_of(bundled_env, "tree", "SY0302", "--depth", "1", "--at", "2018-04-19")
    (root,) = data["tree"]
    assert data["at"] == "2018-04-19"
    assert root["id"] == "SY0302" and root["status"] == "mixed"
    assert root["children"] and all("children" not in child for child in root["children"])


# --- which database --------------------------------------------------------------------------


def test_first_run_creates_the_user_copy_and_says_so_once(env: dict[str, str]) -> None:
    target = Path(env["XDG_DATA_HOME"]) / "frontlines" / "damascus.json"
    first = run(env, "status", "Dumair", "--at", "2018-04-19")
    assert first.returncode == 0, first.stderr
    assert first.stderr.startswith("frontlines: created ")
    assert str(target) in first.stderr
    assert first.stderr.count("\n") == 1
    assert "Jaysh al-Islam" in first.stdout
    assert target.read_bytes() == BUNDLED.read_bytes()

    second = run(env, "status", "Dumair", "--at", "2018-04-19")
    assert second.returncode == 0
    assert second.stderr == ""
    assert second.stdout == first.stdout


def test_an_unchanged_copy_of_an_earlier_release_is_updated_and_an_edited_one_kept(env: dict[str, str]) -> None:
    target = Path(env["XDG_DATA_HOME"]) / "frontlines" / "damascus.json"
    target.parent.mkdir(parents=True)
    # The bundled data of the release before, kept for the benchmarks.
    old = (Path(__file__).parent / "bench" / "damascus-before-issue-8.json").read_bytes()
    target.write_bytes(old)
    proc = run(env, "status", "FL-QABOUN")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith("frontlines: updated ") and "had not been changed" in proc.stderr
    assert target.read_bytes() == BUNDLED.read_bytes()
    assert "C10011012" in proc.stdout
    # A copy its owner changed is theirs: never replaced.
    edited = old.replace(b'"Damascus Province 2016-2018"', b'"My notes"')
    target.write_bytes(edited)
    proc = run(env, "status", "Dumair")
    assert proc.returncode == 0 and proc.stderr == ""
    assert target.read_bytes() == edited
    # An unchanged copy in use by a writer is left alone this time (and updated on a later start).
    from store.storage import WriterLock

    target.write_bytes(old)
    lock = WriterLock(target)
    lock.acquire()
    try:
        proc = run(env, "status", "Dumair")
    finally:
        lock.release()
    assert proc.returncode == 0 and "updated" not in proc.stderr
    assert target.read_bytes() == old


def test_where_prints_the_user_copy(env: dict[str, str]) -> None:
    target = Path(env["XDG_DATA_HOME"]) / "frontlines" / "damascus.json"
    before = run(env, "where")  # does not create the copy, and says it is not there yet
    assert before.returncode == 0 and before.stdout.strip() == str(target)
    assert one_error_line(before) == (
        "frontlines: that file does not exist yet: the first command that reads the data creates it "
        "from the bundled data set"
    )
    assert not target.exists()
    run(env, "factions")  # a command that reads the data makes the copy
    assert target.exists()
    assert ok(env, "where").strip() == str(target)


def test_env_var_chooses_the_database(env: dict[str, str], tmp_path: Path) -> None:
    db = write_db(tmp_path / "mine.json", small_tables())
    env = {**env, "FRONTLINES_DB": str(db)}
    assert ok(env, "where").strip() == str(db)
    assert not (Path(env["XDG_DATA_HOME"]) / "frontlines").exists()


def test_db_option_wins_over_env_var(env: dict[str, str], tmp_path: Path) -> None:
    other = write_db(
        tmp_path / "other.json",
        small_tables(regions=[{"id": "C2346", "name": "Dumair", "level": "community", "parent": "ROOT"}],
                     periods=[period("p1", "C2346", "fsa", "2016-01-01", None)]),
    )
    env = {**env, "FRONTLINES_DB": str(other)}
    assert ok(env, "--db", str(BUNDLED), "where").strip() == str(BUNDLED)
    assert ok(env, "where", "--db", str(BUNDLED)).strip() == str(BUNDLED)
    out = ok(env, "status", "Dumair", "--at", "2018-04-20", "--db", str(BUNDLED))
    assert "Syrian Arab Army" in out
    assert "Free Syrian Army" in ok(env, "status", "Dumair", "--at", "2018-04-20")


# --- bad databases ---------------------------------------------------------------------------


def _truncated(tmp_path: Path) -> tuple[Path, list[str]]:
    raw = BUNDLED.read_bytes()[:30_000]
    path = tmp_path / "truncated.json"
    path.write_bytes(raw)
    line = raw.count(b"\n") + 1
    return path, [f"line {line}", "column"]


def _empty(tmp_path: Path) -> tuple[Path, list[str]]:
    path = tmp_path / "empty.json"
    path.write_bytes(b"")
    return path, ["empty"]


def _a_list(tmp_path: Path) -> tuple[Path, list[str]]:
    path = tmp_path / "list.json"
    path.write_bytes(b'[{"id": "C2346"}]\n')
    return path, ["array"]


def _missing(tmp_path: Path) -> tuple[Path, list[str]]:
    return tmp_path / "nowhere" / "missing.json", ["no such"]


@pytest.mark.parametrize("make", [_truncated, _empty, _a_list, _missing], ids=["truncated", "empty", "list", "missing"])
@pytest.mark.parametrize("how", ["--db", "env"])
def test_bad_database_is_one_line_and_left_untouched(
    env: dict[str, str], tmp_path: Path, make: Any, how: str
) -> None:
    path, expected = make(tmp_path)
    before = path.read_bytes() if path.exists() else None
    listing = sorted(p.name for p in tmp_path.iterdir())
    if how == "--db":
        proc = run(env, "status", "Dumair", "--db", str(path))
    else:
        proc = run({**env, "FRONTLINES_DB": str(path)}, "status", "Dumair")
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1, proc.stderr
    line = proc.stderr.rstrip("\n")
    assert line.startswith(f"frontlines: {path}: "), line
    for part in expected:
        assert part in line, line
    assert "Traceback" not in proc.stderr
    if before is None:
        assert not path.exists()
    else:
        assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing  # no lock or temp file left
    assert not (Path(env["XDG_DATA_HOME"]) / "frontlines").exists()  # the bundled copy was not used instead


def test_bad_database_for_every_command(env: dict[str, str], tmp_path: Path) -> None:
    path, _ = _truncated(tmp_path)
    for args in (("tree",), ("events",), ("factions",), ("validate",), ("history", "Douma")):
        proc = run(env, "--db", str(path), *args)
        assert proc.returncode == 1, args
        assert proc.stderr.count("\n") == 1 and proc.stderr.startswith(f"frontlines: {path}: invalid JSON"), args


# --- hostile names ---------------------------------------------------------------------------

HOSTILE = {
    "H-SLASH": "[/]",
    "H-LINK": "[link=x]click",
    "H-CLICK": "[@click=app.quit]",
    "H-ESC": "Evil\x1b[31mRed\u202eName",
    "H-LONG": "A" * 10_000,
}


@pytest.fixture
def hostile_db(tmp_path: Path) -> Path:
    regions = [
        {"id": rid, "name": name, "level": "community", "parent": "ROOT", "name_ar": "\u202eدوما\x1b[0m"}
        for rid, name in HOSTILE.items()
    ]
    periods = [period(f"p-{rid}", rid, "fsa", "2016-01-01", None, note="[bold]note[/bold] \x1b]8;;x\x1b\\") for rid in HOSTILE]
    tables = small_tables(regions=regions, periods=periods)
    tables["factions"][1]["name"] = "Free [red]Syrian[/red] Army"
    # Written with the json module, not the store's writer (which would clean
    # the names): the file is what another tool or a hand edit could produce.
    return write_raw_json(tmp_path / "hostile.json", tables, ensure_ascii=False)


def write_raw_json(path: Path, tables: dict[str, list[dict[str, Any]]], *, ensure_ascii: bool) -> Path:
    data = {name: {str(i): rec for i, rec in enumerate(recs, 1)} for name, recs in tables.items()}
    path.write_text(json.dumps(data, ensure_ascii=ensure_ascii, indent=1), encoding="utf-8")
    return path


def _no_control_chars(text: str) -> None:
    assert "\x1b" not in text
    assert "\u202e" not in text


@pytest.mark.parametrize("rid", ["H-SLASH", "H-LINK", "H-CLICK"])
def test_status_prints_markup_looking_names_literally(env: dict[str, str], hostile_db: Path, rid: str) -> None:
    out = ok(env, "--db", str(hostile_db), "status", rid)
    name = HOSTILE[rid]
    assert out.splitlines()[0].startswith(f"{name}  ")
    assert f"Test Province > {name}" in out
    assert "Free [red]Syrian[/red] Army" in out
    assert "[bold]note[/bold]" in out
    _no_control_chars(out)


def test_status_finds_a_markup_looking_name_by_name(env: dict[str, str], hostile_db: Path) -> None:
    out = ok(env, "--db", str(hostile_db), "status", "[link=x]click")
    assert out.startswith("[link=x]click  ")


def test_status_strips_escape_and_bidi_characters(env: dict[str, str], hostile_db: Path) -> None:
    raw = hostile_db.read_text(encoding="utf-8")
    assert "\\u001b[31m" in raw and "\u202e" in raw  # the file really carries them
    before = hostile_db.read_bytes()
    out = ok(env, "--db", str(hostile_db), "status", "H-ESC")
    _no_control_chars(out)
    assert out.startswith("Evil[31mRedName")
    assert hostile_db.read_bytes() == before  # cleaned when read, not rewritten


def test_escaped_bidi_characters_are_stripped_too(env: dict[str, str], tmp_path: Path) -> None:
    tables = small_tables(
        regions=[{"id": "H-ESC", "name": HOSTILE["H-ESC"], "level": "community", "parent": "ROOT"}],
        periods=[period("p1", "H-ESC", "fsa", "2016-01-01", None)],
    )
    db = write_raw_json(tmp_path / "ascii.json", tables, ensure_ascii=True)
    assert "\\u202e" in db.read_text(encoding="ascii")
    for args in (("status", "H-ESC"), ("tree",)):
        out = ok(env, "--db", str(db), *args)
        _no_control_chars(out)
        assert "Evil[31mRedName" in out


def test_status_prints_a_very_long_name_whole(env: dict[str, str], hostile_db: Path) -> None:
    out = ok(env, "--db", str(hostile_db), "status", "H-LONG")
    assert HOSTILE["H-LONG"] in out
    _no_control_chars(out)


def test_tree_prints_hostile_names_literally(env: dict[str, str], hostile_db: Path) -> None:
    out = ok(env, "--db", str(hostile_db), "tree")
    _no_control_chars(out)
    lines = [line.strip() for line in out.splitlines()]
    for rid in ("H-SLASH", "H-LINK", "H-CLICK"):
        assert any(line.startswith(f"▲ {HOSTILE[rid]}  ") and "FSA" in line for line in lines), rid
    assert any(line.startswith("▲ Evil[31mRedName  ") for line in lines)
    assert HOSTILE["H-LONG"] in out


def test_json_of_hostile_names_has_no_control_characters(env: dict[str, str], hostile_db: Path) -> None:
    data = json_of(env, "--db", str(hostile_db), "status", "H-ESC")
    _no_control_chars(json.dumps(data, ensure_ascii=False))
    assert data["place"]["name"] == "Evil[31mRedName"


# --- start-up cost and pipes ------------------------------------------------------------------


def test_a_subcommand_does_not_import_textual(bundled_env: dict[str, str]) -> None:
    code = (
        "import sys\n"
        "from tui.cli import main\n"
        "rc = main(['status', 'Dumair'])\n"
        "print('TEXTUAL-LOADED', 'textual' in sys.modules, rc)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=bundled_env, cwd=REPO, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "TEXTUAL-LOADED False 0"
    assert "Dumair" in proc.stdout  # it did run the command


def _to_closed_pipe(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run with stdout a pipe whose reader has gone, as in `frontlines events | head -0`."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([EXE, *args], stdout=write_end, stderr=subprocess.PIPE, text=True, env=env, timeout=60)
    finally:
        os.close(write_end)


def test_json_to_a_closed_pipe_exits_quietly(bundled_env: dict[str, str]) -> None:
    proc = _to_closed_pipe(bundled_env, "events", "--json")
    assert proc.returncode == 0
    assert proc.stderr == ""


def test_text_to_a_closed_pipe_exits_quietly(bundled_env: dict[str, str]) -> None:
    proc = _to_closed_pipe(bundled_env, "events")
    assert proc.returncode == 0
    assert proc.stderr == ""


# --- issue 8: every COD-AB place, ids of earlier releases, claims, not recorded ------------


@pytest.mark.parametrize("query", ["C2416", "يبرود", "Yabroud", "Yabrud"])
def test_status_by_p_code_or_arabic_name_gives_the_coordinates(bundled_env: dict[str, str], query: str) -> None:
    out = ok(bundled_env, "status", query, "--at", "2017-06-01")
    assert out.splitlines()[0].startswith("Yabroud  يبرود  C2416 · community")
    assert "at 33.9714 N, 36.6604 E (gazetteer point)" in out
    assert "from an area claim on Yabroud (SY0305)" in out
    assert "Battle of Qalamoun" in out  # the claim's source


@pytest.mark.parametrize(("old", "new"), [("FL-QABOUN", "C10011012"), ("FL-DARAYYA", "C2498"), ("FL-WADI-BARADA", "SY030702")])
def test_ids_of_earlier_releases_still_work(bundled_env: dict[str, str], old: str, new: str) -> None:
    assert json_of(bundled_env, "status", old)["place"]["id"] == new
    assert old in json_of(bundled_env, "status", old)["place"]["other_codes"]
    events = json_of(bundled_env, "events", "--place", old)
    assert events and all(any(p["id"] for p in e["places"]) for e in events)


def test_tree_shows_every_community_and_neighbourhood(bundled_env: dict[str, str]) -> None:
    data = json_of(bundled_env, "tree")
    ids: set[str] = set()
    stack = list(data["tree"])
    while stack:
        node = stack.pop()
        ids.add(node["id"])
        stack.extend(node.get("children", ()))
    with Store.open(bundled_path()) as store:
        places = {r.id for r in store.regions.values() if r.level in ("community", "neighbourhood")}
        codes = {c for rid in places for c in (rid, store.regions[rid].pcode, *store.regions[rid].other_codes) if c}
    assert places <= ids
    cod = json.loads((Path(__file__).parent.parent / "fixtures/cod-ab/admin4-points.geojson").read_text())
    hay = json.loads((Path(__file__).parent.parent / "fixtures/cod-ab/admin5-damascus.geojson").read_text())
    assert {f["properties"]["PCODE"] for f in cod["features"]} <= codes
    assert {f["properties"]["HAY_PCODE"] for f in hay["features"]} <= codes
    out = ok(bundled_env, "tree", "--at", "2017-06-01")
    assert f"{NOT_RECORDED_GLYPH} Helleh  not recorded" in out


def test_not_recorded_has_a_stable_json_value(bundled_env: dict[str, str]) -> None:
    data = json_of(bundled_env, "status", "C2383", "--at", "2017-06-01")
    assert (data["status"], data["controller"], data["period"], data["claim"]) == ("not-recorded", None, None, None)
    parent = json_of(bundled_env, "status", "SY0303", "--at", "2017-06-01")
    counts = {b["bloc"]: b["count"] for b in parent["breakdown"]["by_bloc"]}
    assert counts["not-recorded"] == 3 and counts["opposition"] == 4 and counts["government"] == 4
    out = ok(bundled_env, "status", "C2383", "--at", "2017-06-01")
    assert "not recorded" in out and "no area claim covers this date" in out


def test_status_json_says_which_claim_a_status_comes_from(bundled_env: dict[str, str]) -> None:
    data = json_of(bundled_env, "status", "C10011015", "--at", "2018-04-30")  # Masakin Barza
    assert data["claim"]["id"] == "c-damascus-city-2018-04-25"
    assert data["claim"]["region"] == {"id": "SY01", "name": "Damascus"}
    assert {r["id"] for r in data["claim"]["except"]} == {"C10011023", "C10011068", "FL-TADAMOUN"}
    assert data["sources"][0]["url"].startswith("https://jpost.com/")


def test_history_marks_periods_that_come_from_claims(bundled_env: dict[str, str]) -> None:
    out = ok(bundled_env, "history", "C2470")  # Qatana town
    assert "from an area claim on Qatana" in out and "from an area claim on Damascus Province" in out
    assert out.splitlines()[1].lstrip().startswith("2017-12-30")  # nothing before: not recorded


def test_long_listings_print_in_batches_with_nothing_lost(bundled_env: dict[str, str], monkeypatch, capsys) -> None:
    from tui import cli, report

    expected = ok(bundled_env, "events")  # a real process, default batches
    monkeypatch.setattr(report.Printer, "BATCH", 7)  # many small batches, one left over at the end
    monkeypatch.setenv("FRONTLINES_DB", bundled_env["FRONTLINES_DB"])
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", bundled_env["COLUMNS"])  # the same width as the process above
    assert cli.main(["events"]) == 0
    assert capsys.readouterr().out == expected
    assert expected.rstrip().endswith(" events") and expected.count("\n") > 7
