"""Start-up: each entry point imports only what it uses, and behaves the same.

- ``store`` exports its names lazily: a module that needs ``store.text``
  does not pay for the model, the queries or TinyDB.
- The text commands write piped output without importing Rich, with the
  rules Rich itself would apply (no style, the same width).
- ``tui.app`` imports no widget, screen or store query until the first
  frame is up: whatever needs them loads them first (the help during
  loading, a keymap file to check, the binding list).

No timing here (see tests/bench/test_cli_bench.py): only what is imported,
and that the output and behaviour did not change.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from store.locate import bundled_path

REPO = Path(__file__).resolve().parent.parent


def _python(code: str, env: dict[str, str] | None = None, **kwargs: object) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("FRONTLINES_DB", "NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE")}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8",
                          env={**base, **(env or {})}, cwd=REPO, timeout=120, **kwargs)  # type: ignore[call-overload]


def _loaded(code: str, env: dict[str, str] | None = None) -> set[str]:
    """The modules loaded after running ``code`` in a fresh interpreter."""
    proc = _python(code + "\nimport json, sys\nprint('\\nMODULES', json.dumps(sorted(sys.modules)))", env)
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stdout.rsplit("MODULES ", 1)[1]))


# --- store: lazy exports ---------------------------------------------------------------------


def test_store_exports_every_name_from_its_module() -> None:
    import importlib

    import store

    assert sorted(store._EXPORTS) == sorted(store.__all__)
    for name, module in store._EXPORTS.items():
        assert getattr(store, name) is getattr(importlib.import_module(f"store.{module}"), name), name
    assert set(store.__all__) <= set(dir(store))
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        store.Nothing  # noqa: B018


def test_the_store_loads_only_what_is_asked_for() -> None:
    light = _loaded("from store.text import shown\nfrom store.dates import parse_partial\nfrom store import DateError")
    assert not light & {"store.db", "store.model", "store.search", "store.storage", "tinydb", "orjson", "calendar"}
    errors = _loaded("from store import StoreError")
    assert "store.storage" in errors and not errors & {"store.db", "store.model"}


# --- the text commands ------------------------------------------------------------------------


def test_piped_output_does_not_import_rich(tmp_path: Path) -> None:
    env = {"FRONTLINES_DB": str(bundled_path()), "COLUMNS": "100", "HOME": str(tmp_path)}
    code = "import sys\nfrom tui.cli import main\nrc = main(['status', 'Dumair'])\nassert rc == 0, rc"
    loaded = _loaded(code, env)
    assert not {m for m in loaded if m == "rich" or m.startswith(("rich.", "textual"))}
    assert not loaded & {"difflib", "hashlib", "calendar", "importlib.resources", "store.export"}
    # Asked for colour (a terminal that cannot be seen here): Rich writes it, as before.
    coloured = _python("import sys\nfrom tui.cli import main\nsys.exit(main(['status', 'Dumair']))",
                       {**env, "FORCE_COLOR": "1"})
    assert coloured.returncode == 0, coloured.stderr
    assert "\x1b[" in coloured.stdout and "Dumair" in coloured.stdout


def _environments() -> list[dict[str, str]]:
    out = []
    for compatible in (None, "0", "1", "2"):
        for force in (None, "", "1"):
            for columns in (None, "73", "0", "wide"):
                env = {"TERM": "xterm-256color"}
                for key, value in (("TTY_COMPATIBLE", compatible), ("FORCE_COLOR", force), ("COLUMNS", columns)):
                    if value is not None:
                        env[key] = value
                out.append(env)
    return out


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class _Closed(io.StringIO):
    def isatty(self) -> bool:
        raise ValueError("I/O operation on closed file")


@pytest.mark.parametrize("stream_type", [io.StringIO, _Terminal, _Closed])
@pytest.mark.parametrize("env", _environments(), ids=lambda e: ",".join(f"{k}={v}" for k, v in sorted(e.items())))
def test_plain_output_is_what_rich_would_write(env: dict[str, str], stream_type: type[io.StringIO]) -> None:
    """Where the printer skips Rich, Rich would have written no style, at the same width."""
    from rich.console import Console

    from tui.report import plain_output, plain_width

    stream = stream_type()
    console = Console(file=stream, _environ=env)
    if plain_output(stream, env):
        assert console.color_system is None
        assert plain_width(env) == console.width
    elif stream_type is _Terminal and "FORCE_COLOR" not in env and "TTY_COMPATIBLE" not in env:
        assert console.color_system is not None  # a terminal: Rich decides, and colours


def test_the_printer_asks_rich_only_when_there_may_be_style(monkeypatch: pytest.MonkeyPatch) -> None:
    from tui import report

    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    monkeypatch.setenv("COLUMNS", "64")
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    printer = report.Printer()
    assert printer._plain and printer._console is None and printer.width == 64
    printer.line("a ", ("b", "bold"), 3)
    printer.flush()
    assert sys.stdout.getvalue() == "a b3\n"
    assert printer._console is None  # never made


# --- the explorer -----------------------------------------------------------------------------


WIDGETS_AND_QUERIES = ("tui.widgets.", "tui.screens.", "store.db", "store.search")


def test_the_explorer_module_loads_no_widget_until_asked() -> None:
    loaded = _loaded("import tui.app")
    assert not {m for m in loaded if m.startswith(WIDGETS_AND_QUERIES)}
    after = _loaded("import tui.app\nsections = [name for name, _ in tui.app.FrontlinesApp.binding_sections()]\n"
                    "assert 'Places' in sections, sections\n"
                    "assert len(sections) == len(set(sections)), sections\n"
                    "for view in ('Situation view', 'Changes view', 'Messages', 'Pickers (copy, open, filter)', 'Map'):\n"
                    "    assert view in sections, (view, sections)  # listed before one is ever opened")
    assert "tui.widgets.miller" in after and "tui.screens.help" in after


def test_the_explorer_is_started_before_the_store_is_loaded(tmp_path: Path) -> None:
    """Up to the explorer's first frame: no storage, no queries, no widgets."""
    code = (
        "import json, sys\nimport tui.app\nfrom tui import cli\nseen = {}\n"
        "def run_explorer(loader, **options):\n"
        "    seen.update(modules=sorted(sys.modules), label=options['label'])\n"
        "    return 0, None\n"
        "tui.app.run_explorer = run_explorer\n"
        "cli.explorer_problem = lambda: None  # no terminal here\n"
        f"assert cli.main(['--db', {str(bundled_path())!r}]) == 0\n"
        "print('RESULT', json.dumps(seen))\n"
    )
    proc = _python(code, {"FRONTLINES_KEYMAP": str(tmp_path / "none.toml")})
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout.rsplit("RESULT ", 1)[1])
    assert seen["label"] == f"Opening {bundled_path()}…"
    early = {m for m in seen["modules"] if m.startswith((*WIDGETS_AND_QUERIES, "store.storage", "tinydb", "orjson"))}
    assert not early


def test_a_keymap_file_is_checked_against_every_binding(tmp_path: Path) -> None:
    """Even on the loading path, where no widget is imported before the app is made."""
    keymap = tmp_path / "keymap.toml"
    keymap.write_text('"list.down" = "n"\n"no.such" = "z"\n', encoding="utf-8")
    code = (
        "import json, sys\nfrom pathlib import Path\nfrom tui.app import FrontlinesApp\n"
        f"app = FrontlinesApp(None, loader=lambda: None, keymap_path=Path({str(keymap)!r}))\n"
        "print('RESULT', json.dumps([app.keymap.keys, app.keymap.warnings]))\n"
    )
    proc = _python(code)
    assert proc.returncode == 0, proc.stderr
    keys, warnings = json.loads(proc.stdout.rsplit("RESULT ", 1)[1])
    assert keys == {"list.down": "n"}
    unknown = [w for w in warnings if "unknown binding id" in w]
    assert len(unknown) == 1 and "'no.such'" in unknown[0] and "list.down" not in unknown[0]  # the widgets were loaded


def test_a_missing_keymap_file_gathers_no_bindings(tmp_path: Path) -> None:
    from tui.keymap import load_keymap

    def never() -> set[str]:
        raise AssertionError("binding ids gathered with no file to check")

    assert load_keymap(tmp_path / "absent.toml", never).keys == {}
    assert load_keymap(None, never).keys == {}
    present = tmp_path / "keymap.toml"
    present.write_text('"a.b" = "n"\n', encoding="utf-8")
    assert load_keymap(present, lambda: {"a.b"}).keys == {"a.b": "n"}


def held_back(store, release):
    """A loader that hands ``store`` over once ``release`` is set (a slow open)."""

    def load():
        release.wait(10)
        return store

    return load


async def test_help_works_while_the_database_opens(monkeypatch: pytest.MonkeyPatch, bundled_store) -> None:
    """The help may be the first key (typed ahead): it loads the screens it needs itself."""
    import threading

    import tui.app
    from tui.app import FrontlinesApp

    monkeypatch.setattr(tui.app, "_ui_loaded", False, raising=False)  # as in a process that has not loaded them
    for name in ("Breadcrumb", "Chronicle", "DatePrompt", "DetailPane", "EventsPane", "FactionsPane", "HelpScreen",
                 "MillerColumns", "SearchScreen", "StoreError", "TopBar", "add_months", "key_label"):
        monkeypatch.delitem(vars(tui.app), name, raising=False)
    release = threading.Event()
    app = FrontlinesApp(None, loader=held_back(bundled_store, release), use_keymap_file=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        await pilot.pause()
        release.set()
        for _ in range(100):
            await pilot.pause(0.02)
            if not app.loading:
                break
        assert not app.loading


async def test_the_data_arriving_under_the_help_leaves_the_help_up(bundled_store) -> None:
    """Help opened while the database opens stays up when the data comes; closing it shows the explorer."""
    import threading

    from tui.app import FrontlinesApp
    from tui.widgets.miller import MillerColumns

    release = threading.Event()
    app = FrontlinesApp(None, loader=held_back(bundled_store, release), use_keymap_file=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        release.set()
        for _ in range(100):
            await pilot.pause(0.02)
            if not app.loading and app.main_screen.query(MillerColumns):
                break
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"  # still up, and whole
        assert "Everywhere" in "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.main_screen
        assert app.focused is app.miller.current
        assert any("as of" in strip.text for strip in app.screen._compositor.render_strips())


def test_level_help_names_the_levels_without_importing_the_model_to_parse() -> None:
    loaded = _loaded("from tui.cli import build_parser\n"
                     "args = build_parser().parse_args(['import', 'boundaries', 'x.geojson', '--level', 'community'])\n"
                     "assert args.level == 'community'")
    assert "store.model" not in loaded
    from store.model import LEVELS
    from tui.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices["import"]
    boundaries = next(a for a in sub._actions if a.dest == "import_kind").choices["boundaries"]
    text = " ".join(boundaries.format_help().split())
    assert "level of every feature: " + ", ".join(LEVELS[:-1]) + " or " + LEVELS[-1] in text
