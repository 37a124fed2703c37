"""``frontlines export geojson|csv|markdown`` as a user runs it (the console
script in a child process; see tests/test_cli.py for the environment).

The GeoJSON round trip: the province exported, then imported with
``frontlines import boundaries`` into a database holding only the admin
units above the places, brings back the same places, names, levels,
parents, outlines and points. ``-o FILE`` is atomic: a failure injected
into the write leaves the old file (or none), never part of one.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from store import Store
from store.storage import read_tables, write_tables
from test_cli import (  # noqa: F401  (env and bundled_env are fixtures)
    BUNDLED,
    EXE,
    bundled_env,
    env,
    ok,
    one_error_line,
    run,
)

ROOT = "FL-DAMASCUS-PROVINCE"


@pytest.fixture(scope="module")
def store():
    with Store.open(BUNDLED) as s:
        yield s


# --- standard output ---------------------------------------------------------------------------


def test_geojson_to_stdout_is_utf8_and_lists_the_places(bundled_env: dict[str, str], store: Store) -> None:
    out = ok(bundled_env, "export", "geojson", "--at", "2018-04-19", "--place", "SY0302")
    data = json.loads(out)
    assert data["type"] == "FeatureCollection"
    assert [f["id"] for f in data["features"]] == list(store.units("SY0302"))
    dumair = next(f for f in data["features"] if f["id"] == "C2346")
    assert dumair["properties"]["name_ar"] == "الضمير"  # UTF-8, not \\u escapes
    assert "الضمير" in out
    assert dumair["properties"]["controller"] == "Jaysh al-Islam" and dumair["properties"]["status"] == "truce"
    assert dumair["geometry"]["coordinates"] == [store.regions["C2346"].lon, store.regions["C2346"].lat]


def test_csv_to_stdout_defaults_to_the_last_day_and_the_whole_province(bundled_env: dict[str, str], store: Store) -> None:
    out = ok(bundled_env, "export", "csv")
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert len(rows) == len(store.units(ROOT)) == 297
    assert {row["as_of"] for row in rows} == {store.span[1].isoformat()}


def test_markdown_to_stdout_is_the_golden_report(bundled_env: dict[str, str]) -> None:
    out = ok(bundled_env, "export", "markdown", "--place", "SY0302", "--since", "2018-04-01", "--until", "2018-04-30")
    golden = Path(__file__).parent / "golden" / "douma-2018-04.md"
    assert out == golden.read_text(encoding="utf-8")


def test_markdown_window_defaults_to_the_month_before_the_end(bundled_env: dict[str, str]) -> None:
    out = ok(bundled_env, "export", "markdown", "--place", "SY0302", "--until", "2018-04-30")
    assert out.startswith("# Situation report: Douma, 2018-03-31 to 2018-04-30\n")
    out = ok(bundled_env, "export", "markdown", "--place", "SY0302", "--at", "2018-04-30")
    assert out.startswith("# Situation report: Douma, 2018-03-31 to 2018-04-30\n")
    assert "## Situation on 2018-04-30" in out


# --- -o FILE -----------------------------------------------------------------------------------


def test_output_file_says_what_was_written(bundled_env: dict[str, str], tmp_path: Path) -> None:
    work = tmp_path / "work"  # (tmp_path holds the user's home)
    work.mkdir()
    proc = run(bundled_env, "export", "geojson", "-o", "situation.geojson", cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr == "frontlines: wrote 297 places on 2018-12-31 to situation.geojson\n"
    data = json.loads((work / "situation.geojson").read_text(encoding="utf-8"))
    assert len(data["features"]) == 297
    assert sorted(p.name for p in work.iterdir()) == ["situation.geojson"]  # no temp file left


def test_output_file_replaces_an_old_one(bundled_env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    target.write_text("old report\n", encoding="utf-8")
    proc = run(bundled_env, "export", "markdown", "--place", "SY0302", "--since", "2018-04-01",
               "--until", "2018-04-30", "-o", str(target))
    assert proc.returncode == 0, proc.stderr
    assert "17 changes of control" in proc.stderr and str(target) in proc.stderr
    assert target.read_text(encoding="utf-8").startswith("# Situation report: Douma")


@pytest.mark.parametrize("kind", ["directory", "fifo", "missing folder"])
def test_output_refuses_what_is_not_a_file(bundled_env: dict[str, str], tmp_path: Path, kind: str) -> None:
    if kind == "directory":
        target = tmp_path / "out"
        target.mkdir()
    elif kind == "fifo":
        target = tmp_path / "pipe"
        os.mkfifo(target)
    else:
        target = tmp_path / "nowhere" / "out.csv"
    proc = run(bundled_env, "export", "csv", "-o", str(target))
    assert proc.returncode == 1
    line = one_error_line(proc)
    assert str(target) in line and "cannot write" in line
    assert proc.stdout == ""


def test_output_to_a_read_only_file_is_refused(bundled_env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("keep me\n")
    target.chmod(0o444)
    proc = run(bundled_env, "export", "csv", "-o", str(target))
    if os.geteuid() == 0:  # root writes anyway; the mode is still what the file says
        assert "read-only" in one_error_line(proc)
    assert proc.returncode == 1
    assert target.read_text() == "keep me\n"


@pytest.mark.parametrize("existing", [True, False])
def test_output_is_atomic_when_the_write_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], existing: bool
) -> None:
    """A failure in the middle of writing (here: fsync) leaves the old file
    byte-identical, or no file at all, and no temp file beside it."""
    from store import storage
    from tui import cli

    target = tmp_path / "out.geojson"
    if existing:
        target.write_bytes(b"the previous export\n")
    written: list[int] = []

    def failing_fsync(fd: int) -> None:
        written.append(os.fstat(fd).st_size)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage.os, "fsync", failing_fsync)
    monkeypatch.setenv("FRONTLINES_DB", str(BUNDLED))
    code = cli.main(["export", "geojson", "-o", str(target)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "No space left on device" in err and str(target) in err
    assert written and written[0] > 100_000  # the data had been written to the temp file
    if existing:
        assert target.read_bytes() == b"the previous export\n"
    else:
        assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == (["out.geojson"] if existing else [])


def test_dash_is_standard_output(bundled_env: dict[str, str], tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    proc = run(bundled_env, "export", "csv", "--place", "C2346", "-o", "-", cwd=work)
    assert proc.returncode == 0 and proc.stdout.startswith("id,pcode,name")
    assert list(work.iterdir()) == []


# --- --bom: a CSV Excel reads as UTF-8 ----------------------------------------------------------

UTF8_BOM = b"\xef\xbb\xbf"
DUMAIR_AR = "الضمير"  # Dumair's Arabic name


def _stdout_bytes(env: dict[str, str], *args: str) -> bytes:
    """What the command writes to standard output, byte for byte (no decoding
    that could swallow a byte-order mark)."""
    proc = subprocess.run([EXE, *args], capture_output=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    assert proc.stderr == b""
    return proc.stdout


def _excel_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_csv_bom_to_a_file_starts_with_the_mark_and_keeps_arabic(bundled_env: dict[str, str], tmp_path: Path) -> None:
    with_bom, plain = tmp_path / "excel.csv", tmp_path / "plain.csv"
    proc = run(bundled_env, "export", "csv", "--place", "SY0302", "--at", "2018-04-19", "--bom", "-o", str(with_bom))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == f"frontlines: wrote 54 places on 2018-04-19 to {with_bom} (UTF-8 with a byte-order mark, for Excel)\n"
    proc = run(bundled_env, "export", "csv", "--place", "SY0302", "--at", "2018-04-19", "-o", str(plain))
    assert proc.returncode == 0 and "byte-order mark" not in proc.stderr, proc.stderr
    data, plain_data = with_bom.read_bytes(), plain.read_bytes()
    assert data[:3] == UTF8_BOM and data[3:6] == b"id,"
    assert plain_data[:3] == b"id,"  # without --bom, unchanged: no mark
    assert data[3:] == plain_data  # the mark is all that differs
    assert data.count(b"\r\n") == data.count(b"\n") == 55  # RFC 4180 line ends, a header and 54 rows
    rows = _excel_rows(with_bom)
    assert list(rows[0])[0] == "id"  # not "\ufeffid": the mark is not part of the first header
    assert rows == _excel_rows(plain)  # utf-8-sig reads a file with no mark the same way
    dumair = next(row for row in rows if row["id"] == "C2346")
    assert dumair["name_ar"] == DUMAIR_AR and dumair["controller"] == "Jaysh al-Islam"


def test_csv_bom_to_stdout(bundled_env: dict[str, str]) -> None:
    with_bom = _stdout_bytes(bundled_env, "export", "csv", "--place", "C2346", "--bom")
    plain = _stdout_bytes(bundled_env, "export", "csv", "--place", "C2346")
    assert with_bom[:3] == UTF8_BOM and with_bom[3:] == plain
    assert plain.startswith(b"id,pcode,name,name_ar,")
    rows = list(csv.DictReader(io.StringIO(with_bom.decode("utf-8-sig"), newline="")))
    assert [(row["id"], row["name_ar"]) for row in rows] == [("C2346", DUMAIR_AR)]


@pytest.mark.parametrize(("fmt", "why"), [("geojson", "RFC 7946"), ("markdown", "plain UTF-8")])
def test_bom_is_refused_for_other_formats(bundled_env: dict[str, str], tmp_path: Path, fmt: str, why: str) -> None:
    target = tmp_path / "out"
    proc = run(bundled_env, "export", fmt, "--bom", "-o", str(target))
    assert proc.returncode == 2
    line = one_error_line(proc)
    assert line.startswith("frontlines: --bom: only `export csv` takes a byte-order mark") and why in line, line
    assert proc.stdout == "" and not target.exists()


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["export", "csv", "--at", "2020"], 2, "after the data"),
        (["export", "geojson", "--at", "2015-06-01"], 2, "before the data"),
        (["export", "csv", "--at", "yesterday"], 2, "--at"),
        (["export", "markdown", "--until", "2019"], 2, "--until 2019"),
        (["export", "markdown", "--since", "2018-05-01", "--until", "2018-04-01"], 2, "--since 2018-05-01"),
        (["export", "markdown", "--at", "2018-04", "--until", "2018-04"], 2, "use one of them"),
        (["export", "csv", "--since", "2018-01"], 2, "only `export markdown`"),
        (["export", "pdf"], 2, "invalid choice"),
        (["export", "csv", "--place", "Nowhereville"], 1, "no place matches"),
        (["export", "csv", "--place", "Douma"], 0, "is taken as Douma"),
    ],
)
def test_bad_input_is_one_line(bundled_env: dict[str, str], args: list[str], code: int, words: str) -> None:
    proc = run(bundled_env, *args)
    assert proc.returncode == code, proc.stderr
    assert words in one_error_line(proc)
    if code:
        assert proc.stdout == ""


def test_help_describes_the_formats(bundled_env: dict[str, str]) -> None:
    out = ok(bundled_env, "export", "--help")
    for word in ("geojson", "csv", "markdown", "--since", "--until", "-o FILE", "QGIS", "--bom", "Excel", "CRLF"):
        assert word in out
    assert "export" in ok(bundled_env, "--help")


# --- the GeoJSON round trip -------------------------------------------------------------------


def _admin_only_db(path: Path, units: set[str]) -> None:
    """The bundled regions above the places (the admin units), nothing else."""
    tables = read_tables(BUNDLED)
    regions = [r for r in tables["regions"].values() if r["id"] not in units]
    write_tables(path, {"meta": list(tables["meta"].values()), "sources": list(tables["sources"].values()),
                        "factions": [], "regions": regions, "periods": [], "events": []})


def _canonical(outline: Any) -> list[list[frozenset[tuple[float, float]]]]:
    """Polygons and rings in order, each ring as its set of positions: the
    winding (GeoJSON's right-hand rule) and the first position do not matter."""
    return [[frozenset(tuple(p) for p in ring) for ring in polygon] for polygon in outline or ()]


def test_geojson_round_trip_through_import_boundaries(bundled_env: dict[str, str], tmp_path: Path, store: Store) -> None:
    exported = tmp_path / "province.geojson"
    proc = run(bundled_env, "export", "geojson", "-o", str(exported))
    assert proc.returncode == 0, proc.stderr
    units = set(store.units(ROOT))
    fresh = tmp_path / "fresh.json"
    _admin_only_db(fresh, units)
    with Store.open(fresh) as before:
        assert not units & set(before.regions)
    proc = run(bundled_env, "import", "boundaries", str(exported), "--db", str(fresh),
               "--code-field", "id", "--name-field", "name", "--name-ar-field", "name_ar", "--parent-field", "parent")
    assert proc.returncode == 0, proc.stderr
    assert "297" in proc.stdout
    with Store.open(fresh) as after:
        for unit_id in units:
            original, back = store.regions[unit_id], after.regions[unit_id]
            assert (back.name, back.name_ar, back.level, back.parent) == (
                original.name, original.name_ar, original.level, original.parent
            ), unit_id
            if original.outline is not None:
                assert back.outline is not None, unit_id
                assert _canonical(back.outline) == _canonical(original.outline), unit_id
            else:
                assert (back.lon, back.lat) == (original.lon, original.lat), unit_id
        assert after.units(ROOT) and set(after.units(ROOT)) == units
    # Importing it again changes nothing.
    snapshot = fresh.read_bytes()
    proc = run(bundled_env, "import", "boundaries", str(exported), "--db", str(fresh),
               "--code-field", "id", "--name-field", "name", "--name-ar-field", "name_ar", "--parent-field", "parent")
    assert proc.returncode == 0, proc.stderr
    assert fresh.read_bytes() == snapshot


def test_export_reads_a_copy_without_writing_it(bundled_env: dict[str, str], tmp_path: Path) -> None:
    copy = tmp_path / "copy.json"
    shutil.copyfile(BUNDLED, copy)
    before = copy.read_bytes()
    proc = run({**bundled_env, "FRONTLINES_DB": str(copy)}, "export", "markdown", "-o", str(tmp_path / "r.md"))
    assert proc.returncode == 0, proc.stderr
    assert copy.read_bytes() == before
