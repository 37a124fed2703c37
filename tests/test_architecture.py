"""The rules that keep the code easy to change, held by `make test`.

- ``store`` knows nothing of Textual, Rich or the ``tui`` package: it can be
  used from a script, a notebook or another interface.
- Widgets and screens never read files or open databases: they get a
  ``Store`` and render it.
- The code passes ruff's checks (unused and undefined names, mutable
  defaults); see ``[tool.ruff]`` in pyproject.toml.
- The code passes mypy: ``store`` strictly, ``tui`` with mypy's default
  checks; see ``[tool.mypy]`` in pyproject.toml.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUFF = Path(sys.executable).parent / "ruff"
MYPY = Path(sys.executable).parent / "mypy"


def imports_of(path: Path) -> set[str]:
    """Top-level modules a file imports (absolute imports only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


STORE_FILES = sorted((ROOT / "store").glob("*.py"))
VIEW_FILES = sorted((ROOT / "tui" / "widgets").glob("*.py")) + sorted((ROOT / "tui" / "screens").glob("*.py"))


@pytest.mark.parametrize("path", STORE_FILES, ids=lambda p: p.name)
def test_the_store_knows_nothing_of_the_interface(path: Path) -> None:
    assert not imports_of(path) & {"textual", "rich", "tui"}, path.name


# What reading a file or opening a database looks like in this code base.
FILE_ACCESS = {"open", "read_text", "read_bytes", "write_text", "write_bytes", "read_regular", "read_tables", "write_tables"}


@pytest.mark.parametrize("path", VIEW_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_widgets_and_screens_never_touch_files(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            assert name not in FILE_ACCESS, f"{path.name}:{node.lineno} calls {name}()"
    assert "storage" not in {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}


def test_the_rules_catch_what_they_should(tmp_path: Path) -> None:
    # The checks above are real: a store module importing Textual, and a
    # widget reading a file, are both seen.
    bad_store = tmp_path / "bad_store.py"
    bad_store.write_text("from textual.app import App\n", encoding="utf-8")
    assert "textual" in imports_of(bad_store)
    bad_widget = tmp_path / "bad_widget.py"
    bad_widget.write_text("def f(p):\n    return p.read_text()\n", encoding="utf-8")
    calls = {n.func.attr for n in ast.walk(ast.parse(bad_widget.read_text())) if isinstance(n, ast.Call)}
    assert calls & FILE_ACCESS


def test_ruff_finds_nothing() -> None:
    proc = subprocess.run(
        [str(RUFF), "check", "--no-cache", "--output-format", "concise", "store", "tui", "fixtures", "tests"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_finds_nothing() -> None:
    # What is checked, and how strictly, is [tool.mypy] in pyproject.toml. The
    # cache is .mypy_cache in the repository: the first run (a fresh clone)
    # takes about five seconds, later ones well under one.
    assert MYPY.exists(), f"{MYPY} is missing: install the test dependencies (pip install -e '.[test]')"
    proc = subprocess.run(
        [str(MYPY), "--config-file", "pyproject.toml", "--no-pretty", "--no-color-output"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
