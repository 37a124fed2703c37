"""Shared fixtures: the bundled store, once per session, and the one app factory.

The explorer tests build every app through :func:`tui.app.make_app`, the
factory the CLI uses, with ``use_keymap_file=False`` so the keymap of the
user running the tests never leaks in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

# Environment the explorer reads. NO_COLOR and a user keymap would change what
# the Pilot and snapshot tests see; tests that want them set them explicitly.
_ENV_CLEARED = ("NO_COLOR", "FRONTLINES_KEYMAP", "TEXTUAL", "TEXTUAL_DEBUG")


@pytest.fixture(autouse=True)
def _deterministic_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _ENV_CLEARED:
        monkeypatch.delenv(name, raising=False)
    # Textual reads TEXTUAL_ANIMATIONS when it is imported (the snapshot plugin
    # imports it before this file), so set the constant it was read into.
    import textual.constants

    monkeypatch.setattr(textual.constants, "TEXTUAL_ANIMATIONS", "none", raising=False)


@pytest.fixture(scope="session")
def bundled_store():
    """The bundled Damascus data set, opened read-only once for the session."""
    from store import Store
    from store.locate import bundled_path

    store = Store.open(bundled_path())
    yield store
    store.close()


AppFactory = Callable[..., object]


@pytest.fixture
def app_factory(bundled_store) -> AppFactory:
    """``app_factory(at=date(...), store=..., keymap_path=...)`` -> a FrontlinesApp.

    Defaults: the bundled store, as of 2018-04-19, no keymap file at all.
    """
    from tui.app import make_app

    def build(*, store=None, at: date | None = date(2018, 4, 19), keymap_path: Path | None = None):
        return make_app(
            store if store is not None else bundled_store,
            at=at,
            keymap_path=keymap_path,
            use_keymap_file=False,
        )

    return build


# --- editing: a copy of the bundled data, and who edits it ------------------------------------


@pytest.fixture
def edit_identity(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The author and device of changes fixed, and nothing of the real home read or written."""
    monkeypatch.setenv("FRONTLINES_AUTHOR", "field officer")
    monkeypatch.setenv("FRONTLINES_DEVICE", "laptop1")
    monkeypatch.setenv("FRONTLINES_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("FRONTLINES_STATE", str(tmp_path / "state.json"))


@pytest.fixture
def editable_db(tmp_path: Path, edit_identity: None) -> Path:
    """A copy of the bundled database, with no history of changes yet."""
    import shutil

    from store.locate import bundled_path

    path = tmp_path / "damascus.json"
    shutil.copyfile(bundled_path(), path)
    return path


@pytest.fixture
def editable_store(editable_db: Path):
    """That copy, open to change (the writer's lock held)."""
    from store import Store

    store = Store.open(editable_db, readonly=False)
    yield store
    store.close()
