"""`make dist`: one archive that installs frontlines on a machine with no network.

    .venv/bin/python tools/make_dist.py [--out DIR] [--no-archive]

Makes ``DIR/frontlines-offline-VERSION/`` (DIR defaults to ``dist``)
holding ``wheels/`` (the frontlines wheel and one wheel for every package
it needs at run time), ``install.sh`` and ``README.txt``, and packs that
folder into ``DIR/frontlines-offline-VERSION.tar.gz``. On the offline
machine: unpack, ``sh install.sh``; it makes a venv and runs ``pip install
--no-index --find-links wheels frontlines``.

Nothing is downloaded when it can be avoided:

* the frontlines wheel is built from a temporary copy of the sources with
  the setuptools of the Python running this (``--no-build-isolation``);
* each dependency is repacked into a wheel from the copy installed beside
  this Python (its files as its RECORD lists them, with a fresh RECORD), so
  the archive holds exactly the versions the tests ran against.

Only a dependency that is not installed here is fetched (``pip download``,
at the version pyproject.toml allows). If that fails too, it exits 3 and
says which packages could not be had.

The wheels of compiled packages (orjson) are for this Python version and
platform; ``install.sh`` checks the Python it is given and says so.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import importlib.metadata as metadata
import io
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from pathlib import Path

try:
    from packaging.markers import default_environment
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
except ImportError:  # pip always carries a copy
    from pip._vendor.packaging.markers import default_environment  # type: ignore[no-redef]
    from pip._vendor.packaging.requirements import Requirement  # type: ignore[no-redef]
    from pip._vendor.packaging.utils import canonicalize_name  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "store", "tui", "fixtures")
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.lock", "*.egg-info", "build", "dist", ".*")
# Files of an installed copy that are not part of its wheel.
NOT_IN_WHEEL = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}


class DistError(Exception):
    """A dependency wheel could not be had (exit code 3)."""


def say(message: str) -> None:
    print(f"frontlines: {message}", flush=True)


def project() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["project"]


def runtime_requirements() -> list[tuple[Requirement, str | None]]:
    """Every requirement frontlines needs at run time, with the package that asked for it (None: frontlines)."""
    env = default_environment()
    wanted: list[tuple[Requirement, str | None]] = []
    seen: set[tuple[str, frozenset[str]]] = set()
    queue: list[tuple[str, str | None]] = [(text, None) for text in project()["dependencies"]]
    while queue:
        text, parent = queue.pop(0)
        req = Requirement(text)
        key = (canonicalize_name(req.name), frozenset(req.extras))
        if key in seen:
            continue
        seen.add(key)
        wanted.append((req, parent))
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            continue
        for sub in dist.requires or []:
            sub_req = Requirement(sub)
            if sub_req.marker is None or any(sub_req.marker.evaluate({**env, "extra": extra}) for extra in [""] + sorted(req.extras)):
                queue.append((sub, req.name))
    return wanted


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def _wheel_tag(dist: metadata.Distribution) -> str:
    tags = [line.split(":", 1)[1].strip() for line in (dist.read_text("WHEEL") or "").splitlines() if line.startswith("Tag:")]
    if not tags:
        return "py3-none-any"
    parts = [sorted({tag.split("-")[i] for tag in tags}) for i in range(3)]
    return "-".join(".".join(p) for p in parts)


def repack(dist: metadata.Distribution, out: Path) -> Path:
    """A wheel of an installed distribution, made from the files its RECORD lists."""
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"])
    version = dist.version
    info_dir = f"{name}-{version}.dist-info"
    data_dir = f"{name}-{version}.data"
    scripts = {ep.name for ep in dist.entry_points if ep.group in ("console_scripts", "gui_scripts")}
    members: list[tuple[str, Path]] = []
    source_info = None
    for file in dist.files or []:
        path = Path(dist.locate_file(file))
        parts = Path(file).parts
        if "__pycache__" in parts or file.suffix == ".pyc":
            continue
        if parts[0] == "..":
            # Outside site-packages: console scripts are made again by pip from
            # entry_points.txt; anything else goes back into the .data folder.
            relative = os.path.relpath(path, sys.prefix)
            if relative.startswith("bin" + os.sep):
                if path.name in scripts:
                    continue
                members.append((f"{data_dir}/scripts/{path.name}", path))
            elif not relative.startswith(".."):
                members.append((f"{data_dir}/data/{Path(relative).as_posix()}", path))
            continue
        if parts[0].endswith(".dist-info"):
            source_info = parts[0]
            if parts[-1] in NOT_IN_WHEEL:
                continue
            members.append((f"{info_dir}/{'/'.join(parts[1:])}", path))
            continue
        members.append((Path(file).as_posix(), path))
    if source_info is None:
        raise DistError(f"{dist.metadata['Name']} {version}: its installed copy lists no .dist-info files")
    wheel_path = out / f"{name}-{version}-{_wheel_tag(dist)}.whl"
    rows = []
    with zipfile.ZipFile(wheel_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for arcname, path in members:
            data = path.read_bytes()
            info = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if os.access(path, os.X_OK) else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
            rows.append((arcname, _record_hash(data), str(len(data))))
        rows.append((f"{info_dir}/RECORD", "", ""))
        record = io.StringIO()
        csv.writer(record, lineterminator="\n").writerows(rows)
        archive.writestr(zipfile.ZipInfo(f"{info_dir}/RECORD", date_time=(2020, 1, 1, 0, 0, 0)), record.getvalue())
    return wheel_path


def build_frontlines(out: Path, work: Path) -> Path:
    src = work / "src"
    src.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=IGNORE)
        elif path.exists():
            shutil.copy2(path, src / name)
    base = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out)]
    try:
        import setuptools  # noqa: F401

        offline = True
    except ImportError:
        offline = False
    args = [*base, "--no-build-isolation", "--no-index", str(src)] if offline else [*base, str(src)]
    proc = subprocess.run(args, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise DistError("the frontlines wheel could not be built (pip wheel's output is above)")
    (wheel,) = out.glob("frontlines-*.whl")
    return wheel


def collect_dependencies(out: Path) -> tuple[list[str], list[str]]:
    """Wheels of every run-time dependency in ``out``: (repacked, downloaded) names."""
    repacked, missing = [], []
    for req, parent in runtime_requirements():
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            missing.append(str(req) if parent is None else f"{req} (for {parent})")
            continue
        if not req.specifier.contains(dist.version, prereleases=True):
            missing.append(f"{req} (installed here: {dist.version})")
            continue
        wheel = out / f"{re.sub(r'[-_.]+', '_', dist.metadata['Name'])}-{dist.version}-{_wheel_tag(dist)}.whl"
        if not wheel.exists():
            repack(dist, out)
            repacked.append(f"{dist.metadata['Name']} {dist.version}")
    if missing:
        plain = [m.split(" (")[0] for m in missing]
        say(f"not installed here, downloading: {', '.join(missing)}")
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:", "--dest", str(out), *plain],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr[-3000:])
            raise DistError(f"cannot get a wheel of {', '.join(missing)}: not installed here and not downloadable")
    return repacked, missing


INSTALL_SH = r"""#!/bin/sh
# Installs frontlines from the wheels beside this script. No network needed.
#
#   sh install.sh [VENV_DIR]
#
# Makes a virtual environment (default: venv/ beside this script) with
# python3, or the Python named by PYTHON=..., and installs frontlines into it
# with pip install --no-index --find-links wheels.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-python3}
venv=${1:-$here/venv}
need="@NEED@"        # the Python the compiled wheels are for ("" when all are pure Python)
minimum="@MINIMUM@"  # requires-python of frontlines

if ! command -v "$python" >/dev/null 2>&1; then
    echo "frontlines: $python not found; install Python $minimum or say which to use: PYTHON=/path/to/python3 sh install.sh" >&2
    exit 1
fi
have=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true)
if [ -n "$need" ] && [ "$have" != "$need" ]; then
    echo "frontlines: these wheels were built for Python $need on @PLATFORM@, but $python is Python ${have:-(unknown)}." >&2
    echo "Run it with that Python (PYTHON=python$need sh install.sh), or build the archive with make dist on a machine like this one." >&2
    exit 1
fi
echo "frontlines: creating $venv with $python (Python $have)..."
"$python" -m venv "$venv"
echo "frontlines: installing frontlines @VERSION@ from $here/wheels (no network)..."
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index --find-links "$here/wheels" frontlines
echo "frontlines: installed; the command is $venv/bin/frontlines"
echo "  try: $venv/bin/frontlines status Dumair --at 2018-05-01"
echo "  to type just frontlines, link it into a folder on your PATH: ln -s $venv/bin/frontlines ~/.local/bin/frontlines"
"""

README_TXT = """frontlines @VERSION@, for a machine with no network
=============================================

This folder holds frontlines and every package it needs, as wheels, for
Python @NEED_TEXT@ on @PLATFORM@.

Install:   sh install.sh            (makes venv/ here; sh install.sh DIR puts it elsewhere)
           PYTHON=python@NEED_OR_3@ sh install.sh   picks the interpreter
Run:       venv/bin/frontlines      (the explorer; venv/bin/frontlines --help for the commands)

Nothing is downloaded: install.sh runs
    pip install --no-index --find-links wheels frontlines
in a new virtual environment. To remove it, delete the venv folder; your own
copy of the data lives in the user data folder (frontlines where says which).
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the offline install archive of frontlines.")
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="the folder to put it in (default: dist/)")
    parser.add_argument("--no-archive", action="store_true", help="make the folder only, not the .tar.gz")
    args = parser.parse_args(argv)
    info = project()
    version = info["version"]
    name = f"frontlines-offline-{version}"
    out: Path = args.out.resolve()
    folder = out / name
    archive = out / f"{name}.tar.gz"
    if folder.exists():
        shutil.rmtree(folder)
    wheels = folder / "wheels"
    wheels.mkdir(parents=True)
    try:
        with tempfile.TemporaryDirectory(prefix="frontlines-dist-") as work:
            say(f"building the frontlines {version} wheel...")
            build_frontlines(wheels, Path(work))
            say("collecting a wheel of every package it needs...")
            repacked, downloaded = collect_dependencies(wheels)
    except DistError as exc:
        print(f"frontlines: make dist: {exc}", file=sys.stderr)
        shutil.rmtree(folder, ignore_errors=True)
        return 3
    # A wheel for one CPython ABI (orjson's cp311-cp311) installs on that version only.
    abis = {w.name[: -len(".whl")].split("-")[-2] for w in wheels.glob("*.whl")}
    need = f"{sys.version_info[0]}.{sys.version_info[1]}" if abis - {"none", "abi3"} else ""
    plat = f"{platform.system()} {platform.machine()}".strip()
    fill = {
        "@NEED@": need,
        "@NEED_TEXT@": need or info.get("requires-python", ""),
        "@NEED_OR_3@": need or "3",
        "@MINIMUM@": info.get("requires-python", "").lstrip(">="),
        "@PLATFORM@": plat,
        "@VERSION@": version,
    }
    texts = {"install.sh": INSTALL_SH, "README.txt": README_TXT}
    for filename, text in texts.items():
        for key, value in fill.items():
            text = text.replace(key, value)
        (folder / filename).write_text(text)
    (folder / "install.sh").chmod(0o755)
    count = len(list(wheels.glob("*.whl")))
    if not args.no_archive:
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(folder, arcname=name)
    say(f"{count} wheels ({len(repacked)} repacked from this venv, {len(downloaded)} downloaded), for Python {need or 'any'} on {plat}")
    say(f"made {os.path.relpath(folder)}/" + ("" if args.no_archive else f" and {os.path.relpath(archive)}"))
    say(f"on the offline machine: tar xzf {name}.tar.gz && sh {name}/install.sh")
    return 0


if __name__ == "__main__":
    sys.exit(main())
