"""The bundled data travels with the package: a user who installs the wheel
(not the checkout) still gets the bundled damascus.json, the explorer's
stylesheet and every subpackage.

Nothing is downloaded. The wheel test needs ``setuptools`` and ``wheel`` in
the test environment (``--no-build-isolation``) and is skipped without them;
the build-tree test needs only setuptools and runs the same ``build_py`` step
that puts files into a wheel, then uses the result as an installed copy.
Both work on a copy of the sources in a temporary folder, so the checkout
gets no build/ or egg-info litter.

The set-up tests run the Makefile and the scripts in tools/ as a newcomer
would, in a copy of the checkout, with fake interpreters (shell scripts that
answer ``--version``) and a fake pipx on PATH: nothing is installed into the
user's home. The offline archive test builds ``make dist``'s archive from
this environment's installed packages and installs it into a fresh venv
with ``--no-index`` and no pip configuration.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
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
    if importlib.util.find_spec("setuptools") is None:
        pytest.skip(
            "'setuptools' is not installed in this environment, so no wheel can be built without a download "
            "(pip wheel --no-build-isolation); test_build_tree_finds_the_bundled_data covers package data"
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


# ---------------------------------------------------------------------------
# Building without warnings


def test_pyproject_license_is_an_spdx_string_with_a_setuptools_that_reads_it() -> None:
    with open(REPO / "pyproject.toml", "rb") as handle:
        data = tomllib.load(handle)
    assert data["project"]["license"] == "MIT"
    (setuptools_req,) = [r for r in data["build-system"]["requires"] if r.startswith("setuptools")]
    assert setuptools_req.replace(" ", "") == "setuptools>=77", "setuptools 77 is the first to read license as SPDX"
    test_extra = [r.split("#")[0].strip() for r in data["project"]["optional-dependencies"]["test"]]
    assert "setuptools>=77" in test_extra  # the offline builds below use the test environment's setuptools


@pytest.mark.parametrize("hook", ["build_wheel", "build_editable"])
def test_the_build_backend_prints_no_deprecation_warning(tmp_path: Path, hook: str) -> None:
    """What `make run` and `make dist` run, straight through setuptools' PEP 517 hooks, offline."""
    if importlib.util.find_spec("setuptools") is None:
        pytest.skip("setuptools is not installed in this environment")
    import setuptools

    major = int(setuptools.__version__.split(".")[0])
    if major < 77:
        pytest.skip(f"setuptools {setuptools.__version__} here; the build requires 77 or later (pyproject.toml)")
    src = _copy_sources(tmp_path / "src")
    out = tmp_path / "out"
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    code = f"import sys, setuptools.build_meta as backend; print(backend.{hook}(sys.argv[1]))"
    proc = _run([sys.executable, "-W", "default", "-c", code, str(out)], cwd=src, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    output = proc.stdout + proc.stderr
    assert "deprecat" not in output.lower(), output[-3000:]
    assert list(out.glob("frontlines-*.whl"))


# ---------------------------------------------------------------------------
# Set-up as a newcomer meets it: the Python check, make install


def _fake_python(path: Path, version: str, *, log: Path | None = None, user_base: Path | None = None) -> Path:
    """A shell script that answers like a Python of ``version``: enough for the set-up scripts."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        "#!/bin/sh",
        f'if [ "$1" = --version ]; then echo "Python {version}"; exit 0; fi',
    ]
    if log is not None:
        lines.append(f'echo "$@" >> "{log}"')
    if user_base is not None:
        # The user-scripts query prints a folder; the venv and PEP 668 questions answer "no".
        lines.append(f'case "$2" in *print*) echo "{user_base}/bin"; exit 0 ;; esac')
        lines.append('[ "$1" = -c ] && exit 1')
    lines.append("exit 0")
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o755)
    return path


def _checkout(tmp_path: Path) -> Path:
    """The files the set-up needs, in a folder of their own."""
    dest = tmp_path / "checkout"
    dest.mkdir()
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy2(REPO / name, dest / name)
    shutil.copytree(REPO / "tools", dest / "tools", ignore=IGNORE)
    return dest


def _tools_only_path(tmp_path: Path) -> str:
    """A PATH with the few POSIX tools the scripts use and no Python or pipx at all."""
    folder = tmp_path / "posix-bin"
    folder.mkdir()
    for tool in ("sh", "sed", "awk", "head", "dirname", "cat", "env"):
        found = shutil.which(tool)
        assert found, tool
        (folder / tool).symlink_to(found)
    return str(folder)


def _make(checkout: Path, *args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    if path is not None:
        env["PATH"] = path
    return _run([make, "--no-print-directory", *args], cwd=checkout, env=env)


def test_a_venv_made_by_an_old_python_is_refused_with_what_to_run(tmp_path: Path) -> None:
    checkout = _checkout(tmp_path)
    _fake_python(checkout / ".venv" / "bin" / "python", "3.9.2")
    frontlines = checkout / ".venv" / "bin" / "frontlines"
    frontlines.write_text(f"#!/bin/sh\necho ran > {tmp_path / 'ran'}\n")
    frontlines.chmod(0o755)
    (checkout / ".venv" / ".installed").touch()  # up to date: only the check stands in the way

    dry = _make(checkout, "-n", "run")
    assert "tools/check-python --venv .venv --goal run python3" in dry.stdout

    proc = _make(checkout, "run")
    assert proc.returncode != 0
    assert "frontlines: .venv was made by Python 3.9.2, but frontlines needs Python 3.11 or later." in proc.stderr
    assert "make clean, then make" in proc.stderr
    assert not (tmp_path / "ran").exists(), "the old venv was used"

    proc = _make(checkout, "test")
    assert proc.returncode != 0 and "then make test" in proc.stderr  # the advice names the target asked for


def test_a_supported_venv_passes_the_check(tmp_path: Path) -> None:
    checkout = _checkout(tmp_path)
    _fake_python(checkout / ".venv" / "bin" / "python", "3.11.7")
    frontlines = checkout / ".venv" / "bin" / "frontlines"
    frontlines.write_text('#!/bin/sh\necho "ran with $*"\n')
    frontlines.chmod(0o755)
    (checkout / ".venv" / ".installed").touch()
    proc = _make(checkout, "run", "ARGS=--at 2018-05-01")
    assert proc.returncode == 0, proc.stderr
    assert "ran with --at 2018-05-01" in proc.stdout
    assert proc.stderr == ""


def test_a_venv_whose_python_is_gone_says_to_make_it_again(tmp_path: Path) -> None:
    checkout = _checkout(tmp_path)
    (checkout / ".venv" / "bin").mkdir(parents=True)
    (checkout / ".venv" / "bin" / "python").symlink_to(tmp_path / "removed" / "python3.10")
    proc = _make(checkout, "run")
    assert proc.returncode != 0
    assert ".venv/bin/python does not run" in proc.stderr
    assert "make clean, then make" in proc.stderr


def test_an_old_interpreter_makes_no_venv(tmp_path: Path) -> None:
    checkout = _checkout(tmp_path)
    old = _fake_python(tmp_path / "old" / "python3", "3.10.12")
    proc = _make(checkout, f"PYTHON={old}", "run", path=_tools_only_path(tmp_path))
    assert proc.returncode != 0
    assert f"frontlines: {old} is Python 3.10.12, but frontlines needs Python 3.11 or later." in proc.stderr
    assert "Install Python 3.11 or later" in proc.stderr and "make PYTHON=/path/to/python3 run" in proc.stderr
    assert not (checkout / ".venv").exists()

    # A supported one on PATH is named in the advice.
    good = tmp_path / "good"
    _fake_python(good / "python3.12", "3.12.4")
    (tmp_path / "x").mkdir()
    proc = _make(checkout, f"PYTHON={old}", "run", path=f"{good}:{_tools_only_path(tmp_path / 'x')}")
    assert "Run: make PYTHON=python3.12 run" in proc.stderr
    assert not (checkout / ".venv").exists()


def test_no_python_at_all_is_named(tmp_path: Path) -> None:
    checkout = _checkout(tmp_path)
    proc = _make(checkout, "PYTHON=python3", "run", path=_tools_only_path(tmp_path))
    assert proc.returncode != 0
    assert "frontlines: python3 not found; frontlines needs Python 3.11 or later." in proc.stderr


def test_make_install_uses_pipx_when_there_is_one(tmp_path: Path) -> None:
    checkout = _checkout(tmp_path)
    log = tmp_path / "pipx.log"
    pipx_bin = tmp_path / "pipx-home" / "bin"
    fake = tmp_path / "fake-bin"
    fake.mkdir()
    (fake / "pipx").write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = environment ]; then echo "{pipx_bin}"; exit 0; fi\n'
        f'echo "$@" >> "{log}"\n'
    )
    (fake / "pipx").chmod(0o755)
    python = _fake_python(tmp_path / "py" / "python3.11", "3.11.7")

    dry = _make(checkout, "-n", "install", f"PYTHON={python}")
    assert f"sh tools/check-python --goal install {python}" in dry.stdout
    assert f"sh tools/install-command {python}" in dry.stdout
    assert not log.exists()

    proc = _make(checkout, "install", f"PYTHON={python}", path=f"{fake}:{_tools_only_path(tmp_path)}")
    assert proc.returncode == 0, proc.stderr
    assert log.read_text().split() == ["install", "--force", "--python", str(python), str(checkout)]
    assert "frontlines: installed with pipx" in proc.stdout
    assert f"the command is {pipx_bin}/frontlines" in proc.stdout
    assert "is not on your PATH; run: pipx ensurepath" in proc.stdout


def test_make_install_without_pipx_is_a_user_install(tmp_path: Path) -> None:
    checkout = _checkout(tmp_path)
    log = tmp_path / "python.log"
    base = tmp_path / "user-base"
    python = _fake_python(tmp_path / "py" / "python3", "3.12.1", log=log, user_base=base)
    path = f"{base / 'bin'}:{_tools_only_path(tmp_path)}"
    proc = _make(checkout, "install", f"PYTHON={python}", path=path)
    assert proc.returncode == 0, proc.stderr
    assert f"-m pip install --quiet --user {checkout}" in log.read_text()
    assert "pipx not found; installing the frontlines command with pip" in proc.stdout
    assert "frontlines: installed with pip install --user" in proc.stdout
    assert f"the command is {base}/bin/frontlines" in proc.stdout
    assert "is on your PATH: type frontlines" in proc.stdout


def test_make_install_refuses_an_old_python(tmp_path: Path) -> None:
    checkout = _checkout(tmp_path)
    log = tmp_path / "python.log"
    python = _fake_python(tmp_path / "py" / "python3", "3.8.10", log=log, user_base=tmp_path)
    proc = _make(checkout, "install", f"PYTHON={python}", path=_tools_only_path(tmp_path))
    assert proc.returncode != 0
    assert "is Python 3.8.10, but frontlines needs Python 3.11 or later" in proc.stderr
    assert "make PYTHON=/path/to/python3 install" in proc.stderr
    assert not log.exists(), "pip ran with a Python frontlines does not support"


# ---------------------------------------------------------------------------
# make dist: one archive that installs with no network


@pytest.fixture(scope="session")
def offline_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = _run([sys.executable, str(REPO / "tools" / "make_dist.py"), "--out", str(out)], cwd=out, env=env)
    if proc.returncode == 3:
        pytest.skip(f"the dependency wheels cannot be had here (no installed copy, no network): {proc.stderr.strip()[-500:]}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(REPO / "pyproject.toml", "rb") as handle:
        version = tomllib.load(handle)["project"]["version"]
    archive = out / f"frontlines-offline-{version}.tar.gz"
    assert archive.is_file(), proc.stdout
    assert archive.name in proc.stdout  # it says what it made
    return archive


def test_the_offline_archive_installs_and_runs_with_no_index(offline_archive: Path, tmp_path: Path) -> None:
    with tarfile.open(offline_archive) as tar:
        names = tar.getnames()
        top = offline_archive.name[: -len(".tar.gz")]
        assert f"{top}/install.sh" in names and f"{top}/README.txt" in names
        wheels = [n for n in names if n.startswith(f"{top}/wheels/") and n.endswith(".whl")]
        assert any("/frontlines-" in n for n in wheels)
        for dep in ("textual", "rich", "tinydb", "orjson", "platformdirs"):
            assert any(f"/wheels/{dep}-" in n.lower() for n in wheels), f"no {dep} wheel in {wheels}"
        tar.extractall(tmp_path / "laptop", filter="data")
    folder = tmp_path / "laptop" / top

    # No index, no pip configuration, no find-links but the archive's own.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") and k not in ("PYTHONPATH", "FRONTLINES_DB")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", PYTHON=sys.executable)
    venv = tmp_path / "fl-venv"
    proc = _run(["sh", str(folder / "install.sh"), str(venv)], cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"the command is {venv}/bin/frontlines" in proc.stdout

    home = tmp_path / "home"
    home.mkdir()
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"), NO_COLOR="1")
    where = _run([str(venv / "bin" / "python"), "-c", "import tui; print(tui.__file__)"], cwd=home, env=env)
    assert where.stdout.strip().startswith(str(venv)), "frontlines was not imported from the installed venv"
    proc = _run([str(venv / "bin" / "frontlines"), "status", "Dumair", "--at", "2018-05-01"], cwd=home, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "As of 2018-05-01" in proc.stdout and "Syrian Arab Army" in proc.stdout


def test_the_offline_install_names_the_python_its_wheels_need(offline_archive: Path, tmp_path: Path) -> None:
    with tarfile.open(offline_archive) as tar:
        tar.extractall(tmp_path, filter="data")
    (folder,) = tmp_path.glob("frontlines-offline-*")
    other = _fake_python(tmp_path / "bin" / "python3.99", "3.99.0")
    other.write_text('#!/bin/sh\nif [ "$1" = -c ]; then echo 3.99; exit 0; fi\necho "Python 3.99.0"\n')
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHON"] = str(other)
    proc = _run(["sh", str(folder / "install.sh"), str(tmp_path / "v")], cwd=tmp_path, env=env)
    needed = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert proc.returncode != 0
    assert f"these wheels were built for Python {needed}" in proc.stderr
    assert f"PYTHON=python{needed} sh install.sh" in proc.stderr
    assert not (tmp_path / "v").exists()
