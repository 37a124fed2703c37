"""The explorer: a thin app that wires the store to the widgets.

State lives here (the "as of" date, the highlighted place, which right-hand
pane shows); widgets are handed the :class:`~store.Store` and told what to
show. Every binding is declared once, with an id, on the class that owns it
(see :meth:`FrontlinesApp.binding_sections`); a user keymap remaps any id.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events
from textual.compose import compose  # what App.recompose uses, here for a screen of our choosing
from textual.content import Content
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.notifications import SeverityLevel
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Footer, LoadingIndicator, Static

from store.text import safe_message, shown

from .commands import FrontlinesCommands
from .edited import Edited
from .format import describe_changes, period_source_ids
from .keymap import Keymap, conflicts, default_path, load_keymap
from .theme import bloc_colours, theme_variable_defaults

if TYPE_CHECKING:
    from store import Region, Source, Store
    from store.dates import add_months, days_in_month
    from store.storage import StoreError

    from .screens.date_prompt import DatePrompt
    from .screens.help import HelpScreen, key_label
    from .screens.search import SearchScreen
    from .widgets.breadcrumb import Breadcrumb
    from .widgets.chronicle import Chronicle
    from .widgets.detail import DetailPane
    from .widgets.events import EventsPane
    from .widgets.factions import FactionsPane
    from .widgets.miller import MillerColumns
    from .widgets.topbar import TopBar


_ui_loaded = False


def load_ui() -> None:
    """Import the widgets, the screens, the store's error type and date steps.

    The explorer's first frame (the layout with a loading state) needs none
    of them: the worker that opens the database imports them after that
    frame (see ``on_mount``), and whatever else needs them calls this first
    (``compose``, ``binding_sections``, the help). Cheap once done.
    """
    global Breadcrumb, Chronicle, DatePrompt, DetailPane, EventsPane, FactionsPane, HelpScreen, MillerColumns
    global SearchScreen, StoreError, TopBar, add_months, days_in_month, key_label, _ui_loaded
    if _ui_loaded:
        return
    from store.dates import add_months, days_in_month
    from store.storage import StoreError

    from .screens.date_prompt import DatePrompt
    from .screens.help import HelpScreen, key_label
    from .screens.search import SearchScreen
    from .widgets.breadcrumb import Breadcrumb
    from .widgets.chronicle import Chronicle
    from .widgets.detail import DetailPane
    from .widgets.events import EventsPane
    from .widgets.factions import FactionsPane
    from .widgets.miller import MillerColumns
    from .widgets.topbar import TopBar

    # Screens opened on a key, imported here too so that the help and the
    # keymap check know their bindings before one is first opened.
    from .screens import changes, choose, edit_forms, messages, situation  # noqa: F401
    from .widgets import mappane  # noqa: F401

    _ui_loaded = True


NARROW = 100  # below this width the preview column folds away
MAP_BESIDE = 120  # from this width the map sits beside the details; below, it takes their place
MAP_ROOMY = 160  # from this width the preview column stays beside the map too
MAX_TOASTS = 4  # warnings shown at start-up before the rest are summarised
PLAY_INTERVAL = 1.0


class FrontlinesApp(App[None]):
    """Who controlled what, when: Miller columns, details, events, factions, time."""

    CSS_PATH = "app.tcss"
    TITLE = "frontlines"
    COMMANDS = App.COMMANDS | {FrontlinesCommands}

    BINDINGS = [
        Binding("q", "quit", "Quit", show=False, id="app.quit", tooltip="Leave frontlines"),
        Binding("question_mark", "help", "Help", id="app.help", tooltip="Every key, with its id for remapping"),
        Binding("slash", "search", "Search", id="app.search", tooltip="Find a place by any spelling, Arabic or P-code"),
        Binding("e", "toggle_events", "Events", id="app.events", tooltip="Events in and under the highlighted place"),
        Binding("f", "toggle_factions", "Factions", id="app.factions", tooltip="Factions and the places each held"),
        Binding("m", "toggle_map", "Map", id="app.map",
                tooltip="Map of the highlighted place's area, coloured by who held each place on the date"),
        Binding(
            "left_square_bracket", "prev_change", "Prev", id="time.prev_change",
            tooltip="Back to the previous change of control in the highlighted place",
        ),
        Binding(
            "right_square_bracket", "next_change", "Next", id="time.next_change",
            tooltip="On to the next change of control in the highlighted place",
        ),
        Binding("left_curly_bracket", "prev_month", "Month back", show=False, id="time.prev_month",
                tooltip="The same day a month earlier"),
        Binding("right_curly_bracket", "next_month", "Month on", show=False, id="time.next_month",
                tooltip="The same day a month later"),
        Binding("t", "date_prompt", "Date", id="time.prompt", tooltip="Go to a date: YYYY, YYYY-MM or YYYY-MM-DD"),
        Binding("space", "play", "Play", id="time.play",
                tooltip="Play the changes in the highlighted place, one a second; again to stop"),
        Binding("escape", "back", "Back", show=False, id="app.back", tooltip="Stop playing, or back to the details"),
        Binding("s", "situation", "Situation", id="app.situation",
                tooltip="Situation: the places under the highlighted one, grouped by who held them on the date"),
        Binding("w", "changes", "Changes", id="app.changes",
                tooltip="What changed: every change of control under the highlighted place since the last step"),
        Binding("less_than_sign,alt+left", "history_back", "Jump back", show=False, id="history.back",
                tooltip="Back to the place and date before the last jump"),
        Binding("greater_than_sign,alt+right", "history_forward", "Jump on", show=False, id="history.forward",
                tooltip="Forward again, to where you jumped back from"),
        Binding("o", "open_source", "Open source", show=False, id="app.open_source",
                tooltip="Open the highlighted source's address in a browser"),
        Binding("c", "copy", "Copy", show=False, id="app.copy",
                tooltip="Copy the place id, a citation or the status line to the clipboard"),
        Binding("M", "messages", "Messages", show=False, id="app.messages",
                tooltip="Recent messages in full (the status line shows one line)"),
        # Editing (see tui.edit_actions and tui.screens.edit_forms).
        Binding("r", "record_control", "Record", show=False, id="app.record_control",
                tooltip="Record a change of control on this place"),
        Binding("A", "add_event", "Add event", show=False, id="app.add_event",
                tooltip="Add an event in the highlighted place"),
        Binding("i,f2", "edit", "Edit", show=False, id="app.edit",
                tooltip="Edit the highlighted period (or event)"),
        Binding("D,delete", "delete", "Delete", show=False, id="app.delete",
                tooltip="Delete the highlighted period or event (asks)"),
        Binding("u", "undo", "Undo", show=False, id="app.undo",
                tooltip="Undo the last change to the database (itself kept in its history)"),
        Binding("U,ctrl+r", "redo", "Redo", show=False, id="app.redo", tooltip="Make the last undone change again"),
    ]

    # The state every pane follows: panes bind to these (data_bind) and draw
    # themselves when they change; nothing here calls a pane to update it.
    as_of: reactive[date] = reactive(date(2018, 12, 31), init=False, repaint=False)
    """The one global date."""
    focus_region: reactive[str | None] = reactive(None, init=False, repaint=False)
    """The highlighted place (the place columns' cursor)."""
    pane: reactive[str] = reactive("detail", init=False, repaint=False)
    """Which right-hand pane shows: detail, events or factions."""
    map_shown: reactive[bool] = reactive(False, init=False, repaint=False)
    """Whether the map pane shows (m): beside the columns and details when wide, else in the details' place."""
    playing: reactive[bool] = reactive(False, init=False, repaint=False)
    """Whether time is playing (space)."""
    previous_as_of: date | None = None
    """The date before the last step in time (the changes view starts from it)."""

    def __init__(
        self,
        store: Store | None,
        *,
        at: date | None = None,
        keymap_path: Path | None = None,
        use_keymap_file: bool = True,
        loader: Callable[[], Store] | None = None,
        loading_label: str = "",
        state_path: Path | None = None,
    ) -> None:
        """With ``store`` None, ``loader`` opens it in a worker thread while the
        screen already shows the layout and a loading state (a big database
        takes seconds to open; the first frame never waits for it)."""
        super().__init__()
        if store is None and loader is None:
            raise ValueError("FrontlinesApp needs a store or a loader")
        self._store: Store | None = store  # None until the loader has opened it
        self._loader = loader
        self._loading_label = loading_label
        self._at = at
        self.load_error: str | None = None  # why the store could not be opened, for the CLI to say
        self.startup_notes: list[str] = []  # shown once the screen is up (e.g. "created your copy")
        self._play_timer: Timer | None = None
        # Jumps (search, palette, views, events, factions): where each one left from.
        self.history_back: list[tuple[str | None, date]] = []
        self.history_forward: list[tuple[str | None, date]] = []
        self._month_anchor: tuple[date, int] | None = None  # (day a month step landed on, day of month wanted)
        # What the last run left (see tui.state): the theme now, the date and place once the data is open.
        self.state_path = state_path
        if state_path is not None:
            from . import state

            theme = state.read_theme(state_path)
            if theme and theme in self.available_themes:
                self.theme = theme
        path = keymap_path if keymap_path is not None else (default_path() if use_keymap_file else None)
        # The binding ids (every widget's) are gathered only if there is a keymap file to check.
        self.keymap: Keymap = load_keymap(
            path, lambda: {b.id for _, bindings in self.binding_sections() for b in bindings if b.id}
        )
        if self.keymap.keys:
            self.set_keymap(self.keymap.keys)
            defaults = {b.id: b.key for _, bindings in self.binding_sections() for b in bindings if b.id}
            self.keymap.warnings.extend(conflicts(self.keymap, defaults))
        self.set_reactive(FrontlinesApp.as_of, at or (store.span[1] if store is not None else date.today()))

    # --- bindings, for help, palette and keymap validation -----------------------------------

    HELP_SECTION = ("Everywhere", 10)

    @classmethod
    def binding_sections(cls) -> list[tuple[str, Sequence[Binding]]]:
        """Every key of the explorer, by section, for the help, the palette and
        keymap checks. Each class that owns bindings says under which section
        they belong (``HELP_SECTION``); nothing here lists them by hand."""
        load_ui()
        owners = [cls, *_with_help_section(Widget)]  # screens are widgets too
        owners.sort(key=lambda owner: owner.__dict__["HELP_SECTION"][1])
        return [
            (owner.__dict__["HELP_SECTION"][0], [b for b in owner.__dict__.get("BINDINGS", ()) if isinstance(b, Binding)])
            for owner in owners
        ]

    @classmethod
    def app_bindings(cls) -> list[Binding]:
        return [b for b in cls.BINDINGS if isinstance(b, Binding)]

    def key_for(self, binding: Binding) -> str:
        """The binding's keys (after any remapping) as the footer shows them."""
        return key_label(self.keymap.keys.get(binding.id or "", binding.key), self)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        # Textual's Quit is our app.quit ("Leave frontlines"): offered once, by our provider.
        return (command for command in super().get_system_commands(screen) if command.callback != self.action_quit)

    async def run_named_action(self, action: str) -> None:
        await self.run_action(action)

    # --- layout ---------------------------------------------------------------------------------

    @property
    def loading(self) -> bool:
        return self._store is None

    @property
    def store(self) -> Store:
        """The open store. Nothing that needs it runs while loading (see check_action)."""
        if self._store is None:
            raise RuntimeError("the database is still opening")
        return self._store

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While the store opens, only leaving (and the help) make sense.
        if self.loading and action not in ("quit", "help"):
            return False
        return True

    def watch_as_of(self, old: date, new: date) -> None:
        self.previous_as_of = old

    def compose(self) -> ComposeResult:
        if self.loading:
            yield Static(Text("frontlines", style="bold"), id="topbar")
            with Horizontal(id="main"):
                yield LoadingIndicator(id="loading")
            yield Static(Text(self._loading_label or "Opening the database…"), id="chronicle")
            yield Footer(compact=True, show_command_palette=False)
            return
        load_ui()
        bind = FrontlinesApp
        topbar = TopBar(self.store.title, self.as_of, id="topbar", read_only=self.store.read_only_reason is not None)
        yield topbar.data_bind(day=bind.as_of, playing=bind.playing)
        yield Breadcrumb(self.store, id="breadcrumb").data_bind(region_id=bind.focus_region)
        with Horizontal(id="main"):
            yield MillerColumns(self.store, self.as_of, id="miller").data_bind(day=bind.as_of)
            with ContentSwitcher(initial="detail", id="right").data_bind(current=bind.pane):
                # The events and factions panes are built when first shown
                # (see _ensure_pane): on a big database each takes a while.
                yield DetailPane(self.store, self.as_of, id="detail").data_bind(
                    region_id=bind.focus_region, day=bind.as_of
                )
        yield Chronicle(id="chronicle")
        yield Footer(compact=True, show_command_palette=False)

    @property
    def miller(self) -> MillerColumns:
        return self.main_screen.query_one(MillerColumns)

    def on_mount(self) -> None:
        if self.loading:
            # Once the loading frame is on the screen, so the worker's imports do not delay it.
            self.call_after_refresh(self.run_worker, self._open_store, thread=True, exclusive=True, name="open the database")
            return
        self._start()

    def _open_store(self) -> None:
        """In a worker thread: open the store, then hand it to the app."""
        assert self._loader is not None
        load_ui()
        try:
            store = self._loader()
        except StoreError as exc:
            self.call_from_thread(self._open_failed, str(exc))
            return
        self.call_from_thread(self._opened, store)

    def _opened(self, store: Store) -> None:
        if self._at is not None:
            # The explorer's --at, refused like the date prompt refuses a date outside the data.
            from store.dates import DateError, PartialDate

            from store.dates import day_in_data

            try:
                day_in_data(PartialDate(self._at, self._at, "day"), store.span)
            except DateError as exc:
                store.close()
                self.load_error = f"--at {exc}"
                self.exit(return_code=2)
                return
        self._store = store
        self.set_reactive(FrontlinesApp.as_of, self._at or store.span[1])
        self.call_later(self._show_opened)

    async def _show_opened(self) -> None:
        # The main screen, even when the help was opened over it meanwhile
        # (App.recompose would rebuild whichever screen is on top).
        main = self.main_screen
        async with main.batch():
            await main.query("*").exclude(".-textual-system").remove()
            await main.mount_all(compose(self))
        self._start()

    @property
    def main_screen(self) -> Screen[object]:
        """The screen the explorer's layout lives on (the first), whatever is shown over it."""
        return self.screen_stack[0]

    def _open_failed(self, message: str) -> None:
        self.load_error = message
        self.exit(return_code=1)

    def _start(self) -> None:
        """Everything that needs the store, once the main layout is composed."""
        self._apply_width(self.size.width)
        # The columns say which place is highlighted; everything else follows focus_region.
        self.watch(self.miller, "highlighted_id", self._place_highlighted)
        self.miller.current.focus()
        self._restore()
        first, last = self.store.span
        keys = {b.id: self.key_for(b) for b in self.app_bindings()}
        if self.store.regions:
            hint = (
                f"Data {first} to {last} · {keys['time.prev_change']} {keys['time.next_change']} changes"
                f" · {keys['time.prompt']} date · {keys['app.search']} search · {keys['app.help']} help"
            )
        else:
            hint = f"{self.store.path.name} holds no places yet: nothing to explore (see docs/data-format.md)"
        chronicle = self.main_screen.query_one(Chronicle)
        chronicle.more_key = keys["app.messages"]
        chronicle.say([hint])
        for note in self.startup_notes:
            self.notify(safe_message(note), timeout=8, markup=False)
        if not self.store.readonly:
            # So the first edit is as quick as the next (a big database's tables take a while to index).
            self.run_worker(self.store.prepare_edits, thread=True, name="prepare edits", exit_on_error=False)
        warnings = self.keymap.warnings + self.store.warnings
        for warning in warnings[:MAX_TOASTS]:
            self.notify(safe_message(warning), title="Warning", severity="warning", timeout=10, markup=False)
        if len(warnings) > MAX_TOASTS:
            self.notify(
                f"…and {len(warnings) - MAX_TOASTS} more warnings; fix those above and start again to see them",
                title="Warning",
                severity="warning",
                timeout=10,
                markup=False,
            )

    def _restore(self) -> None:
        """Back to the date and place the last run left (unless a date was asked for)."""
        if self.state_path is None:
            return
        from . import state

        remembered = state.load(self.state_path, self.store.path)
        first, last = self.store.span
        if self._at is None and remembered.as_of is not None and first <= remembered.as_of <= last:
            self.as_of = remembered.as_of
            self.previous_as_of = None
        if remembered.place and remembered.place in self.store.regions:
            self.jump_to(remembered.place, record=False)

    def save_state(self) -> str | None:
        """Remember the theme, date and place for the next run; why not, if it could not."""
        if self.state_path is None or self._store is None:
            return None
        from . import state

        return state.save(
            self.state_path, self.store.path, state.Remembered(self.theme, self.as_of, self.focus_region)
        )

    def on_resize(self, event: events.Resize) -> None:
        # This handler runs before App._on_resize stores the new size, so
        # self.size is still the old one here: use the event's.
        if not self.loading:
            self._apply_width(event.size.width)

    def _apply_width(self, width: int) -> None:
        # The preview column folds away when narrow, and for the map beside the details.
        narrow = width < NARROW or (self.map_shown and MAP_BESIDE <= width < MAP_ROOMY)
        self.miller.set_class(narrow, "-narrow")
        main = self.main_screen.query_one("#main")
        main.set_class(narrow, "-narrow")
        main.set_class(width < MAP_BESIDE, "-map-alone")  # too narrow for the map beside the details

    # --- changes to the database -------------------------------------------------------------

    def refuse_if_read_only(self) -> bool:
        """True (after saying why) if the database cannot be changed here."""
        if not self.store.readonly:
            return False
        why = self.store.read_only_reason or "opened read-only"
        self.notify(f"read-only: {shown(why, 200)}", severity="warning", timeout=6, markup=False)
        self.bell()
        return True

    def on_edited(self, message: Edited) -> None:
        """A change was written: every view drawn again from the store as it now is."""
        for screen in self.screen_stack:
            for widget in [screen, *screen.query("*")]:
                redraw = getattr(widget, "data_changed", None)
                if callable(redraw):
                    redraw()
        change = message.change
        keys = {b.id: self.key_for(b) for b in self.app_bindings()}
        if change.kind == "undo":
            said = f"Undone: {change.summary.removeprefix('undid: ')} ({keys['app.redo']} redoes it)"
        elif change.kind == "redo":
            said = f"Redone: {change.summary.removeprefix('redid: ')} ({keys['app.undo']} undoes it)"
        else:
            said = f"Saved: {change.summary} ({keys['app.undo']} undoes it)"
        self.main_screen.query_one(Chronicle).say([said])
        if message.place and message.place in self.store.regions and message.place != self.focus_region:
            self.jump_to(message.place, record=False)

    def action_undo(self) -> None:
        self._undo_or_redo(undo=True)

    def action_redo(self) -> None:
        self._undo_or_redo(undo=False)

    def _undo_or_redo(self, *, undo: bool) -> None:
        if self.refuse_if_read_only():
            return
        from store.edits import EditError

        try:
            change = self.store.undo() if undo else self.store.redo()
        except EditError as exc:
            self.main_screen.query_one(Chronicle).say([f"{str(exc)[0].upper()}{str(exc)[1:]}."])
            self.bell()
            return
        except StoreError as exc:  # the disk full, the history unwritable: nothing was changed
            self.notify(safe_message(str(exc)), title="Not saved", severity="error", timeout=10, markup=False)
            return
        self.post_message(Edited(change))

    def compact_on_exit(self) -> str | None:
        """Fold this session's changes into the database file; why not, if it could not."""
        store = self._store
        if store is None or store.readonly or not store.pending_changes:
            return None
        try:
            store.compact()
        except StoreError as exc:
            return f"{exc} (the changes are safe in {store.history_file.name}; they are folded in next time)"
        return None

    # --- the map ---------------------------------------------------------------------------------

    async def action_toggle_map(self) -> None:
        from .widgets.mappane import MapPane

        await self._to_main()
        main = self.main_screen.query_one("#main")
        if not self.main_screen.query(MapPane):
            bind = FrontlinesApp
            pane = MapPane(self.store, self.as_of, id="map").data_bind(region_id=bind.focus_region, day=bind.as_of)
            await main.mount(pane)
        self.map_shown = not self.map_shown
        main.set_class(self.map_shown, "-map")
        self._apply_width(self.size.width)
        if self.map_shown:
            self.main_screen.query_one(MapPane).focus()
        else:
            self.miller.current.focus()

    def on_map_pane_place_chosen(self, message: object) -> None:
        """A place picked on the map: the columns follow, the map keeps the focus."""
        region_id = getattr(message, "region_id", None)
        if region_id in self.store.regions:
            self.miller.jump_to(region_id)

    @property
    def colours(self) -> dict[str, str]:
        """Bloc colours of the current theme (see tui.theme)."""
        return bloc_colours(self)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        # $bloc-government ... for the theme being applied (dark or light variants), and its pane borders.
        theme = self.current_theme
        return theme_variable_defaults(theme.dark if theme is not None else True, theme)

    # --- the highlighted place ---------------------------------------------------------------

    def _place_highlighted(self, region_id: str | None) -> None:
        if region_id is not None:
            self.focus_region = region_id

    def jump_to(self, region_id: str, *, record: bool = True) -> None:
        """Expand the columns to ``region_id`` and highlight it (a jump back can return from)."""
        if region_id not in self.store.regions:
            return
        if record:
            self.record_jump()
        self._show_pane("detail")
        self.miller.jump_to(region_id)
        self.miller.current.focus()

    # --- jumps, back and forward -------------------------------------------------------------

    def _here(self) -> tuple[str | None, date]:
        return (self.focus_region, self.as_of)

    def record_jump(self) -> None:
        """Called before a jump: where it leaves from goes on the back list."""
        here = self._here()
        if not self.history_back or self.history_back[-1] != here:
            self.history_back.append(here)
            del self.history_back[:-100]
        self.history_forward.clear()

    def _go(self, place: str | None, day: date, what: str) -> None:
        if place is not None and place != self.focus_region:
            self.jump_to(place, record=False)
        if day != self.as_of:
            self.set_date(day, say=f"{what}: {self._place_name(place)} on {day.isoformat()}")
        else:
            self.main_screen.query_one(Chronicle).say([f"{what}: {self._place_name(place)} on {day.isoformat()}"])

    def _place_name(self, place: str | None) -> str:
        region = self.store.regions.get(place or "")
        return region.name if region else "the data"

    async def action_history_back(self) -> None:
        while self.history_back and self.history_back[-1] == self._here():
            self.history_back.pop()
        if not self.history_back:
            self.main_screen.query_one(Chronicle).say(["No jump to go back from."])
            self.bell()
            return
        await self._to_main()
        self.history_forward.append(self._here())
        place, day = self.history_back.pop()
        self._go(place, day, "Back")

    async def action_history_forward(self) -> None:
        if not self.history_forward:
            self.main_screen.query_one(Chronicle).say(["Nothing to go forward to."])
            self.bell()
            return
        await self._to_main()
        self.history_back.append(self._here())
        place, day = self.history_forward.pop()
        self._go(place, day, "Forward")

    async def _to_main(self) -> None:
        """Close the situation and changes views (and anything over them)."""
        while len(self.screen_stack) > 1:
            self.pop_screen()

    # --- the situation and changes views ----------------------------------------------------------

    async def _view_region(self, view: type[Screen[Any]]) -> str | None:
        """The place a view opens on, after closing any view; None to toggle ``view`` off."""
        if isinstance(self.screen, view):
            self.screen.dismiss(None)
            return None
        await self._to_main()
        roots = self.store.roots()
        region = self.focus_region or (roots[0].id if roots else None)
        if region is None:
            self.notify("No places to show.", markup=False)
        return region

    async def action_situation(self) -> None:
        from .screens.situation import SituationScreen

        region = await self._view_region(SituationScreen)
        if region is None:
            return

        def chosen(place: str | None) -> None:
            if place is not None:
                self.jump_to(place)

        self.push_screen(SituationScreen(self.store, region), chosen)

    async def action_changes(self) -> None:
        from .screens.changes import ChangesScreen

        region = await self._view_region(ChangesScreen)
        if region is None:
            return

        def chosen(picked: tuple[str, date] | None) -> None:
            if picked is not None:
                self.record_jump()
                self._go(picked[0], picked[1], "Change")

        self.push_screen(ChangesScreen(self.store, region), chosen)

    # --- sources: open and copy ------------------------------------------------------------------

    def _sources_in_view(self) -> tuple[list[Source], str]:
        """The sources of what is highlighted, and what that is (for messages)."""
        screen = self.screen
        if hasattr(screen, "current_sources"):
            return list(screen.current_sources()), "the highlighted change"
        if self.pane == "events" and self.main_screen.query(EventsPane):
            event = self.main_screen.query_one(EventsPane).highlighted_event
            if event is not None:
                return [self.store.sources[s] for s in event.sources if s in self.store.sources], "the highlighted event"
            return [], "the events list (no event highlighted)"
        region = self.focus_region
        if region is None:
            return [], "the data"
        control = self.store.control(region, self.as_of)
        period = control.period
        if period is None:
            return [], f"{self._place_name(region)} on {self.as_of} (derived from the places under it)"
        ids = period_source_ids(self.store, period)
        return [self.store.sources[s] for s in ids if s in self.store.sources], f"{self._place_name(region)} on {self.as_of}"

    def action_open_source(self) -> None:
        from . import links
        from .screens.choose import ChoiceScreen

        sources, what = self._sources_in_view()
        if not sources:
            self._say(f"No source is cited for {what}.")
            self.bell()
            return
        with_address = [s for s in sources if links.openable(s.url)]
        if not with_address:
            self._say(f"No web address for the source of {what}: {sources[0].citation}")
            self.bell()
            return

        def chosen(source: Source | None) -> None:
            if source is None or source.url is None:
                return
            why = links.open_url(source.url)
            if why is None:
                self._say(f"Opened {source.url} in the browser")
            else:
                self.copy_to_clipboard(source.url)
                self._say(f"Not opened ({why}); the address is copied: {source.url}")

        if len(with_address) == 1:
            chosen(with_address[0])
            return
        choices = [(Text(f"{s.publication}, “{s.title}”\n  {s.url}"), s) for s in with_address]
        self.push_screen(ChoiceScreen(f"Open a source of {what}", choices), chosen)

    def action_copy(self) -> None:
        from .screens.choose import ChoiceScreen

        choices: list[tuple[Text, str]] = []

        def label(text: str) -> Text:
            return Text(text, no_wrap=True, overflow="ellipsis")

        place = getattr(self.screen, "current_place", lambda: None)() or self.focus_region
        if place is not None:
            region = self.store.regions[place]
            choices.append((label(f"Place id: {region.id}" + (f"  (P-code {region.pcode})" if region.pcode else "")), region.id))
        sources, what = self._sources_in_view()
        for source in sources:
            citation = source.citation
            choices.append((label(f"Citation: {citation}"), citation))
        chronicle = self.main_screen.query_one(Chronicle)
        if chronicle.messages:
            line = chronicle.messages[-1].plain
            choices.append((label(f"Status line: {line}"), line))
        if not choices:
            self.bell()
            return

        def chosen(text: str | None) -> None:
            if text is not None:
                self.copy_to_clipboard(text)
                self.notify(f"Copied: {text}", timeout=4, markup=False)

        self.push_screen(ChoiceScreen("Copy to the clipboard", choices), chosen)

    def _say(self, line: str) -> None:
        """Tell on the status line (kept whole in its log, M)."""
        self.main_screen.query_one(Chronicle).say([line])

    # --- panes -----------------------------------------------------------------------------------

    def _show_pane(self, pane: str) -> None:
        self.pane = pane

    async def _ensure_pane(self, name: str) -> None:
        """Build and mount the events or factions pane the first time it is shown."""
        if self.main_screen.query(f"#{name}"):
            return
        bind = FrontlinesApp
        pane: EventsPane | FactionsPane
        if name == "events":
            pane = EventsPane(self.store, self.as_of, id=name).data_bind(region_id=bind.focus_region, day=bind.as_of)
        else:
            pane = FactionsPane(self.store, self.as_of, id=name).data_bind(day=bind.as_of)
        await self.main_screen.query_one(ContentSwitcher).mount(pane)

    async def action_toggle_events(self) -> None:
        await self._to_main()  # from the situation or changes view too
        if self.pane == "events":
            self._show_pane("detail")
            self.miller.current.focus()
        else:
            await self._ensure_pane("events")
            self._show_pane("events")
            self.main_screen.query_one(EventsPane).focus_list()

    async def action_toggle_factions(self) -> None:
        await self._to_main()
        if self.pane == "factions":
            self._show_pane("detail")
            self.miller.current.focus()
        else:
            await self._ensure_pane("factions")
            self._show_pane("factions")
            self.main_screen.query_one(FactionsPane).focus_tree()

    async def action_back(self) -> None:  # App's own "back" pops a screen; here Escape means this
        if self._play_timer is not None:
            self._stop_playing()
        elif self.pane != "detail":
            self._show_pane("detail")
            self.miller.current.focus()

    def on_events_pane_event_chosen(self, message: EventsPane.EventChosen) -> None:
        self.record_jump()
        self.set_date(message.day, say=message.say)  # the event's first day, and why that day

    def on_factions_pane_place_chosen(self, message: FactionsPane.PlaceChosen) -> None:
        self.jump_to(message.region_id)

    # --- time ------------------------------------------------------------------------------------

    def set_date(self, day: date, *, say: str | None = None, changes_of: str | None = None) -> None:
        """Move the global date; tell, in the chronicle, what changed that day."""
        self.as_of = day
        region = changes_of or self.focus_region
        lines = describe_changes(self.store, self.store.changes_on(region, day)) if region else []
        chronicle = self.main_screen.query_one(Chronicle)
        if say:
            chronicle.say([say, *lines])
        else:
            chronicle.say(lines, prefix="" if lines else f"{day.isoformat()}: ")

    def _subtree_name(self) -> str:
        region: Region | None = self.store.regions.get(self.focus_region or "")
        return region.name if region else "the data"

    def action_next_change(self) -> bool:
        later = self.store.change_after(self.focus_region, self.as_of)
        if later is None:
            self.main_screen.query_one(Chronicle).say([f"No later change of control in {self._subtree_name()}."])
            self.bell()
            return False
        self.set_date(later)
        return True

    def action_prev_change(self) -> None:
        earlier = self.store.change_before(self.focus_region, self.as_of)
        if earlier is not None:
            self.set_date(earlier)
            return
        start = self.store.span[0]
        if self.as_of > start:
            # Before the first change: back to how things stood at the start.
            self.set_date(start, say=f"{start.isoformat()}: the start of the data, before any change in {self._subtree_name()}")
            return
        self.main_screen.query_one(Chronicle).say([f"No earlier change of control in {self._subtree_name()}."])
        self.bell()

    def _step_months(self, months: int) -> None:
        """A month on or back; say how many places changed control in the month stepped over.

        The day of the month is kept across steps (31 Jan, 28 Feb, 31 Mar...),
        and the last day of a month stays the last day of the next.
        """
        first, last = self.store.span
        current = self.as_of
        if self._month_anchor is not None and self._month_anchor[0] == current:
            wanted = self._month_anchor[1]
        else:
            wanted = 31 if current.day == days_in_month(current.year, current.month) else current.day
        target = add_months(current.replace(day=1), months)
        target = target.replace(day=min(wanted, days_in_month(target.year, target.month)))
        day = min(max(target, first), last)
        if day == current:
            self.bell()
            return
        self._month_anchor = (day, wanted)
        region = self.focus_region
        lo, hi = sorted((current, day))
        found = self.store.changes_between(region, lo + timedelta(days=1), hi) if region else []
        places = list(dict.fromkeys(c.region.name for c in found))
        span = f"from {lo + timedelta(days=1)} to {hi}"
        where = self._subtree_name()
        self.as_of = day  # the line below tells of the whole month, the day's own changes included
        chronicle = self.main_screen.query_one(Chronicle)
        if not places:
            chronicle.say([f"{day.isoformat()}: no change of control in {where} {span}"])
            return
        key = self.key_for(next(b for b in self.app_bindings() if b.id == "app.changes"))
        count = f"{len(places)} place{'s' if len(places) != 1 else ''}"
        named = ", ".join(places[:12]) + (f" and {len(places) - 12} more" if len(places) > 12 else "")
        chronicle.say([f"{day.isoformat()}: {count} in {where} changed control {span} ({key} lists them): {named}"])

    def action_next_month(self) -> None:
        self._step_months(1)

    def action_prev_month(self) -> None:
        self._step_months(-1)

    def action_date_prompt(self) -> None:
        def chosen(day: date | None) -> None:
            if day is not None:
                self.set_date(day)

        self.push_screen(DatePrompt(self.as_of, self.store.span), chosen)

    def action_play(self) -> None:
        if self._play_timer is not None:
            self._stop_playing()
            return
        days = self.store.change_days(self.focus_region)
        if not days:
            self.notify("No changes of control to play here.", markup=False)
            return
        if self.as_of >= days[-1]:
            self.set_date(self.store.span[0], say=f"Playing the changes in {self._subtree_name()} from the start")
        self._play_timer = self.set_interval(PLAY_INTERVAL, self._play_step)
        self.playing = True

    def _play_step(self) -> None:
        if not self.action_next_change():
            self._stop_playing()

    def _stop_playing(self) -> None:
        if self._play_timer is not None:
            self._play_timer.stop()
            self._play_timer = None
        self.playing = False

    # --- search and help ---------------------------------------------------------------------------

    async def action_search(self) -> None:
        await self._to_main()  # a place found from a view is shown in the columns

        def chosen(region_id: str | None) -> None:
            if region_id:
                self.jump_to(region_id)

        self.push_screen(SearchScreen(self.store), chosen)

    def action_messages(self) -> None:
        from .screens.messages import MessagesScreen

        self.push_screen(MessagesScreen(self.main_screen.query_one(Chronicle).messages))

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)
        # Kept with the status line's messages, for when the toast has gone (see action_messages).
        found = None if self.loading else self.main_screen.query(Chronicle)
        if found:
            plain = Content.from_markup(message).plain if markup else message
            found.first().note(plain, title, severity)

    def action_help(self) -> None:
        load_ui()  # it may be pressed while the database opens
        self.push_screen(HelpScreen(self.binding_sections(), self.keymap.keys))

    # --- editing (the forms: tui.screens.edit_forms) --------------------------------------------

    def _editing_place(self) -> tuple[bool, str | None]:
        """Whether an editing key acts now (not while a form, a picker or any other
        overlay is open), and on which place: a view's highlighted place, else the columns'."""
        from textual.screen import ModalScreen

        if isinstance(self.screen, ModalScreen):
            return False, None
        return True, getattr(self.screen, "current_place", lambda: None)() or self.focus_region

    def action_record_control(self) -> None:
        self._editing_key("record_control")

    def action_add_event(self) -> None:
        self._editing_key("add_event")

    def action_edit(self) -> None:
        self._editing_key("edit")

    def action_delete(self) -> None:
        self._editing_key("delete")

    def _editing_key(self, name: str) -> None:
        """One of the editing keys: what tui.edit_actions does for it, on the place it acts on."""
        from . import edit_actions

        acts, place = self._editing_place()
        if acts:
            getattr(edit_actions, name)(self, place)

def make_app(store: Store, *, at: date | None = None, keymap_path: Path | None = None, use_keymap_file: bool = True) -> FrontlinesApp:
    """The one factory used by the CLI, the Pilot tests and the snapshot tests."""
    return FrontlinesApp(store, at=at, keymap_path=keymap_path, use_keymap_file=use_keymap_file)


def run_explorer(
    loader: Callable[[], Store],
    *,
    at: date | None = None,
    no_color: bool = False,
    note: str | None = None,
    label: str = "",
) -> tuple[int, str | None]:
    """Run the explorer; the store is opened by ``loader`` once the screen is
    up. The exit code, and why the database could not be opened (if so)."""
    if no_color:
        os.environ["NO_COLOR"] = "1"  # Textual reads it when the app is created
    from . import state

    app = FrontlinesApp(None, at=at, loader=loader, loading_label=label, state_path=state.default_path())
    if note:
        app.startup_notes.append(note)
    app.run()
    import sys

    for why in (app.save_state(), app.compact_on_exit()):
        if why:
            print(f"frontlines: {safe_message(why)}", file=sys.stderr)
    if app._store is not None:
        app._store.close()
    return (app.return_code or 0), app.load_error


def _with_help_section(base: type) -> list[type]:
    """The subclasses of ``base``, however deep, that declare a HELP_SECTION of their own."""
    found: list[type] = []
    stack: list[type] = list(base.__subclasses__())
    seen: set[type] = set()
    while stack:
        klass = stack.pop()
        if klass in seen:
            continue
        seen.add(klass)
        if "HELP_SECTION" in klass.__dict__:
            found.append(klass)
        stack.extend(klass.__subclasses__())
    return found
