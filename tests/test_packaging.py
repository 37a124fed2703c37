"""The bundled data travels with the package: a user who installs the wheel
(not the checkout) still gets the bundled damascus.json, the explorer's
stylesheet and every subpackage.

Nothing is downloaded. The wheel test needs ``setuptools`` and ``wheel`` in
the test environment (``--no-build-isolation``) and is skipped without them;
the build-tree test needs only setuptools and runs the same ``build_py`` step
that puts files into a wheel, then uses the result as an installed copy.
Both work on a copy of the sources in a temporary folder, so the checkout
gets no build/ or egg-info litter.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "MANIFEST.in", "setup.cfg", "store", "tui", "fixtures", "docs")
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.lock", "*.egg-info", "build", "dist", ".*")

# Files an installed frontlines cannot work without.
# The repository's fixtures/ installs as frontlines_fixtures/ (a top-level
# `fixtures` would collide with the PyPI package of that name).
INSTALLED = {"store": "store", "tui": "tui", "fixtures": "frontlines_fixtures"}
REQUIRED = (
    "frontlines_fixtures/__init__.py",
    "frontlines_fixtures/damascus.json",
    "store/__init__.py",
    "store/db.py",
    "store/locate.py",
    "tui/__init__.py",
    "tui/cli.py",
    "tui/app.tcss",
    "tui/widgets/__init__.py",
)


def _copy_sources(dest: Path) -> Path:
    dest.mkdir()
    for name in SOURCES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=IGNORE)
        elif src.exists():
            shutil.copy2(src, dest / name)
    return dest


def _packages_on_disk() -> list[str]:
    """Every folder of the three top packages that holds Python modules."""
    found = []
    for top in ("store", "tui", "fixtures"):
        for folder in [REPO / top, *sorted(p for p in (REPO / top).rglob("*") if p.is_dir())]:
            if "__pycache__" in folder.parts:
                continue
            if any(folder.glob("*.py")):
                relative = folder.relative_to(REPO).as_posix()
                found.append(INSTALLED[top] + relative[len(top) :])
    return found


def _missing_from(names: set[str]) -> list[str]:
    wanted = list(REQUIRED) + [f"{pkg}/__init__.py" for pkg in _packages_on_disk()]
    return [name for name in wanted if name not in names]


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_wheel_contains_the_data_and_every_package(tmp_path: Path) -> None:
    for module in ("setuptools", "wheel"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(
                f"'{module}' is not installed in this environment, so no wheel can be built without a download "
                f"(pip wheel --no-build-isolation); test_build_tree_finds_the_bundled_data covers package data"
            )
    src = _copy_sources(tmp_path / "src")
    out = tmp_path / "wheelhouse"
    proc = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", str(out), "."],
        cwd=src,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (wheel,) = out.glob("frontlines-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        data = archive.read("frontlines_fixtures/damascus.json")
        entry_points = next((archive.read(n).decode() for n in names if n.endswith(".dist-info/entry_points.txt")), "")
    assert _missing_from(names) == []
    assert data == (REPO / "fixtures" / "damascus.json").read_bytes()
    assert "frontlines = tui.cli:main" in entry_points
    assert not any(name.startswith(("tests/", "fixtures/")) for name in names)


def test_build_tree_finds_the_bundled_data(tmp_path: Path) -> None:
    """Build the package tree as a wheel would, then run it as an installed copy."""
    if importlib.util.find_spec("setuptools") is None:
        pytest.skip("setuptools is not installed in this environment")
    src = _copy_sources(tmp_path / "src")
    lib = tmp_path / "lib"
    proc = _run([sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py", "--build-lib", str(lib)], cwd=src)
    assert proc.returncode == 0, proc.stderr[-3000:]
    names = {p.relative_to(lib).as_posix() for p in lib.rglob("*") if p.is_file()}
    assert _missing_from(names) == []

    # Use the built tree as the installed package: first on the path, run from
    # an unrelated folder, with a fresh home and no $FRONTLINES_DB.
    home = tmp_path / "home"
    work = tmp_path / "elsewhere"
    home.mkdir()
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("FRONTLINES_DB", "PYTHONPATH")}
    env.update(
        PYTHONPATH=str(lib),
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        NO_COLOR="1",
    )
    code = (
        "import sys, store, tui.cli\n"
        "from store.locate import bundled_path\n"
        "print(store.__file__)\n"
        "print(bundled_path())\n"
        "sys.exit(tui.cli.main(['status', 'Dumair', '--at', '2018-04-20']))\n"
    )
    proc = _run([sys.executable, "-c", code], cwd=work, env=env)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == str(lib / "store" / "__init__.py"), "the built copy was not the one imported"
    assert lines[1] == str(lib / "frontlines_fixtures" / "damascus.json")
    assert "Syrian Arab Army" in proc.stdout
    user_copy = home / "data" / "frontlines" / "damascus.json"
    assert str(user_copy) in proc.stderr  # the first-run note
    assert user_copy.read_bytes() == (lib / "frontlines_fixtures" / "damascus.json").read_bytes()
